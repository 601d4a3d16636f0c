"""Baseline recommenders to beat: most popular, and uniformly random.

An `Interactions` (or a bare users x items CSR) in; an object with the same `users`, `items`,
`recommend` and `recommend_batch` as `CFModel` out, excluding what each user already played.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.cf import Ranker
from recommender.interactions import IdMap, Interactions


class _Baseline(Ranker):
    """Scores every item for a batch of matrix rows; ranking and exclusion are shared."""

    def __init__(self, data: Interactions | sp.spmatrix) -> None:
        if isinstance(data, Interactions):
            self.users, self.items, matrix = data.users, data.items, data.counts
        else:
            matrix = sp.csr_matrix(data)
            self.users = IdMap.identity(matrix.shape[0])
            self.items = IdMap.identity(matrix.shape[1])
        self.user_items = sp.csr_matrix(matrix, dtype=np.float32)
        self.user_items.eliminate_zeros()


class PopularityRecommender(_Baseline):
    """Everyone gets the items the most users played (user count, not play count)."""

    def __init__(self, data: Interactions | sp.spmatrix) -> None:
        super().__init__(data)
        self.popularity = self.user_items.getnnz(axis=0).astype(np.float32)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity, (rows.size, self.popularity.size)).copy()


class RandomRecommender(_Baseline):
    """Uniformly random ranking, fixed per (seed, user, item) so batching cannot change it."""

    def __init__(self, data: Interactions | sp.spmatrix, *, seed: int = 0) -> None:
        super().__init__(data)
        self.seed = seed

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        users = self.users.ids[rows].astype(np.uint64)[:, None]
        items = self.items.ids.astype(np.uint64)[None, :]
        with np.errstate(over="ignore"):
            x = _mix(_mix(np.uint64(self.seed) ^ users) ^ items)
        return (x >> np.uint64(40)).astype(np.float32) / np.float32(2**24)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: a cheap, well-spread hash of uint64 values."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))
