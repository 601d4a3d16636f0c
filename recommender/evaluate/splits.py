"""Train/test splits for offline evaluation.

A users x items CSR, parallel event arrays, or `Signals` (plays with times, other signals
apart) in; what each user keeps for training and what they hide for testing out. The product's
split is `temporal_split`: train on everything before a cut-off, test on the tracks listeners
first played after it. Only plays are ever held out. Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.evaluate.signals import Plays, Signals, SplitMatrices, Triple, split_matrices
from recommender.interactions import IdMap

DEFAULT_TEST_FRACTION = 0.2


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


def temporal_cutoff(plays: Plays, *, fraction: float = DEFAULT_TEST_FRACTION) -> int:
    """The unix time after which the latest `fraction` of first plays of a (user, item) fall.

    Listeners discover tracks all the time, so this leaves about `fraction` of all discoveries
    to predict, whatever span the data covers.
    """
    if not plays.has_times:
        raise ValueError("plays have no times: a temporal split needs first/last play times")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    if len(plays) == 0:
        raise ValueError("no plays to split")
    users, items = IdMap.from_ids(plays.user), IdMap.from_ids(plays.item)
    keys = users.index_of(plays.user) * len(items) + items.index_of(plays.item)
    order = np.lexsort((plays.first, keys))
    firsts = plays.first[order][np.r_[True, keys[order][1:] != keys[order][:-1]]]
    cutoff = int(np.quantile(firsts, 1 - fraction, method="higher"))
    if cutoff <= firsts.min():  # nothing would train: move past the earliest time
        later = firsts[firsts > firsts.min()]
        if later.size == 0:
            raise ValueError("every first play has the same time: nothing to split on")
        cutoff = int(later.min())
    return cutoff


def split_plays_at(plays: Plays, cutoff: int) -> tuple[Plays, Plays]:
    """(before, after): each row's plays on either side of `cutoff` (after means >= cutoff).

    A row whose plays span the cut-off is shared out in proportion to time, assuming its
    plays were spread evenly between its first and last; its first play stays before and
    its last after. Before-rows end at `cutoff - 1`, after-rows start at `cutoff`.
    """
    if not plays.has_times:
        raise ValueError("plays have no times: a temporal split needs first/last play times")
    first, last, count = plays.first, plays.last, plays.count
    spans = (first < cutoff) & (last >= cutoff)
    before = np.where(last < cutoff, count, 0.0)
    share = (cutoff - first[spans]) / np.maximum(last[spans] - first[spans], 1)
    estimate = count[spans] * share
    many = count[spans] >= 2
    before[spans] = np.where(
        many, np.clip(np.rint(estimate), 1, np.maximum(count[spans] - 1, 1)), count[spans]
    )
    after = count - before
    keep_before, keep_after = before > 0, after > 0
    train = Plays(
        plays.user[keep_before],
        plays.item[keep_before],
        before[keep_before],
        first[keep_before],
        np.minimum(last[keep_before], cutoff - 1),
    )
    test = Plays(
        plays.user[keep_after],
        plays.item[keep_after],
        after[keep_after],
        np.maximum(first[keep_after], cutoff),
        last[keep_after],
    )
    return train, test


def temporal_split(
    signals: Signals,
    *,
    cutoff: int | None = None,
    fraction: float = DEFAULT_TEST_FRACTION,
) -> tuple[Signals, Triple, int]:
    """(train signals, test (user, item, plays), cutoff): predict what comes after `cutoff`.

    Train keeps every play before the cut-off and all other signals. Test holds the plays
    after it of (user, item) pairs with no play before: tracks new to the listener. Without
    `cutoff`, `temporal_cutoff(plays, fraction=fraction)` picks it.
    """
    plays = signals.plays
    if cutoff is None:
        cutoff = temporal_cutoff(plays, fraction=fraction)
    before, after = split_plays_at(plays, int(cutoff))
    users, items = signals.id_maps()
    width = len(items)
    known = users.index_of(before.user) * width + items.index_of(before.item)
    later = users.index_of(after.user) * width + items.index_of(after.item)
    new = ~np.isin(later, known)
    test = (after.user[new], after.item[new], after.count[new])
    return signals.with_plays(before), test, int(cutoff)


def random_split(
    signals: Signals,
    *,
    fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = 0,
    min_items: int = 2,
) -> tuple[Signals, Triple]:
    """(train signals, test (user, item, plays)): hide a random `fraction` of each listener's
    played tracks (`random_holdout` over (user, item) pairs).

    Tracks the listener also saved or skipped are never hidden (they would stay "had"), and
    the other signals always train. Times, when present, follow their rows into train.
    """
    plays = signals.plays
    users, items = signals.id_maps()
    rows, cols = users.index_of(plays.user), items.index_of(plays.item)
    key = rows * len(items) + cols
    had_u, had_i = Signals(Plays([], [], []), signals.others).had()
    had_key = users.index_of(had_u) * len(items) + items.index_of(had_i)
    eligible = (plays.count > 0) & ~np.isin(key, had_key)
    unique_keys, pair_of_row = np.unique(key[eligible], return_inverse=True)
    pair_matrix = sp.csr_matrix(
        (
            np.arange(1, unique_keys.size + 1, dtype=np.float64),
            (unique_keys // len(items), unique_keys % len(items)),
        ),
        shape=(len(users), len(items)),
    )
    _, held = random_holdout(pair_matrix, fraction=fraction, seed=seed, min_items=min_items)
    held_pairs = np.zeros(unique_keys.size, dtype=bool)
    held_pairs[held.data.astype(np.int64) - 1] = True
    test_rows = np.zeros(len(plays), dtype=bool)
    test_rows[np.flatnonzero(eligible)] = held_pairs[pair_of_row.ravel()]
    test = (plays.user[test_rows], plays.item[test_rows], plays.count[test_rows])
    return signals.with_plays(plays.take(~test_rows)), test


SPLIT_KINDS = ("temporal", "random")


def make_split(
    signals: Signals,
    kind: str,
    *,
    cutoff: int | None = None,
    fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = 0,
) -> tuple[SplitMatrices, Signals]:
    """(matrices of the split, its training signals) for kind "temporal" or "random".

    The matrices span every user and item in `signals`, so a split of a split (a validation
    split carved from the training side) keeps the same shape.
    """
    users, items = signals.id_maps()
    if kind == "temporal":
        train, test, cutoff = temporal_split(signals, cutoff=cutoff, fraction=fraction)
        info = {"cutoff": cutoff}
    elif kind == "random":
        train, test = random_split(signals, fraction=fraction, seed=seed)
        info = {"fraction": fraction}
    else:
        raise ValueError(f"unknown split {kind!r}; use one of {SPLIT_KINDS}")
    matrices = split_matrices(kind, train, test, users=users, items=items, info=info)
    matrices.info["test_users"] = int((np.diff(matrices.test.indptr) > 0).sum())
    matrices.info["test_pairs"] = int(matrices.test.nnz)
    return matrices, train
