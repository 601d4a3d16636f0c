"""Name normalization used to match submitted artists and tracks to the catalog.

"The Beatles", "the  beatles " and "THE BEATLES" are one artist; accents and case fold away,
punctuation and runs of whitespace collapse. The normalized form is what the unique
constraints hold, so matching is one indexed lookup.
"""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_name(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).casefold()
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()[:300]
