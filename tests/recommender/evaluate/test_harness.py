import numpy as np
import pytest
import scipy.sparse as sp

from recommender.cf import CFParams
from recommender.evaluate import metrics
from recommender.evaluate.baselines import PopularityRecommender
from recommender.evaluate.harness import compare, compare_split, evaluate
from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.splits import make_split
from recommender.interactions import IdMap
from tests.recommender.factories import planted_interactions, planted_rows


class FixedRecommender:
    """Hands out a fixed ranking per matrix row (ids are rows/columns)."""

    def __init__(self, ranked):
        self.ranked = np.array(ranked)
        self.users = IdMap.identity(len(ranked))
        self.items = IdMap.identity(6)

    def recommend_batch(self, user_ids, *, n=30, exclude_played=True):
        ids = self.ranked[np.asarray(user_ids)][:, :n]
        return ids, np.zeros(ids.shape, np.float32)


TRAIN = sp.csr_matrix(np.array([[1, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0]]))
TEST = sp.csr_matrix(np.array([[0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]]))
RANKED = [[1, 2, 3, -1], [3, 4, 5, 0], [2, 3, 4, 5]]  # -1 pads a short list


def test_evaluate_averages_the_scalar_metrics_over_users_with_test_items():
    result = evaluate(FixedRecommender(RANKED), TRAIN, TEST, ks=(2, 4))
    # user 2 has no test items and is left out
    relevant = [{1, 3}, {4}]
    ranked = [[1, 2, 3], [3, 4, 5, 0]]
    assert result["users"] == 2
    for k in (2, 4):
        for name, fn in (
            ("precision", metrics.precision_at_k),
            ("recall", metrics.recall_at_k),
            ("map", metrics.average_precision_at_k),
            ("ndcg", metrics.ndcg_at_k),
        ):
            expected = np.mean([fn(r, s, k) for r, s in zip(ranked, relevant, strict=True)])
            assert result[f"{name}@{k}"] == pytest.approx(expected), f"{name}@{k}"


def test_evaluate_reports_coverage_and_novelty_over_the_top_k():
    result = evaluate(FixedRecommender(RANKED), TRAIN, TEST, ks=(2,))
    # top-2 picks: {1, 2} and {3, 4} -> 4 of 6 items
    assert result["coverage@2"] == pytest.approx(4 / 6)
    # train popularity (users per item): 1->2, 2->1, 3->0 (floored 1), 4->0 (floored 1); 3 users
    expected = np.mean(-np.log2(np.array([2, 1, 1, 1]) / 3))
    assert result["novelty@2"] == pytest.approx(expected)


def test_evaluate_rejects_matrices_that_do_not_match_the_model():
    with pytest.raises(ValueError, match="must match the model"):
        evaluate(FixedRecommender(RANKED), TRAIN[:2], TEST[:2])


def test_compare_ranks_als_above_popularity_above_random_on_planted_tastes():
    counts = planted_interactions().counts
    params = CFParams(factors=4, regularization=5.0, iterations=10)
    result = compare(counts, seed=0, ks=(5,), search=False, params=params)
    ndcg = {name: values["ndcg@5"] for name, values in result.models.items()}
    assert set(ndcg) == {"als", "popularity", "random"}
    assert ndcg["als"] > ndcg["popularity"]
    assert "coverage@5" in result.models["als"] and result.params.factors == 4


def test_compare_search_keeps_the_best_validation_point():
    counts = planted_interactions().counts
    grid = {"factors": (2, 4), "regularization": (5.0,)}
    base = CFParams(factors=4, regularization=5.0, iterations=5)
    result = compare(counts, seed=0, ks=(5,), grid=grid, params=base)
    assert [row["factors"] for row in result.search] == [4, 2]  # the base, then the new point
    best = max(result.search, key=lambda row: row["ndcg@10"])  # the search always uses ndcg@10
    assert result.params.factors == best["factors"]


def test_a_visited_artists_unplayed_track_can_still_be_recommended_and_hit():
    # user 0 played item 0 and visited the artist of item 1; user 1 played items 0 and 1.
    train = sp.csr_matrix(np.array([[3.0, 0.25], [1.0, 2.0]]))  # the visit weighs 0.25
    had = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 1.0]]))  # a visit is not "had"
    test = sp.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0]]))
    model = PopularityRecommender(train)
    hidden = evaluate(model, train, test, ks=(1,))
    assert hidden["precision@1"] == 0.0  # excluding what it was fit on hides item 1
    shown = evaluate(model, train, test, ks=(1,), exclude=had)
    assert shown["precision@1"] == 1.0


def test_compare_split_ranks_als_above_popularity_on_planted_tastes():
    users, items, counts = planted_rows()
    split, _ = make_split(Signals(Plays(users, items, counts)), "random", seed=1)
    params = CFParams(factors=4, regularization=5.0, iterations=10)
    result = compare_split(split, params, ks=(5,))
    ndcg = {name: values["ndcg@5"] for name, values in result.items()}
    assert ndcg["als"] > max(ndcg["popularity"], ndcg["random"])
