import numpy as np
import pytest
import scipy.sparse as sp

from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.splits import (
    random_holdout,
    random_split,
    split_plays_at,
    temporal_cutoff,
    temporal_holdout,
    temporal_split,
)


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


def timed_signals():
    # user 1: item 10 played twice early; item 11 before and after t=100; item 12 only after.
    # user 2: item 10 after (new to them), saved item 13 after (saved, so never tested).
    plays = Plays(
        user=[1, 1, 1, 2, 2, 2],
        item=[10, 11, 12, 10, 13, 14],
        count=[2, 4, 1, 3, 1, 1],
        first=[10, 40, 150, 120, 130, 20],
        last=[30, 160, 150, 140, 130, 20],
    )
    return Signals(plays, {"save": ([2], [13], [1.0]), "visit": ([1], [15], [0.5])})


def test_temporal_split_tests_only_tracks_first_played_after_the_cut_off():
    train, test, cutoff = temporal_split(timed_signals(), cutoff=100)
    assert cutoff == 100
    assert sorted(zip(test[0].tolist(), test[1].tolist(), test[2].tolist(), strict=True)) == [
        (1, 12, 1.0),
        (2, 10, 3.0),
        (2, 13, 1.0),  # split_matrices drops it: a saved track is had
    ]
    before = sorted(zip(train.plays.user.tolist(), train.plays.item.tolist(), strict=True))
    assert before == [(1, 10), (1, 11), (2, 14)]


def test_temporal_split_keeps_saves_and_visits_in_train():
    train, _, _ = temporal_split(timed_signals(), cutoff=100)
    assert set(train.others) == {"save", "visit"}
    assert train.others["visit"][1].tolist() == [15]


def test_a_row_spanning_the_cut_off_is_shared_out_in_proportion_to_time():
    plays = Plays([1], [11], [4.0], first=[40], last=[160])
    before, after = split_plays_at(plays, 100)
    # (100 - 40) / (160 - 40) = 0.5 of 4 plays before
    assert before.count.tolist() == [2.0] and after.count.tolist() == [2.0]
    assert before.last.tolist() == [99] and after.first.tolist() == [100]


def test_a_spanning_row_keeps_at_least_one_play_on_each_side():
    before, after = split_plays_at(Plays([1], [11], [2.0], first=[0], last=[1000]), 999)
    assert before.count.tolist() == [1.0] and after.count.tolist() == [1.0]


def test_temporal_cutoff_leaves_the_latest_fraction_of_first_plays():
    first = np.arange(100) * 10
    plays = Plays(np.arange(100), np.zeros(100, np.int64), np.ones(100), first, first + 5)
    cutoff = temporal_cutoff(plays, fraction=0.2)
    assert (first >= cutoff).sum() == 20


def test_a_temporal_split_needs_play_times():
    with pytest.raises(ValueError, match="no times"):
        temporal_split(Signals(Plays([1], [2], [1.0])), cutoff=5)


def test_random_split_never_hides_a_saved_track_and_keeps_visits_in_train():
    rng = np.random.default_rng(0)
    users, items = np.repeat(np.arange(20), 10), np.tile(np.arange(10), 20)
    saves = (np.arange(20), np.zeros(20, np.int64), np.ones(20))  # everyone saved item 0
    signals = Signals(Plays(users, items, rng.integers(1, 5, 200)), {"save": saves, "visit": saves})
    train, test = random_split(signals, fraction=0.3, seed=2)
    assert test[1].size > 0 and not (test[1] == 0).any()
    assert set(train.others) == {"save", "visit"}
    assert len(train.plays) + test[0].size == 200


def test_random_split_of_plays_alone_hides_the_same_cells_as_random_holdout():
    matrix = random_counts(seed=4)
    coo = matrix.tocoo()
    _, test = random_split(Signals(Plays(coo.row, coo.col, coo.data)), fraction=0.2, seed=5)
    _, expected = random_holdout(matrix, fraction=0.2, seed=5)
    held = sp.csr_matrix((test[2], (test[0], test[1])), shape=matrix.shape)
    assert (held != expected).nnz == 0


def test_the_cut_off_always_leaves_the_earliest_plays_to_train():
    first = np.r_[np.zeros(90, np.int64), np.arange(1, 11)]  # 90 % of first plays at t=0
    plays = Plays(np.arange(100), np.zeros(100, np.int64), np.ones(100), first, first)
    assert temporal_cutoff(plays, fraction=0.95) == 1
