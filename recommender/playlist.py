"""Weekly playlist assembly: the 30-track rules, each a small named function.

A batch of listeners, the catalog, the scorers with their weights and the listeners' controls
in; a `PlaylistBatch` out: per listener up to 30 tracks with scores, per-model contributions
and reasons, and why a playlist came out short. `build_playlists` chains the rules in the
order the product promises:

  candidates  not_curator_blocked; never_had, not_in_previous_playlists, not_refused,
              not_by_hidden_artists (one exclusion matrix); damp_not_for_me_artists (penalty)
  blend       per-model z-scores, weighted, the best POOL_SIZE per listener (recommender.blend)
  assembly    mark_new_artists -> pick_diverse (MMR, <= 2 per artist, new-artist share)
              -> order_for_flow (tempo, Camelot key) -> attach_reasons -> explain_shortfall
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from recommender.blend import BATCH_CELLS, Pool, blend, listener_rows
from recommender.playlist_candidates import (
    CANDIDATE_RULES,
    Candidates,
    cells_matrix,
    damp_not_for_me_artists,
)
from recommender.playlist_flow import flow_order
from recommender.playlist_reasons import attach_reasons
from recommender.playlist_select import Selection, select
from recommender.playlist_types import (  # noqa: F401  (the promises, importable from here)
    DEFAULT_DISCOVERY,
    MAX_TRACKS_PER_ARTIST,
    PLAYLIST_LENGTH,
    Catalog,
    Controls,
    Pairs,
    Pick,
    Playlist,
    PlaylistBatch,
    Rules,
    Shortfall,
)
from recommender.popularity_scorer import PopularityScorer
from recommender.scoring import ListenerBatch, Scorer

PLAYLIST_BATCH = 2000  # listeners assembled at once: ~10 KiB of pool per listener


# -- the chain -----------------------------------------------------------------------------


def build_playlists(
    listeners: ListenerBatch,
    catalog: Catalog,
    scorers: Sequence[Scorer],
    weights: Mapping[str, float] | None = None,
    controls: Controls | None = None,
    rules: Rules | None = None,
    *,
    batch_cells: int = BATCH_CELLS,
    batch_listeners: int = PLAYLIST_BATCH,
) -> PlaylistBatch:
    """Every listener's playlist, `batch_listeners` at a time (the blend scores them in inner
    batches of at most `batch_cells` listeners x candidates).

    A popularity scorer over `catalog.popularity` joins the scorers unless one is given; it
    weighs `weights["popularity"]` (0 when absent) and always backs cold-start listeners.
    """
    controls = controls or Controls()
    rules = rules or Rules()
    candidates = Candidates.of(catalog)
    scorers, weights = _with_popularity(scorers, weights, catalog)
    parts = []
    step = max(1, int(batch_listeners))
    for lo in range(0, len(listeners), step):
        rows = np.arange(lo, min(lo + step, len(listeners)))
        parts.append(
            _build_rows(
                listener_rows(listeners, rows),
                catalog,
                candidates,
                scorers,
                weights,
                controls.take(rows),
                rules,
                batch_cells,
            )
        )
    if not parts:
        return _concat([], rules, tuple(s.kind for s in scorers))
    return _concat(parts, rules, parts[0].kinds)


def _with_popularity(
    scorers: Sequence[Scorer], weights: Mapping[str, float] | None, catalog: Catalog
) -> tuple[list[Scorer], dict[str, float]]:
    scorers = list(scorers)
    if not any(s.kind == "popularity" for s in scorers):
        scorers.append(PopularityScorer(catalog.track_ids, catalog.popularity))
    weights = dict(weights or {})
    weights.setdefault("popularity", 0.0)
    return scorers, weights


def _build_rows(
    listeners: ListenerBatch,
    catalog: Catalog,
    candidates: Candidates,
    scorers: list[Scorer],
    weights: dict[str, float],
    controls: Controls,
    rules: Rules,
    batch_cells: int,
) -> PlaylistBatch:
    shape = (len(listeners), candidates.ids.size)
    exclude = cells_matrix(
        [rule(listeners, controls, candidates) for rule in CANDIDATE_RULES], shape
    )
    damped = damp_not_for_me_artists(listeners, controls, candidates)
    penalty = cells_matrix([damped], shape) * rules.not_for_me_penalty
    pool = blend(
        listeners,
        candidates.ids,
        scorers,
        weights,
        exclude=exclude,
        penalty=penalty,
        pool_size=rules.pool_size,
        batch_cells=batch_cells,
        index=candidates.index,
        artists=candidates.artist,
        pool_per_artist=rules.pool_per_artist,
    )
    artists = np.where(pool.columns >= 0, candidates.artist[np.maximum(pool.columns, 0)], -1)
    new = mark_new_artists(listeners, catalog, artists)
    positions = pick_diverse(pool, artists, new, candidates, controls, rules)
    picks = _take_picks(pool, positions, new, catalog, candidates)
    if rules.flow:
        picks = order_for_flow(picks, catalog, candidates)
    if rules.reasons:
        reasons, reason_kinds = attach_reasons(
            listeners, scorers, picks["track_ids"], picks["contributions"]
        )
    else:
        reasons = [[None] * rules.length for _ in range(len(listeners))]
        reason_kinds = [[None] * rules.length for _ in range(len(listeners))]
    return PlaylistBatch(
        listener_ids=listeners.ids.copy(),
        track_ids=picks["track_ids"],
        artist_ids=picks["artist_ids"],
        scores=picks["scores"],
        contributions=picks["contributions"],
        kinds=pool.kinds,
        new_artist=picks["new"],
        reasons=reasons,
        reason_kinds=reason_kinds,
        cold_start=pool.fallback,
        shortfalls=explain_shortfall(pool, artists, picks["track_ids"], rules),
    )


# -- assembly ------------------------------------------------------------------------------


def mark_new_artists(listeners: ListenerBatch, catalog: Catalog, artists: np.ndarray) -> np.ndarray:
    """(B, K) True where the candidate's artist is not among those the listener has played."""
    history = listeners.history.tocoo()
    positions = catalog.tracks.index_of(listeners.history_items.ids[history.col])
    known = positions >= 0
    span = len(catalog.artists) + 1
    played = np.unique(history.row[known] * span + catalog.artist_index[positions[known]])
    rows = np.arange(artists.shape[0], dtype=np.int64)[:, None]
    keys = rows * span + artists
    if played.size == 0:
        return artists >= 0
    at = np.minimum(np.searchsorted(played, keys), played.size - 1)
    return (artists >= 0) & (played[at] != keys)


