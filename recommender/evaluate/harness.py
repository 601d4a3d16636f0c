"""Offline evaluation harness: score a recommender on held-out items, compare ALS to baselines.

A fitted model (anything with `users`, `items`, `recommend_batch`) and train/test CSRs in;
a flat dict of metrics out (`precision@10`, `ndcg@30`, `coverage@10`, ...).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from recommender.cf import CFParams
from recommender.cf import train as train_als
from recommender.evaluate import metrics
from recommender.evaluate.baselines import PopularityRecommender, RandomRecommender
from recommender.evaluate.splits import random_holdout
from recommender.interactions import IdMap, from_counts

DEFAULT_KS = (10, 30)
# Searched on a validation split carved out of train; 3 x 3 x 3 = 27 fits.
DEFAULT_GRID: dict[str, tuple] = {
    "factors": (32, 64, 128),
    "regularization": (0.05, 5.0, 50.0),
    "alpha": (1.0, 2.0, 4.0),
}


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
) -> dict[str, float]:
    """Metrics of `model` over every user with held-out items, at each k in `ks`.

    `train` / `test` are in the model's index space (row r is `model.users.ids[r]`, column c is
    `model.items.ids[c]`) and the model was fit on `train`, so it excludes train items itself.
    Novelty uses train popularity (users per item).
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
    rows = np.flatnonzero(n_relevant > 0)
    rec_ids, _ = model.recommend_batch(model.users.ids[rows], n=ks[-1])
    cols = model.items.index_of(rec_ids)
    hits = _hit_matrix(rows, cols, test)
    popularity = np.diff(sp.csc_matrix(train).indptr)
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
    """What `compare` found: metrics per model, the chosen params, and the search trail."""

    models: dict[str, dict[str, float]]
    params: CFParams
    search: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "models": self.models,
            "params": asdict(self.params),
            "search": self.search,
            "seconds": self.seconds,
        }


def fit_als(train: sp.spmatrix, params: CFParams):
    """ALS on a counts CSR whose rows/columns are the ids (identity maps)."""
    return train_als(from_counts(train, alpha=params.alpha, eps=params.eps), params)


def grid_search(
    train: sp.spmatrix,
    *,
    grid: Mapping[str, Iterable] = DEFAULT_GRID,
    base: CFParams | None = None,
    seed: int = 0,
    metric: str = "ndcg@10",
    fraction: float = 0.2,
    log: Callable[[str], None] | None = None,
) -> tuple[CFParams, list[dict]]:
    """Pick the grid point with the best `metric` on a validation split carved from `train`."""
    base = base or CFParams()
    fit_part, validation = random_holdout(train, fraction=fraction, seed=seed + 1)
    k = [int(metric.split("@")[1])]
    names = list(grid)
    trail: list[dict] = []
    best: tuple[float, CFParams] | None = None
    for values in itertools.product(*(grid[name] for name in names)):
        params = replace(base, **dict(zip(names, values, strict=True)))
        score = evaluate(fit_als(fit_part, params), fit_part, validation, ks=k)[metric]
        trail.append({**dict(zip(names, values, strict=True)), metric: score})
        if log:
            log(f"{dict(zip(names, values, strict=True))} {metric}={score:.4f}")
        if best is None or score > best[0]:
            best = (score, params)
    assert best is not None, "the grid is empty"
    return best[1], trail


def compare(
    counts: sp.spmatrix,
    *,
    seed: int = 0,
    ks: Sequence[int] = DEFAULT_KS,
    search: bool = True,
    grid: Mapping[str, Iterable] = DEFAULT_GRID,
    params: CFParams | None = None,
    fraction: float = 0.2,
    log: Callable[[str], None] | None = None,
) -> Comparison:
    """ALS vs popularity vs random on a per-user random holdout of a users x items counts CSR.

    With `search`, ALS hyper-parameters are chosen on a validation split of train first; the
    winner is refit on all of train and reported on test, like the baselines.
    """
    start = time.perf_counter()
    params = replace(params or CFParams(), random_state=seed)
    train, test = random_holdout(counts, fraction=fraction, seed=seed)
    trail: list[dict] = []
    if search:
        params, trail = grid_search(train, grid=grid, base=params, seed=seed, log=log)
    candidates = {
        "als": fit_als(train, params),
        "popularity": PopularityRecommender(train),
        "random": RandomRecommender(train, seed=seed),
    }
    models = {name: evaluate(model, train, test, ks=ks) for name, model in candidates.items()}
    return Comparison(models, params, trail, time.perf_counter() - start)
