"""Per-listener standardization of one model's scores.

A (listeners x candidates) score matrix and the excluded cells in; each row's mean and std
out, for z-scores.

z = (s - mean) / std over each row's cells that are neither excluded nor NaN. NaN cells are
set to the row mean (z = 0: the model says nothing there); a constant row gets std 0 (the
model says nothing to that listener). Sums run in one pass each over the matrix.
"""

from __future__ import annotations

import numpy as np

_STD_FLOOR = 1e-6  # std below this share of the root mean square counts as constant


def row_stats(
    scores: np.ndarray,
    ex_rows: np.ndarray,
    ex_cols: np.ndarray,
    sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row (mean, std, count) over the cells not excluded and not NaN, in float64.

    `sums`, when the scorer knows them (`ScoreMoments`), are each row's (count, Σ s, Σ s²)
    over its non-NaN cells; they save two passes over the matrix. Non-finite cells are set to
    their row's mean in place, so their z-score is 0; `scores` must be writable where it has
    any. std is 0 for rows that are constant (std below 1e-6 of their root mean square) or
    have no cell to count.
    """
    n_rows, n_cols = scores.shape
    if sums is not None:
        count, s1, s2 = (np.array(a, dtype=np.float64) for a in sums)
        broken = np.flatnonzero(count < n_cols)
    else:
        count, s1, s2, broken = _sums(scores)
    unscored = n_cols - count[broken]  # each broken row's NaN cells, before the exclusions
    values = scores[ex_rows, ex_cols].astype(np.float64)
    seen = np.isfinite(values)  # a NaN cell was never counted
    values[~seen] = 0.0
    s1 -= np.bincount(ex_rows, weights=values, minlength=n_rows)
    s2 -= np.bincount(ex_rows, weights=values * values, minlength=n_rows)
    count -= np.bincount(ex_rows[seen], minlength=n_rows)
    mean, std = _moments(s1, s2, count)
    suspect = np.flatnonzero((count > 0) & (mean * mean * 1e-4 > std * std))
    if suspect.size:  # float32 sums lose the spread of scores far from zero: recount exactly
        mean[suspect], std[suspect] = _exact_moments(scores, suspect, ex_rows, ex_cols)
    if broken.size:
        _fill_unscored(scores, broken, unscored, mean)
    return mean, std, count


def _fill_unscored(
    scores: np.ndarray, broken: np.ndarray, unscored: np.ndarray, mean: np.ndarray
) -> None:
    """Set the non-finite cells of the `broken` rows to their row's mean.

    A model usually cannot score the same columns for every row (CF: the tracks it never saw),
    so those of the first row are tried for all: when each row has exactly its `unscored`
    count of non-finite cells there, those are all of them and only they are written, instead
    of copying every broken row whole (the full pass was 0.3 s of a 2,000-listener chunk).
    """
    cols = np.flatnonzero(~np.isfinite(scores[broken[0]]))
    if cols.size and (unscored == cols.size).all():
        cells = np.ix_(broken, cols)
        if not np.isfinite(scores[cells]).any():
            scores[cells] = mean[broken, None].astype(scores.dtype)
            return
    block = scores[broken]
    missing = ~np.isfinite(block)
    if missing.any():
        scores[broken] = np.where(missing, mean[broken, None].astype(scores.dtype), block)


def _sums(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(count, Σ s, Σ s²) per row over finite cells, and the rows that have other cells."""
    n_rows, n_cols = scores.shape
    if scores.strides[0] == 0 and n_rows:  # one row broadcast to all: count it once
        s1 = np.full(n_rows, scores[0].sum(dtype=np.float64))
        s2 = np.full(n_rows, np.dot(scores[0].astype(np.float64), scores[0]))
    else:
        s1 = scores.sum(axis=1, dtype=np.float32).astype(np.float64)
        s2 = np.einsum("ij,ij->i", scores, scores).astype(np.float64)
    count = np.full(n_rows, float(n_cols))
    broken = np.flatnonzero(~np.isfinite(s1 + s2))
    if broken.size:
        block = scores[broken]
        finite = np.isfinite(block)
        block[~finite] = 0.0
        s1[broken] = block.sum(axis=1, dtype=np.float64)
        s2[broken] = np.einsum("ij,ij->i", block, block, dtype=np.float64)
        count[broken] -= (~finite).sum(axis=1)
    return count, s1, s2, broken


def _moments(s1: np.ndarray, s2: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    safe = np.maximum(count, 1.0)
    mean = np.where(count > 0, s1 / safe, 0.0)
    square = np.where(count > 0, s2 / safe, 0.0)
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))
    std[(count <= 0) | (std <= _STD_FLOOR * np.sqrt(np.maximum(square, 0.0)))] = 0.0
    return mean, std


def _exact_moments(
    scores: np.ndarray, rows: np.ndarray, ex_rows: np.ndarray, ex_cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass float64 mean and std of `rows` over their candidate, finite cells."""
    block = scores[rows].astype(np.float64)
    keep = np.isfinite(block)
    local = np.searchsorted(rows, ex_rows)
    hit = (local < rows.size) & (rows[np.minimum(local, rows.size - 1)] == ex_rows)
    keep[local[hit], ex_cols[hit]] = False
    count = np.maximum(keep.sum(axis=1), 1)
    mean = np.where(keep, block, 0.0).sum(axis=1) / count
    deviation = np.where(keep, block - mean[:, None], 0.0)
    std = np.sqrt((deviation * deviation).sum(axis=1) / count)
    std[std <= _STD_FLOOR * np.abs(mean)] = 0.0
    return mean, std
