"""What goes into a weekly playlist build and what comes out, and the product's promises.

The catalog, the listeners' controls and the rules in; playlists out (`PlaylistBatch` as
arrays for the database, `Playlist` and `Pick` for people). The promises are named constants
here, in one place: the rules, the webapp and the evaluation import them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.blend import POOL_PER_ARTIST, POOL_SIZE
from recommender.interactions import IdMap
from recommender.scoring import Reason

PLAYLIST_LENGTH = 30
MAX_TRACKS_PER_ARTIST = 2
DEFAULT_DISCOVERY = 0.5  # share of artists new to the listener, mid-way on familiar <-> discover
NOT_FOR_ME_PENALTY = 1.0  # blended-score units (about one standard deviation) off a damped artist
MMR_DIVERSITY = 0.3  # weight of similarity to the tracks already chosen


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every track the service could recommend, as parallel arrays in one order.

    `vectors` (e.g. CF item factors) drive diversity; a row of zeros means unknown. `tempo`
    (bpm, NaN unknown), `key` (0 = C ... 11 = B, -1 unknown) and `mode` (1 major, 0 minor,
    -1 unknown) drive the order. Curator-blocked tracks and artists are never candidates.
    """

    track_ids: np.ndarray
    artist_ids: np.ndarray
    popularity: np.ndarray  # listeners who played each track
    tempo: np.ndarray | None = None
    key: np.ndarray | None = None
    mode: np.ndarray | None = None
    vectors: np.ndarray | None = None
    blocked_tracks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    blocked_artists: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        n = np.asarray(self.track_ids).size
        for name in ("artist_ids", "popularity", "tempo", "key", "mode", "vectors"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"catalog {name} has {len(value)} rows for {n} tracks")
        object.__setattr__(self, "tracks", IdMap(self.track_ids))
        artists = np.asarray(self.artist_ids, dtype=np.int64)
        unique, dense = np.unique(artists, return_inverse=True)
        object.__setattr__(self, "artists", IdMap(unique))
        object.__setattr__(self, "artist_index", dense.astype(np.int64))

    def unit_vectors(self) -> np.ndarray | None:
        if self.vectors is None:
            return None
        vectors = np.asarray(self.vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@dataclass(frozen=True, eq=False)
class Pairs:
    """(row of the listener batch, id) pairs, such as which listener refused which track."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        rows = np.asarray(self.rows, dtype=np.int64).ravel()
        ids = np.asarray(self.ids, dtype=np.int64).ravel()
        if rows.size != ids.size:
            raise ValueError("Pairs needs one row per id")
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "ids", ids)

    @classmethod
    def from_lists(cls, per_row: Sequence[Sequence[int]]) -> Pairs:
        """From one list of ids per listener row."""
        rows = np.repeat(np.arange(len(per_row)), [len(ids) for ids in per_row])
        ids = np.concatenate([np.asarray(i, np.int64) for i in per_row]) if per_row else []
        return cls(rows, ids)

    def take(self, rows: np.ndarray) -> Pairs:
        """The pairs of `rows` (in that order), renumbered 0..len(rows)-1."""
        new_row = np.full(int(max(self.rows.max(initial=-1), rows.max(initial=-1))) + 1, -1)
        new_row[rows] = np.arange(rows.size)
        mapped = new_row[self.rows] if self.rows.size else self.rows
        keep = mapped >= 0
        return Pairs(mapped[keep], self.ids[keep])


@dataclass(frozen=True, eq=False)
class Controls:
    """What each listener of a batch asked for, and what they must not get again."""

    discovery: np.ndarray | None = None  # (B,) 0 familiar .. 1 discover; NaN: the default
    skipped: Pairs = field(default_factory=Pairs)  # tracks skipped: had, never again
    unsaved: Pairs = field(default_factory=Pairs)  # saved once, taken out since: had
    refused: Pairs = field(default_factory=Pairs)  # "not for me" tracks: never again
    damped_artists: Pairs = field(default_factory=Pairs)  # artists of "not for me" tracks
    hidden_artists: Pairs = field(default_factory=Pairs)  # "don't recommend this artist"
    previous: Pairs = field(default_factory=Pairs)  # tracks of previous weekly playlists

    def take(self, rows: np.ndarray) -> Controls:
        pairs = ("skipped", "unsaved", "refused", "damped_artists", "hidden_artists", "previous")
        discovery = None if self.discovery is None else np.asarray(self.discovery)[rows]
        return Controls(discovery, **{name: getattr(self, name).take(rows) for name in pairs})


@dataclass(frozen=True)
class Rules:
    """The product's rules; the switches exist for the evaluation's ablations."""

    length: int = PLAYLIST_LENGTH
    max_per_artist: int = MAX_TRACKS_PER_ARTIST
    distinct_artists_first: bool = True
    diversity: float = MMR_DIVERSITY
    new_artist_share: bool = True
    flow: bool = True
    pool_size: int = POOL_SIZE
    pool_per_artist: int = POOL_PER_ARTIST  # by one artist, in a pool with too few artists
    not_for_me_penalty: float = NOT_FOR_ME_PENALTY
    reasons: bool = True  # offline evaluation switches them off: they change no pick


@dataclass(frozen=True)
class Shortfall:
    """Why a playlist has fewer tracks than promised: a code for machines, a line for people."""

    code: str  # "nothing_left" | "few_tracks" | "few_artists" | "no_scores"
    message: str


@dataclass(frozen=True)
class Pick:
    track_id: int
    artist_id: int
    score: float
    contributions: dict[str, float]
    reason: Reason | None
    reason_kind: str | None  # the model whose reason it is
    new_artist: bool


@dataclass(frozen=True)
class Playlist:
    listener_id: int
    picks: tuple[Pick, ...]
    # built as for a new listener, from popularity plus what models could score: the listener
    # has no history, or no weighted model could score them (a model missing entirely)
    cold_start: bool
    shortfall: Shortfall | None


@dataclass(frozen=True, eq=False)
class PlaylistBatch:
    """The playlists of a batch of listeners as arrays (slots past a playlist's end: -1)."""

    listener_ids: np.ndarray  # (B,)
    track_ids: np.ndarray  # (B, L) int64, in playing order
    artist_ids: np.ndarray  # (B, L) int64
    scores: np.ndarray  # (B, L) float32
    contributions: np.ndarray  # (B, L, M) float32, w_m · z_m
    kinds: tuple[str, ...]
    new_artist: np.ndarray  # (B, L) bool
    reasons: list[list[Reason | None]]
    reason_kinds: list[list[str | None]]
    cold_start: np.ndarray  # (B,) bool
    shortfalls: list[Shortfall | None]

    def __len__(self) -> int:
        return int(self.listener_ids.size)

    def playlist(self, row: int) -> Playlist:
        n = int((self.track_ids[row] >= 0).sum())
        picks = tuple(
            Pick(
                track_id=int(self.track_ids[row, i]),
                artist_id=int(self.artist_ids[row, i]),
                score=float(self.scores[row, i]),
                contributions=dict(
                    zip(self.kinds, self.contributions[row, i].tolist(), strict=True)
                ),
                reason=self.reasons[row][i],
                reason_kind=self.reason_kinds[row][i],
                new_artist=bool(self.new_artist[row, i]),
            )
            for i in range(n)
        )
        return Playlist(
            int(self.listener_ids[row]), picks, bool(self.cold_start[row]), self.shortfalls[row]
        )

    def __iter__(self) -> Iterator[Playlist]:
        return (self.playlist(row) for row in range(len(self)))
