"""Playlist reads: what a weekly build needs, as arrays, and a listener's playlists for pages.

For a build: the catalog (tracks, artists, popularity, tempo/key/mode where analysed, CF
vectors for diversity, curator blocks), a batch of listeners (their positive history and CF
vectors) and their controls (discovery setting, skips, refusals, hidden artists, tracks of
earlier weekly playlists), all read set-based into numpy. For pages: playlists and items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from django.db.models import Subquery

from recommender.cf_serving import CFServing
from recommender.interactions import IdMap
from recommender.playlist_types import Catalog, Controls, Pairs
from recommender.scoring import ListenerBatch
from webapp.dbarrays import sql_arrays
from webapp.listening.selectors import signals_weighted
from webapp.playlists.models import (
    CuratorBlock,
    HiddenArtist,
    PlaylistSettings,
    ReplacedPick,
    WeeklyPlaylist,
    WeeklyPlaylistItem,
)

#: History the models see: plays and saves. Visits are interest in an artist, not a track had;
#: skips and refusals are had but no evidence of taste (recommender.interactions).
HISTORY_WEIGHTS = {"play": 1.0, "save": 5.0, "visit": 0.0, "skip": 0.0}


def _in(column: str, ids: Sequence[int]) -> str:
    return f"{column} IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"


def catalog_arrays(*, cf: CFServing | None, features=None) -> Catalog:
    """Every track as parallel arrays, in track id order.

    `features` (track ids, tempo, key, mode) come from audio analysis where it exists; CF's
    item factors are the vectors for diversity (zeros where CF does not know a track).
    """
    track_ids, artist_ids = sql_arrays(
        "SELECT id, artist_id FROM catalog_track ORDER BY id", ("i8", "i8")
    )
    tracks = IdMap(track_ids)
    played_ids, listeners = sql_arrays(
        "SELECT track_id, COUNT(*) FROM listening_tracksignal WHERE play_count > 0"
        " GROUP BY track_id",
        ("i8", "f8"),
    )
    popularity = np.zeros(track_ids.size)
    rows = tracks.index_of(played_ids)
    popularity[rows[rows >= 0]] = listeners[rows >= 0]
    vectors = None
    if cf is not None:
        vectors = np.zeros((track_ids.size, cf.factors), dtype=np.float32)
        cols = cf.items.index_of(track_ids)
        vectors[cols >= 0] = cf.item_factors[cols[cols >= 0]]
    tempo = key = mode = None
    if features is not None:
        f_ids, f_tempo, f_key, f_mode = features
        tempo = np.full(track_ids.size, np.nan, dtype=np.float32)
        key = np.full(track_ids.size, -1, dtype=np.int64)
        mode = np.full(track_ids.size, -1, dtype=np.int64)
        at = tracks.index_of(f_ids)
        known = at >= 0
        tempo[at[known]], key[at[known]], mode[at[known]] = (
            f_tempo[known],
            f_key[known],
            f_mode[known],
        )
    blocked = CuratorBlock.objects.values_list("track_id", "artist_id")
    return Catalog(
        track_ids=track_ids,
        artist_ids=artist_ids,
        popularity=popularity,
        tempo=tempo,
        key=key,
        mode=mode,
        vectors=vectors,
        blocked_tracks=np.array([t for t, _ in blocked if t is not None], dtype=np.int64),
        blocked_artists=np.array([a for _, a in blocked if a is not None], dtype=np.int64),
    )


def listener_batch(*, user_ids: Sequence[int], catalog: Catalog, cf: CFServing | None):
    """The listeners' positive history over the catalog's tracks, and their CF vectors."""
    ids = np.asarray(sorted(user_ids), dtype=np.int64)
    users, tracks, weights = signals_weighted(user_ids=ids.tolist(), weights=HISTORY_WEIGHTS)
    items = IdMap(np.asarray(catalog.track_ids, dtype=np.int64))
    rows, cols = np.searchsorted(ids, users), items.index_of(tracks)
    keep = cols >= 0
    history = sp.csr_matrix(
        (weights[keep].astype(np.float32), (rows[keep], cols[keep])),
        shape=(ids.size, len(items)),
    )
    history.sum_duplicates()
    vectors = cf.user_vectors(ids) if cf is not None else None
    return ListenerBatch(ids=ids, history=history, history_items=items, cf_vectors=vectors)


def listener_controls(*, user_ids: np.ndarray, week: dt.date) -> Controls:
    """What each listener asked for and must not get again, rows in `user_ids` order."""
    ids = np.asarray(user_ids, dtype=np.int64)

    def pairs(sql: str) -> Pairs:
        users, values = sql_arrays(sql, ("i8", "i8"))
        return Pairs(np.searchsorted(ids, users), values)

    where = _in("s.user_id", ids.tolist())
    discovery = np.full(ids.size, np.nan)
    for user_id, value in PlaylistSettings.objects.filter(user_id__in=ids.tolist()).values_list(
        "user_id", "discovery"
    ):
        discovery[np.searchsorted(ids, user_id)] = value
    return Controls(
        discovery=discovery,
        skipped=pairs(
            f"SELECT s.user_id, s.track_id FROM listening_tracksignal s"
            f" WHERE s.skip_count > 0 AND {where}"
        ),
        unsaved=pairs(
            f"SELECT s.user_id, s.track_id FROM listening_tracksignal s"
            f" WHERE s.unsaved_at IS NOT NULL AND {where}"
        ),
        refused=pairs(
            f"SELECT s.user_id, s.track_id FROM listening_tracksignal s"
            f" WHERE s.refused_at IS NOT NULL AND {where}"
        ),
        damped_artists=pairs(
            f"SELECT DISTINCT s.user_id, t.artist_id FROM listening_tracksignal s"
            f" JOIN catalog_track t ON t.id = s.track_id"
            f" WHERE s.refused_at IS NOT NULL AND {where}"
        ),
        hidden_artists=pairs(
            f"SELECT s.user_id, s.artist_id FROM {HiddenArtist._meta.db_table} s WHERE {where}"
        ),
        previous=pairs(  # earlier weeks' picks, and those of playlists a rebuild replaced
            f"SELECT s.user_id, i.track_id FROM {WeeklyPlaylist._meta.db_table} s"
            f" JOIN {WeeklyPlaylistItem._meta.db_table} i ON i.playlist_id = s.id"
            f" WHERE s.week < '{week.isoformat()}' AND {where}"
            f" UNION ALL SELECT s.user_id, s.track_id FROM {ReplacedPick._meta.db_table} s"
            f" WHERE s.week < '{week.isoformat()}' AND {where}"
        ),
    )


def listener_ids_all() -> list[int]:
    """Every active listener (a user with a profile), in id order."""
    users, _ = sql_arrays(
        "SELECT u.id, 0 FROM auth_user u JOIN listening_profile p ON p.user_id = u.id"
        " WHERE u.is_active ORDER BY u.id",
        ("i8", "i8"),
    )
    return users.tolist()


def weekly_playlist(*, user, week: dt.date | None = None) -> WeeklyPlaylist | None:
    """The listener's playlist for `week` (default: the newest), its items read with it.

    A rebuild replaces the week's playlist row (in one transaction), so items read in a
    statement of their own could belong to a row already gone: an empty page. The items come
    with their playlist row in one statement instead, which sees the old playlist or the new
    one whole; `playlist_items` returns them.
    """
    playlists = WeeklyPlaylist.objects.filter(user=user)
    if week is None:
        week = Subquery(playlists.order_by("-week").values("week")[:1])
    items = list(
        WeeklyPlaylistItem.objects.filter(playlist__user=user, playlist__week=week)
        .select_related("playlist", "track__artist")
        .order_by("position")
    )
    if items:
        playlist = items[0].playlist
    else:  # no playlist, or one without items (a listener who had heard everything)
        playlist = playlists.filter(week=week).first()
        if playlist is None:
            return None
    playlist.ordered_items = items
    return playlist


def playlist_items(*, playlist: WeeklyPlaylist) -> list[WeeklyPlaylistItem]:
    """The playlist's items in order, with tracks and artists: those read with the playlist
    by `weekly_playlist`, or read now for a playlist that came from elsewhere."""
    ordered = getattr(playlist, "ordered_items", None)
    if ordered is None:
        ordered = list(playlist.items.select_related("track__artist").order_by("position"))
    return ordered


def listener_weeks(*, user) -> list[dt.date]:
    """The weeks the listener has a playlist for, newest first."""
    return list(
        WeeklyPlaylist.objects.filter(user=user).order_by("-week").values_list("week", flat=True)
    )
