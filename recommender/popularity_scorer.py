"""Popularity served through the scoring contract: listener counts per track in, the same
log-popularity row for every listener out, with "popular with listeners here" as its reason.
It is a blend model like any other and the cold-start fallback.
"""

from __future__ import annotations

import numpy as np

from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, Reason


class PopularityScorer:
    """Scorer of kind "popularity": log(1 + listeners who played the track), the same for all.

    Tracks it has no count for score 0 (nobody here played them). The matrix it returns is a
    read-only broadcast view: one row of memory for any number of listeners.
    """

    kind = "popularity"

    def __init__(self, track_ids: np.ndarray, listener_counts: np.ndarray) -> None:
        self.items = IdMap(np.asarray(track_ids, dtype=np.int64))
        self.counts = np.asarray(listener_counts, dtype=np.float64).ravel()
        if self.counts.size != len(self.items):
            raise ValueError("one listener count per track id")

    def _counts(self, track_ids: np.ndarray) -> np.ndarray:
        cols = self.items.index_of(np.asarray(track_ids, dtype=np.int64).ravel())
        return np.where(cols >= 0, self.counts[np.maximum(cols, 0)], 0.0)

    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        row = np.log1p(self._counts(track_ids)).astype(np.float32)
        return np.broadcast_to(row, (len(listeners), row.size))

    def explain(
        self, listeners: ListenerBatch, row: int, track_ids: np.ndarray
    ) -> list[Reason | None]:
        counts = self._counts(track_ids)
        return [
            Reason("popular with listeners here", {"listeners": int(c)}) if c > 0 else None
            for c in counts.tolist()
        ]
