"""The candidate rules: which tracks a listener may be offered at all, and which are damped.

A batch of listeners with their controls and the catalog in; (row, candidate column) pairs
out, gathered into one exclusion matrix (and one penalty matrix) for the blend. Each rule is a
small function; CANDIDATE_RULES lists the exclusions in the order the product states them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.interactions import IdMap
from recommender.playlist_types import Catalog, Controls, Pairs
from recommender.scoring import ListenerBatch

Cells = tuple[np.ndarray, np.ndarray]  # (listener rows, candidate columns); column -1: not one


@dataclass(frozen=True, eq=False)
class Candidates:
    """The catalog less what curators blocked, in the column order the blend scores."""

    ids: np.ndarray  # track ids
    artist: np.ndarray  # dense artist index (into `artists`)
    position: np.ndarray  # position in the catalog
    index: IdMap  # track id -> column
    artists: IdMap  # artist id -> dense artist index
    vectors: np.ndarray | None  # unit track vectors for diversity
    by_artist: np.ndarray  # columns ordered by artist

    @classmethod
    def of(cls, catalog: Catalog) -> Candidates:
        position = not_curator_blocked(catalog)
        unit = catalog.unit_vectors()
        ids = np.asarray(catalog.track_ids, dtype=np.int64)[position]
        return cls(
            ids=ids,
            artist=catalog.artist_index[position],
            position=position,
            index=IdMap(ids),
            artists=catalog.artists,
            vectors=None if unit is None else unit[position],
            by_artist=np.argsort(catalog.artist_index[position], kind="stable"),
        )

    def columns_of_artists(self, artist_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of the given artists, candidate column) for every candidate by them."""
        order = self.by_artist
        by_artist = self.artist[order]
        lo = np.searchsorted(by_artist, artist_index, side="left")
        hi = np.searchsorted(by_artist, artist_index, side="right")
        which = np.repeat(np.arange(artist_index.size), hi - lo)
        starts = np.repeat(lo, hi - lo)
        offset = np.arange(which.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
        return which, order[starts + offset]


def not_curator_blocked(catalog: Catalog) -> np.ndarray:
    """Catalog positions of the tracks curators have not blocked (by track or by artist)."""
    blocked = np.isin(catalog.track_ids, catalog.blocked_tracks)
    blocked |= np.isin(catalog.artist_ids, catalog.blocked_artists)
    return np.flatnonzero(~blocked)


def never_had(listeners: ListenerBatch, controls: Controls, candidates: Candidates) -> Cells:
    """Played, saved (the history), skipped and unsaved tracks: (rows, candidate columns)."""
    history = listeners.history.tocoo()
    played = candidates.index.index_of(listeners.history_items.ids[history.col])
    skipped = candidates.index.index_of(controls.skipped.ids)
    unsaved = candidates.index.index_of(controls.unsaved.ids)
    return (
        np.concatenate([history.row, controls.skipped.rows, controls.unsaved.rows]),
        np.concatenate([played, skipped, unsaved]),
    )


def not_in_previous_playlists(
    listeners: ListenerBatch, controls: Controls, candidates: Candidates
) -> Cells:
    """Tracks of the listener's previous weekly playlists."""
    return controls.previous.rows, candidates.index.index_of(controls.previous.ids)


def not_refused(listeners: ListenerBatch, controls: Controls, candidates: Candidates) -> Cells:
    """Tracks the listener said "not for me" to: they never return."""
    return controls.refused.rows, candidates.index.index_of(controls.refused.ids)


def not_by_hidden_artists(
    listeners: ListenerBatch, controls: Controls, candidates: Candidates
) -> Cells:
    """Every track of an artist the listener asked us not to recommend."""
    return _artist_tracks(controls.hidden_artists, candidates)


def damp_not_for_me_artists(
    listeners: ListenerBatch, controls: Controls, candidates: Candidates
) -> Cells:
    """Every track of an artist the listener said "not for me" to (once per artist)."""
    pairs = controls.damped_artists
    span = int(pairs.ids.max(initial=0)) + 1
    keys = np.unique(pairs.rows * span + pairs.ids)
    return _artist_tracks(Pairs(keys // span, keys % span), candidates)


CANDIDATE_RULES = (never_had, not_in_previous_playlists, not_refused, not_by_hidden_artists)


def _artist_tracks(pairs: Pairs, candidates: Candidates) -> Cells:
    """(rows, candidate columns) of every candidate track by the paired artists."""
    dense = candidates.artists.index_of(pairs.ids)
    known = dense >= 0
    which, cols = candidates.columns_of_artists(dense[known])
    return pairs.rows[known][which], cols


def cells_matrix(parts: list[Cells], shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 CSR with a 1 at every cell of `parts` (columns < 0 are left out)."""
    rows = np.concatenate([np.asarray(r, np.int64) for r, _ in parts] or [np.zeros(0, np.int64)])
    cols = np.concatenate([np.asarray(c, np.int64) for _, c in parts] or [np.zeros(0, np.int64)])
    keep = (cols >= 0) & (rows >= 0)
    keys = np.unique(rows[keep] * shape[1] + cols[keep])
    return sp.csr_matrix(
        (np.ones(keys.size, np.float32), (keys // shape[1], keys % shape[1])), shape=shape
    )
