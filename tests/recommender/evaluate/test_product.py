"""The product's evaluation: temporal next to random, and the verdict against popularity."""

import numpy as np
import pytest

from recommender.cf import CFParams
from recommender.evaluate.datasets import world_dataset
from recommender.evaluate.harness import Comparison, compare_split
from recommender.evaluate.product import evaluate_product, verdict
from recommender.evaluate.signals import Plays, Signals
from recommender.evaluate.splits import make_split
from recommender.synthetic import generate_world
from tests.recommender.evaluate.worlds import long_tailed_world, play_totals

PARAMS = CFParams(factors=16, regularization=5.0, iterations=8)


@pytest.fixture(scope="module")
def world_signals() -> Signals:
    world = generate_world(n_listeners=300, n_tracks=1500, mean_listens_per_listener=60, seed=5)
    return world_dataset(world).signals


def comparison(split: str, als: float, popularity: float, users: int) -> Comparison:
    models = {
        "als": {"users": users, "ndcg@10": als},
        "popularity": {"users": users, "ndcg@10": popularity},
    }
    return Comparison(models, CFParams(), split=split)


def test_the_product_evaluation_reports_the_temporal_split_next_to_the_random_one(world_signals):
    result = evaluate_product(world_signals, params=PARAMS, ks=(10,))
    assert list(result.splits) == ["temporal", "random"]
    temporal = result.splits["temporal"]
    assert temporal.info["cutoff"] > 0 and temporal.info["test_users"] > 100
    assert set(temporal.models) == {"als", "popularity", "random"}
    assert result.verdict.split == "temporal" and result.verdict.decided
    als, popularity = (temporal.models[name]["ndcg@10"] for name in ("als", "popularity"))
    assert (result.verdict.als, result.verdict.popularity) == (als, popularity)
    assert result.verdict.worse_than_popularity == (als < popularity)
    assert set(result.to_dict()["splits"]) == {"temporal", "random"}


def test_without_play_times_only_the_random_split_runs_and_decides(world_signals):
    plays = world_signals.plays
    timeless = Signals(Plays(plays.user, plays.item, plays.count), world_signals.others)
    result = evaluate_product(timeless, params=PARAMS, ks=(10,))
    assert list(result.splits) == ["random"] and result.verdict.split == "random"
    assert "no times" in result.notes[0]


def test_a_search_tunes_each_split_on_its_own_training_side(world_signals):
    grid = {"regularization": (0.5,)}
    result = evaluate_product(world_signals, params=PARAMS, search=True, grid=grid, ks=(10,))
    for split in result.splits.values():
        assert [row["regularization"] for row in split.search] == [5.0, 0.5]
        assert split.info["search_complete"]


def test_a_version_below_popularity_is_flagged():
    found = verdict({"temporal": comparison("temporal", 0.02, 0.03, 50)})
    assert found.decided and found.worse_than_popularity
    assert "below popularity" in found.reason


def test_the_verdict_prefers_the_temporal_split_and_falls_back_when_it_is_too_small():
    splits = {
        "temporal": comparison("temporal", 0.01, 0.02, 4),
        "random": comparison("random", 0.05, 0.02, 80),
    }
    found = verdict(splits)
    assert found.split == "random" and not found.worse_than_popularity


def test_too_few_test_listeners_are_not_judged():
    found = verdict({"random": comparison("random", 0.0, 0.5, 3)})
    assert not found.decided and not found.worse_than_popularity
    assert "not judged" in found.reason


def test_default_params_beat_popularity_for_light_listeners_beside_heavy_handed_ones():
    # 1500 listeners with ~30 plays, 10 with ~15,000, one with 400,000 across 3,000 artists
    signals, _ = long_tailed_world()
    totals = play_totals(signals)
    assert totals.max() == 400_000 and np.median(totals) < 40
    split, _ = make_split(signals, "temporal")
    light = np.flatnonzero(totals <= 40)
    result = compare_split(split, CFParams(), ks=(10,), rows=light)
    assert result["als"]["users"] > 500
    assert result["als"]["ndcg@10"] > 1.5 * result["popularity"]["ndcg@10"]


def test_a_gate_can_run_the_temporal_split_alone_on_a_sample_of_listeners(world_signals):
    result = evaluate_product(
        world_signals, params=PARAMS, ks=(5,), kinds=("temporal",), max_test_users=50
    )
    assert list(result.splits) == ["temporal"]
    als = result.splits["temporal"].models["als"]
    assert als["users"] == 50 and "ndcg@10" in als and "ndcg@5" in als  # the verdict's metric


def test_plays_all_at_one_time_skip_the_temporal_split_with_a_note():
    users, items = np.repeat(np.arange(30), 5), np.tile(np.arange(5), 30) + np.arange(150) % 7
    stamp = np.full(150, 1_700_000_000)
    signals = Signals(Plays(users, items, np.ones(150), stamp, stamp))
    result = evaluate_product(signals, params=PARAMS, search=True, grid={"alpha": (1.0,)})
    assert list(result.splits) == ["random"] and result.verdict.split == "random"
    assert "temporal split skipped: every first play has the same time" in result.notes[0]
