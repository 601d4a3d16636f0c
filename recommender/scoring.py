"""The scoring contract every model serves through (CF, culture, audio).

A batch of listeners (ids, what they have had, their CF vectors) and candidate track ids in;
one (listeners x candidates) float32 score matrix out, NaN where the model has nothing to say,
plus short human reasons for chosen picks. The blend standardizes and weighs these matrices;
it never needs to know which model made them.

Reasons name things by id, never by name: the library knows no titles. `Reason.text` may hold
these placeholders, which the webapp fills when it shows the reason (`render_reason` does it):

- `{artist}`: the name of the artist of `evidence["track_ids"][0]`, or of
  `evidence["artist_ids"][0]` when the evidence names artists rather than tracks;
- `{track}`: the title of `evidence["track_ids"][0]`.

Any other text is shown as it is ("described as 'dreamy'"), so write literal braces as `{{`
and `}}`. CF's reason is `Reason("because you play {artist}", {"track_ids": [...]})`: the
played tracks that pull hardest towards the pick, strongest first.

Two optional methods make a scorer faster without changing what it says; the blend and the
playlist use them when they are there: `explain_batch(listeners, rows, track_ids)` (see
`BatchExplainer`), the same reasons for many listeners at once, and `moments(listeners,
track_ids)` (see `ScoreMoments`), each listener's count, sum and sum of squares of the
non-NaN scores, which a linear model knows without the score matrix and which the blend
would otherwise sum over it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from recommender.interactions import IdMap


@dataclass(frozen=True, eq=False)
class ListenerBatch:
    """What the models may know about a batch of listeners.

    `history` holds each listener's positive signals (plays, saves; weighted counts, never
    skips or refusals) over the columns `history_items` (track ids). `cf_vectors` are the
    listeners' current CF vectors (rows of NaN for listeners CF does not know), or None when
    no CF version serves.
    """

    ids: np.ndarray  # (L,) int64 listener ids
    history: sp.csr_matrix  # (L, len(history_items)) float32 weighted counts
    history_items: IdMap
    cf_vectors: np.ndarray | None = None  # (L, k) float32

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids, dtype=np.int64).ravel()
        object.__setattr__(self, "ids", ids)
        if self.history.shape != (ids.size, len(self.history_items)):
            raise ValueError(
                f"history shape {self.history.shape} != ({ids.size}, {len(self.history_items)})"
            )
        if self.cf_vectors is not None and self.cf_vectors.shape[0] != ids.size:
            raise ValueError("cf_vectors needs one row per listener")

    def __len__(self) -> int:
        return int(self.ids.size)

    def played(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(track ids, weighted counts) of one listener's history."""
        start, end = self.history.indptr[row], self.history.indptr[row + 1]
        cols = self.history.indices[start:end]
        return self.history_items.ids[cols], self.history.data[start:end]


@dataclass(frozen=True)
class Reason:
    """Why a model likes a pick: a short sentence and the evidence behind it."""

    text: str  # "because you play Artist X", "described as 'dreamy'", "sounds like Y"
    evidence: dict = field(default_factory=dict)  # e.g. {"track_ids": [...], "terms": [...]}


@runtime_checkable
class Scorer(Protocol):
    """A served model. `kind` is "cf", "culture" or "audio"."""

    kind: str

    def score(self, listeners: ListenerBatch, track_ids: np.ndarray) -> np.ndarray:
        """(len(listeners), len(track_ids)) float32; NaN where this model cannot score."""
        ...

    def explain(
        self, listeners: ListenerBatch, row: int, track_ids: np.ndarray
    ) -> list[Reason | None]:
        """One reason per track for listener `row` of the batch (None: nothing to say)."""
        ...


@runtime_checkable
class BatchExplainer(Protocol):
    """Optional: reasons for many listeners at once (a scorer may implement it for speed)."""

    def explain_batch(
        self, listeners: ListenerBatch, rows: np.ndarray, track_ids: np.ndarray
    ) -> list[list[Reason | None]]:
        """For each `rows[i]`, one reason per id of `track_ids[i]` (ids < 0: padding, None)."""
        ...


@runtime_checkable
class ScoreMoments(Protocol):
    """Optional: per listener (count, sum, sum of squares) of `score()`'s non-NaN cells."""

    def moments(
        self, listeners: ListenerBatch, track_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three (len(listeners),) float64 arrays over the same cells `score()` gives."""
        ...


def render_reason(
    reason: Reason,
    *,
    track_titles: Mapping[int, str],
    track_artist_names: Mapping[int, str],
    artist_names: Mapping[int, str] | None = None,
) -> str:
    """The reason's text with `{artist}` and `{track}` filled in from its evidence.

    A placeholder whose id has no name here reads "an artist" or "a track".
    """
    tracks = list(reason.evidence.get("track_ids", ()))
    artists = list(reason.evidence.get("artist_ids", ()))
    if artists:
        artist = (artist_names or {}).get(int(artists[0]))
    else:
        artist = track_artist_names.get(int(tracks[0])) if tracks else None
    track = track_titles.get(int(tracks[0])) if tracks else None
    return reason.text.format(artist=artist or "an artist", track=track or "a track")
