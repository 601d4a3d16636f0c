"""Train a servable CF model and evaluate it in the same fit, on plays that predict next week.

An `Interactions` plus the listeners' plays with their first-play times in; a `CFModel` over
*all* interactions plus its offline metrics out. The test set is temporal: for a sample of
listeners, the tracks they first played after a cut-off (so only tracks new to them count).
Only play cells are ever held out; saves and artist visits always train. The model is fit
without the held-out cells, scored on them against popularity, and then the sampled listeners'
vectors are re-solved from their full rows, so evaluation costs one batched least-squares solve
instead of a second fit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recommender.cf import CFModel, CFParams, make_model, train
from recommender.evaluate.baselines import PopularityRecommender
from recommender.evaluate.harness import evaluate
from recommender.interactions import Interactions, from_counts

EVAL_USERS = 1000
#: Plays first made in the latest 20 % of the timeline are "next week" for evaluation.
EVAL_CUTOFF_QUANTILE = 0.8
EVAL_MIN_TRAIN_ITEMS = 5
EVAL_KS = (10, 30)
#: The metric a version must beat popularity on to be activated.
GATE_METRIC = "ndcg@10"


@dataclass(frozen=True, eq=False)
class Plays:
    """Parallel arrays: one row per (listener, track) with plays, and when it was first played."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    first_played: np.ndarray  # unix seconds


def eval_candidates(
    interactions: Interactions,
    *,
    n_users: int = 2 * EVAL_USERS,
    min_items: int = EVAL_MIN_TRAIN_ITEMS + 1,
    seed: int = 0,
) -> np.ndarray:
    """Ids of up to `n_users` random listeners with at least `min_items` items: the only
    listeners whose play times the caller needs to read for `temporal_test`."""
    eligible = np.flatnonzero(np.diff(interactions.counts.indptr) >= min_items)
    rng = np.random.default_rng(seed)
    rows = rng.choice(eligible, size=min(n_users, eligible.size), replace=False)
    return np.sort(interactions.users.ids[rows])


def temporal_test(
    interactions: Interactions,
    plays: Plays,
    *,
    n_users: int = EVAL_USERS,
    quantile: float = EVAL_CUTOFF_QUANTILE,
    min_train_items: int = EVAL_MIN_TRAIN_ITEMS,
    seed: int = 0,
) -> tuple[sp.csr_matrix, int]:
    """The held-out cells (a 0/1 matrix in `interactions`' index space) and the cut-off.

    A cell is held out when its track was first played at or after the cut-off (the
    `quantile` of the first-play times in `plays`) by one of up to `n_users` sampled
    listeners who keep at least `min_train_items` items before it. `plays` may hold every
    listener's plays or only those of `eval_candidates`.
    """
    shape = interactions.shape
    empty = sp.csr_matrix(shape, dtype=np.float32)
    first = np.asarray(plays.first_played, dtype=np.int64)
    if first.size == 0:
        return empty, 0
    cutoff = int(np.quantile(first, quantile))
    rows = interactions.users.index_of(plays.user_ids)
    cols = interactions.items.index_of(plays.item_ids)
    late = (first >= cutoff) & (rows >= 0) & (cols >= 0)
    n_users_total = shape[0]
    late_per_user = np.bincount(rows[late], minlength=n_users_total)
    kept_per_user = np.diff(interactions.counts.indptr) - late_per_user
    eligible = np.flatnonzero((late_per_user > 0) & (kept_per_user >= min_train_items))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(eligible, size=min(n_users, eligible.size), replace=False)
    take = late & np.isin(rows, chosen)
    test = sp.csr_matrix(
        (np.ones(int(take.sum()), np.float32), (rows[take], cols[take])), shape=shape
    )
    test.sum_duplicates()
    test.data[:] = 1.0
    return test, cutoff


def cells_matrix(
    interactions: Interactions, user_ids: np.ndarray, item_ids: np.ndarray
) -> sp.csr_matrix:
    """A 0/1 matrix in `interactions`' index space with these (user id, item id) cells set;
    ids the interactions do not know are left out."""
    rows = interactions.users.index_of(user_ids)
    cols = interactions.items.index_of(item_ids)
    keep = (rows >= 0) & (cols >= 0)
    cells = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])), shape=interactions.shape
    )
    cells.sum_duplicates()
    cells.data[:] = 1.0
    return cells


def train_and_evaluate(
    interactions: Interactions,
    params: CFParams,
    *,
    test: sp.csr_matrix | None = None,
    had: sp.csr_matrix | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[CFModel, dict[str, float]]:
    """Fit ALS on all interactions but the `test` cells, evaluate on them, restore the rows.

    `had` (same index space) is what each listener had before the test: the ranking leaves
    out those cells and only those, so a visited artist's unplayed tracks can still be hits.
    Without it, everything the model trained on is left out. `timings`, when given, gets
    "seconds_fit" (the ALS fit alone) and "seconds_evaluate" (the rest).
    """
    started = time.perf_counter()
    timings = {} if timings is None else timings
    interactions = interactions.with_alpha(params.alpha, eps=params.eps)
    counts = interactions.counts
    if test is None or test.nnz == 0:
        fit_started = time.perf_counter()
        model = train(interactions, params, progress=progress)
        timings["seconds_fit"] = time.perf_counter() - fit_started
        timings["seconds_evaluate"] = 0.0
        return model, {}
    train_counts = sp.csr_matrix(counts - counts.multiply(test.astype(bool)))
    train_counts.eliminate_zeros()
    fit_on = from_counts(
        train_counts,
        alpha=params.alpha,
        eps=params.eps,
        users=interactions.users,
        items=interactions.items,
        copy=False,
    )
    fit_started = time.perf_counter()
    model = train(fit_on, params, progress=progress)
    timings["seconds_fit"] = time.perf_counter() - fit_started
    exclude = None
    if had is not None:
        exclude = sp.csr_matrix(had - had.multiply(test.astype(bool)), dtype=np.float32)
        exclude.eliminate_zeros()
    metrics = evaluate(model, fit_on.matrix, test, ks=EVAL_KS, exclude=exclude)
    baseline = evaluate(
        PopularityRecommender(fit_on), fit_on.matrix, test, ks=EVAL_KS, exclude=exclude
    )
    metrics.update({f"popularity_{k}": v for k, v in baseline.items() if "@" in k})
    _restore_rows(model, interactions, np.flatnonzero(np.diff(test.indptr)))
    if not np.isfinite(model.user_factors).all() or not np.isfinite(model.item_factors).all():
        raise ValueError("ALS produced non-finite factors; check regularization and data")
    timings["seconds_evaluate"] = time.perf_counter() - started - timings["seconds_fit"]
    return model, metrics


def beats_popularity(metrics: dict[str, float]) -> bool:
    """Did the model beat popularity on its own evaluation? (True when nothing was held out.)"""
    if GATE_METRIC not in metrics:
        return True
    return metrics[GATE_METRIC] >= metrics.get(f"popularity_{GATE_METRIC}", 0.0)


def _restore_rows(model: CFModel, interactions: Interactions, rows: np.ndarray) -> None:
    """Give the sampled users their full rows back: one batched solve against fixed items."""
    model.user_items = interactions.matrix.astype(np.float32)
    if rows.size == 0:
        return
    solver = make_model(model.params)
    solver.item_factors = model.item_factors
    with threadpool_limits(1, "blas"):
        vectors = solver.recalculate_user(rows, model.user_items[rows])
    model.user_factors[rows] = np.asarray(vectors, dtype=np.float32)
