"""recommender.audio.scorer: the audio model through the scoring contract."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.audio.scorer import SOUNDS_LIKE, AudioScorer
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, Scorer

TRACKS = np.array([10, 20, 30, 40])
VHAT = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
EMB = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0, 0.2, 1]], dtype=np.float32)


def batch(cf_vectors, played: list[list[int]]) -> ListenerBatch:
    items = IdMap(TRACKS)
    rows = [i for i, ids in enumerate(played) for _ in ids]
    cols = items.index_of([t for ids in played for t in ids])
    history = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(played), len(items))
    )
    ids = np.arange(len(played)) + 1
    return ListenerBatch(ids=ids, history=history, history_items=items, cf_vectors=cf_vectors)


@pytest.fixture
def scorer():
    return AudioScorer(IdMap(TRACKS), VHAT, EMB)


def test_it_is_a_scorer_of_kind_audio(scorer):
    assert isinstance(scorer, Scorer) and scorer.kind == "audio"


def test_score_is_u_dot_vhat_with_nan_for_unknown_tracks_and_listeners(scorer):
    u = np.array([[2, 1], [np.nan, np.nan]], dtype=np.float32)
    scores = scorer.score(batch(u, [[10], []]), np.array([30, 99, 40]))
    assert scores.dtype == np.float32 and scores.shape == (2, 3)
    np.testing.assert_allclose(scores[0, [0, 2]], [3.0, -2.0])
    assert np.isnan(scores[0, 1]) and np.isnan(scores[1]).all()


def test_without_a_cf_version_every_score_is_nan(scorer):
    assert np.isnan(scorer.score(batch(None, [[10]]), TRACKS)).all()


def test_a_track_nobody_played_still_gets_a_score(scorer):
    u = np.array([[1, 1]], dtype=np.float32)
    nobody_played = 40
    assert np.isfinite(scorer.score(batch(u, [[10]]), np.array([nobody_played]))).all()


def test_explain_names_the_played_track_that_sounds_most_alike(scorer):
    listeners = batch(np.ones((1, 2), np.float32), [[10, 20]])
    reasons = scorer.explain(listeners, 0, np.array([30, 40, 99]))
    assert reasons[0].text == SOUNDS_LIKE and reasons[0].evidence["track_ids"] == [10]
    assert reasons[1].evidence["track_ids"] == [20]
    assert reasons[2] is None


def test_explain_never_says_a_track_sounds_like_itself(scorer):
    reasons = scorer.explain(batch(np.ones((1, 2), np.float32), [[10, 30]]), 0, np.array([30]))
    assert reasons[0].evidence["track_ids"] == [10]


def test_explain_for_a_listener_with_no_history_has_nothing_to_say(scorer):
    assert scorer.explain(batch(np.ones((1, 2), np.float32), [[]]), 0, TRACKS) == [None] * 4


def test_similar_ranks_by_embedding_cosine(scorer):
    assert [track for track, _ in scorer.similar(10, n=2)] == [30, 20]
    assert scorer.similar(99) == []


def test_with_tracks_adds_new_predictions_and_leaves_the_old_snapshot_alone(scorer):
    grown = scorer.with_tracks(np.array([50, 10]), np.array([[5, 5], [0, 2]]), np.ones((2, 3)))
    u = np.array([[1, 0]], dtype=np.float32)
    np.testing.assert_allclose(grown.score(batch(u, [[]]), np.array([50, 10])), [[5, 0]])
    np.testing.assert_allclose(scorer.score(batch(u, [[]]), np.array([10])), [[1]])


def test_save_and_load_round_trip(scorer, tmp_path):
    loaded = AudioScorer.load(scorer.save(tmp_path / "predictions.npz"))
    np.testing.assert_array_equal(loaded.tracks.ids, TRACKS)
    np.testing.assert_array_equal(loaded.vhat, VHAT)
    np.testing.assert_array_equal(loaded.embeddings, EMB)
