"""Train-and-evaluate for serving: the temporal test set, the metrics, the restored rows."""

import numpy as np

from recommender.cf import CFParams, make_model
from recommender.cf_training import Plays, beats_popularity, temporal_test, train_and_evaluate
from recommender.interactions import build_matrix
from tests.recommender.factories import planted_interactions, planted_rows

PARAMS = CFParams(factors=4, regularization=5.0, alpha=2.0, iterations=10, random_state=3)


def _plays(seed: int = 0) -> tuple:
    """The planted rows, each (user, item) first played on day = its position in the row."""
    users, items, counts = planted_rows(seed)
    first = np.zeros(users.size, dtype=np.int64)
    for user in np.unique(users):
        mine = np.flatnonzero(users == user)
        first[mine] = np.arange(mine.size) * 86_400
    return users, items, counts, first


def test_the_temporal_test_set_is_the_late_first_plays_of_sampled_listeners():
    users, items, counts, first = _plays()
    interactions = build_matrix(users, items, counts, alpha=2.0)
    test, cutoff = temporal_test(
        interactions, Plays(users, items, first), n_users=6, min_train_items=3, seed=1
    )
    held = test.tocoo()
    held_users = interactions.users.ids[held.row]
    held_items = interactions.items.ids[held.col]
    assert np.unique(held_users).size == 6
    first_of = {(u, i): f for u, i, f in zip(users, items, first, strict=True)}
    assert all(first_of[(u, i)] >= cutoff for u, i in zip(held_users, held_items, strict=True))
    assert set(test.data.tolist()) == {1.0}


def test_a_save_or_visit_cell_is_never_held_out_as_a_play():
    users, items, counts, first = _plays()
    # a save on a new item for every user, at the very end of the timeline: not a play
    extra_items = np.full(np.unique(users).size, 9999)
    all_users = np.concatenate([users, np.unique(users)])
    all_items = np.concatenate([items, extra_items])
    all_counts = np.concatenate([counts, np.full(extra_items.size, 5.0)])
    interactions = build_matrix(all_users, all_items, all_counts, alpha=2.0)
    test, _ = temporal_test(interactions, Plays(users, items, first), n_users=20, seed=0)
    assert test.nnz > 0
    saved_col = interactions.items.index_of(9999)
    assert test[:, saved_col].nnz == 0


def test_the_served_model_knows_every_interaction_and_reports_metrics_against_popularity():
    users, items, counts, first = _plays()
    interactions = build_matrix(users, items, counts, alpha=2.0)
    test, _ = temporal_test(interactions, Plays(users, items, first), min_train_items=3)
    model, metrics = train_and_evaluate(interactions, PARAMS, test=test)
    assert (model.user_items != interactions.matrix).nnz == 0  # held-out rows restored
    assert metrics["users"] > 0
    assert metrics["ndcg@10"] > metrics["popularity_ndcg@10"]
    assert beats_popularity(metrics)


def test_without_a_test_set_the_model_trains_on_everything_and_reports_nothing():
    interactions = planted_interactions()
    model, metrics = train_and_evaluate(interactions, PARAMS)
    assert metrics == {} and beats_popularity(metrics)
    assert model.user_factors.shape[0] == interactions.shape[0]


def test_a_model_below_popularity_does_not_pass_the_gate():
    assert not beats_popularity({"ndcg@10": 0.1, "popularity_ndcg@10": 0.2})
    assert beats_popularity({"ndcg@10": 0.3, "popularity_ndcg@10": 0.2})


def test_sampled_users_vectors_are_solved_from_their_full_rows():
    users, items, counts, first = _plays()
    interactions = build_matrix(users, items, counts, alpha=2.0)
    test, _ = temporal_test(interactions, Plays(users, items, first), min_train_items=3)
    model, _ = train_and_evaluate(interactions, PARAMS, test=test)
    solver = make_model(PARAMS)
    solver.item_factors = model.item_factors
    expected = solver.recalculate_user(np.arange(20), interactions.matrix)
    np.testing.assert_allclose(model.user_factors, expected, rtol=1e-4, atol=1e-5)
