"""Train/test splits for offline evaluation.

A users x items CSR (or parallel event arrays with timestamps) in; what each user keeps for
training and what they hide for testing out. Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def random_holdout(
    matrix: sp.spmatrix,
    *,
    fraction: float = 0.2,
    seed: int = 0,
    min_items: int = 2,
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hide a random `fraction` of each user's items (at least one, never all of them).

    Users with fewer than `min_items` items keep everything in train. Returns (train, test),
    both the input's shape and values, with disjoint non-zeros that add up to the input.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    matrix = sp.csr_matrix(matrix, copy=True)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    row_nnz = np.diff(matrix.indptr)
    n_test = np.where(
        row_nnz >= max(min_items, 2),
        np.clip(np.rint(row_nnz * fraction), 1, np.maximum(row_nnz - 1, 1)),
        0,
    ).astype(np.int64)
    rows = np.repeat(np.arange(matrix.shape[0]), row_nnz)
    noise = np.random.default_rng(seed).random(matrix.nnz)
    order = np.lexsort((noise, rows))  # by row, shuffled within row
    rank_in_row = np.empty(matrix.nnz, dtype=np.int64)
    rank_in_row[order] = np.arange(matrix.nnz) - matrix.indptr[rows[order]]
    test_mask = rank_in_row < n_test[rows]
    return _masked(matrix, ~test_mask), _masked(matrix, test_mask)


def _masked(matrix: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    coo = matrix.tocoo()
    out = sp.csr_matrix(
        (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape, dtype=matrix.dtype
    )
    out.sort_indices()
    return out


def temporal_holdout(
    user_ids: np.ndarray,
    item_ids: np.ndarray,
    counts: np.ndarray,
    timestamps: np.ndarray,
    *,
    fraction: float = 0.2,
    min_items: int = 2,
    drop_known: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Hide each user's latest `fraction` of events: boolean (train_mask, test_mask) over rows.

    Ties in time break by row order. Users with fewer than `min_items` events train on all of
    them. With `drop_known`, test rows whose (user, item) also occurs in train are left out of
    the test set, since a recommender that excludes played items can never surface them.
    `counts` is accepted so callers pass one parallel set of arrays; zero counts never test.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    user_ids = np.asarray(user_ids, dtype=np.int64).ravel()
    item_ids = np.asarray(item_ids, dtype=np.int64).ravel()
    counts = np.asarray(counts, dtype=np.float64).ravel()
    timestamps = np.asarray(timestamps).ravel()
    n = user_ids.size
    if not (item_ids.size == counts.size == timestamps.size == n):
        raise ValueError("user_ids, item_ids, counts and timestamps must have the same length")
    order = np.lexsort((np.arange(n), timestamps, user_ids))  # by user, then time
    sorted_users = user_ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    sizes = np.diff(np.r_[starts, n])
    n_test = np.where(
        sizes >= max(min_items, 2),
        np.clip(np.rint(sizes * fraction), 1, np.maximum(sizes - 1, 1)),
        0,
    ).astype(np.int64)
    position = np.arange(n) - np.repeat(starts, sizes)
    test_sorted = position >= np.repeat(sizes - n_test, sizes)
    test_mask = np.zeros(n, dtype=bool)
    test_mask[order] = test_sorted
    train_mask = ~test_mask
    test_mask &= counts > 0
    if drop_known and n:
        low = int(item_ids.min())
        keys = user_ids * (int(item_ids.max()) - low + 1) + (item_ids - low)
        test_mask &= ~np.isin(keys, keys[train_mask])
    return train_mask, test_mask
