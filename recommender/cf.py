"""Collaborative filtering: implicit ALS over an `Interactions` confidence matrix.

`Interactions` + `CFParams` in, a `CFModel` out: float32 user/item factors keyed by database
ids, which recommends (excluding played items), finds similar items/users, re-solves one user's
vector from new listens without retraining, and saves to / loads from a portable `.npz`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from recommender.artifacts import savez_atomic
from recommender.interactions import IdMap, Interactions, build_matrix
from recommender.topk import top_columns

ARTIFACT_FORMAT = "discover-weekly/cf-als"
ARTIFACT_VERSION = 1
Recs = list[tuple[int, float]]


class UnknownIdError(ValueError):
    """A user or item id the model was not trained on (and has not been told about since)."""


@dataclass(frozen=True)
class CFParams:
    """ALS hyper-parameters. `alpha` and `eps` shape the confidence c = 1 + alpha*log(1 + r/eps).

    implicit does not scale `regularization` by a listener's number of interactions, so its
    best value depends on data size and count scale. The default 20 held up on every world
    measured (NDCG@10 on the temporal split of demo-sized worlds, mean of 3 seeds: 0.091 vs
    0.061 at 0.05, which fell below popularity on 2 of 3; Last.fm 2K 0.235 vs 0.221; a
    long-tailed world with a 400,000-play listener 0.025 vs 0.021), while 50 collapses worlds
    of light listeners. `recommender.evaluate.tuning.tune_cf` tunes it on the product's data.
    """

    factors: int = 64
    regularization: float = 20.0
    alpha: float = 2.0
    iterations: int = 15
    random_state: int = 42
    eps: float = 1.0

    @classmethod
    def from_dict(cls, data: dict) -> CFParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def make_model(params: CFParams, *, use_gpu: bool = False, num_threads: int = 0):
    """An unfitted `implicit` ALS model (CPU, or CUDA with `use_gpu`).

    Its own `alpha` is 1: our matrix already holds the full confidence c_ui, so implicit must
    not scale it again. implicit then solves (YᵀC_uY + λI) x_u = YᵀC_u p_u with λ unscaled.
    Call `fit` / `recalculate_user` under `threadpool_limits(1, "blas")`, as implicit advises.
    """
    kwargs = {"num_threads": num_threads} if not use_gpu else {}
    # implicit checks BLAS threads when constructed; this library fits and solves under
    # threadpool_limits(1, "blas") (see `train`, `CFModel.update_user`), so build under it too.
    with threadpool_limits(1, "blas"):
        return AlternatingLeastSquares(
            factors=params.factors,
            regularization=params.regularization,
            alpha=1.0,
            iterations=params.iterations,
            random_state=params.random_state,
            use_gpu=use_gpu,
            **kwargs,
        )


def train(
    interactions: Interactions,
    params: CFParams = CFParams(),
    *,
    progress: Callable[[int, int], None] | None = None,
    use_gpu: bool = False,
    show_progress: bool = False,
) -> CFModel:
    """Fit ALS. `progress(done, total)` is called after each iteration.

    If the matrix was built with another alpha/eps than `params`, confidences are recomputed
    from `interactions.counts` so the model always matches its params.
    """
    n_users, n_items = interactions.shape
    if n_users == 0 or n_items == 0:
        raise ValueError(f"cannot train on a {n_users} x {n_items} matrix: no users or no items")
    if interactions.matrix.nnz == 0:
        raise ValueError("cannot train on an empty interaction matrix: no positive interactions")
    if params.factors < 1 or params.iterations < 1:
        raise ValueError(f"factors and iterations must be >= 1, got {params}")
    interactions = interactions.with_alpha(params.alpha, eps=params.eps)
    matrix = interactions.matrix.astype(np.float32)

    def callback(iteration: int, _elapsed: float, _loss: float | None) -> None:
        if progress is not None:
            progress(iteration + 1, params.iterations)

    with threadpool_limits(1, "blas"):
        model = make_model(params, use_gpu=use_gpu)
        model.fit(matrix, show_progress=show_progress and progress is None, callback=callback)
        if use_gpu:
            model = model.to_cpu()
    return CFModel(
        user_factors=np.ascontiguousarray(model.user_factors, dtype=np.float32),
        item_factors=np.ascontiguousarray(model.item_factors, dtype=np.float32),
        users=interactions.users,
        items=interactions.items,
        params=params,
        user_items=matrix,
    )


def _top_n(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the n best scores per row, best first.

    Ties go to the lower column index, also at the cut-off, so the top 10 is always the head
    of the top 30 (popularity scores tie a lot).
    """
    n_rows, n_cols = scores.shape
    n = min(n, n_cols)
    if n == 0:
        return np.zeros((n_rows, 0), np.int64), np.zeros((n_rows, 0), np.float32)
    kth = np.partition(scores, n_cols - n, axis=1)[:, n_cols - n : n_cols - n + 1]
    chosen = scores >= kth
    crowded = np.flatnonzero(chosen.sum(axis=1) > n)  # rows with a tie across the cut-off
    if crowded.size:
        sub, sub_kth = scores[crowded], kth[crowded]
        at_kth = sub == sub_kth
        room = n - (sub > sub_kth).sum(axis=1, keepdims=True)
        chosen[crowded] = (sub > sub_kth) | (
            at_kth & (np.cumsum(at_kth, axis=1, dtype=np.int32) <= room)
        )
    top = np.nonzero(chosen)[1].reshape(n_rows, n)
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.lexsort((top, -top_scores), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    return top, np.take_along_axis(scores, top, axis=1)


def rank_users(
    score_rows: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    *,
    user_items: sp.csr_matrix,
    item_ids: np.ndarray,
    n: int,
    exclude_played: bool = True,
    batch_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-n (item ids, scores) per row, in batches; shared by CF and the baselines.

    `score_rows(rows)` gives a (len(rows), n_items) score matrix. Rows < 0 (unknown users) and
    slots past the last unplayed item come back as id -1 / score -inf.
    """
    rows = np.asarray(rows, dtype=np.int64).ravel()
    out_ids = np.full((rows.size, n), -1, dtype=np.int64)
    out_scores = np.full((rows.size, n), -np.inf, dtype=np.float32)
    known = np.flatnonzero(rows >= 0)
    batch_size = batch_size or max(1, 2**24 // max(item_ids.size, 1))
    for start in range(0, known.size, batch_size):
        where = known[start : start + batch_size]
        scores = np.asarray(score_rows(rows[where]), dtype=np.float32)
        if exclude_played:
            played = user_items[rows[where]].tocoo()
            scores[played.row, played.col] = -np.inf
        top, top_scores = top_columns(scores, n)  # a sampled threshold, not a full partition
        valid = np.isfinite(top_scores)
        width = top.shape[1]
        out_ids[where, :width] = np.where(valid, item_ids[top], -1)
        out_scores[where, :width] = np.where(valid, top_scores, -np.inf)
    return out_ids, out_scores


def _normalized(factors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return factors / np.where(norms == 0, 1.0, norms)


class Ranker:
    """Shared top-n ranking over `_scores(rows)`: CFModel and the baselines differ only there.

    Subclasses have `users`, `items` (IdMap) and `user_items` (what each user played).
    """

    users: IdMap
    items: IdMap
    user_items: sp.csr_matrix

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _row(self, user_id: int) -> int:
        row = int(self.users.index_of(user_id))
        if row < 0:
            raise UnknownIdError(f"user {user_id} is not in the {type(self).__name__}")
        return row

    def recommend(self, user_id: int, *, n: int = 30, exclude_played: bool = True) -> Recs:
        """The n best (item id, score) for a user, best first. Unknown user → UnknownIdError."""
        self._row(user_id)
        ids, scores = self.recommend_batch([user_id], n=n, exclude_played=exclude_played)
        keep = ids[0] >= 0
        return list(zip(ids[0][keep].tolist(), scores[0][keep].tolist(), strict=True))

    def recommend_batch(
        self,
        user_ids: np.ndarray,
        n: int = 30,
        *,
        exclude_played: bool = True,
        batch_size: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-n item ids and scores for many users at once: two (len(user_ids), n) arrays.

        Rows are padded with id -1 / score -inf where fewer than n items are left (and are all
        padding for unknown users, so one new listener does not fail a whole batch).
        """
        return rank_users(
            self._scores,
            self.users.index_of(user_ids),
            user_items=self.user_items,
            item_ids=self.items.ids,
            n=n,
            exclude_played=exclude_played,
            batch_size=batch_size,
        )


@dataclass(eq=False)
class CFModel(Ranker):
    """Trained ALS factors keyed by database ids, plus what each user played (for exclusion)."""

    user_factors: np.ndarray  # (n_users, factors) float32
    item_factors: np.ndarray  # (n_items, factors) float32
    users: IdMap
    items: IdMap
    params: CFParams
    user_items: sp.csr_matrix  # (n_users, n_items) float32 confidences the model saw

    def __post_init__(self) -> None:
        self._solver = None
        self._unit: dict[str, np.ndarray] = {}  # cached L2-normalized factors for similar_*

    # -- scoring -------------------------------------------------------------------------
    def _row(self, user_id: int) -> int:
        row = int(self.users.index_of(user_id))
        if row < 0:
            raise UnknownIdError(f"user {user_id} is not in the CF model; retrain or update_user")
        return row

    def _col(self, item_id: int) -> int:
        col = int(self.items.index_of(item_id))
        if col < 0:
            raise UnknownIdError(f"item {item_id} is not in the CF model")
        return col

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors[rows] @ self.item_factors.T

    def score(self, user_id: int, item_ids: np.ndarray) -> np.ndarray:
        """u·v for each item id (float32); NaN for items the model does not know."""
        u = self.user_factors[self._row(user_id)]
        cols = self.items.index_of(np.asarray(item_ids, dtype=np.int64))
        scores = self.item_factors[np.maximum(cols, 0)] @ u
        return np.where(cols >= 0, scores, np.nan).astype(np.float32)

    def similar_items(self, item_id: int, n: int = 10) -> Recs:
        """The n items with the most cosine-similar factors, best first, the item left out."""
        return self._similar("items", self._col(item_id), n)

    def similar_users(self, user_id: int, n: int = 10) -> Recs:
        """The n users with the most cosine-similar factors, best first, the user left out."""
        return self._similar("users", self._row(user_id), n)

    def _similar(self, side: str, index: int, n: int) -> Recs:
        factors, ids = (
            (self.item_factors, self.items) if side == "items" else (self.user_factors, self.users)
        )
        if side not in self._unit:
            self._unit[side] = _normalized(factors)
        unit = self._unit[side]
        sims = (unit @ unit[index])[None, :]
        sims[0, index] = -np.inf
        top, top_scores = _top_n(sims, n)
        keep = np.isfinite(top_scores[0])
        return list(zip(ids.ids[top[0][keep]].tolist(), top_scores[0][keep].tolist(), strict=True))

    # -- incremental update --------------------------------------------------------------
    def update_user(self, user_id: int, item_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Re-solve one user's vector from their *full* current (item id, weighted count) rows.

        Item factors stay fixed (implicit's `recalculate_user`), so this is a cheap least-squares
        solve, not a retrain. A new user is appended. Items unknown to the model are ignored;
        duplicates are summed. Returns the new vector.
        """
        item_ids = np.asarray(item_ids, dtype=np.int64).ravel()
        user_ids = np.full(item_ids.size, int(user_id), dtype=np.int64)
        _, vectors = self.update_users(user_ids, item_ids, counts, include=[user_id])
        return vectors[0]

    def update_users(
        self,
        user_ids: np.ndarray,
        item_ids: np.ndarray,
        counts: np.ndarray,
        *,
        include: np.ndarray | list[int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Re-solve many users at once from their full (user id, item id, weighted count) rows.

        One batched least-squares solve against the fixed item factors. `include` names users
        to solve even if they have no rows (they get the zero vector). Returns (user ids,
        vectors) in sorted user-id order; new users are appended to the model.
        """
        solve_ids = np.unique(
            np.concatenate(
                [np.asarray(user_ids, np.int64).ravel(), np.asarray(include or [], np.int64)]
            )
        )
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
            vectors = self._implicit_solver().recalculate_user(np.arange(solve_ids.size), rows)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(solve_ids.size, -1)
        self.set_user_vectors(solve_ids, vectors, user_items=rows)
        return solve_ids, vectors

    def set_user_vectors(
        self, user_ids: np.ndarray, vectors: np.ndarray, *, user_items: sp.spmatrix | None = None
    ) -> None:
        """Put solved vectors in place (appending unknown users), with their played rows.

        Without `user_items`, known users keep their played rows and new ones get empty rows.
        Arrays are replaced before the id map, so a concurrent reader never indexes past them.
        """
        user_ids = np.asarray(user_ids, dtype=np.int64).ravel()
        new_ids = user_ids[self.users.index_of(user_ids) < 0]
        users = self.users.append(new_ids) if new_ids.size else self.users
        n_total, n_items = len(users), len(self.items)
        positions = users.index_of(user_ids)
        factors = self.user_factors
        if new_ids.size:
            pad = np.zeros((n_total - factors.shape[0], factors.shape[1]), dtype=np.float32)
            factors = np.vstack([factors, pad])
        factors[positions] = vectors
        played = sp.vstack(
            [self.user_items, sp.csr_matrix((n_total - self.user_items.shape[0], n_items))],
            format="csr",
            dtype=np.float32,
        )
        if user_items is not None:
            keep = np.ones(n_total, dtype=np.float32)
            keep[positions] = 0
            place = sp.csr_matrix(
                (np.ones(positions.size, np.float32), (positions, np.arange(positions.size))),
                shape=(n_total, positions.size),
            )
            played = sp.diags(keep) @ played + place @ sp.csr_matrix(user_items, dtype=np.float32)
            played = sp.csr_matrix(played)
            played.eliminate_zeros()
        played.sort_indices()
        self.user_factors, self.user_items = factors, played
        self._unit.pop("users", None)
        self.users = users

    def _implicit_solver(self):
        if self._solver is None:
            solver = make_model(self.params, num_threads=1)
            solver.item_factors = self.item_factors
            solver.user_factors = self.user_factors[:0]
            self._solver = solver
        return self._solver

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write a `.npz` (atomically) that `CFModel.load` reads without pickle. Returns path."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        meta = {
            "format": ARTIFACT_FORMAT,
            "version": ARTIFACT_VERSION,
            "params": asdict(self.params),
        }
        ui = self.user_items
        arrays = {
            "meta": np.array(json.dumps(meta, sort_keys=True)),
            "user_factors": self.user_factors,
            "item_factors": self.item_factors,
            "user_ids": self.users.ids,
            "item_ids": self.items.ids,
            "user_items_data": ui.data.astype(np.float32),
            "user_items_indices": ui.indices.astype(np.int64),
            "user_items_indptr": ui.indptr.astype(np.int64),
        }
        return savez_atomic(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> CFModel:
        """Read a model written by `save` (np.load with allow_pickle=False)."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != ARTIFACT_FORMAT or meta.get("version") != ARTIFACT_VERSION:
                raise ValueError(
                    f"{path} is not a {ARTIFACT_FORMAT} v{ARTIFACT_VERSION} artifact: "
                    f"format={meta.get('format')!r} version={meta.get('version')!r}"
                )
            users, items = IdMap(data["user_ids"]), IdMap(data["item_ids"])
            user_items = sp.csr_matrix(
                (
                    data["user_items_data"],
                    data["user_items_indices"],
                    data["user_items_indptr"],
                ),
                shape=(len(users), len(items)),
            )
            return cls(
                user_factors=data["user_factors"],
                item_factors=data["item_factors"],
                users=users,
                items=items,
                params=CFParams.from_dict(meta["params"]),
                user_items=user_items,
            )