def target_new_artists(controls: Controls, n_rows: int, rules: Rules) -> np.ndarray:
    """How many picks should be by artists new to each listener (the discovery setting)."""
    share = np.full(n_rows, DEFAULT_DISCOVERY)
    if controls.discovery is not None:
        given = np.asarray(controls.discovery, dtype=np.float64)
        share = np.where(np.isfinite(given), np.clip(given, 0.0, 1.0), DEFAULT_DISCOVERY)
    return np.rint(share * rules.length).astype(np.int64)


def pick_diverse(
    pool: Pool,
    artists: np.ndarray,
    new: np.ndarray,
    candidates: Candidates,
    controls: Controls,
    rules: Rules,
) -> np.ndarray:
    """Pool positions of the picks (B, length), -1 padded: MMR under the artist rules."""
    selection = Selection(
        length=rules.length,
        max_per_artist=rules.max_per_artist,
        distinct_artists_first=rules.distinct_artists_first,
        diversity=rules.diversity,
        use_new_artist_share=rules.new_artist_share,
    )
    target = target_new_artists(controls, len(pool), rules)
    return select(pool.scores, artists, new, pool.columns, candidates.vectors, target, selection)


def _take_picks(pool, positions, new, catalog, candidates) -> dict[str, np.ndarray]:
    valid = positions >= 0
    at = np.maximum(positions, 0)
    cols = np.where(valid, np.take_along_axis(pool.columns, at, axis=1), -1)
    where = np.maximum(cols, 0)
    contributions = np.take_along_axis(pool.contributions, at[:, :, None], axis=1)
    contributions[~valid] = 0.0
    artist_ids = np.asarray(catalog.artist_ids, dtype=np.int64)[candidates.position[where]]
    return {
        "columns": cols,
        "track_ids": np.where(valid, candidates.ids[where], -1),
        "artist_ids": np.where(valid, artist_ids, -1),
        "scores": np.where(valid, np.take_along_axis(pool.scores, at, axis=1), -np.inf),
        "contributions": contributions,
        "new": valid & np.take_along_axis(new, at, axis=1),
    }


