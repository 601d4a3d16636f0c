import numpy as np
import pytest
import scipy.sparse as sp

from recommender.evaluate.splits import random_holdout, temporal_holdout


def random_counts(seed=0, users=50, items=80, density=0.1):
    matrix = sp.random(users, items, density=density, format="csr", random_state=seed)
    matrix.data = np.ceil(matrix.data * 10)
    return matrix


def test_random_holdout_partitions_every_users_items():
    matrix = random_counts()
    train, test = random_holdout(matrix, fraction=0.2, seed=1)
    assert train.multiply(test).nnz == 0
    assert abs(train + test - matrix).sum() == 0


def test_random_holdout_hides_about_the_fraction_and_leaves_each_user_something():
    matrix = random_counts(density=0.25)
    train, test = random_holdout(matrix, fraction=0.2, seed=1)
    row_nnz, test_nnz = np.diff(matrix.indptr), np.diff(test.indptr)
    eligible = row_nnz >= 2
    assert np.all(test_nnz[eligible] >= 1)
    assert np.all(np.diff(train.indptr)[row_nnz > 0] >= 1)
    np.testing.assert_array_equal(test_nnz[eligible], np.rint(row_nnz[eligible] * 0.2).clip(1))


def test_random_holdout_keeps_users_below_min_items_entirely_in_train():
    matrix = sp.csr_matrix(np.array([[1.0, 2.0, 0.0], [1.0, 1.0, 1.0]]))
    train, test = random_holdout(matrix, fraction=0.5, seed=0, min_items=3)
    assert test[0].nnz == 0 and train[0].nnz == 2
    assert test[1].nnz == 2 and train[1].nnz == 1  # rint(1.5) = 2, still one left to train


def test_random_holdout_is_deterministic_for_a_seed():
    matrix = random_counts()
    a, b, c = (random_holdout(matrix, seed=s)[1] for s in (3, 3, 4))
    assert (a != b).nnz == 0 and (a != c).nnz > 0


def test_random_holdout_rejects_a_fraction_outside_zero_one():
    with pytest.raises(ValueError, match="fraction"):
        random_holdout(random_counts(), fraction=1.0)


def test_temporal_holdout_hides_each_users_latest_events():
    users = np.array([1, 1, 1, 1, 1, 2, 2, 3])
    items = np.array([10, 11, 12, 13, 14, 10, 11, 10])
    times = np.array([5, 1, 4, 2, 3, 9, 8, 1])
    train, test = temporal_holdout(users, items, np.ones(8), times, fraction=0.4)
    # user 1: 5 events, rint(2.0) = 2 latest (t=5, t=4) -> items 10, 12
    # user 2: 2 events, rint(0.8) = 1 latest (t=9) -> item 10; user 3: one event, all train
    np.testing.assert_array_equal(np.flatnonzero(test), [0, 2, 5])
    np.testing.assert_array_equal(train, ~test)


def test_temporal_holdout_drops_test_events_already_known_from_train():
    users, items = np.array([1, 1, 1]), np.array([10, 11, 10])
    train, test = temporal_holdout(users, items, np.ones(3), np.array([1, 2, 3]), fraction=0.34)
    # the latest event (item 10, t=3) is a replay of a train item: nothing left to test
    assert not test.any() and train.tolist() == [True, True, False]
