"""Two writers replace the same listener's week at once (a "rebuild now" while the Monday chunk
that holds the listener is still writing): both finish, and the listener ends with one
playlist, the later one. Without a lock the later insert broke the unique (listener, week)
and rolled back the whole chunk."""

import dataclasses
import datetime as dt
import threading
import time

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from recommender.playlist_types import PlaylistBatch
from webapp.catalog.models import Artist, Track
from webapp.playlists import selectors, services
from webapp.playlists.models import WeeklyPlaylist, WeeklyPlaylistItem

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite takes one writer at a time anyway"
    ),
]
WEEK = dt.date(2026, 11, 23)
LENGTH = 3


def _batch(user_ids: list[int], track_ids: list[int]) -> PlaylistBatch:
    n = len(user_ids)
    return PlaylistBatch(
        listener_ids=np.array(user_ids, np.int64),
        track_ids=np.array([track_ids] * n, np.int64),
        artist_ids=np.zeros((n, LENGTH), np.int64),
        scores=np.zeros((n, LENGTH), np.float32),
        contributions=np.zeros((n, LENGTH, 1), np.float32),
        kinds=("cf",),
        new_artist=np.zeros((n, LENGTH), bool),
        reasons=[[None] * LENGTH for _ in user_ids],
        reason_kinds=[[None] * LENGTH for _ in user_ids],
        cold_start=np.zeros(n, bool),
        shortfalls=[None] * n,
    )


@pytest.mark.parametrize("replacing", [False, True])
def test_a_rebuild_during_the_chunk_that_holds_the_listener_loses_nothing(monkeypatch, replacing):
    users = [get_user_model().objects.create(username=f"race{i}") for i in range(3)]
    artist = Artist.objects.create(name="Race", name_normalized="race")
    tracks = [
        Track.objects.create(artist=artist, title=f"t{i}", title_normalized=f"t{i}").pk
        for i in range(2 * LENGTH)
    ]
    serving = services.Serving((), {}, None, None, {})
    ids = [user.pk for user in users]
    if replacing:  # last week's build of this week is there already
        services._write(_batch(ids, tracks[:LENGTH]), week=WEEK, serving=serving, build=None)
    insert = services._items_insert

    def slow_chunk(rows):  # the chunk's transaction stays open while the rebuild arrives
        insert(rows)
        if threading.current_thread().name == "chunk":
            time.sleep(1.0)

    monkeypatch.setattr(services, "_items_insert", slow_chunk)
    outcome = {}

    def write(name: str, user_ids: list[int], track_ids: list[int], delay: float) -> None:
        time.sleep(delay)
        try:
            services._write(_batch(user_ids, track_ids), week=WEEK, serving=serving, build=None)
            outcome[name] = "ok"
        except Exception as exc:  # the test reports it
            outcome[name] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    chunk = threading.Thread(target=write, name="chunk", args=("chunk", ids, tracks[:3], 0))
    rebuild = threading.Thread(
        target=write, name="rebuild", args=("rebuild", ids[1:2], tracks[3:], 0.3)
    )
    chunk.start(), rebuild.start()
    chunk.join(), rebuild.join()
    assert outcome == {"chunk": "ok", "rebuild": "ok"}
    playlists = WeeklyPlaylist.objects.filter(week=WEEK)
    assert sorted(playlists.values_list("user_id", flat=True)) == ids
    rebuilt = WeeklyPlaylistItem.objects.filter(playlist__user_id=ids[1], playlist__week=WEEK)
    assert sorted(rebuilt.values_list("track_id", flat=True)) == tracks[3:]  # the later one
    assert WeeklyPlaylistItem.objects.count() == 3 * LENGTH


def test_a_page_reads_the_items_of_the_playlist_it_read_even_as_a_rebuild_replaces_it():
    """The rebuild commits right after the page's first read. When the page read the playlist
    row and then its items in a second statement, the items were those of a row the rebuild had
    deleted, and the page showed an empty playlist."""
    user = get_user_model().objects.create(username="reader")
    artist = Artist.objects.create(name="Snapshot", name_normalized="snapshot")
    tracks = [
        Track.objects.create(artist=artist, title=f"s{i}", title_normalized=f"s{i}").pk
        for i in range(2 * LENGTH)
    ]
    serving = services.Serving((), {}, None, None, {})
    services._write(_batch([user.pk], tracks[:LENGTH]), week=WEEK, serving=serving, build=None)

    def rebuild() -> None:
        try:
            services._write(
                _batch([user.pk], tracks[LENGTH:]), week=WEEK, serving=serving, build=None
            )
        finally:
            connections.close_all()

    rebuilt = []

    def rebuild_after_the_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not rebuilt and WeeklyPlaylist._meta.db_table in sql:
            writer = threading.Thread(target=rebuild)
            writer.start(), writer.join()
            rebuilt.append(True)
        return result

    with connection.execute_wrapper(rebuild_after_the_first_read):
        playlist = selectors.weekly_playlist(user=user, week=WEEK)
        items = selectors.playlist_items(playlist=playlist)
    assert rebuilt, "the rebuild did not run after the page's first read"
    assert {item.playlist_id for item in items} == {playlist.pk}
    assert [item.track_id for item in items] == tracks[:LENGTH]  # the row it read, whole
    assert [item.track.artist.name for item in items] == ["Snapshot"] * LENGTH
    fresh = selectors.weekly_playlist(user=user, week=WEEK)
    assert fresh.pk != playlist.pk
    assert [item.track_id for item in selectors.playlist_items(playlist=fresh)] == tracks[LENGTH:]


def test_a_rebuild_that_keeps_its_picks_records_none_as_replaced_with_large_ids():
    """Keys are listener x track: with 100,000 listeners and 50,000 tracks they pass 2**31, and
    int32 batch arrays (as the library may hand them) once marked every kept pick dropped."""
    from webapp.playlists.models import ReplacedPick

    user = get_user_model().objects.create(pk=100_003, username="large")
    artist = Artist.objects.create(name="Large", name_normalized="large")
    tracks = [
        Track.objects.create(pk=50_000 + i, artist=artist, title=f"l{i}", title_normalized=f"l{i}")
        for i in range(2 * LENGTH)
    ]
    serving = services.Serving((), {}, None, None, {})
    first = _batch([user.pk], [t.pk for t in tracks[:LENGTH]])
    services._write(first, week=WEEK, serving=serving, build=None)
    again = _batch([user.pk], [t.pk for t in tracks[1 : LENGTH + 1]])  # keeps 2, drops 1
    again = dataclasses.replace(
        again,
        listener_ids=again.listener_ids.astype(np.int32),
        track_ids=again.track_ids.astype(np.int32),
    )
    services._write(again, week=WEEK, serving=serving, build=None)
    assert list(ReplacedPick.objects.values_list("track_id", flat=True)) == [tracks[0].pk]