def order_for_flow(picks: dict, catalog: Catalog, candidates: Candidates) -> dict:
    """The picks reordered so neighbours sit close in tempo and key (best pick first)."""
    valid = picks["columns"] >= 0
    position = candidates.position[np.maximum(picks["columns"], 0)]

    def feature(values, missing):
        if values is None:
            return np.full(valid.shape, missing)
        return np.where(valid, np.asarray(values)[position], missing)

    order = flow_order(
        valid,
        feature(catalog.tempo, np.nan),
        feature(catalog.key, -1),
        feature(catalog.mode, -1),
    )
    return {
        name: np.take_along_axis(value, order if value.ndim == 2 else order[:, :, None], axis=1)
        for name, value in picks.items()
    }


def explain_shortfall(
    pool: Pool, artists: np.ndarray, track_ids: np.ndarray, rules: Rules
) -> list[Shortfall | None]:
    """Why each short playlist is short, or None for a full one."""
    found = (track_ids >= 0).sum(axis=1)
    out: list[Shortfall | None] = []
    for row in range(len(pool)):
        n, left = int(found[row]), int(pool.candidates[row])
        if n >= rules.length:
            out.append(None)
        elif left == 0:
            out.append(Shortfall("nothing_left", "You have had every track we could offer."))
        elif left < rules.length and n == left:
            out.append(Shortfall("few_tracks", f"Only {left} tracks you have never had are left."))
        elif (pool.columns[row] < 0).all():
            out.append(Shortfall("no_scores", "No model can score tracks for you yet."))
        else:
            n_artists = np.unique(artists[row][artists[row] >= 0]).size
            out.append(
                Shortfall(
                    "few_artists",
                    f"Only {n_artists} artists have tracks left for you, and a playlist holds "
                    f"at most {rules.max_per_artist} tracks by one artist.",
                )
            )
    return out


def _concat(parts: list[PlaylistBatch], rules: Rules, kinds: tuple[str, ...]) -> PlaylistBatch:
    if len(parts) == 1:
        return parts[0]
    if not parts:
        empty = np.zeros((0, rules.length), dtype=np.int64)
        return PlaylistBatch(
            listener_ids=np.zeros(0, np.int64),
            track_ids=empty,
            artist_ids=empty.copy(),
            scores=np.zeros((0, rules.length), np.float32),
            contributions=np.zeros((0, rules.length, len(kinds)), np.float32),
            kinds=kinds,
            new_artist=np.zeros((0, rules.length), bool),
            reasons=[],
            reason_kinds=[],
            cold_start=np.zeros(0, bool),
            shortfalls=[],
        )
    arrays = (
        "listener_ids",
        "track_ids",
        "artist_ids",
        "scores",
        "contributions",
        "new_artist",
        "cold_start",
    )
    lists = ("reasons", "reason_kinds", "shortfalls")
    return PlaylistBatch(
        kinds=kinds,
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in arrays},
        **{name: [item for p in parts for item in getattr(p, name)] for name in lists},
    )
