"""A small hand-made corpus: two dreamy artists, a metal one, one only a curator tagged."""

from collections import Counter

import numpy as np

from recommender.culture.model import CultureModel, Mentions, build_model

NOW = 1_700_000_000.0
DREAMY, METAL = 1, 2  # artist ids
DREAMY_TWIN, LONELY = 3, 4

PAGES = [
    ({"dreamy": 2, "shoegaze": 1, "reverb": 1}, [(DREAMY, 1.0)]),
    ({"dreamy": 1, "shoegaze": 2, "hazy": 1}, [(DREAMY, 1.0), (DREAMY_TWIN, 0.25)]),
    ({"dreamy": 1, "shoegaze": 1, "reverb": 1}, [(DREAMY_TWIN, 1.0)]),
    ({"hazy": 1, "shoegaze": 1}, [(DREAMY_TWIN, 1.0)]),
    ({"loud": 2, "riffs": 1, "thrash": 1}, [(METAL, 1.0)]),
    ({"loud": 1, "riffs": 2, "thrash": 1}, [(METAL, 1.0)]),
    ({"gardening": 1, "weather": 1}, []),
    ({"weather": 1, "gardening": 1}, []),
]


def mentions():
    triples = [(d, a, w) for d, (_, found) in enumerate(PAGES) for a, w in found]
    doc, entity, weight = zip(*triples, strict=True)
    return Mentions(np.array(doc), np.array(entity), np.array(weight, np.float32))


def small_model() -> CultureModel:
    """Tracks: 20 by DREAMY, 21 by METAL (with its own page), 22 by LONELY."""
    return build_model(
        doc_terms=[Counter(terms) for terms, _ in PAGES],
        doc_time=np.full(len(PAGES), NOW),
        artist_mentions=mentions(),
        track_mentions=Mentions(np.array([4]), np.array([21]), np.array([1.0], np.float32)),
        track_ids=np.array([20, 21, 22]),
        track_artist=np.array([DREAMY, METAL, LONELY]),
        manual_tags=[(METAL, "Headbanging"), (LONELY, "lonely tag")],
        now=NOW,
    )
