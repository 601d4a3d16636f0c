"""Choosing the playlist's tracks from a listener's pool: diversity, artist caps, new artists.

Per listener, pool candidates (best first) with their artists, whether each artist is new to
the listener, and track vectors in; up to `length` chosen pool positions out, in the order
they were chosen. Vectorized over a batch of listeners: each of the `length` greedy steps is a
handful of array operations on (listeners x shortlist) arrays.

Maximal marginal relevance (Carbonell & Goldstein 1998): each step takes the candidate with
the best (1 - λ) · relevance - λ · (its highest cosine similarity to a track already chosen),
relevance being the blended score rescaled to [0, 1] within the listener's shortlist and
negative similarities counting as 0. Among candidates the rules allow, it prefers, in order:
an artist not yet in the playlist that keeps the new-artist share on target, then any artist
not yet in it, then a second track (never a third) that keeps the share, then any second
track. The share is a share of the playlist's artists, so "30 different artists" comes
first: a listener who knows 12 artists gets at most 12 familiar ones, however familiar
their setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHORTLIST_SLACK = 10  # shortlisted candidates per group beyond twice the picks it must supply
_TIER_GAP = 4.0  # larger than any spread of MMR values, so tiers never mix


@dataclass(frozen=True)
class Selection:
    """Settings of one selection (the product's rules by default)."""

    length: int
    max_per_artist: int
    distinct_artists_first: bool = True
    diversity: float = 0.3  # λ: weight of similarity to what is already chosen
    use_new_artist_share: bool = True


def shortlist(
    scores: np.ndarray,
    artists: np.ndarray,
    new: np.ndarray,
    target_new: np.ndarray,
    rules: Selection,
) -> np.ndarray:
    """Pool positions worth running MMR over: (B, S), -1 padded, best first.

    Each artist keeps only its `max_per_artist` best tracks; each group (new and familiar
    artists) keeps about twice the picks it must supply plus SHORTLIST_SLACK, the other group
    taking over what one cannot fill.
    """
    n_rows, width = scores.shape
    valid = np.isfinite(scores) & (artists >= 0)
    keep = valid & (_rank_within(artists, valid) < rules.max_per_artist)
    size = 2 * rules.length + 2 * SHORTLIST_SLACK
    if rules.use_new_artist_share:
        want_new = 2 * target_new + SHORTLIST_SLACK
        want_old = 2 * (rules.length - target_new) + SHORTLIST_SLACK
        rank_new = np.cumsum(keep & new, axis=1) - 1
        rank_old = np.cumsum(keep & ~new, axis=1) - 1
        have_new, have_old = rank_new[:, -1] + 1, rank_old[:, -1] + 1
        lim_new = np.maximum(want_new, size - np.minimum(have_old, want_old))
        lim_old = np.maximum(want_old, size - np.minimum(have_new, want_new))
        keep &= np.where(new, rank_new < lim_new[:, None], rank_old < lim_old[:, None])
    keep &= np.cumsum(keep, axis=1) <= size
    order = np.argsort(~keep, axis=1, kind="stable")[:, : min(size, width)]
    return np.where(np.take_along_axis(keep, order, axis=1), order, -1)


def _rank_within(groups: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each cell's rank among the earlier valid cells of its row with the same group id."""
    n_rows, width = groups.shape
    span = int(groups.max(initial=0)) + 2
    keys = np.arange(n_rows, dtype=np.int64)[:, None] * span + np.where(valid, groups + 1, 0)
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_keys = flat[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, flat.size]))
    rank = np.empty(flat.size, dtype=np.int64)
    rank[order] = np.arange(flat.size) - first
    return rank.reshape(n_rows, width)


def select(
    scores: np.ndarray,
    artists: np.ndarray,
    new: np.ndarray,
    columns: np.ndarray,
    vectors: np.ndarray | None,
    target_new: np.ndarray,
    rules: Selection,
) -> np.ndarray:
    """Positions (B, length) into the pool, in the order chosen; -1 when none is left.

    `scores`, `artists` (dense artist index, -1: padding), `new` and `columns` (candidate
    columns) are (B, K), best first; `vectors` (candidates, d) are unit track vectors, or None
    (then similarity is 0 and MMR is plain relevance).
    """
    n_rows = scores.shape[0]
    short = shortlist(scores, artists, new, target_new, rules)
    valid = short >= 0
    at = np.maximum(short, 0)
    s = np.where(valid, np.take_along_axis(scores, at, axis=1), -np.inf)
    art = np.where(valid, np.take_along_axis(artists, at, axis=1), -1)
    is_new = valid & np.take_along_axis(new, at, axis=1)
    relevance = _rescaled(s, valid)
    similar = _similarity(vectors, np.take_along_axis(columns, at, axis=1), valid)
    slot = _first_of_artist(art, valid)
    picks = np.full((n_rows, rules.length), -1, dtype=np.int64)
    chosen = ~valid
    counts = np.zeros(short.shape, dtype=np.int64)  # picks per artist, at its first slot
    n_new = np.zeros(n_rows, dtype=np.int64)
    closest = np.zeros(short.shape, dtype=np.float32)
    rows = np.arange(n_rows)
    cap_one = 1 if rules.distinct_artists_first else rules.max_per_artist
    for step in range(rules.length):
        per_artist = np.take_along_axis(counts, slot, axis=1)
        allowed = ~chosen & (per_artist < rules.max_per_artist)
        if not allowed.any():
            break
        tier = 2.0 * (per_artist >= cap_one)
        if rules.use_new_artist_share:
            room_new = (n_new < target_new)[:, None]
            room_old = ((step - n_new) < rules.length - target_new)[:, None]
            tier += ~np.where(is_new, room_new, room_old)
        value = (1 - rules.diversity) * relevance - rules.diversity * closest - _TIER_GAP * tier
        value[~allowed] = -np.inf
        best = np.argmax(value, axis=1)
        ok = np.isfinite(value[rows, best])
        picks[ok, step] = short[ok, best[ok]]
        got = rows[ok]
        chosen[got, best[ok]] = True
        counts[got, slot[got, best[ok]]] += 1
        n_new[got] += is_new[got, best[ok]]
        if similar is not None:
            closest[got] = np.maximum(closest[got], similar[got, best[ok]])
    return picks


def _rescaled(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Scores mapped to [0, 1] per row over the valid cells (1 where a row is flat)."""
    low = np.where(valid, scores, np.inf).min(axis=1, keepdims=True)
    high = np.where(valid, scores, -np.inf).max(axis=1, keepdims=True)
    spread = np.where(high > low, high - low, 1.0)
    scaled = np.where(high > low, (scores - low) / spread, 1.0)
    return np.where(valid, scaled, 0.0).astype(np.float32)


def _similarity(vectors: np.ndarray | None, columns: np.ndarray, valid: np.ndarray):
    """(B, S, S) cosine similarities in the shortlist (negative: 0); None without vectors."""
    if vectors is None:
        return None
    picked = vectors[np.maximum(columns, 0)]
    picked[~valid] = 0.0
    # A contiguous transpose: numpy's stacked matmul over a strided view is ten times slower.
    similar = np.matmul(picked, np.ascontiguousarray(picked.transpose(0, 2, 1)))
    return np.maximum(similar, 0.0, out=similar)


def _first_of_artist(artists: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """For each cell, the position of the first cell of its row with the same artist."""
    n_rows, width = artists.shape
    same = (artists[:, :, None] == artists[:, None, :]) & valid[:, None, :]
    first = np.argmax(same, axis=2)
    return np.where(valid, first, np.arange(width)[None, :])
