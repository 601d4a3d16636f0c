"""The blend: every model's scores for a batch of listeners in, each listener's best candidates out.

A `ListenerBatch`, candidate track ids, scorers with weights and what each listener must never
get (an exclusion CSR) in; a `Pool` out: per listener the `pool_size` best candidates by
blended score, with each one's per-model contributions w_m · z_m.

Standardization: for listener u and model m, over u's candidates (tracks not excluded) where m
has a score, z = (s - mean) / std (population std). A cell m cannot score (NaN) gets z = 0,
and a listener for whom m's scores are constant (std ~ 0, or no score at all) gets z = 0
everywhere: the model contributes nothing to that listener, as does a model of weight 0 or one
that is missing. The blended score is Σ_m w_m · z_m.

Listeners with no history (cold start), or whom no weighted model can score, are blended with
the popularity scorer at a weight of at least COLD_START_POPULARITY_WEIGHT and flagged
`fallback`. Work is done in inner batches of at most `batch_cells` listeners x candidates, so
100,000 listeners x 50,000 tracks never sit in memory at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, ScoreMoments, Scorer
from recommender.standardize import row_stats
from recommender.topk import top_columns

POOL_SIZE = 300  # candidates per listener handed to the playlist rules
POOL_PER_ARTIST = 10  # a pool with too few artists keeps at most this many by each (when given)
BATCH_CELLS = 1 << 23  # listeners x candidates per inner batch: 32 MiB per float32 matrix
DEFAULT_WEIGHT = 1.0  # weight of a model that has none in `weights`
COLD_START_POPULARITY_WEIGHT = 1.0  # popularity's least weight for fallback listeners
_ROWS_IN_CACHE = 16  # rows blended at once: each model's slice stays in the CPU cache


def listener_rows(batch: ListenerBatch, rows: np.ndarray | Sequence[int] | slice) -> ListenerBatch:
    """The sub-batch of `rows` (same history columns)."""
    index = np.arange(len(batch))[rows] if isinstance(rows, slice) else np.asarray(rows)
    index = index.astype(np.int64).ravel()
    vectors = None if batch.cf_vectors is None else batch.cf_vectors[index]
    return ListenerBatch(batch.ids[index], batch.history[index], batch.history_items, vectors)


@dataclass(frozen=True, eq=False)
class Pool:
    """Each listener's best candidates, best first; slots past the last are padding.

    `columns` index the candidate `track_ids` given to `blend` (-1: padding); `scores` are the
    blended scores less any damping penalty (-inf: padding); `contributions[..., m]` is
    w_m · z_m of model `kinds[m]`. `candidates` counts each listener's tracks left after the
    exclusions; `fallback` marks listeners blended as cold start.
    """

    listener_ids: np.ndarray  # (B,)
    track_ids: np.ndarray  # (B, K) int64
    columns: np.ndarray  # (B, K) int64
    scores: np.ndarray  # (B, K) float32
    contributions: np.ndarray  # (B, K, M) float32
    kinds: tuple[str, ...]
    fallback: np.ndarray  # (B,) bool
    candidates: np.ndarray  # (B,) int64

    def __len__(self) -> int:
        return int(self.listener_ids.size)


def resolve_weights(scorers: Sequence[Scorer], weights: Mapping[str, float] | None) -> np.ndarray:
    """One weight per scorer: `weights[kind]`, DEFAULT_WEIGHT when absent; must be >= 0."""
    weights = weights or {}
    kinds = [s.kind for s in scorers]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"one scorer per kind, got {kinds}")
    values = np.array([float(weights.get(k, DEFAULT_WEIGHT)) for k in kinds], dtype=np.float64)
    bad = [k for k, w in zip(kinds, values, strict=True) if not (np.isfinite(w) and w >= 0)]
    if bad:
        raise ValueError(f"weights must be finite and >= 0; check {bad}")
    return values


def blend(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    weights: Mapping[str, float] | None = None,
    *,
    exclude: sp.spmatrix | None = None,
    penalty: sp.spmatrix | None = None,
    pool_size: int = POOL_SIZE,
    batch_cells: int = BATCH_CELLS,
    index: IdMap | None = None,
    artists: np.ndarray | None = None,
    pool_per_artist: int = POOL_PER_ARTIST,
) -> Pool:
    """Blend `scorers` over `track_ids` for every listener and keep each one's best candidates.

    `exclude` (listeners x candidates, any non-zero excludes) holds what the caller forbids:
    skipped, refused, curator-blocked, previous playlists; what is in the listener's history is
    excluded here as well. `penalty` (same shape) is subtracted from the blended score (the
    "not for me" damping). A scorer of kind "popularity", when given, is also the cold-start
    fallback. `index` is `IdMap(track_ids)` when the caller already has it. With `artists`
    (each candidate's artist, any integer labels) a pool that holds fewer than
    pool_size / `pool_per_artist` artists is taken again with at most `pool_per_artist` by
    each: a playlist takes only a few tracks by one artist, so a prolific artist the listener
    loves must not fill the pool and leave the playlist short.
    """
    track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
    w = resolve_weights(scorers, weights)
    shape = (len(listeners), track_ids.size)
    exclude = candidate_exclusions(listeners, track_ids, exclude, index=index)
    penalty = _as_csr(penalty, shape)
    step = max(1, int(batch_cells) // max(track_ids.size, 1))
    parts = [
        _blend_rows(
            listener_rows(listeners, slice(lo, lo + step)),
            track_ids,
            scorers,
            w,
            exclude[lo : lo + step],
            penalty[lo : lo + step],
            pool_size,
            spread=None if artists is None else (np.asarray(artists), int(pool_per_artist)),
        )
        for lo in range(0, len(listeners), step)
    ]
    if not parts:
        return _empty_pool(listeners.ids, min(pool_size, track_ids.size), scorers)
    return _concat(parts)


def _as_csr(matrix: sp.spmatrix | None, shape: tuple[int, int]) -> sp.csr_matrix:
    if matrix is None:
        return sp.csr_matrix(shape, dtype=np.float32)
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if matrix.shape != shape:
        raise ValueError(f"expected a {shape} listeners x candidates matrix, got {matrix.shape}")
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def candidate_exclusions(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    exclude: sp.spmatrix | None = None,
    *,
    index: IdMap | None = None,
) -> sp.csr_matrix:
    """`exclude` plus every candidate already in a listener's history, as a 0/1 CSR.

    `index` (the candidates' IdMap) saves building it again when the caller has one.
    """
    exclude = _as_csr(exclude, (len(listeners), np.asarray(track_ids).size))
    history = listeners.history.tocoo()
    index = IdMap(track_ids) if index is None else index
    cols = index.index_of(listeners.history_items.ids[history.col])
    keep = (cols >= 0) & (history.data > 0)
    had = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (history.row[keep], cols[keep])),
        shape=exclude.shape,
    )
    union = (exclude != 0).astype(np.float32) + had
    union.data[:] = 1.0
    union.sort_indices()
    return union


@dataclass
class Standardized:
    """One model's scores for a batch and its per-row standardization: w·z = slope·(s - mean)."""

    index: int  # position in `scorers`
    scores: np.ndarray  # (B, T); NaN cells replaced by the row mean (z = 0)
    mean: np.ndarray  # (B,) float64
    slope: np.ndarray  # (B,) float64 w / std, 0 where the model says nothing to this row
    penalized: bool = False  # scores are the ranking: excluded and damped cells were changed

    def contribution(self, rows: np.ndarray, cols: np.ndarray, penalty: np.ndarray) -> np.ndarray:
        """w · z at the cells; `penalty` (blended units) is what damping took off these cells."""
        values = self.scores[rows, cols].astype(np.float64)
        slope, mean = self.slope[rows], self.mean[rows]
        return slope * (values - mean) + (penalty if self.penalized else 0.0)


def standardized(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    weights: np.ndarray,
    exclude: sp.csr_matrix,
) -> list[Standardized]:
    """Score and standardize every model with a weight > 0 (a zero weight is never scored).

    `exclude` must already hold the listeners' history (`candidate_exclusions`).
    """
    ex = exclude.tocoo()
    layers = []
    for m, scorer in enumerate(scorers):
        if weights[m] <= 0:
            continue
        scores = scorer.score(listeners, track_ids)
        if scores.shape != exclude.shape:
            raise ValueError(
                f"{scorer.kind} scorer returned {scores.shape}, expected {exclude.shape}"
            )
        if scores.strides[0] != 0 and not scores.flags.writeable:
            scores = scores.copy()
        if scores.strides[0] == 0 and not np.isfinite(scores[:1]).all():
            scores = scores.copy()
        sums = scorer.moments(listeners, track_ids) if isinstance(scorer, ScoreMoments) else None
        mean, std, _ = row_stats(scores, ex.row, ex.col, sums)
        slope = np.divide(weights[m], std, out=np.zeros_like(std), where=std > 0)
        layers.append(Standardized(m, scores, mean, slope))
    return layers


def _blend_rows(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    weights: np.ndarray,
    exclude: sp.csr_matrix,
    penalty: sp.csr_matrix,
    pool_size: int,
    *,
    spread: tuple[np.ndarray, int] | None = None,
    fallback_pass: bool = False,
) -> Pool:
    layers = standardized(listeners, track_ids, scorers, weights, exclude)
    reach = sum((layer.slope > 0 for layer in layers), np.zeros(len(listeners), dtype=bool))
    cold = np.diff(listeners.history.indptr) == 0
    fallback = ~reach | (cold if not fallback_pass else np.zeros_like(cold))
    ranking, unit = _ranking(layers, exclude.shape)
    ex = exclude.tocoo()
    ranking[ex.row, ex.col] = -np.inf
    pen = penalty.tocoo()
    ranking[pen.row, pen.col] -= (pen.data * unit[pen.row]).astype(np.float32)
    ranking[~reach] = -np.inf  # nobody speaks for these rows: no pool unless the fallback has one
    cols, _ = top_columns(ranking, pool_size)
    if spread is not None:
        cols = spread_artists(ranking, cols, *spread)
    pool = _gather(listeners, track_ids, scorers, layers, cols, penalty, exclude, fallback)
    if fallback_pass or not fallback.any():
        return pool
    popular = [m for m, s in enumerate(scorers) if s.kind == "popularity"]
    if not popular:
        return pool
    boosted = weights.copy()
    boosted[popular[0]] = max(boosted[popular[0]], COLD_START_POPULARITY_WEIGHT)
    rows = np.flatnonzero(fallback)
    redo = _blend_rows(
        listener_rows(listeners, rows),
        track_ids,
        scorers,
        boosted,
        exclude[rows],
        penalty[rows],
        pool_size,
        spread=spread,
        fallback_pass=True,
    )
    return _replace_rows(pool, rows, redo)


def _ranking(layers: list[Standardized], shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A matrix that ranks each row as the blended score does, and its unit per row.

    With several models it is Σ_m (w_m / std_m) · s_m, the blended score plus a per-row
    constant (unit 1). With one it is that model's own scores, which rank the same way at a
    per-row scale 1 / slope, saving a pass over the matrix.
    """
    n_rows = shape[0]
    if not layers:
        return np.zeros(shape, dtype=np.float32), np.ones(n_rows)
    if len(layers) == 1:
        layer = layers[0]
        if layer.scores.strides[0] == 0 or not layer.scores.flags.writeable:
            layer.scores = layer.scores.copy()
        ranking = layer.scores  # excluded cells are never gathered, so sharing is safe
        unit = np.divide(1.0, layer.slope, out=np.ones(n_rows), where=layer.slope > 0)
        layer.penalized = True
        return ranking, unit
    ranking = np.empty(shape, dtype=np.float32)
    for lo in range(0, n_rows, _ROWS_IN_CACHE):  # a few rows at a time: temporaries stay small
        rows = slice(lo, lo + _ROWS_IN_CACHE)
        block = ranking[rows]
        np.multiply(
            layers[0].scores[rows], layers[0].slope[rows, None].astype(np.float32), out=block
        )
        for layer in layers[1:]:
            block += layer.scores[rows] * layer.slope[rows, None].astype(np.float32)
    return ranking, np.ones(n_rows)


def spread_artists(
    ranking: np.ndarray, cols: np.ndarray, artists: np.ndarray, per_artist: int
) -> np.ndarray:
    """`cols` (each row's best columns of `ranking`, best first, -1 padded) again for the rows
    whose columns hold fewer than pool_size / `per_artist` artists: the best columns with each
    artist's past its best `per_artist` left out. Only those rows are ranked again, each on a
    widening head of its best columns; a row that spans enough artists is left as it is (the
    playlist's own rules take at most two by each).
    """
    per_artist = max(int(per_artist), 1)
    crowded = np.flatnonzero(_too_few_artists(cols, artists, cols.shape[1] // per_artist))
    if crowded.size == 0:
        return cols
    cols = cols.copy()
    pool_size, n_cols = cols.shape[1], ranking.shape[1]
    width = pool_size
    while crowded.size:
        width = min(width * 4, n_cols)
        head, _ = top_columns(ranking[crowded], width)
        keep = (head >= 0) & (_occurrence(head, artists) < per_artist)
        done = (keep.sum(axis=1) >= pool_size) | (width >= n_cols)
        order = np.argsort(~keep[done], axis=1, kind="stable")[:, :pool_size]
        chosen = np.take_along_axis(head[done], order, axis=1)
        chosen[~np.take_along_axis(keep[done], order, axis=1)] = -1
        cols[crowded[done], : chosen.shape[1]] = chosen
        cols[crowded[done], chosen.shape[1] :] = -1
        crowded = crowded[~done]
    return cols


def _too_few_artists(cols: np.ndarray, artists: np.ndarray, least: int) -> np.ndarray:
    """(B,) True where the row's columns are full but hold fewer than `least` artists."""
    labels = np.sort(np.where(cols >= 0, artists[np.maximum(cols, 0)], -1), axis=1)
    distinct = 1 + (labels[:, 1:] != labels[:, :-1]).sum(axis=1)
    full = (cols >= 0).all(axis=1)  # a short row has no more candidates to reach for
    return full & (distinct < least)


def _occurrence(cols: np.ndarray, artists: np.ndarray) -> np.ndarray:
    """How many earlier columns of its row are by the same artist (0 for the first)."""
    labels = np.where(cols >= 0, artists[np.maximum(cols, 0)], -1)
    order = np.argsort(labels, axis=1, kind="stable")  # by artist, best first within
    grouped = np.take_along_axis(labels, order, axis=1)
    steps = np.arange(cols.shape[1])[None, :]
    starts = np.where(
        np.concatenate([np.ones((cols.shape[0], 1), bool), grouped[:, 1:] != grouped[:, :-1]], 1),
        steps,
        0,
    )
    rank = steps - np.maximum.accumulate(starts, axis=1)
    occurrence = np.empty_like(rank)
    np.put_along_axis(occurrence, order, rank, axis=1)
    return occurrence


def cell_values(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """matrix[rows[i], cols[i]] for many cells at once (0 where it has no entry)."""
    if matrix.nnz == 0 or rows.size == 0:
        return np.zeros(rows.size, dtype=np.float64)
    coo = matrix.tocoo()
    n_cols = matrix.shape[1]
    keys = coo.row.astype(np.int64) * n_cols + coo.col
    order = np.argsort(keys)
    keys, data = keys[order], coo.data[order].astype(np.float64)
    query = rows.astype(np.int64) * n_cols + cols
    pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    return np.where(keys[pos] == query, data[pos], 0.0)


def _gather(
    listeners: ListenerBatch,
    track_ids: np.ndarray,
    scorers: Sequence[Scorer],
    layers: list[Standardized],
    cols: np.ndarray,
    penalty: sp.csr_matrix,
    exclude: sp.csr_matrix,
    fallback: np.ndarray,
) -> Pool:
    """The pool at `cols`: blended scores and every model's contribution w_m · z_m."""
    n_rows, k = cols.shape
    valid = cols >= 0
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)[valid]
    at = cols[valid]
    damped = cell_values(penalty, rows, at)
    contributions = np.zeros((n_rows, k, len(scorers)), dtype=np.float32)
    for layer in layers:
        contributions[valid, layer.index] = layer.contribution(rows, at, damped)
    scores = np.full((n_rows, k), -np.inf, dtype=np.float32)
    scores[valid] = contributions[valid].sum(axis=1, dtype=np.float64) - damped
    return Pool(
        listener_ids=listeners.ids.copy(),
        track_ids=np.where(valid, track_ids[np.maximum(cols, 0)], -1),
        columns=cols,
        scores=scores,
        contributions=contributions,
        kinds=tuple(s.kind for s in scorers),
        fallback=fallback.copy(),
        candidates=track_ids.size - np.diff(exclude.indptr).astype(np.int64),
    )


def _replace_rows(pool: Pool, rows: np.ndarray, redo: Pool) -> Pool:
    arrays = {}
    for name in ("track_ids", "columns", "scores", "contributions"):
        merged = getattr(pool, name).copy()
        merged[rows] = getattr(redo, name)
        arrays[name] = merged
    fallback = pool.fallback.copy()
    fallback[rows] = True
    return Pool(
        listener_ids=pool.listener_ids,
        kinds=pool.kinds,
        fallback=fallback,
        candidates=pool.candidates,
        **arrays,
    )


def _concat(parts: list[Pool]) -> Pool:
    if len(parts) == 1:
        return parts[0]
    join = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in (
            "listener_ids",
            "track_ids",
            "columns",
            "scores",
            "contributions",
            "fallback",
            "candidates",
        )
    }
    return Pool(kinds=parts[0].kinds, **join)


def _empty_pool(listener_ids: np.ndarray, k: int, scorers: Sequence[Scorer]) -> Pool:
    n = listener_ids.size
    return Pool(
        listener_ids=listener_ids.copy(),
        track_ids=np.full((n, k), -1, dtype=np.int64),
        columns=np.full((n, k), -1, dtype=np.int64),
        scores=np.full((n, k), -np.inf, dtype=np.float32),
        contributions=np.zeros((n, k, len(scorers)), dtype=np.float32),
        kinds=tuple(s.kind for s in scorers),
        fallback=np.zeros(n, dtype=bool),
        candidates=np.zeros(n, dtype=np.int64),
    )
