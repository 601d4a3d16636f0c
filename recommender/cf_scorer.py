"""CF served through the scoring contract: listener vectors x track factors, with ALS's reasons.

A trained model's item factors, their `IdMap` and its `CFParams` in; for a `ListenerBatch`, a
(listeners x tracks) matrix of u·v out (NaN for tracks CF does not know and listeners without a
vector), and for picks the played tracks that pull hardest towards them, from ALS's own
decomposition of the score (Hu, Koren, Volinsky 2008, section 5; implicit's `explain`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

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
        gram = wide.T @ wide + self.regularization * np.eye(k)  # G = YᵀY + λI
        self._gram = gram.astype(np.float32)
        self._gram_inverse = np.linalg.inv(gram).astype(np.float32)
        self._gathered: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._sums: tuple[np.ndarray, np.ndarray, np.ndarray, int] | None = None

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

    def moments(
        self, listeners: ListenerBatch, track_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per listener (count, Σ s, Σ s²) of u·v over the known tracks, without the matrix:
        Σ_t u·v_t = u·(Σ_t v_t) and Σ_t (u·v_t)² = uᵀ(Σ_t v_t v_tᵀ)u."""
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        n = len(listeners)
        if listeners.cf_vectors is None:
            return np.zeros(n), np.zeros(n), np.zeros(n)
        total, gram, known = self._sums_for(track_ids)
        vectors = np.asarray(listeners.cf_vectors, dtype=np.float64)
        valid = np.isfinite(vectors).all(axis=1)
        vectors = np.where(valid[:, None], vectors, 0.0)
        count = np.where(valid, float(known), 0.0)
        return count, vectors @ total, np.einsum("ij,jk,ik->i", vectors, gram, vectors)

    def _sums_for(self, track_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        cached = self._sums
        if cached is not None and np.array_equal(cached[0], track_ids):
            return cached[1], cached[2], cached[3]
        factors_t, unknown = self._factors_for(track_ids)
        known = np.ones(track_ids.size, dtype=bool)
        known[unknown] = False
        wide = factors_t[:, known].astype(np.float64)
        sums = (track_ids.copy(), wide.sum(axis=1), wide @ wide.T, int(known.sum()))
        self._sums = sums
        return sums[1], sums[2], sums[3]

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
        return self.explain_batch(listeners, np.array([row]), track_ids[None, :])[0]

    def explain_batch(
        self, listeners: ListenerBatch, rows: np.ndarray, track_ids: np.ndarray
    ) -> list[list[Reason | None]]:
        """`explain` for many listeners: one list per `rows[i]` for the ids `track_ids[i]`.

        Listeners are grouped by history length, so each group is a few stacked
        factorizations and products (numpy's batched LAPACK) instead of a Python loop.
        """
        rows = np.asarray(rows, dtype=np.int64).ravel()
        track_ids = np.asarray(track_ids, dtype=np.int64).reshape(rows.size, -1)
        out: list[list[Reason | None]] = [[None] * track_ids.shape[1] for _ in rows]
        pick_cols = np.where(track_ids >= 0, self.items.index_of(track_ids), -1)
        history = self._history(listeners, rows)
        lengths = np.diff(history.indptr)
        todo = np.flatnonzero((lengths > 0) & (pick_cols >= 0).any(axis=1))
        with threadpool_limits(1, "blas"):  # many small solves: threads only add overhead
            for group in _groups(todo, lengths):
                self._explain_group(history, group, pick_cols[group], out)
        return out

    def _history(self, listeners: ListenerBatch, rows: np.ndarray) -> sp.csr_matrix:
        """The rows' weighted counts over the model's items (items CF does not know dropped)."""
        history = sp.csr_matrix(listeners.history[rows])
        cols = self.items.index_of(listeners.history_items.ids)[history.indices]
        keep = (cols >= 0) & (history.data > 0)
        row_of = np.repeat(np.arange(rows.size), np.diff(history.indptr))[keep]
        return sp.csr_matrix(
            (history.data[keep], (row_of, cols[keep])), shape=(rows.size, len(self.items))
        )

    def _explain_group(
        self, history: sp.csr_matrix, group: np.ndarray, pick_cols: np.ndarray, out: list
    ) -> None:
        lengths = np.diff(history.indptr)[group]
        width = int(lengths.max())
        slot = np.arange(width)[None, :] < lengths[:, None]
        starts = history.indptr[group][:, None] + np.arange(width)[None, :]
        at = np.where(slot, starts, 0)
        played = np.where(slot, history.indices[at], 0)
        counts = np.where(slot, history.data[at], 0.0)
        conf = np.where(slot, confidence(counts, alpha=self.alpha, eps=self.eps), 0.0)
        terms = self._terms(played, conf, slot, pick_cols)  # (g, H, P)
        terms = np.ascontiguousarray(terms.transpose(0, 2, 1))  # (g, P, H): sort the last axis
        n = min(self.evidence_tracks, width)
        if n < width:
            part = np.argpartition(-terms, n - 1, axis=2)[:, :, :n]
        else:
            part = np.broadcast_to(np.arange(width), terms.shape).copy()
        values = np.take_along_axis(terms, part, axis=2)
        order = np.argsort(-values, axis=2, kind="stable")
        strongest = np.take_along_axis(values, order, axis=2)  # (g, P, n) strongest first
        positions = np.take_along_axis(part, order, axis=2)
        evidence = self.items.ids[np.take_along_axis(played[:, None, :], positions, axis=2)]
        n_positive = (strongest > 0).sum(axis=2)  # positive terms come first
        explained = (n_positive > 0) & (pick_cols >= 0)
        evidence, pulls = evidence.tolist(), np.round(strongest, 6).tolist()
        rows, slots = np.nonzero(explained)
        targets = [out[row] for row in group.tolist()]
        found = n_positive[rows, slots].tolist()
        for i, p, m in zip(rows.tolist(), slots.tolist(), found, strict=True):
            tracks, pull = evidence[i][p], pulls[i][p]
            if m < n:
                tracks, pull = tracks[:m], pull[:m]
            targets[i][p] = Reason(CF_REASON, {"track_ids": tracks, "contributions": pull})

    def _terms(
        self, played: np.ndarray, conf: np.ndarray, slot: np.ndarray, pick_cols: np.ndarray
    ) -> np.ndarray:
        """(g, H, P) terms c_uj · v_iᵀ W_u v_j for a group of listeners (padding: 0).

        W_u = (YᵀC_uY + λI)⁻¹ = (G + Y_uᵀ D Y_u)⁻¹ with the catalog-wide G = YᵀY + λI, the
        listener's played rows Y_u (H x k) and D = C_u - I. Listeners who played fewer tracks
        than there are factors solve the H x H system of the Woodbury identity instead of the
        k x k one; the others solve k x k directly. float32 throughout: numpy's stacked
        float64 products run ten times slower, and both systems are well conditioned.
        """
        played_rows = self.item_factors[played]
        played_rows[~slot] = 0.0
        picks = self.item_factors[np.maximum(pick_cols, 0)]
        picks[pick_cols < 0] = 0.0
        picks_t = np.ascontiguousarray(picks.transpose(0, 2, 1))  # (g, k, P)
        extra = np.where(slot, conf - 1.0, 0.0).astype(np.float32)  # D's diagonal
        if played.shape[1] <= self.item_factors.shape[1]:
            pulled = self._pull_woodbury(played_rows, extra, picks_t)
        else:
            pulled = self._pull_direct(played_rows, extra, picks_t)
        return conf[:, :, None].astype(np.float32) * pulled

    def _pull_direct(self, played_rows, extra, picks_t) -> np.ndarray:
        """Y_u W_u V_pᵀ from the k x k system G + Y_uᵀ D Y_u."""
        scaled_t = np.ascontiguousarray((played_rows * extra[:, :, None]).transpose(0, 2, 1))
        system = self._gram[None] + np.matmul(scaled_t, played_rows)
        return np.matmul(played_rows, np.linalg.solve(system, picks_t))

    def _pull_woodbury(self, played_rows, extra, picks_t) -> np.ndarray:
        """Y_u W_u V_pᵀ = A - K E (I + E K E)⁻¹ E A, with A = Y_u G⁻¹ V_pᵀ, K = Y_u G⁻¹ Y_uᵀ
        and E = D^½ (the symmetric form of the Woodbury identity: D may have zeros)."""
        g, h, k = played_rows.shape
        inverse_rows = (played_rows.reshape(g * h, k) @ self._gram_inverse).reshape(g, h, k)
        kernel = np.matmul(inverse_rows, np.ascontiguousarray(played_rows.transpose(0, 2, 1)))
        direct = np.matmul(inverse_rows, picks_t)  # A: (g, H, P)
        root = np.sqrt(extra)[:, :, None]
        system = root * kernel * root.transpose(0, 2, 1)
        system[:, np.arange(h), np.arange(h)] += 1.0
        solved = np.linalg.solve(system, root * direct)
        return direct - np.matmul(kernel, root * solved)

    def contributions(
        self, played_cols: np.ndarray, counts: np.ndarray, pick_cols: np.ndarray
    ) -> np.ndarray:
        """(played, picks) terms c_uj · v_iᵀ W_u v_j of one listener, batched over the picks.

        `played_cols` / `pick_cols` are rows of the item factors; `counts` the listener's
        weighted counts of the played items, turned into the confidences ALS trained with.
        """
        played = np.asarray(played_cols, dtype=np.int64)[None, :]
        conf = confidence(np.asarray(counts)[None, :], alpha=self.alpha, eps=self.eps)
        slot = np.ones(played.shape, dtype=bool)
        picks = np.asarray(pick_cols, dtype=np.int64)[None, :]
        return self._terms(played, conf.astype(np.float64), slot, picks)[0]


_GROUP_CELLS = 1 << 16  # listeners x history slots per group of stacked solves


def _groups(rows: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """`rows` in groups of similar history length (at most twice the shortest), each group
    small enough that its padded (listeners x history x picks) arrays stay a few MiB."""
    order = rows[np.argsort(lengths[rows], kind="stable")]
    groups, start = [], 0
    while start < order.size:
        shortest = lengths[order[start]]
        stop = start + 1
        while (
            stop < order.size
            and lengths[order[stop]] <= 2 * shortest
            and (stop - start + 1) * lengths[order[stop]] <= _GROUP_CELLS
        ):
            stop += 1
        groups.append(order[start:stop])
        start = stop
    return groups
