"""The culture model: top terms per artist and track, similarity, and its artifact on disk.

`build_model` takes plain arrays (each document's terms and time, mention triples, the
catalog's track -> artist map, curators' tags) and returns a `CultureModel`: artists x terms
weights, tracks' own terms, co-mentions. The model answers top terms, culturally similar
artists, track vectors and listener profiles, and saves to a `.npz` whose metadata is JSON
(read back with allow_pickle=False).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recommender.artifacts import savez_atomic
from recommender.culture.terms import normalize_term
from recommender.culture.vectors import (
    co_mentions,
    doc_entity_matrix,
    doc_term_matrix,
    normalize_rows,
)
from recommender.culture.weights import TermParams, top_terms
from recommender.interactions import IdMap

ARTIFACT_FORMAT = "discover-weekly/culture-terms"
ARTIFACT_VERSION = 1
TRACK_OWN_WEIGHT = 0.5  # a track's own terms next to its artist's (both unit length)


@dataclass(frozen=True, eq=False)
class Mentions:
    """(document row, entity id, weight) triples: which documents are about which entity."""

    doc: np.ndarray
    entity: np.ndarray
    weight: np.ndarray

    @classmethod
    def empty(cls) -> Mentions:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))


@dataclass(eq=False)
class CultureModel:
    """Cultural vectors keyed by database ids. Rows of `artist_terms` follow `artists`."""

    vocab: np.ndarray  # (V,) str
    artists: IdMap
    artist_terms: sp.csr_matrix  # (A, V) weights in (0, 1], top K per artist
    tracks: IdMap
    track_artist: np.ndarray  # (T,) artist id of each track (-1: unknown)
    track_terms: sp.csr_matrix  # (T, V) each track's own terms (mostly empty rows)
    artist_co_mentions: sp.csr_matrix  # (A, A) documents naming both
    params: TermParams = field(default_factory=TermParams)
    built_at: float = 0.0
    counts: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    # -- reads ---------------------------------------------------------------------------
    def top_terms(self, artist_id: int, n: int = 20) -> list[tuple[str, float]]:
        """The artist's best terms with weights, best first (empty for an unknown artist)."""
        row = int(self.artists.index_of(artist_id))
        return self._row_terms(self.artist_terms, row, n)

    def track_top_terms(self, track_id: int, n: int = 20) -> list[tuple[str, float]]:
        """A track's terms: its artist's plus its own, best first."""
        vectors = self.track_vectors(np.array([track_id]), normalized=False)
        return self._row_terms(vectors, 0, n)

    def _row_terms(self, matrix: sp.csr_matrix, row: int, n: int) -> list[tuple[str, float]]:
        if row < 0:
            return []
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        cols, weights = matrix.indices[lo:hi], matrix.data[lo:hi]
        order = np.lexsort((cols, -weights))[:n]
        return [(str(self.vocab[cols[i]]), round(float(weights[i]), 4)) for i in order]

    def artist_vectors(self, artist_ids: np.ndarray) -> sp.csr_matrix:
        """Unit-length term vectors, one row per id (zero rows for unknown artists)."""
        unit = self._unit_artists()
        rows = self.artists.index_of(np.asarray(artist_ids, dtype=np.int64))
        return _take_rows(unit, rows)

    def similar_artists(self, artist_id: int, n: int = 10) -> list[tuple[int, float]]:
        """Other artists by cosine of term vectors, best first; empty for an unknown one."""
        row = int(self.artists.index_of(artist_id))
        unit = self._unit_artists()
        if row < 0 or unit[row].nnz == 0:
            return []
        sims = np.asarray((unit @ unit[row].T).toarray()).ravel()
        sims[row] = 0.0
        candidates = np.flatnonzero(sims > 0)
        order = candidates[np.lexsort((self.artists.ids[candidates], -sims[candidates]))][:n]
        return [(int(self.artists.ids[i]), round(float(sims[i]), 4)) for i in order]

    def track_vectors(self, track_ids: np.ndarray, *, normalized: bool = True) -> sp.csr_matrix:
        """Each track's vector: its artist's unit vector + TRACK_OWN_WEIGHT x its own terms'
        unit vector, L2-normalized. Zero rows for tracks the model cannot describe."""
        track_ids = np.asarray(track_ids, dtype=np.int64)
        rows = self.tracks.index_of(track_ids)
        artist_ids = np.where(rows >= 0, self.track_artist[np.maximum(rows, 0)], -1)
        artist_part = _take_rows(self._unit_artists(), self.artists.index_of(artist_ids))
        own = _take_rows(self._unit_tracks(), rows)
        combined = sp.csr_matrix(artist_part + TRACK_OWN_WEIGHT * own, dtype=np.float32)
        return normalize_rows(combined) if normalized else combined

    def profiles(self, history: sp.spmatrix, history_track_ids: np.ndarray) -> sp.csr_matrix:
        """Listeners' cultural profiles: the listening-weighted sum of their artists' unit
        vectors (history: listeners x tracks weighted counts), L2-normalized."""
        rows = self.tracks.index_of(np.asarray(history_track_ids, dtype=np.int64))
        artist_rows = self.artists.index_of(
            np.where(rows >= 0, self.track_artist[np.maximum(rows, 0)], -1)
        )
        known = np.flatnonzero(artist_rows >= 0)
        to_artist = sp.csr_matrix(
            (np.ones(known.size, np.float32), (known, artist_rows[known])),
            shape=(len(rows), len(self.artists)),
        )
        per_artist = sp.csr_matrix(history, dtype=np.float32) @ to_artist
        return normalize_rows(per_artist @ self._unit_artists())

    def prepared(self) -> CultureModel:
        """This model with its derived matrices computed now, before threads share it."""
        self._unit_artists()
        self._unit_tracks()
        return self

    def _unit_artists(self) -> sp.csr_matrix:
        if "artists" not in self._cache:
            self._cache["artists"] = normalize_rows(self.artist_terms)
        return self._cache["artists"]

    def _unit_tracks(self) -> sp.csr_matrix:
        if "tracks" not in self._cache:
            self._cache["tracks"] = normalize_rows(self.track_terms)
        return self._cache["tracks"]

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write a `.npz` (atomically) that `CultureModel.load` reads without pickle."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        meta = {
            "format": ARTIFACT_FORMAT,
            "version": ARTIFACT_VERSION,
            "params": asdict(self.params),
            "built_at": self.built_at,
            "counts": self.counts,
        }
        arrays = {
            "meta": np.array(json.dumps(meta, sort_keys=True)),
            "vocab": np.asarray(self.vocab, dtype=str),
            "artist_ids": self.artists.ids,
            "track_ids": self.tracks.ids,
            "track_artist": self.track_artist.astype(np.int64),
        }
        for name in ("artist_terms", "track_terms", "artist_co_mentions"):
            matrix = getattr(self, name)
            arrays[f"{name}_data"] = matrix.data.astype(np.float32)
            arrays[f"{name}_indices"] = matrix.indices.astype(np.int32)
            arrays[f"{name}_indptr"] = matrix.indptr.astype(np.int64)
        return savez_atomic(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> CultureModel:
        """Read a model written by `save` (np.load with allow_pickle=False)."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != ARTIFACT_FORMAT or meta.get("version") != ARTIFACT_VERSION:
                raise ValueError(f"{path}: not a culture artifact of version {ARTIFACT_VERSION}")
            vocab = data["vocab"]
            artists, tracks = IdMap(data["artist_ids"]), IdMap(data["track_ids"])

            def matrix(name: str, shape: tuple[int, int]) -> sp.csr_matrix:
                parts = (data[f"{name}_data"], data[f"{name}_indices"], data[f"{name}_indptr"])
                return sp.csr_matrix(parts, shape=shape)

            names = {f.name for f in fields(TermParams)}
            return cls(
                vocab=vocab,
                artists=artists,
                artist_terms=matrix("artist_terms", (len(artists), len(vocab))),
                tracks=tracks,
                track_artist=data["track_artist"],
                track_terms=matrix("track_terms", (len(tracks), len(vocab))),
                artist_co_mentions=matrix("artist_co_mentions", (len(artists), len(artists))),
                params=TermParams(**{k: v for k, v in meta["params"].items() if k in names}),
                built_at=float(meta.get("built_at", 0.0)),
                counts=dict(meta.get("counts", {})),
            )


def _take_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """matrix[rows] with an empty row wherever rows < 0."""
    rows = np.asarray(rows, dtype=np.int64)
    known = np.flatnonzero(rows >= 0)
    pick = sp.csr_matrix(
        (np.ones(known.size, np.float32), (known, rows[known])),
        shape=(rows.size, matrix.shape[0]),
    )
    return sp.csr_matrix(pick @ matrix, dtype=np.float32)


def build_model(
    *,
    doc_terms: Sequence[Mapping[str, float]],
    doc_time: np.ndarray,
    artist_mentions: Mentions,
    track_mentions: Mentions | None = None,
    track_ids: np.ndarray | None = None,
    track_artist: np.ndarray | None = None,
    manual_tags: Sequence[tuple[int, str]] = (),
    now: float,
    params: TermParams | None = None,
) -> CultureModel:
    """Top terms for every artist any document is about (and every track any names).

    `doc_terms[d]` are document d's term counts (`terms.extract_terms`); mention triples use
    document rows. `track_ids`/`track_artist` are the catalog's tracks and their artists (the
    map listener profiles need). `manual_tags` are (artist id, tag) pairs from curators.
    """
    params = params or TermParams()
    tags = [(int(a), normalize_term(t)) for a, t in manual_tags]
    tags = [(a, t) for a, t in tags if t]
    x, vocab = doc_term_matrix(doc_terms, extra=(t for _, t in tags))
    n_docs = len(doc_terms)
    doc_time = np.asarray(doc_time, dtype=np.float64)
    artist_ids = np.unique(np.r_[artist_mentions.entity, [a for a, _ in tags]].astype(np.int64))
    artists = IdMap(artist_ids)
    w = doc_entity_matrix(
        artist_mentions.doc, artist_mentions.entity, artist_mentions.weight, n_docs, artists
    )
    manual = _manual_matrix(tags, artists, vocab)
    artist_terms = top_terms(x, w, doc_time, now=now, params=params, manual=manual)
    track_ids = np.zeros(0, np.int64) if track_ids is None else np.asarray(track_ids, np.int64)
    tracks = IdMap(track_ids)
    t_artist = np.full(len(tracks), -1, np.int64) if track_artist is None else track_artist
    track_terms = sp.csr_matrix((len(tracks), len(vocab)), dtype=np.float32)
    if track_mentions is not None and track_mentions.doc.size and len(tracks):
        tw = doc_entity_matrix(
            track_mentions.doc, track_mentions.entity, track_mentions.weight, n_docs, tracks
        )
        track_terms = top_terms(x, tw, doc_time, now=now, params=params)
    model = CultureModel(
        vocab=np.asarray(vocab, dtype=str),
        artists=artists,
        artist_terms=artist_terms,
        tracks=tracks,
        track_artist=np.asarray(t_artist, dtype=np.int64),
        track_terms=track_terms,
        artist_co_mentions=co_mentions(w),
        params=params,
        built_at=float(now),
    )
    model.counts = {
        "documents": n_docs,
        "terms": len(vocab),
        "artists": int(np.count_nonzero(np.diff(artist_terms.indptr))),
        "tracks_with_own_terms": int(np.count_nonzero(np.diff(track_terms.indptr))),
        "manual_tags": len(tags),
    }
    return model


def _manual_matrix(tags: list[tuple[int, str]], artists: IdMap, vocab: list[str]):
    if not tags:
        return None
    column = {term: i for i, term in enumerate(vocab)}
    rows = artists.index_of(np.array([a for a, _ in tags], dtype=np.int64))
    cols = np.array([column[t] for _, t in tags], dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(tags), np.float32), (rows, cols)), shape=(len(artists), len(vocab))
    )
