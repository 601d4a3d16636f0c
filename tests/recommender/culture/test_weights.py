"""Top-term weights: the documented smoothed formula, min_df, top K, time decay, manual tags."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.culture.vectors import doc_term_matrix
from recommender.culture.weights import (
    SECONDS_PER_DAY,
    TermParams,
    decay_weights,
    term_scores,
    top_k_rows,
    top_terms,
)

VOCAB = ["dreamy", "guitar", "loud", "metal", "pop"]
NOW = 1_700_000_000.0


def corpus(docs):
    x, vocab = doc_term_matrix([dict.fromkeys(d, 1) for d in docs], extra=VOCAB)
    assert vocab == VOCAB
    return x


def about(rows_entities, n_docs, n_entities=2):
    rows, cols = zip(*rows_entities, strict=True)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, n_entities))


def test_the_score_is_the_smoothed_lift_weighted_by_use_computed_by_hand():
    x = corpus([["dreamy", "pop"], ["dreamy", "guitar"], ["pop", "metal"], ["metal", "loud"]])
    w = about([(0, 0), (1, 0), (2, 1), (3, 1)], 4)
    scores = term_scores(x, w, np.ones(4), TermParams(prior_docs=2.0, min_df=2)).toarray()
    # dreamy for artist 0: P(t) = (2+1)/(4+2) = 0.5; P(t|a) = (2 + 2*0.5)/(2+2) = 0.75
    assert scores[0, VOCAB.index("dreamy")] == pytest.approx(0.75 * math.log(1.5), rel=1e-6)
    # pop is used by one of the artist's two pages, as by pages in general: lift 1, dropped
    assert scores[0, VOCAB.index("pop")] == 0
    # guitar appears in one page only (min_df = 2): a one-off says nothing shared
    assert scores[0, VOCAB.index("guitar")] == 0
    assert scores[1, VOCAB.index("metal")] == pytest.approx(0.75 * math.log(1.5), rel=1e-6)


def test_top_k_keeps_the_best_terms_and_the_best_weighs_one():
    m = sp.csr_matrix(np.array([[0.2, 0.8, 0.4, 0.0, 0.1]], dtype=np.float32))
    top = top_k_rows(m, 2).toarray()[0]
    assert top.tolist() == pytest.approx([0, 1.0, 0.5, 0, 0])


def test_a_page_one_half_life_old_counts_half():
    times = np.array([NOW, NOW - 30 * SECONDS_PER_DAY, NOW + 5])
    assert decay_weights(times, NOW, 30).tolist() == pytest.approx([1.0, 0.5, 1.0])


def test_with_time_decay_the_terms_follow_what_is_said_now():
    docs = [["metal"], ["metal"], ["pop"], ["pop"], ["loud"], ["loud"], ["guitar"], ["guitar"]]
    x = corpus(docs)
    w = about([(0, 0), (1, 0), (2, 0), (3, 0), (4, 1), (5, 1), (6, 1), (7, 1)], 8)
    year = 365 * SECONDS_PER_DAY
    times = np.array([NOW - 3 * year, NOW - 3 * year, NOW, NOW, NOW, NOW, NOW, NOW])
    recent = top_terms(x, w, times, now=NOW, params=TermParams(half_life_days=365)).toarray()
    assert recent[0, VOCAB.index("pop")] > recent[0, VOCAB.index("metal")]
    flat = top_terms(x, w, times, now=NOW, params=TermParams(half_life_days=0)).toarray()
    assert flat[0, VOCAB.index("pop")] == pytest.approx(flat[0, VOCAB.index("metal")])


def test_a_curators_manual_tag_merges_in_at_the_curator_weight():
    x = corpus([["dreamy"], ["dreamy"], ["metal"], ["metal"]])
    w = about([(0, 0), (1, 0), (2, 1), (3, 1)], 4)
    manual = sp.csr_matrix(([1.0], ([0], [VOCAB.index("guitar")])), shape=(2, len(VOCAB)))
    out = top_terms(
        x, w, np.full(4, NOW), now=NOW, params=TermParams(curator_weight=0.6), manual=manual
    ).toarray()
    assert out[0, VOCAB.index("guitar")] == pytest.approx(0.6)
    assert out[0, VOCAB.index("dreamy")] == pytest.approx(1.0)
