"""Plays with times and the other signals apart; the matrices one split becomes."""

import numpy as np
import pytest

from recommender.evaluate.signals import Plays, Signals, split_matrices
from recommender.interactions import IdMap


def test_plays_from_events_sum_each_pair_and_keep_its_first_and_last_time():
    plays = Plays.from_events(
        user=[1, 1, 2, 1], item=[10, 10, 10, 11], timestamp=[50, 20, 30, 40], count=[1, 2, 1, 1]
    )
    rows = sorted(zip(plays.user, plays.item, plays.count, plays.first, plays.last, strict=True))
    assert rows == [(1, 10, 3.0, 20, 50), (1, 11, 1.0, 40, 40), (2, 10, 1.0, 30, 30)]


def test_plays_reject_a_first_time_after_the_last():
    with pytest.raises(ValueError, match="first time is after its last"):
        Plays([1], [2], [1.0], first=[9], last=[3])


def test_signals_reject_an_unknown_signal_name():
    with pytest.raises(ValueError, match="unknown signal"):
        Signals(Plays([1], [2], [1.0]), {"like": ([1], [2], [1.0])})


def test_a_visit_trains_but_is_not_something_the_listener_has_had():
    signals = Signals(
        Plays([1], [10], [3.0]),
        {"visit": ([1], [11], [0.5]), "save": ([1], [12], [1.0]), "skip": ([1], [13], [1.0])},
    )
    had = sorted(zip(*signals.had(), strict=True))
    assert had == [(1, 10), (1, 12), (1, 13)]
    weighted = dict(
        zip(signals.weighted()[1].tolist(), signals.weighted()[2].tolist(), strict=True)
    )
    assert weighted == {10: 3.0, 11: 0.25, 12: 5.0}  # play 1, visit 0.5, save 5; skip 0


def test_split_matrices_never_test_what_the_listener_had_nor_listeners_with_no_history():
    train = Signals(Plays([1, 1], [10, 11], [2.0, 1.0]), {"save": ([1], [12], [1.0])})
    test = (np.array([1, 1, 1, 2]), np.array([10, 12, 13, 13]), np.ones(4))
    users, items = IdMap(np.array([1, 2])), IdMap(np.array([10, 11, 12, 13]))
    split = split_matrices("t", train, test, users=users, items=items)
    assert split.test.toarray().tolist() == [[0, 0, 0, 1], [0, 0, 0, 0]]
    assert split.had.toarray().tolist() == [[1, 1, 1, 0], [0, 0, 0, 0]]
    assert split.info["cold_test_users"] == 1  # user 2 had nothing before
