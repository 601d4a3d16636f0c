"""POST /1/submit-listens: what a valid submission stores, how tracks are matched, atomicity
and the query budget of a 1000-listen import."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.webapp.test_api_helpers import (
    ARTIST_MBID,
    RECORDING_MBID,
    RELEASE_MBID,
    TS,
    a_listen,
    import_listens,
    make_listener,
    now_ts,
    stored,
    submit,
)
from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef
from webapp.listening import services
from webapp.listening.models import Listen, ListenSource, PlayingNow

pytestmark = pytest.mark.django_db


def test_a_single_listen_is_stored_with_its_track_and_artist(client):
    user, token = make_listener()
    info = {"recording_mbid": RECORDING_MBID, "release_mbid": RELEASE_MBID, "duration": 370}
    response = submit(client, token, [a_listen(release="Here Now", **info)], "single")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    listen = Listen.objects.select_related("track__artist").get()
    assert listen.user == user
    assert listen.source == ListenSource.API
    assert listen.listened_at == dt.datetime.fromtimestamp(TS, dt.UTC)
    assert (listen.track.artist.name, listen.track.title) == ("Dool", "Vantablack")
    assert listen.track.release_name == "Here Now"
    assert str(listen.track.recording_mbid) == RECORDING_MBID
    assert listen.track.duration_ms == 370_000


def test_an_import_stores_every_listen(client):
    _, token = make_listener()
    listens = [a_listen(TS + i, title=f"Song {i % 7}") for i in range(50)]
    import_listens(client, token, listens)

    assert Listen.objects.count() == 50
    assert Track.objects.count() == 7
    assert Artist.objects.count() == 1


@pytest.mark.parametrize("release", ["", None], ids=["empty", "null"])
def test_a_blank_or_null_release_name_is_stored_as_no_release(client, release):
    _, token = make_listener()
    listen = a_listen()
    listen["track_metadata"]["release_name"] = release

    response = submit(client, token, [listen], "single")

    assert response.status_code == 200, response.content
    assert Listen.objects.select_related("track").get().track.release_name == ""


def test_a_listen_up_to_an_hour_ahead_is_accepted_as_listenbrainz_does(client):
    _, token = make_listener()
    ahead = now_ts() + 50 * 60  # clock skew: a client clock up to an hour fast

    response = submit(client, token, [a_listen(ahead)], "single")

    assert response.status_code == 200, response.content
    assert Listen.objects.get().listened_at == dt.datetime.fromtimestamp(ahead, dt.UTC)


def test_playing_now_is_recorded_and_not_stored_as_a_listen(client):
    user, token = make_listener()
    response = submit(client, token, [a_listen(ts=None, duration_ms=200_000)], "playing_now")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert Listen.objects.count() == 0
    playing = PlayingNow.objects.get(user=user)
    assert playing.track.title == "Vantablack"
    assert (playing.expires_at - playing.started_at).total_seconds() == pytest.approx(200)


def test_resubmitting_the_same_listen_stores_it_once(client):
    _, token = make_listener()
    for _ in range(3):
        assert submit(client, token, [a_listen()], "single").status_code == 200
    import_listens(client, token, [a_listen(), a_listen(TS + 300)])

    assert Listen.objects.count() == 2


@pytest.mark.parametrize("distinct", [2, 40])  # one INSERT, or COPY on PostgreSQL
def test_a_listen_repeated_inside_one_import_is_stored_once(client, distinct):
    _, token = make_listener()
    listens = [a_listen(TS + i) for i in range(distinct)]
    import_listens(client, token, listens + listens[:5])

    assert Listen.objects.count() == distinct


def test_the_same_listen_from_two_listeners_is_two_listens(client):
    _, alice_token = make_listener("alice")
    _, bob_token = make_listener("bob")
    submit(client, alice_token, [a_listen()], "single")
    submit(client, bob_token, [a_listen()], "single")

    assert Listen.objects.count() == 2
    assert Track.objects.count() == 1


def test_a_recording_mbid_matches_the_known_track_whatever_its_names(client):
    _, token = make_listener()
    import_listens(client, token, [a_listen(recording_mbid=RECORDING_MBID)])
    renamed = a_listen(TS + 400, artist="DOOL (band)", title="Vantablack (live)")
    renamed["track_metadata"]["additional_info"] = {"recording_mbid": RECORDING_MBID}
    import_listens(client, token, [renamed])

    assert Track.objects.count() == 1
    assert Listen.objects.filter(track__recording_mbid=RECORDING_MBID).count() == 2


def test_names_that_normalize_alike_match_one_track(client):
    _, token = make_listener()
    import_listens(
        client,
        token,
        [
            a_listen(TS, artist="Sigur Rós", title="Hoppípolla"),
            a_listen(TS + 1, artist="  sigur ros ", title="HOPPIPOLLA"),
            a_listen(TS + 2, artist="Sigur-Rós", title="hoppípolla!"),
        ],
    )

    assert Artist.objects.count() == 1
    assert Track.objects.count() == 1
    assert Listen.objects.count() == 3


def test_artist_mbids_are_kept_on_a_new_artist(client):
    _, token = make_listener()
    import_listens(client, token, [a_listen(artist_mbids=[ARTIST_MBID, ""])])

    assert str(Artist.objects.get().mbid) == ARTIST_MBID


def test_a_later_invalid_listen_stores_none_of_the_payload(client):
    _, token = make_listener()
    listens = [a_listen(TS + i, title=f"Song {i}") for i in range(600)]
    listens[499]["listened_at"] = "yesterday"
    before = stored()

    response = submit(client, token, listens, "import")

    assert response.status_code == 400
    assert response.json()["error"] == "JSON document must contain an int value for listened_at."
    assert stored() == before


@pytest.mark.parametrize("size", [5, 100])  # one INSERT, or COPY on PostgreSQL
def test_a_database_failure_while_storing_rolls_back_tracks_and_listens(client, monkeypatch, size):
    _, token = make_listener()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_listens_values", fail)
    monkeypatch.setattr(services, "_listens_copy", fail)
    before = stored()
    listens = [a_listen(TS + i, title=f"New {i}") for i in range(size)]
    response = submit(client, token, listens, "import")

    assert response.status_code == 500
    assert response.json() == {"code": 500, "error": "Something went wrong. Please try again."}
    assert stored() == before


def test_a_track_repeated_through_an_import_is_resolved_once(client, monkeypatch):
    _, token = make_listener()
    asked = []
    resolve = services.tracks_resolve

    def spy(*, refs):
        asked.append(len(refs))
        return resolve(refs=refs)

    monkeypatch.setattr(services, "tracks_resolve", spy)
    import_listens(client, token, [a_listen(TS + i, title=f"Song {i % 3}") for i in range(300)])

    assert asked == [3]
    assert Listen.objects.count() == 300


def _import_queries(client, token, count: int, start: int) -> int:
    listens = [
        a_listen(start + i, artist=f"Artist {start + i}", title=f"Title {i}") for i in range(count)
    ]
    with CaptureQueriesContext(connection) as queries:
        import_listens(client, token, listens)
    return len(queries)


def test_a_1000_listen_import_of_new_tracks_costs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    _, token = make_listener()
    listens = [a_listen(TS + i, artist=f"Artist {i}", title=f"Title {i}") for i in range(1000)]
    # SQLite binds at most 999 parameters a statement, so its inserts go in a few batches.
    with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 40):
        import_listens(client, token, listens)

    assert Listen.objects.count() == 1000


def test_import_query_count_does_not_grow_with_the_number_of_listens(client):
    _, token = make_listener()
    small = _import_queries(client, token, 50, TS)
    large = _import_queries(client, token, 1000, TS + 10_000)

    batching = 0 if connection.vendor == "postgresql" else 30
    assert large <= small + batching


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_imports_creating_the_same_tracks_in_opposite_orders_both_succeed():
    from django.db import connections

    user, _ = make_listener()
    failures = []

    def store(refs, offset):
        records = [
            services.ListenRecord(
                track=ref, listened_at=dt.datetime.fromtimestamp(TS + offset + i, dt.UTC)
            )
            for i, ref in enumerate(refs)
        ]
        try:
            services.listens_store(user_id=user.id, records=records, source=ListenSource.API)
        except Exception as exc:  # a deadlock surfaces as OperationalError
            failures.append(exc)
        finally:
            connections.close_all()

    for round_ in range(5):
        refs = [
            TrackRef(artist_name=f"Band {round_}-{i}", track_name=f"Song {i}") for i in range(300)
        ]
        threads = [
            threading.Thread(target=store, args=(refs, 0)),
            threading.Thread(target=store, args=(refs[::-1], 10_000)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert failures == []
    assert Listen.objects.count() == 5 * 600
