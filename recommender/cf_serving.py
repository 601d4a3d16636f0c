"""A trained CF model as request threads serve it: immutable, shared, never mutated.

A `CFModel` in; a `CFServing` out that answers listener vectors (the trained ones, overlaid by
vectors re-solved since), similar tracks and listeners, and re-solves listeners from their
current signals without touching itself. Newer listener vectors give a *new* CFServing that
shares the big arrays (`with_vectors`), so a thread holding the old one never sees a
half-applied update.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from recommender.cf import CFModel, CFParams, _normalized, _top_n, make_model
from recommender.interactions import IdMap, build_matrix

Recs = list[tuple[int, float]]


def _frozen(array: np.ndarray, dtype=np.float32) -> np.ndarray:
    out = np.ascontiguousarray(array, dtype=dtype)
    if out is array:
        out = out.copy()
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class ListenerVectors:
    """Listener vectors re-solved after training: sorted ids and their rows, read-only."""

    ids: np.ndarray
    vectors: np.ndarray

    @classmethod
    def empty(cls, factors: int) -> ListenerVectors:
        return cls(_frozen(np.zeros(0), np.int64), _frozen(np.zeros((0, factors))))

    def merged(self, ids: np.ndarray, vectors: np.ndarray) -> ListenerVectors:
        """A new set with these vectors added or replaced (later rows win for repeated ids)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        vectors = np.asarray(vectors, dtype=np.float32).reshape(ids.size, -1)
        _, last = np.unique(ids[::-1], return_index=True)
        keep_new = ids.size - 1 - last  # the last occurrence of each id
        new_ids, new_vectors = ids[keep_new], vectors[keep_new]
        old = ~np.isin(self.ids, new_ids)
        all_ids = np.concatenate([self.ids[old], new_ids])
        all_vectors = np.vstack([self.vectors[old], new_vectors])
        order = np.argsort(all_ids, kind="stable")
        return ListenerVectors(_frozen(all_ids[order], np.int64), _frozen(all_vectors[order]))

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, positions) of ids in this set."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if self.ids.size == 0:
            return np.zeros(ids.size, bool), np.zeros(ids.size, np.int64)
        pos = np.minimum(np.searchsorted(self.ids, ids), self.ids.size - 1)
        return self.ids[pos] == ids, pos


class CFServing:
    """Item and listener factors of one CF version, read-only, plus re-solved listeners."""

    def __init__(
        self,
        *,
        item_factors: np.ndarray,
        items: IdMap,
        user_factors: np.ndarray,
        users: IdMap,
        params: CFParams,
        solved: ListenerVectors | None = None,
        _derived: dict | None = None,
    ) -> None:
        self.item_factors = _frozen(item_factors)
        self.items = items
        self.user_factors = _frozen(user_factors)
        self.users = users
        self.params = params
        self.solved = solved or ListenerVectors.empty(self.item_factors.shape[1])
        if _derived is None:  # computed once per version, before any thread can see it
            solver = make_model(params, num_threads=1)
            # implicit's Cython solver takes writable buffers only: it gets a private copy.
            solver.item_factors = np.array(self.item_factors)
            solver.user_factors = self.user_factors[:0]
            _ = solver.YtY  # implicit caches YtY lazily; fill it now
            _derived = {
                "unit_items": _frozen(_normalized(self.item_factors)),
                "unit_users": _frozen(_normalized(self.user_factors)),
                "solver": solver,
            }
        self._derived = _derived

    @classmethod
    def from_model(cls, model: CFModel) -> CFServing:
        return cls(
            item_factors=model.item_factors,
            items=model.items,
            user_factors=model.user_factors,
            users=model.users,
            params=model.params,
        )

    @property
    def factors(self) -> int:
        return int(self.item_factors.shape[1])

    def with_vectors(self, user_ids: np.ndarray, vectors: np.ndarray) -> CFServing:
        """A new CFServing with these listeners' vectors; this one is left as it was."""
        return CFServing(
            item_factors=self.item_factors,
            items=self.items,
            user_factors=self.user_factors,
            users=self.users,
            params=self.params,
            solved=self.solved.merged(user_ids, vectors),
            _derived=self._derived,
        )

    def user_vectors(self, user_ids: np.ndarray, *, solved: bool = True) -> np.ndarray:
        """(len(user_ids), factors) float32: re-solved vector, else trained, else NaN.

        `solved=False` gives the vectors as trained, ignoring re-solves (for validating on
        plays that arrived after training).
        """
        user_ids = np.asarray(user_ids, dtype=np.int64).ravel()
        out = np.full((user_ids.size, self.factors), np.nan, dtype=np.float32)
        rows = self.users.index_of(user_ids)
        known = rows >= 0
        out[known] = self.user_factors[rows[known]]
        if solved:
            found, pos = self.solved.lookup(user_ids)
            out[found] = self.solved.vectors[pos[found]]
        return out

    def similar_items(self, item_id: int, n: int = 10) -> Recs:
        """The n items with the most cosine-similar factors, best first (not the item itself)."""
        col = int(self.items.index_of(item_id))
        if col < 0:
            return []
        unit = self._derived["unit_items"]
        return self._best(unit @ unit[col], col, self.items, n)

    def similar_users(self, user_id: int, n: int = 10) -> Recs:
        """Listeners whose trained vectors are closest to this listener's current vector."""
        vector = self.user_vectors([user_id])[0]
        if not np.isfinite(vector).all() or not vector.any():
            return []
        unit = self._derived["unit_users"]
        sims = unit @ (vector / np.linalg.norm(vector))
        return self._best(sims, int(self.users.index_of(user_id)), self.users, n)

    @staticmethod
    def _best(sims: np.ndarray, own: int, ids: IdMap, n: int) -> Recs:
        sims = np.array(sims, dtype=np.float32)[None, :]
        if own >= 0:
            sims[0, own] = -np.inf
        top, scores = _top_n(sims, n)
        keep = np.isfinite(scores[0])
        return list(zip(ids.ids[top[0][keep]].tolist(), scores[0][keep].tolist(), strict=True))

    def solve(
        self, user_ids: np.ndarray, item_ids: np.ndarray, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for listeners from their full (user id, item id, weighted count) rows.

        One batched least-squares solve against the fixed item factors (implicit's
        `recalculate_user`); nothing here changes. Returns (sorted user ids, vectors).
        Items this version does not know are ignored.
        """
        solve_ids = np.unique(np.asarray(user_ids, dtype=np.int64))
        rows = build_matrix(
            user_ids,
            item_ids,
            counts,
            alpha=self.params.alpha,
            eps=self.params.eps,
            users=IdMap(solve_ids),
            items=self.items,
        ).matrix
        with threadpool_limits(1, "blas"):
            vectors = self._derived["solver"].recalculate_user(np.arange(solve_ids.size), rows)
        return solve_ids, np.asarray(vectors, dtype=np.float32).reshape(solve_ids.size, -1)
