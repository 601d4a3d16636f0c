"""Name normalization used to match submitted artists and tracks to the catalog.

"The Beatles", "the  beatles " and "THE BEATLES" are one artist; Latin, Greek and Cyrillic
accents and case fold away, punctuation and runs of whitespace collapse. Marks that change
meaning in other scripts (kana voicing, Indic vowel signs) stay, a name made only of
punctuation or symbols ("!!!", "÷") keeps its characters, and a name that folding would leave
empty (only combining marks: "¨", "´") keeps its raw form. The normalized form is what the
unique constraints hold, so matching is one indexed lookup. Only the first NAME_MAX_LENGTH
characters are read, so a hostile name costs no more than a long real one.
"""

import re
import unicodedata

from webapp.catalog.inputs import NAME_MAX_LENGTH

MAX_LENGTH = NAME_MAX_LENGTH
_NON_WORD = re.compile(r"[^\w\u0300-\u036f\u0900-\u0dff\u3099\u309a]+", re.UNICODE)
_ACCENT_SCRIPTS_END = 0x0530  # Latin, IPA, Greek, Cyrillic, Armenian: accents are decoration
#: Decomposed characters read at most: an accented name doubles in NFKD, but one ligature can
#: become eighteen characters, and folding is a Python loop over each of them.
_MAX_DECOMPOSED = 4 * NAME_MAX_LENGTH


def _fold_accents(text: str) -> str:
    """Drop combining marks only where they decorate a Latin, Greek or Cyrillic letter."""
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFKD", text)[:_MAX_DECOMPOSED]:
        if unicodedata.combining(ch):
            if base and ord(base) < _ACCENT_SCRIPTS_END:
                continue
        else:
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def normalize_name(name: str) -> str:
    name = name[:NAME_MAX_LENGTH].casefold()
    folded = _fold_accents(name)
    words = _NON_WORD.sub(" ", folded).strip()
    if not words:  # all punctuation or symbols: those characters are the name
        words = _collapse(folded)
    if not words:  # only marks that folding removes ("¨" is a space and a combining mark)
        words = _collapse(name)
    return words[:NAME_MAX_LENGTH]
