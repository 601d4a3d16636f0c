import numpy as np
import pytest
import scipy.sparse as sp

from recommender.evaluate.baselines import PopularityRecommender, RandomRecommender
from recommender.interactions import build_matrix

# users x items; item popularity in users: item0=3, item1=2, item2=1, item3=0
COUNTS = sp.csr_matrix(
    np.array(
        [
            [5.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [2.0, 0.0, 9.0, 0.0],
            [0.0, 3.0, 0.0, 0.0],
        ]
    )
)


def test_popularity_ranks_by_number_of_users_and_skips_played_items():
    model = PopularityRecommender(COUNTS)
    ids, scores = model.recommend_batch(np.arange(4), n=2)
    np.testing.assert_array_equal(ids, [[2, 3], [1, 2], [1, 3], [0, 2]])
    np.testing.assert_allclose(scores[3], [3.0, 1.0])


def test_popularity_keeps_the_database_ids_of_an_interactions_object():
    inter = build_matrix(np.array([7, 7, 8]), np.array([50, 60, 50]), np.ones(3), alpha=1)
    assert PopularityRecommender(inter).recommend(8, n=1) == [(60, 1.0)]


def test_random_is_deterministic_per_seed_and_independent_of_batching():
    model = RandomRecommender(sp.random(30, 50, density=0.1, format="csr", random_state=0), seed=4)
    all_ids, _ = model.recommend_batch(np.arange(30), n=10)
    one_by_one = np.vstack([model.recommend_batch([u], n=10)[0] for u in range(30)])
    np.testing.assert_array_equal(all_ids, one_by_one)
    other_seed = RandomRecommender(model.user_items, seed=5).recommend_batch(np.arange(30), n=10)
    assert not np.array_equal(all_ids, other_seed[0])


def test_random_never_recommends_played_items():
    matrix = sp.random(30, 50, density=0.3, format="csr", random_state=1)
    ids, _ = RandomRecommender(matrix).recommend_batch(np.arange(30), n=20)
    for user in range(30):
        assert not set(ids[user]) & set(matrix[user].indices)


def test_baseline_recommend_raises_for_an_unknown_user():
    with pytest.raises(ValueError, match="user 99"):
        PopularityRecommender(COUNTS).recommend(99)
