"""Train-and-evaluate for serving: the held-out slice, the metrics, and the restored rows."""

import numpy as np

from recommender.cf import CFParams, make_model
from recommender.cf_training import eval_split, train_and_evaluate
from tests.recommender.factories import planted_interactions

PARAMS = CFParams(factors=4, regularization=5.0, alpha=2.0, iterations=10, random_state=3)


def test_eval_split_hides_part_of_the_sampled_users_rows_and_nothing_else():
    counts = planted_interactions().counts
    train, test, rows = eval_split(counts, n_users=5, fraction=0.3, min_items=5, seed=1)
    assert rows.size == 5
    assert abs(train + test - counts).max() == 0  # disjoint, adds up to the input
    assert set(np.flatnonzero(np.diff(test.indptr))) == set(rows.tolist())
    assert (np.diff(train.indptr)[rows] >= 1).all()  # nobody loses every item
    again = eval_split(counts, n_users=5, fraction=0.3, min_items=5, seed=1)
    assert (again[1] != test).nnz == 0 and (again[2] == rows).all()


def test_eval_split_without_eligible_users_holds_out_nothing():
    counts = planted_interactions().counts
    train, test, rows = eval_split(counts, n_users=5, fraction=0.3, min_items=50, seed=1)
    assert rows.size == 0 and test.nnz == 0 and (train != counts).nnz == 0


def test_the_served_model_knows_every_interaction_and_reports_metrics_against_popularity():
    interactions = planted_interactions()
    model, metrics = train_and_evaluate(interactions, PARAMS, eval_users=8)
    assert (model.user_items != interactions.matrix).nnz == 0  # held-out rows restored
    assert metrics["users"] > 0
    assert metrics["ndcg@10"] > metrics["popularity_ndcg@10"]


def test_sampled_users_vectors_are_solved_from_their_full_rows():
    interactions = planted_interactions()
    model, _ = train_and_evaluate(interactions, PARAMS, eval_users=20)
    solver = make_model(PARAMS)
    solver.item_factors = model.item_factors
    expected = solver.recalculate_user(np.arange(20), interactions.matrix)
    np.testing.assert_allclose(model.user_factors, expected, rtol=1e-4, atol=1e-5)
