"""The audio model as a `recommender.scoring.Scorer` (kind "audio").

Per-track predictions (CF-space vectors V-hat and audio embeddings, keyed by track id) in;
scores u . v-hat for a batch of listeners and candidates, "sounds like" reasons and
neighbours out. A track no one has played still has a V-hat, so it can be recommended.

Reasons follow the scoring contract's placeholder convention: the text "sounds like
{track}" names no track itself; `evidence["track_ids"]` holds the listener's played track
nearest in embedding, which the webapp turns into a name.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.artifacts import savez_atomic
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch, Reason

ARTIFACT_FORMAT = "discover-weekly/audio-predictions"
ARTIFACT_VERSION = 1
SOUNDS_LIKE = "sounds like {track}"


@dataclass(frozen=True, eq=False)
class AudioScorer:
    tracks: IdMap
    vhat: np.ndarray  # (n_tracks, k) float32, in the CF version's space
    embeddings: np.ndarray  # (n_tracks, e) float32
    kind: str = "audio"

    def __post_init__(self) -> None:
        n = len(self.tracks)
        if self.vhat.shape[0] != n or self.embeddings.shape[0] != n:
            raise ValueError("vhat and embeddings need one row per track id")
        norms = np.linalg.norm(self.embeddings, axis=1, keepdims=True)
        unit = (self.embeddings / np.where(norms == 0, 1, norms)).astype(np.float32)
        object.__setattr__(self, "_unit", unit)

    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        """u . v-hat (float32); NaN for unknown tracks, listeners without a CF vector, or
        every cell when no CF version serves (cf_vectors is None)."""
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        out = np.full((len(listeners), track_ids.size), np.nan, dtype=np.float32)
        if listeners.cf_vectors is None or track_ids.size == 0 or len(listeners) == 0:
            return out
        cols = self.tracks.index_of(track_ids)
        known = cols >= 0
        u = np.asarray(listeners.cf_vectors, dtype=np.float32)
        out[:, known] = u @ self.vhat[cols[known]].T  # NaN rows of u stay NaN
        return out

    def explain(
        self, listeners: ListenerBatch, row: int, track_ids: np.ndarray
    ) -> list[Reason | None]:
        """For each candidate, the listener's played track that sounds most like it."""
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        played, _ = listeners.played(row)
        played = played[self.tracks.index_of(played) >= 0]
        cols = self.tracks.index_of(track_ids)
        if played.size == 0:
            return [None] * track_ids.size
        sims = self._unit[np.maximum(cols, 0)] @ self._unit[self.tracks.index_of(played)].T
        sims[track_ids[:, None] == played[None, :]] = -np.inf  # never "sounds like itself"
        best = np.argmax(sims, axis=1)
        reasons: list[Reason | None] = []
        for i, col in enumerate(cols.tolist()):
            similarity = float(sims[i, best[i]])
            if col < 0 or not np.isfinite(similarity):
                reasons.append(None)
                continue
            evidence = {"track_ids": [int(played[best[i]])], "similarity": round(similarity, 3)}
            reasons.append(Reason(text=SOUNDS_LIKE, evidence=evidence))
        return reasons

    def similar(self, track_id: int, n: int = 10) -> list[tuple[int, float]]:
        """The n tracks whose audio embeddings are most cosine-similar, best first."""
        col = int(self.tracks.index_of(track_id))
        if col < 0:
            return []
        sims = self._unit @ self._unit[col]
        sims[col] = -np.inf
        n = min(n, sims.size - 1)
        if n <= 0:
            return []
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.lexsort((top, -sims[top]))]
        return [(int(self.tracks.ids[i]), float(sims[i])) for i in top]

    def with_tracks(self, track_ids: np.ndarray, vhat: np.ndarray, embeddings: np.ndarray):
        """A new scorer with these tracks' predictions added or replaced (self is unchanged)."""
        track_ids = np.asarray(track_ids, dtype=np.int64).ravel()
        tracks = self.tracks.append(track_ids)
        grow = len(tracks) - len(self.tracks)
        v = np.vstack([self.vhat, np.zeros((grow, self.vhat.shape[1]), np.float32)])
        e = np.vstack([self.embeddings, np.zeros((grow, self.embeddings.shape[1]), np.float32)])
        rows = tracks.index_of(track_ids)
        v[rows], e[rows] = vhat, embeddings
        return AudioScorer(tracks, v, e)

    def save(self, path: str | os.PathLike) -> Path:
        """A `.npz` that `load` reads with allow_pickle=False (written atomically)."""
        meta = json.dumps({"format": ARTIFACT_FORMAT, "version": ARTIFACT_VERSION})
        return savez_atomic(
            path,
            meta=np.array(meta),
            track_ids=self.tracks.ids,
            vhat=self.vhat,
            embeddings=self.embeddings,
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> AudioScorer:
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != ARTIFACT_FORMAT or meta.get("version") != ARTIFACT_VERSION:
                raise ValueError(f"{path} is not a {ARTIFACT_FORMAT} v{ARTIFACT_VERSION} file")
            return cls(
                IdMap(data["track_ids"]),
                np.asarray(data["vhat"], dtype=np.float32),
                np.asarray(data["embeddings"], dtype=np.float32),
            )
