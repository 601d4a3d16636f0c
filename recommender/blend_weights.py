"""Blend weights fitted on the product's own held-out listens.

Validation listeners (their training history), candidate ids, the scorers and each listener's
held-out plays in; one weight >= 0 per model out (summing to 1), with what the fit saw.

Method: logistic regression on the models' z-scores. For every validation listener the
held-out plays are positives, and tracks drawn uniformly from those the listener never had
are negatives (NEGATIVES_PER_POSITIVE per positive). The features are the same per-listener
z-scores the blend adds (NaN: 0), so the linear predictor Σ_m w_m · z_m *is* the blended
score and the coefficients are the weights. Coefficients are bounded at >= 0, so a model that
predicts nothing, or the opposite, gets 0 rather than a negative weight nobody would expect,
with a small L2 penalty; positives and negatives weigh half each; L-BFGS-B solves it.

Why not search weights for the best hit rate directly: a top-30 hit rate is a step function
of the weights, needs a full ranking per trial and is noisy on a validation set of a few
thousand plays, whereas the logistic loss is smooth and convex, uses every positive and
rewards exactly what ranks held-out plays above the rest of the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from scipy.special import expit
from scipy.stats import rankdata

from recommender.blend import (
    BATCH_CELLS,
    POOL_SIZE,
    candidate_exclusions,
    cell_values,
    listener_rows,
    standardized,
)
from recommender.scoring import ListenerBatch, Scorer
from recommender.topk import top_columns

NEGATIVES_PER_POSITIVE = 20  # half drawn from the models' own best candidates, half uniformly
HARD_POOL = POOL_SIZE
L2_PENALTY = 1e-3


@dataclass(frozen=True)
class WeightFit:
    """Fitted weights (sum 1; all 0 when no model ranks held-out plays above the rest), the
    raw logistic coefficients, and each model's AUC (and the blend's) on the sampled pairs."""

    weights: dict[str, float]
    coefficients: dict[str, float]
    auc: dict[str, float]
    positives: int
    negatives: int


def fit_weights(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    held_out: sp.spmatrix,
    *,
    exclude: sp.spmatrix | None = None,
    negatives_per_positive: int = NEGATIVES_PER_POSITIVE,
    l2: float = L2_PENALTY,
    seed: int = 0,
    batch_cells: int = BATCH_CELLS,
) -> WeightFit:
    """Fit one weight per scorer on `held_out` (listeners x candidates, non-zero: a positive).

    `listeners.history` must be what the models were trained on, without the held-out plays.
    """
    track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
    held_out = sp.csr_matrix(held_out, dtype=np.float32)
    if held_out.shape != (len(listeners), track_ids.size):
        raise ValueError(f"held_out must be {(len(listeners), track_ids.size)}")
    kinds = [s.kind for s in scorers]
    rng = np.random.default_rng(seed)
    step = max(1, int(batch_cells) // max(track_ids.size, 1))
    features, labels = [], []
    for lo in range(0, len(listeners), step):
        batch = listener_rows(listeners, slice(lo, lo + step))
        x, y = _samples(
            batch,
            track_ids,
            scorers,
            held_out[lo : lo + step],
            None if exclude is None else sp.csr_matrix(exclude)[lo : lo + step],
            negatives_per_positive,
            rng,
        )
        features.append(x)
        labels.append(y)
    x = np.concatenate(features) if features else np.zeros((0, len(scorers)))
    y = np.concatenate(labels) if labels else np.zeros(0, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("fitting weights needs held-out plays and tracks never had")
    coef = _nonnegative_logistic(x, y, l2)
    total = coef.sum()
    weights = coef / total if total > 0 else np.zeros_like(coef)
    auc = {kind: _auc(x[:, m], y) for m, kind in enumerate(kinds)}
    auc["blend"] = _auc(x @ weights, y)
    return WeightFit(
        weights=dict(zip(kinds, weights.tolist(), strict=True)),
        coefficients=dict(zip(kinds, coef.tolist(), strict=True)),
        auc=auc,
        positives=int(y.sum()),
        negatives=int((~y).sum()),
    )


def _samples(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    held_out: sp.csr_matrix,
    exclude: sp.spmatrix | None,
    per_positive: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """z-scores (samples x models) of positives and sampled negatives, and the labels."""
    forbidden = candidate_exclusions(listeners, track_ids, exclude)
    pos = held_out.tocoo()
    keep = (pos.data != 0) & ~_member(forbidden, pos.row, pos.col)
    pos_rows, pos_cols = pos.row[keep].astype(np.int64), pos.col[keep].astype(np.int64)
    layers = standardized(listeners, track_ids, scorers, np.ones(len(scorers)), forbidden)
    hard = _hard_candidates(layers, forbidden, held_out)
    n_hard = per_positive // 2
    neg_rows = np.repeat(pos_rows, per_positive)
    neg_cols = rng.integers(0, track_ids.size, neg_rows.size)
    hard_rows = np.repeat(pos_rows, n_hard)
    picked = hard[hard_rows, rng.integers(0, max(hard.shape[1], 1), hard_rows.size)]
    neg_cols[
        np.repeat(np.arange(pos_rows.size) * per_positive, n_hard)
        + np.tile(np.arange(n_hard), pos_rows.size)
    ] = picked
    fresh = (neg_cols >= 0) & ~_member(forbidden, neg_rows, np.maximum(neg_cols, 0))
    fresh &= ~_member(held_out, neg_rows, np.maximum(neg_cols, 0))
    rows = np.concatenate([pos_rows, neg_rows[fresh]])
    cols = np.concatenate([pos_cols, neg_cols[fresh]])
    x = np.zeros((rows.size, len(scorers)))
    for layer in layers:
        x[:, layer.index] = layer.contribution(rows, cols, np.zeros(rows.size))
    y = np.zeros(rows.size, dtype=bool)
    y[: pos_rows.size] = True
    return x, y


def _hard_candidates(layers, forbidden: sp.csr_matrix, held_out: sp.csr_matrix) -> np.ndarray:
    """(rows, models x HARD_POOL) columns: each model's best candidates per listener (-1 pad).

    Half the negatives come from here: the tracks some model would put in the pool are where
    the blend has to choose, so the fit learns to rank there, not only to tell a held-out play
    from a random (mostly obscure) track, which flatters popularity.
    """
    parts = []
    blocked = (forbidden + sp.csr_matrix(held_out != 0, dtype=np.float32)).tocoo()
    for layer in layers:
        ranked = np.array(layer.scores, dtype=np.float32)
        ranked[blocked.row, blocked.col] = -np.inf
        parts.append(top_columns(ranked, HARD_POOL)[0])
    if not parts:
        return np.full((forbidden.shape[0], 1), -1, dtype=np.int64)
    return np.concatenate(parts, axis=1)


def _member(matrix: sp.spmatrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Is (rows[i], cols[i]) a non-zero of `matrix`?"""
    return cell_values(sp.csr_matrix(matrix), rows, cols) != 0


def _nonnegative_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Coefficients >= 0 (and a free intercept) minimizing the class-balanced log loss."""
    sign = np.where(y, 1.0, -1.0)
    sample = np.where(y, 0.5 / y.sum(), 0.5 / (~y).sum())
    n_features = x.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        margin = -sign * (x @ params[:-1] + params[-1])
        value = sample @ np.logaddexp(0.0, margin) + 0.5 * l2 * params[:-1] @ params[:-1]
        slope = -sign * sample * expit(margin)
        grad = np.concatenate([x.T @ slope + l2 * params[:-1], [slope.sum()]])
        return float(value), grad

    bounds = [(0.0, None)] * n_features + [(None, None)]
    result = scipy.optimize.minimize(
        loss, np.zeros(n_features + 1), jac=True, method="L-BFGS-B", bounds=bounds
    )
    return np.maximum(result.x[:-1], 0.0)


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
