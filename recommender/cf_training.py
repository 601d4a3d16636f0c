"""Train a servable CF model and evaluate it in the same fit.

An `Interactions` in; a `CFModel` over *all* interactions plus its offline metrics out. A
sample of users lends a slice of their items as a test set; the model is fit without them,
scored on them, and then those users' vectors are re-solved from their full rows, so
evaluation costs one batched least-squares solve instead of a second fit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from recommender.cf import CFModel, CFParams, make_model, train
from recommender.evaluate.baselines import PopularityRecommender
from recommender.evaluate.harness import evaluate
from recommender.evaluate.splits import random_holdout
from recommender.interactions import Interactions, from_counts

EVAL_USERS = 1000
EVAL_FRACTION = 0.2
EVAL_MIN_ITEMS = 5
EVAL_KS = (10, 30)


def eval_split(
    counts: sp.csr_matrix, *, n_users: int, fraction: float, min_items: int, seed: int
) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """Hold out `fraction` of the items of up to `n_users` sampled users (those with at least
    `min_items` items), with `random_holdout` on just their rows. Returns (train counts, test
    counts, sampled rows)."""
    counts = sp.csr_matrix(counts, dtype=np.float32)
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero(np.diff(counts.indptr) >= min_items)
    rows = np.sort(rng.choice(eligible, size=min(n_users, eligible.size), replace=False))
    if rows.size == 0:
        return counts, sp.csr_matrix(counts.shape, dtype=counts.dtype), rows
    _, sub_test = random_holdout(counts[rows], fraction=fraction, seed=seed, min_items=min_items)
    place = sp.csr_matrix(
        (np.ones(rows.size, dtype=counts.dtype), (rows, np.arange(rows.size))),
        shape=(counts.shape[0], rows.size),
    )
    test = sp.csr_matrix(place @ sub_test)
    train = sp.csr_matrix(counts - test)
    train.eliminate_zeros()
    return train, test, rows


def train_and_evaluate(
    interactions: Interactions,
    params: CFParams,
    *,
    progress: Callable[[int, int], None] | None = None,
    eval_users: int = EVAL_USERS,
    seed: int = 0,
) -> tuple[CFModel, dict[str, float]]:
    """Fit ALS on all interactions but a sampled test slice, evaluate, restore the sample."""
    interactions = interactions.with_alpha(params.alpha, eps=params.eps)
    train_counts, test, rows = eval_split(
        interactions.counts,
        n_users=eval_users,
        fraction=EVAL_FRACTION,
        min_items=EVAL_MIN_ITEMS,
        seed=seed,
    )
    fit_on = from_counts(
        train_counts,
        alpha=params.alpha,
        eps=params.eps,
        users=interactions.users,
        items=interactions.items,
    )
    model = train(fit_on, params, progress=progress)
    metrics: dict[str, float] = {}
    if test.nnz:
        metrics = evaluate(model, fit_on.matrix, test, ks=EVAL_KS)
        baseline = evaluate(PopularityRecommender(fit_on), fit_on.matrix, test, ks=EVAL_KS)
        metrics.update({f"popularity_{k}": v for k, v in baseline.items() if "@" in k})
    _restore_rows(model, interactions, rows)
    if not np.isfinite(model.user_factors).all() or not np.isfinite(model.item_factors).all():
        raise ValueError("ALS produced non-finite factors; check regularization and data")
    return model, metrics


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
