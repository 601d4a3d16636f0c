"""Name normalization used to match submitted artists and tracks to the catalog.

"The Beatles", "the  beatles " and "THE BEATLES" are one artist; Latin, Greek and Cyrillic
accents and case fold away, punctuation and runs of whitespace collapse. Marks that change
meaning in other scripts (kana voicing, Indic vowel signs) stay, and a name made only of
punctuation or symbols ("!!!", "÷") keeps its characters. The normalized form is what the
unique constraints hold, so matching is one indexed lookup.
"""

import re
import unicodedata

MAX_LENGTH = 300
_NON_WORD = re.compile(r"[^\w\u0300-\u036f\u0900-\u0dff\u3099\u309a]+", re.UNICODE)
_ACCENT_SCRIPTS_END = 0x0530  # Latin, IPA, Greek, Cyrillic, Armenian: accents are decoration


def _fold_accents(text: str) -> str:
    """Drop combining marks only where they decorate a Latin, Greek or Cyrillic letter."""
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            if base and ord(base) < _ACCENT_SCRIPTS_END:
                continue
        else:
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalize_name(name: str) -> str:
    folded = _fold_accents(name.casefold())
    words = _NON_WORD.sub(" ", folded).strip()
    if not words:  # all punctuation or symbols: those characters are the name
        words = " ".join(folded.split())
    return words[:MAX_LENGTH]
