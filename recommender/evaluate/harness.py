"""Offline evaluation harness: score a recommender on held-out items, compare ALS to baselines.

A fitted model (anything with `users`, `items`, `recommend_batch`) and train/test CSRs in;
a flat dict of metrics out (`precision@10`, `ndcg@30`, `coverage@10`, ...). `compare_split`
fits ALS, popularity and random on one `SplitMatrices` and scores all three the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from recommender.cf import CFParams
from recommender.cf import train as train_als
from recommender.evaluate import metrics
from recommender.evaluate.baselines import PopularityRecommender, RandomRecommender
from recommender.evaluate.signals import SplitMatrices
from recommender.interactions import IdMap, from_counts

DEFAULT_KS = (10, 30)


class Recommender(Protocol):
    users: IdMap
    items: IdMap

    def recommend_batch(
        self, user_ids: np.ndarray, n: int = 30, *, exclude_played: bool = True
    ) -> tuple[np.ndarray, np.ndarray]: ...


def evaluate(
    model: Recommender,
    train: sp.spmatrix,
    test: sp.spmatrix,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    exclude: sp.spmatrix | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, float]:
    """Metrics of `model` over every user with held-out items, at each k in `ks`.

    `train` / `test` are in the model's index space (row r is `model.users.ids[r]`, column c is
    `model.items.ids[c]`). Novelty uses train popularity (users per item). The model excludes
    what it was fit on, or `exclude` (what each user has had) when given: a model fit on
    visits must still recommend the visited artists' unplayed tracks. `rows` limits the
    evaluation to those matrix rows (a sample, or a group of listeners).
    """
    train, test = sp.csr_matrix(train), sp.csr_matrix(test)
    if train.shape != test.shape or train.shape != (len(model.users), len(model.items)):
        raise ValueError(
            f"train {train.shape} and test {test.shape} must match the model "
            f"({len(model.users)} users x {len(model.items)} items)"
        )
    ks = sorted({int(k) for k in ks})
    n_users, n_items = train.shape
    n_relevant = np.diff(test.indptr)
    evaluated = np.flatnonzero(n_relevant > 0)
    if rows is not None:
        evaluated = np.intersect1d(evaluated, np.asarray(rows, dtype=np.int64))
    rows = evaluated
    rec_ids, _ = _excluding(model, exclude).recommend_batch(model.users.ids[rows], n=ks[-1])
    cols = model.items.index_of(rec_ids)
    hits = _hit_matrix(rows, cols, test)
    popularity = train.getnnz(axis=0)  # users per item
    result: dict[str, float] = {"users": float(rows.size)}
    for k in ks:
        top = cols[:, :k]
        rel = n_relevant[rows]
        result[f"precision@{k}"] = _mean(metrics.precision_from_hits(hits, k))
        result[f"recall@{k}"] = _mean(metrics.recall_from_hits(hits[:, :k], rel))
        result[f"map@{k}"] = _mean(metrics.average_precision_from_hits(hits[:, :k], rel))
        result[f"ndcg@{k}"] = _mean(metrics.ndcg_from_hits(hits, rel, k=k))
        picked = top[top >= 0]
        result[f"coverage@{k}"] = np.unique(picked).size / n_items if n_items else 0.0
        pop = np.maximum(popularity[picked], 1.0)
        result[f"novelty@{k}"] = _mean(-np.log2(pop / n_users))
    return result


def _excluding(model: Recommender, exclude: sp.spmatrix | None) -> Recommender:
    """The model ranking as before but excluding `exclude` instead of what it was fit on.

    Rankers (CFModel and the baselines) exclude their `user_items`; a shallow copy with those
    replaced leaves the fitted model untouched.
    """
    if exclude is None:
        return model
    if not hasattr(model, "user_items"):
        raise TypeError(f"{type(model).__name__} has no user_items to exclude through")
    clone = copy.copy(model)
    clone.user_items = sp.csr_matrix(exclude, dtype=np.float32)
    return clone


def _hit_matrix(rows: np.ndarray, cols: np.ndarray, test: sp.csr_matrix) -> np.ndarray:
    """hits[u, i]: is user rows[u]'s i-th pick (column cols[u, i]) a test item?"""
    test = test.tocoo()
    n_items = test.shape[1]
    test_keys = test.row.astype(np.int64) * n_items + test.col
    rec_keys = rows[:, None].astype(np.int64) * n_items + cols
    return np.isin(rec_keys, test_keys) & (cols >= 0)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if np.size(values) else 0.0


@dataclass
class Comparison:
    """What one split found: metrics per model, the ALS params, the search trail, timings.

    `split` names the split ("temporal", "random"); `info` says how it was cut (cut-off time,
    test users, listeners left out as cold starts).
    """

    models: dict[str, dict[str, float]]
    params: CFParams
    search: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    split: str = "random"
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "split": self.split,
            "models": self.models,
            "params": asdict(self.params),
            "search": self.search,
            "seconds": self.seconds,
            "info": self.info,
        }


def fit_als(train: sp.spmatrix, params: CFParams):
    """ALS on a counts CSR whose rows/columns are the ids (identity maps)."""
    return train_als(from_counts(train, alpha=params.alpha, eps=params.eps), params)


def compare_split(
    split: SplitMatrices,
    params: CFParams,
    *,
    seed: int = 0,
    ks: Sequence[int] = DEFAULT_KS,
    rows: np.ndarray | None = None,
    models: Sequence[str] = ("als", "popularity", "random"),
) -> dict[str, dict[str, float]]:
    """Metrics of ALS (fit with `params`), popularity and random on one split.

    All three train on the split's training side, exclude what each listener has had, and
    are scored on the held-out plays of tracks new to the listener. Popularity counts the
    listeners who played or saved a track.
    """
    builders = {
        "als": lambda: fit_als(split.train, params),
        "popularity": lambda: PopularityRecommender(split.listened),
        "random": lambda: RandomRecommender(split.listened, seed=seed),
    }
    return {
        name: evaluate(
            builders[name](), split.listened, split.test, ks=ks, exclude=split.had, rows=rows
        )
        for name in models
    }


def compare(counts: sp.spmatrix, **kwargs) -> Comparison:
    """ALS vs popularity vs random on a per-user random holdout of a users x items counts CSR.

    Kept for callers with one matrix of counts; `recommender.evaluate.product.evaluate_product`
    takes plays with times and the other signals apart, and adds the temporal split.
    """
    from recommender.evaluate.product import compare_counts  # product builds on this module

    return compare_counts(counts, **kwargs)
