"""A SYNTHETIC music world with latent tastes, for demos, tests and benchmarks.

Sizes and a seed in; a `World` of numpy arrays out: genres, artists, tracks (tempo, key, mode,
latent vector), listeners (latent taste) and their plays, saves, artist-page visits and skips.
Plays follow softmax(taste . track + popularity) within each listener's genres, so a model
has real structure to find; `true_affinity` gives the held-out truth to check it against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LATENT_DIM = 16
WINDOW_SECONDS = 26 * 7 * 24 * 3600  # plays fall in the last 26 weeks before end_time
PLAYS_PER_PAIR = 2.0  # mean plays of one (listener, track) pair
PROPOSALS = 8  # popularity-drawn candidates per pick; taste chooses among them
SKIP_RATE = 0.08  # skips per play
VISIT_RATE = 0.04  # artist-page visits per play
MODE_NAMES = ("minor", "major")  # index = mode, as the Echo Nest numbers it
_CHUNK_PROPOSALS = 1_000_000  # bounds the gathered (proposals x LATENT_DIM) block per chunk

GENRE_WORDS = (
    "Neon Folk", "Glass Techno", "Dust Pop", "Harbor Jazz", "Static Soul", "Cinder Metal",
    "Paper Ambient", "Lunar Hip-Hop", "Copper Country", "Tidal House", "Velvet Punk",
    "Orchid R&B", "Marble Classical", "Rust Blues", "Prism Reggae", "Fog Shoegaze",
)  # fmt: skip
ADJECTIVES = (
    "Velvet", "Amber", "Silent", "Electric", "Hollow", "Golden", "Paper", "Crimson", "Lunar",
    "Static", "Wild", "Quiet", "Neon", "Broken", "Salt", "Distant", "Violet", "Iron", "Soft",
    "Burning", "Frozen", "Secret", "Shallow", "Bright", "Slow", "Glass", "Copper", "Dusty",
    "Midnight", "Hidden", "Tender", "Restless",
)  # fmt: skip
FIRST_NAMES = (
    "Mara", "Jonah", "Ines", "Theo", "Lena", "Oskar", "Ruby", "Felix", "Noor", "Elliot", "Ada",
    "Ivo", "Selma", "Cass", "Milo", "Juno", "Nadia", "Remy", "Tove", "Idris", "Clara", "Soren",
    "Yara", "Leif", "Esme", "Wren", "Hollis", "Amara", "Ezra", "Dario", "Greta", "Kit",
)  # fmt: skip
LAST_NAMES = (
    "Quill", "Varga", "Lind", "Okafor", "Marlowe", "Castell", "Brandt", "Sato", "Reyes", "Holm",
    "Devlin", "Arden", "Moreau", "Keane", "Solberg", "Fenn", "Ashby", "Navarro", "Thorne",
    "Ilves", "Calder", "Beck", "Lowry", "Petrov", "Hale", "Weiss", "Dunmore", "Kaur", "Rask",
    "Vance", "Oduya", "Lacroix",
)  # fmt: skip
NOUNS = (
    "Drift", "Rivers", "Engines", "Harbor", "Lanterns", "Orchard", "Signal", "Tide", "Motel",
    "Comet", "Garden", "Mirrors", "Highway", "Echo", "Canyon", "Letters", "Satellite", "Fever",
    "Meadow", "Circuit", "Parade", "Window", "Thunder", "Ghosts", "Avenue", "Horizon", "Harvest",
    "Wires", "Season", "Island", "Static", "Dreams",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Events:
    """Parallel arrays, one entry per event: who, what (track or artist index), when."""

    listener: np.ndarray  # int32 listener index
    item: np.ndarray  # int32 track index (artist index for visits)
    timestamp: np.ndarray  # int64 unix seconds
    ms_played: np.ndarray | None = None  # int32, plays and skips only

    def __len__(self) -> int:
        return len(self.listener)


@dataclass(frozen=True, eq=False)
class World:
    """The generated world. Index arrays refer to positions in the other arrays."""

    seed: int
    end_time: int
    genre_names: list[str]
    genre_centroids: np.ndarray  # (G, D)
    artist_names: list[str]
    artist_genre: np.ndarray  # (A,) primary genre
    artist_genre_mix: np.ndarray  # (A, G), rows sum to 1
    track_artist: np.ndarray  # (T,) int32
    track_title: list[str]
    track_release: list[str]
    track_genre: np.ndarray  # (T,) int16
    track_duration_ms: np.ndarray  # (T,) int32
    track_tempo_bpm: np.ndarray  # (T,) float32
    track_key: np.ndarray  # (T,) int8, 0 = C ... 11 = B
    track_mode: np.ndarray  # (T,) int8, 1 = major, 0 = minor
    track_latent: np.ndarray  # (T, D) float32
    track_popularity: np.ndarray  # (T,) float32, log-scale
    listener_names: list[str]
    listener_genre_weights: np.ndarray  # (U, G), rows sum to 1
    listener_taste: np.ndarray  # (U, D) float32
    plays: Events
    saves: Events
    visits: Events
    skips: Events

    @property
    def n_listeners(self) -> int:
        return len(self.listener_names)

    @property
    def n_tracks(self) -> int:
        return len(self.track_title)


def generate_world(
    *,
    n_listeners: int,
    n_tracks: int,
    n_artists: int | None = None,
    mean_listens_per_listener: float,
    n_genres: int = 12,
    seed: int,
    end_time: int = 1_767_225_600,  # 2026-01-01 00:00 UTC; pass a recent midnight for demos
) -> World:
    """Generate a deterministic world: the same arguments always give the same arrays."""
    n_artists = n_artists or max(1, n_tracks // 10)
    if n_listeners < 1 or n_tracks < 1 or not 1 <= n_artists <= n_tracks:
        raise ValueError("need n_listeners >= 1 and 1 <= n_artists <= n_tracks")
    if mean_listens_per_listener < 1:
        raise ValueError("mean_listens_per_listener must be >= 1")
    n_genres = max(1, min(n_genres, n_artists))
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((n_genres, LATENT_DIM))
    centroids *= 2.0 / np.linalg.norm(centroids, axis=1, keepdims=True)
    catalog = _catalog(rng, centroids, n_artists, n_tracks)
    genre_pop = rng.uniform(0.5, 1.5, n_genres)
    weights = rng.dirichlet(0.25 * genre_pop / genre_pop.mean(), size=n_listeners)
    taste = weights @ centroids + 0.3 * rng.standard_normal((n_listeners, LATENT_DIM))
    taste = taste.astype(np.float32)
    width = max(5, len(str(n_listeners - 1)))
    plays, saves, visits, skips = _interactions(
        rng, catalog, weights, taste, mean_listens_per_listener, end_time
    )
    return World(
        seed=seed,
        end_time=end_time,
        genre_names=_genre_names(n_genres),
        genre_centroids=centroids.astype(np.float32),
        listener_names=[f"synth_listener_{i:0{width}d}" for i in range(n_listeners)],
        listener_genre_weights=weights.astype(np.float32),
        listener_taste=taste,
        plays=plays,
        saves=saves,
        visits=visits,
        skips=skips,
        **catalog,
    )


def true_affinity(world: World, listeners: np.ndarray) -> np.ndarray:
    """Held-out truth: log play propensity, shape (len(listeners), n_tracks).

    log w[u, genre(t)] + popularity(t) - log Z_genre(t) + taste(u) . latent(t): the log of the
    (unnormalized) probability the generator picks track t for listener u.
    """
    listeners = np.asarray(listeners)
    genre = world.track_genre.astype(np.int64)
    pop = world.track_popularity.astype(np.float64)
    log_z = np.log(np.bincount(genre, weights=np.exp(pop), minlength=len(world.genre_names)))
    prior = np.log(world.listener_genre_weights[listeners][:, genre] + 1e-12)
    scores = world.listener_taste[listeners] @ world.track_latent.T
    return prior + (pop - log_z[genre])[None, :] + scores


def _genre_names(n: int) -> list[str]:
    return [
        GENRE_WORDS[i] if i < len(GENRE_WORDS) else f"{GENRE_WORDS[i % len(GENRE_WORDS)]} {i}"
        for i in range(n)
    ]


def _catalog(rng: np.random.Generator, centroids: np.ndarray, n_artists: int, n_tracks: int):
    n_genres = len(centroids)
    primary = (rng.permutation(n_artists) % n_genres).astype(np.int16)
    mix = 0.25 * rng.dirichlet(np.full(n_genres, 0.5), size=n_artists)
    mix[np.arange(n_artists), primary] += 0.75
    artist_pop = rng.standard_normal(n_artists)
    artist_offset = 0.5 * rng.standard_normal((n_artists, LATENT_DIM))
    extra = rng.choice(n_artists, n_tracks - n_artists, p=_softmax(0.5 * artist_pop))
    track_artist = np.sort(np.concatenate([np.arange(n_artists), extra])).astype(np.int32)
    first = np.r_[True, track_artist[1:] != track_artist[:-1]]
    track_genre = _categorical(rng, np.cumsum(mix, axis=1)[track_artist])
    track_genre[first] = primary[track_artist[first]]
    latent = (
        centroids[track_genre]
        + artist_offset[track_artist]
        + 0.35 * rng.standard_normal((n_tracks, LATENT_DIM))
    )
    tempo_center = rng.uniform(80, 150, n_genres)
    major_share = rng.uniform(0.3, 0.8, n_genres)
    tempo = np.clip(tempo_center[track_genre] + 10 * rng.standard_normal(n_tracks), 60, 190)
    duration = np.clip(rng.normal(225_000, 45_000, n_tracks), 90_000, 480_000)
    return {
        "artist_names": _artist_names(rng, n_artists),
        "artist_genre": primary,
        "artist_genre_mix": mix.astype(np.float32),
        "track_artist": track_artist,
        "track_title": _track_titles(rng, track_artist),
        "track_release": _release_names(rng, track_artist),
        "track_genre": track_genre.astype(np.int16),
        "track_duration_ms": duration.astype(np.int32),
        "track_tempo_bpm": np.round(tempo, 1).astype(np.float32),
        "track_key": rng.integers(0, 12, n_tracks).astype(np.int8),
        "track_mode": (rng.random(n_tracks) < major_share[track_genre]).astype(np.int8),
        "track_latent": latent.astype(np.float32),
        "track_popularity": (artist_pop[track_artist] + 0.5 * rng.standard_normal(n_tracks)).astype(
            np.float32
        ),
    }


_ARTIST_PATTERNS = (
    lambda r: f"The {r(ADJECTIVES)} {r(NOUNS)}",
    lambda r: f"{r(FIRST_NAMES)} {r(LAST_NAMES)}",
    lambda r: f"{r(ADJECTIVES)} {r(NOUNS)}",
    lambda r: f"{r(FIRST_NAMES)} & the {r(NOUNS)}",
    lambda r: f"{r(NOUNS)} {r(NOUNS)}",
    lambda r: f"{r(FIRST_NAMES)} {r(LAST_NAMES)} Trio",
)


def _artist_names(rng: np.random.Generator, n: int) -> list[str]:
    """Names that read like bands and singers ("The Amber Lanterns", "Mara Quill"), unique
    once normalized; a name drawn twice gets a roman numeral, as real bands do."""

    def pick(words: tuple[str, ...]) -> str:
        return words[int(rng.integers(0, len(words)))]

    names: list[str] = []
    seen: dict[str, int] = {}
    for _ in range(n):
        name = _ARTIST_PATTERNS[int(rng.integers(0, len(_ARTIST_PATTERNS)))](pick)
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        names.append(name if seen[key] == 1 else f"{name} {_roman(seen[key])}")
    return names


def _roman(number: int) -> str:
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):  # fmt: skip
        while number >= value:
            out, number = out + digits, number - value
    return out


def _release_names(rng: np.random.Generator, track_artist: np.ndarray) -> list[str]:
    """Each artist's tracks fall into albums of about ten, each with its own title."""
    position = np.arange(track_artist.size) - np.searchsorted(track_artist, track_artist)
    album = track_artist.astype(np.int64) * 1000 + position // 10
    ids, inverse = np.unique(album, return_inverse=True)
    a = rng.integers(0, len(ADJECTIVES), ids.size)
    b = rng.integers(0, len(NOUNS), ids.size)
    titles = [f"{ADJECTIVES[x]} {NOUNS[y]}" for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    return [titles[i] for i in inverse.tolist()]


def _track_titles(rng: np.random.Generator, track_artist: np.ndarray) -> list[str]:
    """Two or three made-up words; a title repeated within one artist gets "(Take n)"."""
    n = len(track_artist)
    a = rng.integers(0, len(ADJECTIVES), n)
    b = rng.integers(0, len(NOUNS), n)
    c = np.where(rng.random(n) < 0.3, rng.integers(0, len(NOUNS), n), -1)
    combo = (a * len(NOUNS) + b) * (len(NOUNS) + 1) + (c + 1)
    key = track_artist.astype(np.int64) * (len(ADJECTIVES) * (len(NOUNS) + 1) ** 2) + combo
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    take = np.empty(n, dtype=np.int64)
    take[order] = np.arange(n) - group_start + 1
    titles = []
    for x, y, z, t in zip(a.tolist(), b.tolist(), c.tolist(), take.tolist(), strict=True):
        title = f"{ADJECTIVES[x]} {NOUNS[y]}" + (f" of {NOUNS[z]}" if z >= 0 else "")
        titles.append(title if t == 1 else f"{title} (Take {t})")
    return titles


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _categorical(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) matrix of cumulative weights (last column = total)."""
    u = rng.random(len(cdf_rows)) * cdf_rows[:, -1]
    return np.minimum((u[:, None] >= cdf_rows).sum(axis=1), cdf_rows.shape[1] - 1)


def _segment_sample(
    rng: np.random.Generator, weights: np.ndarray, seg_starts: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """For each segment i (weights[seg_starts[i]:seg_starts[i+1]]), draw draws[i] positions
    proportional to the weights. Segments must be non-empty where draws > 0."""
    seg_id = np.repeat(np.arange(len(seg_starts)), np.diff(np.r_[seg_starts, len(weights)]))
    cum = np.cumsum(weights)
    totals = np.add.reduceat(weights, seg_starts) if len(weights) else np.zeros(0)
    base = cum[seg_starts] - weights[seg_starts]
    scaled = seg_id + (cum - base[seg_id]) / totals[seg_id]
    who = np.repeat(np.arange(len(seg_starts)), draws)
    pos = np.searchsorted(scaled, who + rng.random(len(who)), side="right")
    seg_end = np.r_[seg_starts[1:], len(weights)] - 1
    return np.clip(pos, seg_starts[who], seg_end[who])


def _interactions(rng, catalog, weights, taste, mean_listens, end_time):
    """Plays, saves, visits and skips for all listeners, generated in bounded-size chunks."""
    n_listeners = len(weights)
    target = np.maximum(1, np.round(rng.lognormal(np.log(mean_listens) - 0.245, 0.7, n_listeners)))
    n_pairs = np.maximum(1, np.round(target / PLAYS_PER_PAIR)).astype(np.int64)
    world = _Sampler(rng, catalog, weights, taste, end_time)
    parts: list[tuple[Events, ...]] = []
    start = 0
    budget = max(1, _CHUNK_PROPOSALS // PROPOSALS)
    while start < n_listeners:
        stop = start + max(1, int(np.searchsorted(np.cumsum(n_pairs[start:]), budget)))
        parts.append(world.chunk(start, min(stop, n_listeners), n_pairs, target.astype(np.int64)))
        start = min(stop, n_listeners)
    return tuple(_concat([p[i] for p in parts]) for i in range(4))


def _concat(events: list[Events]) -> Events:
    has_ms = events[0].ms_played is not None
    return Events(
        listener=np.concatenate([e.listener for e in events]),
        item=np.concatenate([e.item for e in events]),
        timestamp=np.concatenate([e.timestamp for e in events]),
        ms_played=np.concatenate([e.ms_played for e in events]) if has_ms else None,
    )


class _Sampler:
    """Per-genre popularity CDFs, built once; `chunk` draws one slice of listeners."""

    def __init__(self, rng, catalog, weights, taste, end_time):
        self.rng, self.weights, self.taste, self.end_time = rng, weights, taste, end_time
        self.latent = catalog["track_latent"]
        self.duration = catalog["track_duration_ms"].astype(np.int64)
        self.artist = catalog["track_artist"]
        genre = catalog["track_genre"].astype(np.int64)
        pop = np.exp(catalog["track_popularity"].astype(np.float64))
        self.by_genre = np.argsort(genre, kind="stable")
        g_sorted = genre[self.by_genre]
        self.block_start = np.searchsorted(g_sorted, np.arange(len(weights[0])))
        self.block_end = np.searchsorted(g_sorted, np.arange(len(weights[0])), side="right")
        cum = np.cumsum(pop[self.by_genre])
        base = (cum - pop[self.by_genre])[self.block_start][g_sorted]
        totals = np.add.reduceat(pop[self.by_genre], self.block_start)[g_sorted]
        self.block_cdf = g_sorted + (cum - base) / totals
        self.global_cdf = np.cumsum(pop) / pop.sum()
        self.n_tracks = len(genre)

    def chunk(self, lo: int, hi: int, n_pairs: np.ndarray, target: np.ndarray):
        rng, n_tracks = self.rng, self.n_tracks
        local = np.repeat(np.arange(hi - lo), n_pairs[lo:hi])
        genre = _categorical(rng, np.cumsum(self.weights[lo:hi], axis=1)[local])
        draw = genre[:, None] + rng.random((len(local), PROPOSALS))
        pos = np.searchsorted(self.block_cdf, draw, side="right")
        pos = np.clip(pos, self.block_start[genre][:, None], self.block_end[genre][:, None] - 1)
        proposals = self.by_genre[pos]
        score = np.einsum("nkd,nd->nk", self.latent[proposals], self.taste[lo + local])
        pick = np.argmax(score + rng.gumbel(size=score.shape), axis=1)
        track = proposals[np.arange(len(local)), pick]
        pair_score = score[np.arange(len(local)), pick]
        keys, first = np.unique(local.astype(np.int64) * n_tracks + track, return_index=True)
        pair_listener, pair_track, pair_score = keys // n_tracks, keys % n_tracks, pair_score[first]
        distinct = np.bincount(pair_listener, minlength=hi - lo)
        extra = np.maximum(target[lo:hi], distinct) - distinct
        seg_starts = np.searchsorted(pair_listener, np.arange(hi - lo))
        weight = np.exp(np.clip(pair_score - pair_score.max(), -30, 0))
        chosen = _segment_sample(rng, weight, seg_starts, extra)
        counts = 1 + np.bincount(chosen, minlength=len(keys))
        plays = self._plays(lo, pair_listener, pair_track, counts)
        saves = self._saves(lo, pair_listener, pair_track, counts, plays[1])
        skips = self._skips(lo, hi, target, keys)
        visits = self._visits(lo, plays[0], counts, pair_listener, hi - lo)
        return _dedupe(plays[0], n_tracks, self.end_time), saves, visits, skips

    def _times(self, n: int) -> np.ndarray:
        return self.end_time - self.rng.integers(1, WINDOW_SECONDS, n)

    def _plays(self, lo, pair_listener, pair_track, counts):
        rng = self.rng
        track = np.repeat(pair_track, counts)
        ts = self._times(len(track))
        dur = self.duration[track]
        full = rng.random(len(track)) < 0.85
        ms = np.where(full, dur - rng.integers(0, 2000, len(track)), dur * rng.uniform(0.3, 0.95))
        listener = (lo + np.repeat(pair_listener, counts)).astype(np.int32)
        events = Events(listener, track.astype(np.int32), ts, np.maximum(ms, 1).astype(np.int32))
        first_play = np.minimum.reduceat(ts, np.r_[0, np.cumsum(counts)[:-1]])
        return events, first_play

    def _saves(self, lo, pair_listener, pair_track, counts, first_play):
        rng = self.rng
        p = np.where(counts >= 3, 0.35, np.where(counts == 2, 0.08, 0.01))
        keep = rng.random(len(counts)) < p
        ts = np.minimum(
            first_play[keep] + rng.integers(60, 2 * 86400, keep.sum()), self.end_time - 1
        )
        listener = (lo + pair_listener[keep]).astype(np.int32)
        return Events(listener, pair_track[keep].astype(np.int32), ts)

    def _skips(self, lo, hi, target, played_keys):
        rng, n_tracks = self.rng, self.n_tracks
        n = rng.poisson(SKIP_RATE * target[lo:hi])
        local = np.repeat(np.arange(hi - lo), n)
        proposals = np.searchsorted(self.global_cdf, rng.random((len(local), 4)), side="right")
        proposals = np.minimum(proposals, n_tracks - 1)
        score = np.einsum("nkd,nd->nk", self.latent[proposals], self.taste[lo + local])
        track = proposals[np.arange(len(local)), np.argmin(score, axis=1)]
        fresh = ~np.isin(local.astype(np.int64) * n_tracks + track, played_keys)
        local, track = local[fresh], track[fresh]
        ms = np.minimum(rng.integers(2000, 30_000, len(track)), self.duration[track])
        listener = (lo + local).astype(np.int32)
        events = Events(
            listener, track.astype(np.int32), self._times(len(track)), ms.astype(np.int32)
        )
        return _dedupe(events, n_tracks, self.end_time)

    def _visits(self, lo, plays: Events, counts, pair_listener, n_local):
        rng = self.rng
        per_listener = np.bincount(pair_listener, weights=counts, minlength=n_local).astype(
            np.int64
        )
        n = rng.poisson(VISIT_RATE * per_listener)
        who = np.repeat(np.arange(n_local), n)
        starts = np.r_[0, np.cumsum(per_listener)[:-1]]
        idx = starts[who] + (rng.random(len(who)) * per_listener[who]).astype(np.int64)
        ts = np.minimum(plays.timestamp[idx] + rng.integers(30, 900, len(idx)), self.end_time - 1)
        return Events((lo + who).astype(np.int32), self.artist[plays.item[idx]], ts)


def _dedupe(events: Events, n_tracks: int, end_time: int) -> Events:
    """One event per (listener, second, track), sorted by listener then time."""
    offset = events.timestamp - (end_time - WINDOW_SECONDS)
    key = (events.listener.astype(np.int64) * WINDOW_SECONDS + offset) * n_tracks + events.item
    _, idx = np.unique(key, return_index=True)
    ms = events.ms_played[idx] if events.ms_played is not None else None
    return Events(events.listener[idx], events.item[idx], events.timestamp[idx], ms)
