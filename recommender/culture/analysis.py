"""One document through the text pipeline: mentions of artists and tracks, then its terms.

A page's title and main text in (plus the catalog's matchers); a `DocumentAnalysis` out:
which artists and tracks it names and how much it is about each, and the counts of its
candidate terms with those names left out. The webapp stores this per document; the
evaluation runs the same function.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from recommender.culture.mentions import ArtistMatcher, Mention, TrackMatcher
from recommender.culture.terms import extract_terms
from recommender.culture.text import tokenize


@dataclass(frozen=True)
class DocumentAnalysis:
    artists: list[Mention]
    tracks: list[Mention]
    terms: Counter[str]


def analyze_document(
    text: str,
    *,
    title: str = "",
    artists: ArtistMatcher,
    tracks: TrackMatcher | None = None,
) -> DocumentAnalysis:
    """Mentions (positions are offsets into `text`) and the terms of title + text.

    Names found are not terms: the spans of every artist and track named, and single words
    of the names of artists the title names ("Clapton" in a page titled "Eric Clapton"),
    become phrase breaks before terms are extracted.
    """
    tokens = tokenize(text)
    artist_mentions = artists.find(text, title=title, tokens=tokens)
    named = [m.entity_id for m in artist_mentions]
    track_mentions = tracks.find(text, named, title=title, tokens=tokens) if tracks else []
    skip = [span for m in (*artist_mentions, *track_mentions) for span in m.spans]
    about = [m.entity_id for m in artist_mentions if m.in_title]
    skip += artists.name_word_spans(text, about, tokens=tokens)
    terms = extract_terms(text, skip_spans=skip)
    if title:
        title_skip = [(s, e) for _, s, e, _ in artists.names.occurrences(title)]
        title_skip += artists.name_word_spans(title, about)
        terms.update(extract_terms(title, skip_spans=title_skip))
    return DocumentAnalysis(artists=artist_mentions, tracks=track_mentions, terms=terms)
