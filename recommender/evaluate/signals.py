"""What the evaluation harness reads: plays with their times, and every other signal apart.

Parallel arrays in: plays as (user, item, count, first and last unix time) and the other
signals (saves, artist-page visits spread over tracks, skips) as (user, item, count) triples.
`Signals` out, and per split a `SplitMatrices`: the weighted counts models train on, what
each listener has had (never recommended), and the held-out plays that count as hits.
Only plays are ever held out; the other signals always train.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from recommender.interactions import SIGNAL_WEIGHTS, IdMap, aggregate_signals

Triple = tuple[np.ndarray, np.ndarray, np.ndarray]

# Besides plays, these mark a track as one the listener has had: it is never recommended and
# never counts as a hit. A visit is interest in an artist, not a track: it only trains.
HAD_SIGNALS = frozenset({"save", "skip"})


def _triple(user, item, count) -> Triple:
    user = np.asarray(user, dtype=np.int64).ravel()
    item = np.asarray(item, dtype=np.int64).ravel()
    count = np.asarray(count, dtype=np.float64).ravel()
    if not user.size == item.size == count.size:
        raise ValueError(
            f"user, item and count arrays differ in length: {user.size}, {item.size}, {count.size}"
        )
    return user, item, count


@dataclass(frozen=True, eq=False)
class Plays:
    """Plays per row: who, what, how many times, and when first and last (unix seconds).

    Rows may repeat a (user, item) pair (one row per event is fine). `first` and `last` are
    both None when the data has no times; then only the random split applies.
    """

    user: np.ndarray  # int64 user ids
    item: np.ndarray  # int64 item ids
    count: np.ndarray  # float64 plays, >= 0
    first: np.ndarray | None = None  # int64 unix seconds of the row's first play
    last: np.ndarray | None = None  # int64 unix seconds of the row's last play

    def __post_init__(self) -> None:
        user, item, count = _triple(self.user, self.item, self.count)
        if count.size and not (np.isfinite(count).all() and count.min() >= 0):
            raise ValueError("play counts must be finite and >= 0")
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "item", item)
        object.__setattr__(self, "count", count)
        if (self.first is None) != (self.last is None):
            raise ValueError("give both first and last play times, or neither")
        if self.first is not None:
            first = np.asarray(self.first, dtype=np.int64).ravel()
            last = np.asarray(self.last, dtype=np.int64).ravel()
            if not first.size == last.size == user.size:
                raise ValueError("first and last need one time per play row")
            if np.any(first > last):
                raise ValueError("a play row's first time is after its last time")
            object.__setattr__(self, "first", first)
            object.__setattr__(self, "last", last)

    @classmethod
    def from_events(
        cls,
        user: np.ndarray,
        item: np.ndarray,
        timestamp: np.ndarray | None = None,
        count: np.ndarray | None = None,
    ) -> Plays:
        """One row per (user, item) pair from event rows: counts summed, first/last times."""
        count = np.ones(np.size(user)) if count is None else count
        user, item, count = _triple(user, item, count)
        pairs, inverse = np.unique(np.stack([user, item]), axis=1, return_inverse=True)
        inverse = inverse.ravel()
        summed = np.bincount(inverse, weights=count, minlength=pairs.shape[1])
        if timestamp is None:
            return cls(pairs[0], pairs[1], summed)
        ts = np.asarray(timestamp, dtype=np.int64).ravel()
        if ts.size != user.size:
            raise ValueError("timestamp needs one entry per event")
        first = np.full(pairs.shape[1], np.iinfo(np.int64).max)
        last = np.full(pairs.shape[1], np.iinfo(np.int64).min)
        np.minimum.at(first, inverse, ts)
        np.maximum.at(last, inverse, ts)
        return cls(pairs[0], pairs[1], summed, first, last)

    @property
    def has_times(self) -> bool:
        return self.first is not None

    def __len__(self) -> int:
        return int(self.user.size)

    def take(self, rows: np.ndarray, count: np.ndarray | None = None) -> Plays:
        """The selected rows (a mask or indices), optionally with new counts."""
        times = (self.first[rows], self.last[rows]) if self.has_times else (None, None)
        new_count = self.count[rows] if count is None else count
        return Plays(self.user[rows], self.item[rows], new_count, *times)


@dataclass(frozen=True, eq=False)
class Signals:
    """Plays plus the other signals by name ("save", "visit", "skip"), as raw counts.

    Counts are weighted by `recommender.interactions.SIGNAL_WEIGHTS` when models train, as in
    the product (a visit's count is already spread over the artist's tracks).
    """

    plays: Plays
    others: Mapping[str, Triple] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.others) - (set(SIGNAL_WEIGHTS) - {"play"})
        if unknown:
            known = sorted(set(SIGNAL_WEIGHTS) - {"play"})
            raise ValueError(f"unknown signal(s) {sorted(unknown)}; other signals are {known}")
        object.__setattr__(
            self, "others", {name: _triple(*rows) for name, rows in self.others.items()}
        )

    def id_maps(self) -> tuple[IdMap, IdMap]:
        """Sorted unique user and item ids over every signal."""
        parts = [(self.plays.user, self.plays.item)]
        parts += [(u, i) for u, i, _ in self.others.values()]
        return (
            IdMap.from_ids(np.concatenate([u for u, _ in parts])),
            IdMap.from_ids(np.concatenate([i for _, i in parts])),
        )

    def with_plays(self, plays: Plays) -> Signals:
        return Signals(plays, self.others)

    def weighted(self) -> Triple:
        """(user, item, weighted count) rows of every signal, as models train on them."""
        plays = (self.plays.user, self.plays.item, self.plays.count)
        return aggregate_signals({"play": plays, **self.others})

    def had(self) -> tuple[np.ndarray, np.ndarray]:
        """(user, item) rows of what listeners have had: plays, saves and skips."""
        played = self.plays.count > 0
        users, items = [self.plays.user[played]], [self.plays.item[played]]
        for name, (u, i, c) in self.others.items():
            if name in HAD_SIGNALS:
                users.append(u[c > 0])
                items.append(i[c > 0])
        return np.concatenate(users), np.concatenate(items)

    def listened(self) -> tuple[np.ndarray, np.ndarray]:
        """(user, item) rows of positive evidence for popularity: plays and saves."""
        played = self.plays.count > 0
        users, items = [self.plays.user[played]], [self.plays.item[played]]
        for name, (u, i, c) in self.others.items():
            if name in HAD_SIGNALS and SIGNAL_WEIGHTS[name] > 0:
                users.append(u[c > 0])
                items.append(i[c > 0])
        return np.concatenate(users), np.concatenate(items)


@dataclass(frozen=True, eq=False)
class SplitMatrices:
    """One split as users x items matrices over fixed id maps.

    `train`: weighted counts the models fit on (plays, saves, visits). `had`: 1 where the
    listener has had the track (never recommended). `listened`: 1 for plays and saves (the
    popularity baseline and novelty count these). `test`: held-out play counts of tracks new
    to the listener, only for listeners with something to train on.
    """

    name: str
    users: IdMap
    items: IdMap
    train: sp.csr_matrix
    had: sp.csr_matrix
    listened: sp.csr_matrix
    test: sp.csr_matrix
    info: dict = field(default_factory=dict)


def pair_matrix(
    users: IdMap, items: IdMap, user: np.ndarray, item: np.ndarray, value: np.ndarray | None = None
) -> sp.csr_matrix:
    """A float32 CSR over the id maps; duplicates summed (or set to 1 without `value`)."""
    rows, cols = users.index_of(user), items.index_of(item)
    keep = (rows >= 0) & (cols >= 0)
    data = np.ones(int(keep.sum())) if value is None else np.asarray(value, np.float64)[keep]
    matrix = sp.csr_matrix(
        (data, (rows[keep], cols[keep])), shape=(len(users), len(items)), dtype=np.float64
    )
    matrix.sum_duplicates()
    if value is None:
        matrix.data[:] = 1.0
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix.astype(np.float32)


def split_matrices(
    name: str,
    train: Signals,
    test: Triple,
    *,
    users: IdMap,
    items: IdMap,
    info: dict | None = None,
) -> SplitMatrices:
    """Matrices of a split. Test cells the listener had, or of listeners with no training
    signal (cold starts, which the product serves from popularity), are left out."""
    weighted = pair_matrix(users, items, *train.weighted())
    had = pair_matrix(users, items, *train.had())
    listened = pair_matrix(users, items, *train.listened())
    held = pair_matrix(users, items, *test)
    held = held - held.multiply(had)  # never a hit: the listener already had it
    warm = np.diff(weighted.indptr) > 0
    cold_users = int(((np.diff(held.indptr) > 0) & ~warm).sum())
    held = sp.csr_matrix(sp.diags(warm.astype(np.float32)) @ held)
    held.eliminate_zeros()
    held.sort_indices()
    details = {**(info or {}), "cold_test_users": cold_users}
    return SplitMatrices(name, users, items, weighted, had, listened, held, details)
