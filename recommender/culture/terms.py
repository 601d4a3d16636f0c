"""Candidate terms of one document: unigrams, bigrams and noun phrases with their counts.

Text in (plus spans to leave out: where the document names an artist or track); a Counter of
terms out. The method, in order:

1. Spans to skip (artist and track names) become phrase breaks, so a name never becomes a
   term ("lady gaga") and never glues two phrases together.
2. URLs, e-mail addresses, HTML tags and entities are removed (each a phrase break).
3. The text splits into phrases at punctuation; words are folded (case, accents), possessive
   "'s" dropped; hyphenated words stay one word ("lo-fi").
4. A *content word* has a letter, at least 2 characters, and is neither a stop word nor a
   page-furniture word (cookie, subscribe, ...). Numbers alone are not terms.
5. Unigrams: every content word. Bigrams: two adjacent content words in one phrase.
   Noun phrases: every maximal run of 3 or 4 adjacent content words in one phrase. This is
   the candidate-phrase rule of RAKE (Rose et al., 2010: runs of content words delimited by
   stop words and punctuation), which in English picks out adjective+noun and noun-compound
   phrases ("dreamy bedroom pop") without a part-of-speech tagger.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from recommender.culture.text import fold, strip_markup
from recommender.culture.wordlists import BOILERPLATE_WORDS, STOP_WORDS

MIN_WORD_CHARS = 2
PHRASE_WORDS = (3, 4)  # a noun phrase is a whole run of 3..4 content words
MAX_TERMS_PER_DOCUMENT = 2000  # the most frequent terms of a very long page
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»|/\\…–—•·*#=+<>~^]+|\s[-']\s|\n")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")


def mask_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each [start, end) span replaced by a phrase break of the same length."""
    chars = list(text)
    for start, end in spans:
        if end > start:
            chars[start:end] = ["|"] + [" "] * (end - start - 1)
    return "".join(chars)


def content_word(word: str) -> bool:
    return (
        len(word) >= MIN_WORD_CHARS
        and any(ch.isalpha() for ch in word)
        and word not in STOP_WORDS
        and word not in BOILERPLATE_WORDS
        and not _has_stop_part(word)
    )


def _has_stop_part(word: str) -> bool:
    """A hyphenated word counts by its parts: "all-time" is a stop word, "lo-fi" is not."""
    if "-" not in word:
        return False
    parts = word.split("-")
    return all(p in STOP_WORDS or not p for p in parts) or any(
        p in BOILERPLATE_WORDS for p in parts
    )


def phrases(text: str) -> list[list[str]]:
    """Runs of folded words between phrase breaks; a non-content word ends a run too."""
    runs: list[list[str]] = []
    for chunk in _PHRASE_BREAK.split(strip_markup(text)):
        run: list[str] = []
        for match in _WORD.finditer(chunk):
            word = _POSSESSIVE.sub("", fold(match.group())).replace("’", "'")
            word = word.replace("'", "")
            if content_word(word):
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def extract_terms(text: str, *, skip_spans: Iterable[tuple[int, int]] = ()) -> Counter[str]:
    """Counts of the document's unigrams, bigrams and noun phrases (see the module doc)."""
    spans = list(skip_spans)
    terms: Counter[str] = Counter()
    for run in phrases(mask_spans(text, spans) if spans else text):
        terms.update(run)
        terms.update(f"{a} {b}" for a, b in zip(run, run[1:], strict=False))
        if PHRASE_WORDS[0] <= len(run) <= PHRASE_WORDS[1]:
            terms[" ".join(run)] += 1
    if len(terms) > MAX_TERMS_PER_DOCUMENT:
        terms = Counter(dict(terms.most_common(MAX_TERMS_PER_DOCUMENT)))
    return terms


def normalize_term(tag: str) -> str:
    """A curator's or listener's tag in the form extraction gives terms ("Lo-Fi " -> "lo-fi")."""
    runs = phrases(tag)
    return " ".join(word for run in runs for word in run)
