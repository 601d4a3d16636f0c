"""CF served through the scoring contract: listener vectors x track factors, with ALS's reasons.

A trained model's item factors, their `IdMap` and its `CFParams` in; for a `ListenerBatch`, a
(listeners x tracks) matrix of u·v out (NaN for tracks CF does not know and listeners without a
vector), and for picks the played tracks that pull hardest towards them, from ALS's own
decomposition of the score (Hu, Koren, Volinsky 2008, section 5; implicit's `explain`).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from recommender.interactions import IdMap, confidence
from recommender.scoring import ListenerBatch, Reason

CF_REASON = "because you play {artist}"
EVIDENCE_TRACKS = 3  # played tracks named in a reason's evidence, strongest first


def listener_vectors(
    user_factors: np.ndarray, users: IdMap, listener_ids: np.ndarray
) -> np.ndarray:
    """(len(listener_ids), k) float32 rows of `user_factors`; NaN rows for unknown listeners."""
    rows = users.index_of(np.asarray(listener_ids, dtype=np.int64).ravel())
    out = np.asarray(user_factors, dtype=np.float32)[np.maximum(rows, 0)]
    out[rows < 0] = np.nan
    return out


class CFScorer:
    """Scorer of kind "cf" over fixed ALS item factors (the listener vectors come in the batch).

    The explanation follows the ALS solution x_u = W_u Yᵀ C_u p_u with
    W_u = (YᵀC_uY + λI)⁻¹: the score u·v_i splits into one term per played track j,
    c_uj · (v_iᵀ W_u v_j). A reason names the tracks with the largest terms. The terms add up
    to the score when the listener's vector was solved from the same history (a fresh vector);
    a stale vector still gets the right tracks for its current history.
    """

    kind = "cf"

    def __init__(
        self,
        item_factors: np.ndarray,
        items: IdMap,
        *,
        regularization: float,
        alpha: float,
        eps: float = 1.0,
        evidence_tracks: int = EVIDENCE_TRACKS,
    ) -> None:
        factors = np.ascontiguousarray(item_factors, dtype=np.float32)
        if factors.ndim != 2 or factors.shape[0] != len(items):
            raise ValueError(
                f"item_factors {factors.shape} must have one row per item id ({len(items)})"
            )
        self.item_factors = factors
        self.items = items
        self.regularization = float(regularization)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.evidence_tracks = int(evidence_tracks)
        wide = factors.astype(np.float64)
        k = factors.shape[1]
        self._gram = wide.T @ wide + self.regularization * np.eye(k)  # YᵀY + λI
        self._gathered: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_model(cls, model) -> CFScorer:
        """From a trained `CFModel` (its item factors, item ids and params)."""
        params = model.params
        return cls(
            model.item_factors,
            model.items,
            regularization=params.regularization,
            alpha=params.alpha,
            eps=params.eps,
        )

    # -- scores ----------------------------------------------------------------------------
    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        """u·v per (listener, track), float32; NaN rows without a CF vector, NaN unknown tracks."""
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        if listeners.cf_vectors is None:
            return np.full((len(listeners), track_ids.size), np.nan, dtype=np.float32)
        factors_t, unknown = self._factors_for(track_ids)
        vectors = np.asarray(listeners.cf_vectors, dtype=np.float32)
        scores = vectors @ factors_t  # NaN listener rows stay NaN through the product
        if unknown.size:
            scores[:, unknown] = np.nan
        return scores

    def _factors_for(self, track_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(k, T) factors of `track_ids` and the positions CF does not know; the last is cached.

        The weekly build scores the same candidate ids batch after batch; gathering 50,000
        factor rows once instead of once a batch saves a copy of the factor matrix per batch.
        """
        cached = self._gathered
        if cached is not None and np.array_equal(cached[0], track_ids):
            return cached[1], cached[2]
        cols = self.items.index_of(track_ids)
        factors_t = np.ascontiguousarray(self.item_factors[np.maximum(cols, 0)].T)
        unknown = np.flatnonzero(cols < 0)
        self._gathered = (track_ids.copy(), factors_t, unknown)
        return factors_t, unknown

    # -- reasons ---------------------------------------------------------------------------
    def explain(
        self, listeners: ListenerBatch, row: int, track_ids: np.ndarray
    ) -> list[Reason | None]:
        """For each track, the listener's played tracks that pull hardest towards it.

        None for a track CF does not know, a listener with no played track CF knows, or a
        track no played track pulls towards (every term <= 0).
        """
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        reasons: list[Reason | None] = [None] * track_ids.size
        pick_cols = self.items.index_of(track_ids)
        picks = np.flatnonzero(pick_cols >= 0)
        played_ids, counts = listeners.played(row)
        played_cols = self.items.index_of(played_ids)
        keep = (played_cols >= 0) & (counts > 0)
        if picks.size == 0 or not keep.any():
            return reasons
        terms = self.contributions(played_cols[keep], counts[keep], pick_cols[picks])
        played_ids = played_ids[keep]
        n = min(self.evidence_tracks, terms.shape[0])
        order = np.argsort(-terms, axis=0, kind="stable")[:n]  # (n, P) strongest first
        strongest = np.take_along_axis(terms, order, axis=0)
        for j, pick in enumerate(picks.tolist()):
            positive = strongest[:, j] > 0
            if positive.any():
                reasons[pick] = Reason(
                    CF_REASON,
                    {
                        "track_ids": played_ids[order[positive, j]].tolist(),
                        "contributions": np.round(strongest[positive, j], 6).tolist(),
                    },
                )
        return reasons

    def contributions(
        self, played_cols: np.ndarray, counts: np.ndarray, pick_cols: np.ndarray
    ) -> np.ndarray:
        """(played, picks) terms c_uj · v_iᵀ W_u v_j of one listener, batched over the picks.

        `played_cols` / `pick_cols` are rows of the item factors; `counts` the listener's
        weighted counts of the played items, turned into the confidences ALS trained with.
        """
        conf = confidence(counts, alpha=self.alpha, eps=self.eps).astype(np.float64)
        played = self.item_factors[played_cols].astype(np.float64)
        # YᵀC_uY + λI = YᵀY + λI + Yᵀ(C_u - I)Y: only the played rows differ from 1.
        system = self._gram + (played * (conf - 1.0)[:, None]).T @ played
        factor = scipy.linalg.cho_factor(system, check_finite=False)
        weighted = scipy.linalg.cho_solve(
            factor, self.item_factors[pick_cols].astype(np.float64).T, check_finite=False
        )  # W_u v_i for every pick: (k, P)
        return conf[:, None] * (played @ weighted)
