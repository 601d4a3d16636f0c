"""The culture model behind the scoring contract (`recommender.scoring.Scorer`, kind "culture").

A `ListenerBatch` and candidate track ids in; cos(p_u, c_t) out, where p_u is the listener's
cultural profile (the listening-weighted sum of their artists' unit term vectors) and c_t the
track's vector (its artist's plus its own terms). NaN where either side is empty: a listener
whose artists no page describes, a track whose artist no page names. Reasons name the terms
that carry the match: "described as 'dreamy' and 'lo-fi'".
"""

from __future__ import annotations

import numpy as np

from recommender.culture.model import CultureModel
from recommender.scoring import ListenerBatch, Reason

REASON_TERMS = 2  # terms named in a reason
MIN_REASON_SHARE = 0.05  # a term must carry this share of the match to be named


class CultureScorer:
    """Scores tracks by the cultural similarity of their vector to the listener's profile."""

    kind = "culture"

    def __init__(self, model: CultureModel) -> None:
        self.model = model

    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        track_ids = np.asarray(track_ids, dtype=np.int64)
        profiles = self.model.profiles(listeners.history, listeners.history_items.ids)
        tracks = self.model.track_vectors(track_ids)
        scores = np.asarray((profiles @ tracks.T).toarray(), dtype=np.float32)
        scores = scores.reshape(len(listeners), track_ids.size)
        scores[np.diff(profiles.indptr) == 0, :] = np.nan
        scores[:, np.diff(tracks.indptr) == 0] = np.nan
        return scores

    def explain(
        self, listeners: ListenerBatch, row: int, track_ids: np.ndarray
    ) -> list[Reason | None]:
        track_ids = np.asarray(track_ids, dtype=np.int64)
        history = listeners.history[row : row + 1]
        profile = self.model.profiles(history, listeners.history_items.ids)
        tracks = self.model.track_vectors(track_ids)
        shared = tracks.multiply(profile).tocsr()  # per-term contributions to the cosine
        return [self._reason(shared, i) for i in range(track_ids.size)]

    def _reason(self, shared, i: int) -> Reason | None:
        lo, hi = shared.indptr[i], shared.indptr[i + 1]
        cols, parts = shared.indices[lo:hi], shared.data[lo:hi]
        total = float(parts.sum())
        if total <= 0:
            return None
        order = np.lexsort((cols, -parts))[:REASON_TERMS]
        chosen = [k for k in order if parts[k] >= MIN_REASON_SHARE * total] or order[:1]
        terms = [str(self.model.vocab[cols[k]]) for k in chosen]
        quoted = " and ".join(f"'{t}'" for t in terms)
        return Reason(
            text=f"described as {quoted}",
            evidence={
                "terms": terms,
                "weights": [round(float(parts[k]), 4) for k in chosen],
                "similarity": round(total, 4),
            },
        )
