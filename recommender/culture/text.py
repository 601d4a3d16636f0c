"""Text normalization and tokenization with character offsets.

A string in; normalized names (the same rules as the webapp's `catalog.normalize`) or a list
of `Token` (folded form plus where it sits in the original text) out. Case and the accents of
Latin, Greek and Cyrillic letters fold away; punctuation separates tokens.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

MAX_NAME_LENGTH = 300
# A word character, or a combining mark that changes meaning (Indic vowel signs, kana voicing).
_WORD = r"[\w\u0300-\u036f\u0900-\u0dff\u3099\u309a]"
_NON_WORD = re.compile(rf"(?:(?!{_WORD}).)+", re.UNICODE | re.DOTALL)
_TOKEN = re.compile(rf"{_WORD}+", re.UNICODE)
_ACCENT_SCRIPTS_END = 0x0530  # Latin, IPA, Greek, Cyrillic, Armenian: accents are decoration

_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded form and its [start, end) character span in the original text."""

    text: str
    start: int
    end: int


def fold(text: str) -> str:
    """Casefold, and drop combining marks that only decorate a Latin/Greek/Cyrillic letter."""
    if text.isascii():
        return text.lower()
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(ch):
            if base and ord(base) < _ACCENT_SCRIPTS_END:
                continue
        else:
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalize_name(name: str) -> str:
    """The catalog's normalized name: folded words joined by single spaces.

    Same rules as `webapp.catalog.normalize.normalize_name` (a test keeps them equal); a name
    made only of punctuation or symbols ("!!!") keeps its characters.
    """
    folded = fold(name)
    words = _NON_WORD.sub(" ", folded).strip()
    if not words:
        words = " ".join(folded.split())
    return words[:MAX_NAME_LENGTH]


def name_tokens(name: str) -> tuple[str, ...]:
    """The word tokens a mention of this name must match, in order ("AC/DC" -> ("ac", "dc"))."""
    return tuple(t.text for t in tokenize(name))


def tokenize(text: str) -> list[Token]:
    """Word tokens with offsets into `text`. Punctuation, apostrophes included, separates words
    as the catalog's normalization does ("Destiny's Child" -> destiny, s, child)."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        folded = fold(raw)
        parts = _NON_WORD.split(folded) if not folded.isalnum() else [folded]
        tokens.extend(Token(p, match.start(), match.end()) for p in parts if p)
    return tokens


def strip_markup(text: str) -> str:
    """Remove URLs, e-mail addresses, HTML/XML tags and entities; each leaves a phrase break."""
    text = _TAG.sub(" . ", text)
    text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
    return _URL.sub(" . ", text)
