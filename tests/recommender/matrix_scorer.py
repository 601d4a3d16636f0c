"""A real Scorer over a fixed (listener id x track id) matrix, for blend and playlist tests.

It answers exactly as a served model does (NaN for ids it does not know) and explains a pick
with its own kind, so a test can plant an informative model next to a noisy one.
"""

from __future__ import annotations

import numpy as np

from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, Reason


class MatrixScorer:
    def __init__(self, kind: str, listener_ids, track_ids, matrix) -> None:
        self.kind = kind
        self.listeners = IdMap(np.asarray(listener_ids, dtype=np.int64))
        self.tracks = IdMap(np.asarray(track_ids, dtype=np.int64))
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.calls = 0

    def score(self, listeners: ListenerBatch, track_ids) -> np.ndarray:
        self.calls += 1
        rows = self.listeners.index_of(listeners.ids)
        cols = self.tracks.index_of(np.asarray(track_ids, dtype=np.int64))
        out = self.matrix[np.maximum(rows, 0)][:, np.maximum(cols, 0)]
        out[rows < 0] = np.nan
        out[:, cols < 0] = np.nan
        return out

    def explain(self, listeners: ListenerBatch, row: int, track_ids) -> list[Reason | None]:
        scores = self.score(listeners, track_ids)[row] if len(track_ids) else []
        return [
            None if np.isnan(s) else Reason(f"{self.kind} likes it", {"score": float(s)})
            for s in scores
        ]
