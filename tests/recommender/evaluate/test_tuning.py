"""The CF search on a validation split carved from the data it is given."""

import numpy as np

from recommender.cf import CFParams
from recommender.evaluate.datasets import world_dataset
from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.tuning import TUNED_FIELDS, tune_cf
from recommender.synthetic import generate_world
from tests.recommender.factories import planted_rows

BASE = CFParams(factors=4, regularization=5.0, iterations=6)


def planted_signals() -> Signals:
    return Signals(Plays(*planted_rows(per_user=9)))


def test_the_search_leaves_a_collapsed_starting_point_for_a_better_one():
    base = CFParams(factors=4, regularization=1e5, iterations=6)  # every vector shrinks to 0
    result = tune_cf(planted_signals(), base=base, grid={"regularization": (1e5, 1.0)})
    assert result.params.regularization == 1.0
    scores = {row["regularization"]: row["ndcg@10"] for row in result.table}
    assert scores[1.0] > scores[1e5]
    assert result.split == "random" and result.validation_users > 0 and result.complete


def test_each_distinct_point_is_fit_once_however_many_rounds():
    grid = {"factors": (2, 4), "regularization": (5.0, 0.5)}
    result = tune_cf(planted_signals(), base=BASE, grid=grid, rounds=3)
    points = [tuple(row[name] for name in TUNED_FIELDS) for row in result.table]
    assert len(points) == len(set(points)) <= 1 + 2 + 2
    assert set(result.table[0]) == {*TUNED_FIELDS, "ndcg@10", "seconds"}


def test_a_time_budget_stops_the_search_and_says_so():
    result = tune_cf(planted_signals(), base=BASE, grid={"factors": (2, 8)}, max_seconds=0)
    assert not result.complete
    assert len(result.table) == 1 and result.params == BASE  # only the starting point


def test_without_validation_plays_the_search_keeps_the_given_params():
    one_each = Signals(Plays(np.arange(5), np.arange(5), np.ones(5)))
    result = tune_cf(one_each, base=BASE)
    assert result.params == BASE and result.table == [] and "no validation" in result.note


def test_with_play_times_the_search_validates_on_the_latest_discoveries():
    world = generate_world(n_listeners=150, n_tracks=600, mean_listens_per_listener=40, seed=3)
    result = tune_cf(world_dataset(world).signals, base=BASE, grid={"alpha": (1.0,)})
    assert result.split == "temporal"
    assert 0 < result.popularity < 1 and len(result.table) == 2
