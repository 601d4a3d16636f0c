import copy

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recommender.cf import CFParams, make_model, train
from recommender.cf_scorer import CF_REASON, CFScorer, listener_vectors
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, render_reason
from tests.recommender.factories import (
    GROUP_A_ITEMS,
    GROUP_A_USERS,
    GROUP_B_ITEMS,
    planted_interactions,
)
from tests.recommender.scorer_contract import ScorerCase, ScorerContract

PARAMS = CFParams(factors=4, regularization=5.0, alpha=2.0, iterations=10, random_state=3)
NEW_LISTENER = 999  # no history, no vector
UNKNOWN_TRACK = 424242


@pytest.fixture(scope="module")
def trained():
    inter = planted_interactions()
    return inter, train(inter, PARAMS)


def batch_for(inter, model, user_ids, *, fresh=False):
    """The users' histories (weighted counts) and their CF vectors, as the webapp passes them."""
    user_ids = np.asarray(user_ids)
    rows = inter.users.index_of(user_ids)
    history = sp.vstack(
        [inter.counts[r] if r >= 0 else sp.csr_matrix((1, len(inter.items))) for r in rows],
        format="csr",
    )
    vectors = listener_vectors(model.user_factors, model.users, user_ids)
    if fresh:  # re-solved from exactly this history against the final item factors
        solver = copy.deepcopy(model)  # update_user writes into the model: keep the fixture's
        for i, user in enumerate(user_ids.tolist()):
            if rows[i] >= 0:
                r = inter.counts[rows[i]]
                vectors[i] = solver.update_user(user, inter.items.ids[r.indices], r.data)
    return ListenerBatch(user_ids, history.astype(np.float32), inter.items, vectors)


@pytest.fixture(scope="module")
def cf_case(trained):
    inter, model = trained
    users = [*GROUP_A_USERS[:3].tolist(), NEW_LISTENER]
    candidates = np.concatenate([GROUP_A_ITEMS, GROUP_B_ITEMS, [UNKNOWN_TRACK]])
    return ScorerCase(
        scorer=CFScorer.from_model(model),
        listeners=batch_for(inter, model, users),
        track_ids=candidates,
        unknown_track_id=UNKNOWN_TRACK,
        unknown_listener_row=3,
    )


class TestCFScorerContract(ScorerContract):
    @pytest.fixture
    def case(self, cf_case):
        return cf_case


def test_scores_are_the_models_own_dot_products(trained):
    inter, model = trained
    user = int(GROUP_A_USERS[0])
    scores = CFScorer.from_model(model).score(batch_for(inter, model, [user]), inter.items.ids)
    np.testing.assert_allclose(scores[0], model.score(user, inter.items.ids), rtol=1e-5)


def test_without_a_cf_version_every_score_is_nan(trained):
    inter, model = trained
    listeners = batch_for(inter, model, GROUP_A_USERS[:2])
    listeners = ListenerBatch(listeners.ids, listeners.history, listeners.history_items, None)
    assert np.isnan(CFScorer.from_model(model).score(listeners, inter.items.ids)).all()


def test_the_terms_of_a_fresh_vector_add_up_to_its_score(trained):
    inter, model = trained
    user = int(GROUP_A_USERS[1])
    listeners = batch_for(inter, model, [user], fresh=True)
    scorer = CFScorer.from_model(model)
    played, counts = listeners.played(0)
    picks = inter.items.ids
    terms = scorer.contributions(inter.items.index_of(played), counts, inter.items.index_of(picks))
    np.testing.assert_allclose(
        terms.sum(axis=0), scorer.score(listeners, picks)[0], rtol=1e-3, atol=1e-4
    )


def test_the_strongest_terms_are_the_ones_implicits_explain_finds(trained):
    inter, model = trained
    user = int(GROUP_A_USERS[2])
    listeners = batch_for(inter, model, [user])
    scorer = CFScorer.from_model(model)
    als = make_model(PARAMS)
    als.item_factors, als.user_factors = model.item_factors, model.user_factors
    confidences = sp.csr_matrix(inter.matrix[inter.users.index_of(user)])
    for pick in GROUP_A_ITEMS[:4].tolist():
        with threadpool_limits(1, "blas"):
            total, top, _ = als.explain(0, confidences, int(inter.items.index_of(pick)), N=3)
        reason = scorer.explain(listeners, 0, np.array([pick]))[0]
        expected = [int(inter.items.ids[col]) for col, value in top if value > 0]
        assert reason.evidence["track_ids"] == expected
        np.testing.assert_allclose(
            reason.evidence["contributions"], [v for _, v in top if v > 0], rtol=1e-3
        )


def test_a_pick_is_explained_by_played_tracks_from_its_own_taste_group(trained):
    inter, model = trained
    user = int(GROUP_A_USERS[0])
    reasons = CFScorer.from_model(model).explain(batch_for(inter, model, [user]), 0, GROUP_A_ITEMS)
    assert all(r is not None and r.text == CF_REASON for r in reasons)
    for reason in reasons:
        assert set(reason.evidence["track_ids"]) <= set(GROUP_A_ITEMS.tolist())
        assert len(reason.evidence["track_ids"]) <= 3
        assert reason.evidence["contributions"] == sorted(
            reason.evidence["contributions"], reverse=True
        )


def test_the_webapp_fills_the_reason_with_the_strongest_played_tracks_artist(trained):
    inter, model = trained
    user = int(GROUP_A_USERS[0])
    reason = CFScorer.from_model(model).explain(
        batch_for(inter, model, [user]), 0, GROUP_A_ITEMS[:1]
    )[0]
    strongest = reason.evidence["track_ids"][0]
    text = render_reason(
        reason, track_titles={strongest: "Teardrop"}, track_artist_names={strongest: "Massive"}
    )
    assert text == "because you play Massive"


def test_listener_vectors_are_nan_for_listeners_the_model_does_not_know(trained):
    _, model = trained
    vectors = listener_vectors(model.user_factors, model.users, [GROUP_A_USERS[0], NEW_LISTENER])
    np.testing.assert_array_equal(vectors[0], model.user_factors[model.users.index_of(100)])
    assert np.isnan(vectors[1]).all()


def test_item_factors_must_match_their_ids():
    with pytest.raises(ValueError, match="one row per item id"):
        CFScorer(np.zeros((3, 2)), IdMap(np.arange(4)), regularization=1.0, alpha=1.0)


@pytest.mark.parametrize("n_played", [3, 12, 40])  # fewer, as many and more than the factors
def test_terms_equal_a_direct_float64_solve_of_the_als_system(n_played):
    rng = np.random.default_rng(n_played)
    factors, items = rng.standard_normal((200, 12)), IdMap(np.arange(200) * 7)
    scorer = CFScorer(factors, items, regularization=3.0, alpha=2.0)
    played = rng.choice(200, n_played, replace=False)
    counts = rng.integers(1, 30, n_played).astype(float)
    picks = rng.choice(200, 9, replace=False)
    conf = 1 + 2.0 * np.log1p(counts)
    y = scorer.item_factors.astype(np.float64)
    system = y.T @ y + 3.0 * np.eye(12) + y[played].T @ ((conf - 1)[:, None] * y[played])
    expected = conf[:, None] * (y[played] @ np.linalg.solve(system, y[picks].T))
    got = scorer.contributions(played, counts, picks)
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=1e-5)
