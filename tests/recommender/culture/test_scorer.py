"""CultureScorer honours the scoring contract: shapes, NaN where it cannot score,
determinism, one reason per track naming shared terms."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.culture.scorer import CultureScorer
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, Scorer

# tracks: 20 by DREAMY, 21 by METAL, 22 by LONELY (manual tag only); 30 is unknown.


def batch(rows):
    history = sp.csr_matrix(np.array(rows, dtype=np.float32))
    return ListenerBatch(
        ids=np.arange(len(rows)), history=history, history_items=IdMap(np.array([20, 21]))
    )


def test_the_scorer_implements_the_contract(model):
    scorer = CultureScorer(model)
    assert isinstance(scorer, Scorer) and scorer.kind == "culture"


def test_scores_are_cosines_with_nan_where_nothing_is_known(model):
    scorer = CultureScorer(model)
    listeners = batch([[5, 0], [0, 2], [0, 0]])
    tracks = np.array([20, 21, 30])
    scores = scorer.score(listeners, tracks)
    assert scores.shape == (3, 3) and scores.dtype == np.float32
    assert scores[0, 0] == pytest.approx(1.0) and scores[0, 0] > scores[0, 1]
    assert scores[1, 1] > scores[1, 0]
    assert np.isnan(scores[2]).all()  # a listener with no history
    assert np.isnan(scores[:, 2]).all()  # a track the model does not know
    assert np.array_equal(scores, scorer.score(listeners, tracks), equal_nan=True)


def test_reasons_name_the_shared_terms(model):
    scorer = CultureScorer(model)
    reasons = scorer.explain(batch([[5, 0]]), 0, np.array([20, 21, 30]))
    assert len(reasons) == 3
    assert reasons[0].text.startswith("described as '")
    assert set(reasons[0].evidence["terms"]) <= {t for t, _ in model.top_terms(1)}
    assert reasons[1] is None and reasons[2] is None


def test_an_empty_candidate_list_gives_an_empty_matrix(model):
    assert CultureScorer(model).score(batch([[1, 0]]), np.array([], np.int64)).shape == (1, 0)
