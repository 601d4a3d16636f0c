"""Interaction signals → confidence matrix, and id maps between database ids and matrix rows.

Parallel arrays of (user id, item id, weighted count) in; an `Interactions` out: a users x items
CSR of Hu-Koren-Volinsky confidences, the raw summed counts, and the two `IdMap`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# How much one event of each kind counts, in "plays". A save is a deliberate act of taste, so
# it counts like five plays. An artist-page visit shows interest in the artist, not in any one
# track: it counts as half a play of the artist's representative track (the one most listeners
# played; the webapp picks it in SQL). Spreading it over every track of the artist instead gives
# ALS a preference cell (p_ui = 1) per track at almost the confidence of an unknown cell: on the
# demo world those cells outnumbered the plays and took temporal NDCG@10 from 0.136 to 0.044,
# below popularity. A skip gets 0 and is dropped: implicit ALS models confidence that a
# preference *exists* (c_ui >= 1 with p_ui = 1); it has no term for "confident dislike", so a
# skip can only be "no evidence".
SIGNAL_WEIGHTS: dict[str, float] = {"play": 1.0, "save": 5.0, "visit": 0.5, "skip": 0.0}

Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class IdMap:
    """External (database) ids in matrix order: row/column `i` is `ids[i]`.

    Build it with `IdMap.from_ids` (sorted unique ids, so the same set always maps the same
    way). `append` adds new ids at the end without moving existing rows. Database ids are
    small non-negative integers with few gaps, so `index_of` reads a table indexed by id
    when that table is at most a few times the map's size (millions of lookups in one
    gather, not a binary search each); other ids (evaluation files' hashed names) are
    searched in the sorted ids.
    """

    ids: np.ndarray

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids, dtype=np.int64).ravel()
        sorter = np.argsort(ids, kind="stable")
        ordered = ids[sorter]
        if ordered.size > 1 and np.any(ordered[1:] == ordered[:-1]):
            raise ValueError("IdMap ids must be unique")
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "_sorter", sorter)
        object.__setattr__(self, "_sorted", ordered)
        object.__setattr__(self, "_table", _dense_table(ids, ordered))

    @classmethod
    def from_ids(cls, ids: np.ndarray) -> IdMap:
        """Sorted unique ids of `ids` (any order, duplicates allowed)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size and ids.min() >= 0 and _dense_enough(int(ids.max()), ids.size):
            seen = np.zeros(int(ids.max()) + 1, dtype=bool)  # one pass, no sort
            seen[ids] = True
            return cls(np.flatnonzero(seen).astype(np.int64))
        return cls(np.unique(ids))

    @classmethod
    def identity(cls, n: int) -> IdMap:
        """Ids 0..n-1: for matrices whose rows are already the ids."""
        return cls(np.arange(n, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.ids.size)

    def index_of(self, ids: np.ndarray | int) -> np.ndarray:
        """Row index of each id (vectorized); -1 where the id is unknown."""
        query = np.asarray(ids, dtype=np.int64)
        if self._sorted.size == 0:
            return np.full(query.shape, -1, dtype=np.int64)
        if self._table is not None:
            if query.size and query.min() >= 0 and query.max() < self._table.size:
                return np.asarray(self._table[query])  # the common case: one gather, no masks
            inside = (query >= 0) & (query < self._table.size)
            return np.where(inside, self._table[np.where(inside, query, 0)], -1)
        pos = np.searchsorted(self._sorted, query)
        pos_clipped = np.minimum(pos, self._sorted.size - 1)
        found = self._sorted[pos_clipped] == query
        return np.where(found, self._sorter[pos_clipped], -1).astype(np.int64)

    def __contains__(self, item_id: int) -> bool:
        return bool(self.index_of(item_id) >= 0)

    def append(self, new_ids: np.ndarray) -> IdMap:
        """A new map with the ids not yet known appended, in sorted order, after the old rows."""
        new = np.unique(np.asarray(new_ids, dtype=np.int64))
        new = new[self.index_of(new) < 0]
        return IdMap(np.concatenate([self.ids, new]))


_DENSE_LIMIT = 1 << 31  # ids below this may use the table when it is dense enough
_DENSE_SLACK = 4  # the table may hold at most this many slots per id, plus _DENSE_EXTRA
_DENSE_EXTRA = 1 << 16


def _dense_enough(top: int, n_ids: int) -> bool:
    return top < _DENSE_LIMIT and top + 1 <= _DENSE_SLACK * n_ids + _DENSE_EXTRA


def _dense_table(ids: np.ndarray, ordered: np.ndarray) -> np.ndarray | None:
    """row index by id (-1: unknown) when the ids are dense enough for a table, else None."""
    if ordered.size == 0 or ordered[0] < 0:
        return None
    top = int(ordered[-1])
    if not _dense_enough(top, ordered.size):
        return None
    table = np.full(top + 1, -1, dtype=np.int64)
    table[ids] = np.arange(ids.size, dtype=np.int64)
    return table


@dataclass(frozen=True, eq=False)
class Interactions:
    """A users x items confidence matrix with the counts it came from and its id maps."""

    matrix: sp.csr_matrix  # float32 confidences, 1 + alpha * log(1 + count / eps)
    users: IdMap
    items: IdMap
    counts: sp.csr_matrix  # float32 summed weighted counts, same sparsity as `matrix`
    alpha: float = 1.0
    eps: float = 1.0

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def with_alpha(self, alpha: float, *, eps: float | None = None) -> Interactions:
        """The same interactions with confidences recomputed for another alpha / eps."""
        eps = self.eps if eps is None else eps
        if alpha == self.alpha and eps == self.eps:
            return self
        return from_counts(self.counts, alpha=alpha, eps=eps, users=self.users, items=self.items)


def confidence(counts: np.ndarray, *, alpha: float, eps: float = 1.0) -> np.ndarray:
    """Hu-Koren-Volinsky log-scaled confidence, as float32.

        c = 1 + alpha * log(1 + r / eps)

    `r` is the (weighted) count. Log scaling keeps a user's 10,000 plays of one artist from
    drowning out everything else they like; `eps` sets the count at which it starts to bite.
    """
    if alpha < 0 or eps <= 0:
        raise ValueError(f"confidence needs alpha >= 0 and eps > 0, got {alpha=}, {eps=}")
    c = np.array(counts, dtype=np.float64)  # one copy, then in place: on 3.45 M cells each
    c /= eps  # fresh temporary costs more in page faults than the math
    np.log1p(c, out=c)
    c *= alpha
    c += 1.0
    return c.astype(np.float32)


def build_matrix(
    user_ids: np.ndarray,
    item_ids: np.ndarray,
    weighted_counts: np.ndarray,
    *,
    alpha: float,
    eps: float = 1.0,
    users: IdMap | None = None,
    items: IdMap | None = None,
) -> Interactions:
    """Sum duplicate (user, item) rows, drop non-positive sums, convert to confidence.

    Without `users` / `items` the maps are the sorted unique ids seen. With them, the matrix
    uses their order and rows whose ids they do not know are dropped.
    """
    user_ids = np.asarray(user_ids, dtype=np.int64).ravel()
    item_ids = np.asarray(item_ids, dtype=np.int64).ravel()
    weights = np.asarray(weighted_counts, dtype=np.float64).ravel()
    if not (user_ids.size == item_ids.size == weights.size):
        raise ValueError(
            "user_ids, item_ids and weighted_counts must have the same length, got "
            f"{user_ids.size}, {item_ids.size}, {weights.size}"
        )
    keep = weights > 0
    every = keep.all()  # the usual export: no copies of millions of ids to mask nothing
    users = IdMap.from_ids(user_ids if every else user_ids[keep]) if users is None else users
    items = IdMap.from_ids(item_ids if every else item_ids[keep]) if items is None else items
    rows, cols = users.index_of(user_ids), items.index_of(item_ids)
    keep &= (rows >= 0) & (cols >= 0)
    if not keep.all():
        weights, rows, cols = weights[keep], rows[keep], cols[keep]
    shape = (len(users), len(items))
    counts = sp.coo_matrix((weights, (rows, cols)), shape=shape).tocsr()  # sums duplicates
    return from_counts(counts, alpha=alpha, eps=eps, users=users, items=items, copy=False)


def from_counts(
    counts: sp.spmatrix,
    *,
    alpha: float,
    eps: float = 1.0,
    users: IdMap | None = None,
    items: IdMap | None = None,
    copy: bool = True,
) -> Interactions:
    """Interactions from a users x items matrix of summed counts (identity id maps by default).

    `copy=False` lets it clean up `counts` in place when the caller has no further use for it.
    """
    counts = sp.csr_matrix(counts, dtype=np.float32, copy=copy)
    counts.sum_duplicates()
    counts.data[counts.data < 0] = 0
    counts.eliminate_zeros()
    counts.sort_indices()
    users = IdMap.identity(counts.shape[0]) if users is None else users
    items = IdMap.identity(counts.shape[1]) if items is None else items
    if counts.shape != (len(users), len(items)):
        raise ValueError(f"counts shape {counts.shape} != ({len(users)}, {len(items)}) id maps")
    matrix = counts.copy()
    matrix.data = confidence(counts.data, alpha=alpha, eps=eps)
    return Interactions(matrix, users, items, counts, alpha=alpha, eps=eps)


def aggregate_signals(
    signals: Mapping[str, Triple],
    *,
    weights: Mapping[str, float] = SIGNAL_WEIGHTS,
) -> Triple:
    """Combine per-signal (user_ids, item_ids, counts) into one weighted set of rows.

    Each signal's counts are multiplied by its weight; zero-weight signals are left out.
    Duplicates stay: `build_matrix` sums them.
    """
    unknown = set(signals) - set(weights)
    if unknown:
        raise ValueError(f"no weight for signal(s) {sorted(unknown)}; known: {sorted(weights)}")
    parts = [
        (
            np.asarray(u, dtype=np.int64).ravel(),
            np.asarray(i, dtype=np.int64).ravel(),
            np.asarray(c, dtype=np.float64).ravel() * weights[name],
        )
        for name, (u, i, c) in signals.items()
        if weights[name] != 0
    ]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float64)
    users, items, counts = (np.concatenate(column) for column in zip(*parts, strict=True))
    return users, items, counts
