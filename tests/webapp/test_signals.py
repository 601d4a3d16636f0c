"""The signal tables: kept current by every write path in the same transaction, equal to a
rebuild from the raw rows, and the "had" selector that decides what is never recommended."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.webapp.cf_world import make_world
from webapp.listening.models import ArtistSignal, Listen, ListenSource, TrackSignal
from webapp.listening.selectors import listeners_had, signals_weighted
from webapp.listening.services import (
    artist_visit_record,
    listener_create,
    listens_insert,
    track_play_record,
    track_refuse,
    track_save,
    track_skip_record,
    track_unrefuse,
    track_unsave,
)

pytestmark = pytest.mark.django_db
T0 = 1_700_000_000


def tables() -> tuple[list, list]:
    tracks = TrackSignal.objects.order_by("user_id", "track_id").values_list(
        "user_id", "track_id", "play_count", "first_played_at", "last_played_at", "saved_at",
        "skip_count", "last_skipped_at", "refused_at", "unsaved_at",
    )  # fmt: skip
    artists = ArtistSignal.objects.order_by("user_id", "artist_id").values_list(
        "user_id", "artist_id", "visit_count", "first_visited_at", "last_visited_at"
    )
    return list(tracks), list(artists)


def test_every_write_path_keeps_the_tables_equal_to_a_rebuild_from_raw_rows():
    users, groups = make_world(n_users_per_group=3, n_tracks_per_group=6)
    alice, bob = users[0][0], users[1][0]
    a, b, c = groups[0][:3]
    listens_insert(
        user_ids=[alice.pk] * 3,
        track_ids=[a.pk, a.pk, b.pk],
        listened_at_unix=[T0, T0 + 60, T0],
        source=ListenSource.API,
    )
    listens_insert(  # a re-submission is stored once and counted once
        user_ids=[alice.pk], track_ids=[a.pk], listened_at_unix=[T0], source=ListenSource.API
    )
    track_play_record(user=bob, track=c)
    track_save(user=alice, track=c)
    track_save(user=bob, track=a)
    track_unsave(user=bob, track=a)
    track_skip_record(user=alice, track=groups[1][0])
    track_refuse(user=bob, track=b)
    track_refuse(user=bob, track=a)
    track_unrefuse(user=bob, track=a)
    artist_visit_record(user=alice, artist=groups[1][0].artist)
    artist_visit_record(user=alice, artist=groups[1][0].artist)
    Listen.objects.filter(user=alice, track=a, listened_at__gt=timezone.now()).delete()
    Listen.objects.filter(user=users[0][1]).delete()
    kept = tables()

    out = io.StringIO()
    call_command("rebuild_signals", stdout=out)
    assert tables() == kept
    assert "Rebuilt" in out.getvalue()
    row = TrackSignal.objects.get(user=alice, track=a)
    assert row.play_count == Listen.objects.filter(user=alice, track=a).count()
    assert ArtistSignal.objects.get(user=alice).visit_count == 2
    assert not TrackSignal.objects.filter(user=users[0][1]).exists()


def test_signals_roll_back_with_the_listens_that_made_them():
    user = listener_create(username="ada")
    _, groups = make_world(n_users_per_group=1, n_tracks_per_group=2)
    with pytest.raises(RuntimeError), transaction.atomic():
        listens_insert(
            user_ids=[user.pk], track_ids=[groups[0][0].pk], listened_at_unix=[T0], source="api"
        )
        assert TrackSignal.objects.filter(user=user).exists()  # same transaction
        raise RuntimeError("the request failed after the insert")
    assert not TrackSignal.objects.filter(user=user).exists()


def test_an_artist_visit_is_interest_not_a_play_and_hides_none_of_the_artists_tracks():
    users, groups = make_world(n_users_per_group=1, n_tracks_per_group=5, n_artists_per_group=1)
    listener = listener_create(username="visitor")
    artist = groups[1][0].artist
    artist_visit_record(user=listener, artist=artist)
    _, had = listeners_had(user_ids=[listener.pk])
    assert had.size == 0
    user_ids, track_ids, weights = signals_weighted(user_ids=[listener.pk])
    assert track_ids.size == 1 and track_ids[0] in {t.pk for t in groups[1]}
    assert weights.sum() == pytest.approx(0.5)  # interest: half a play of one track


def test_played_saved_skipped_and_refused_tracks_are_had_and_only_they():
    users, groups = make_world(n_users_per_group=1, n_tracks_per_group=6, n_artists_per_group=1)
    listener = listener_create(username="had")
    played, saved, skipped, refused, untouched = groups[1][:5]
    track_play_record(user=listener, track=played)
    track_save(user=listener, track=saved)
    track_skip_record(user=listener, track=skipped)
    track_refuse(user=listener, track=refused)
    artist_visit_record(user=listener, artist=untouched.artist)
    _, had = listeners_had(user_ids=[listener.pk])
    assert set(had.tolist()) == {played.pk, saved.pk, skipped.pk, refused.pk}
    _, positive, _ = signals_weighted(user_ids=[listener.pk], weights={
        "play": 1.0, "save": 5.0, "visit": 0.0, "skip": 0.0,
    })  # fmt: skip
    assert set(positive.tolist()) == {played.pk, saved.pk}  # a skip or refusal is no evidence


def test_a_track_saved_then_taken_out_of_the_library_is_still_had():
    """The listener saved it once: they know it. Unsaving it must not make it a pick again
    (it did: the save row went and the signal row with it); CF no longer counts the save."""
    from webapp.listening.models import TrackUnsave

    users, groups = make_world(n_users_per_group=1, n_tracks_per_group=4, n_artists_per_group=1)
    listener = listener_create(username="unsaver")
    kept, dropped = groups[1][:2]
    track_save(user=listener, track=dropped)
    track_unsave(user=listener, track=dropped)
    track_unsave(user=listener, track=kept)  # never saved: nothing to record
    _, had = listeners_had(user_ids=[listener.pk])
    assert had.tolist() == [dropped.pk]
    _, positive, _ = signals_weighted(user_ids=[listener.pk])
    assert dropped.pk not in positive.tolist()
    assert TrackUnsave.objects.filter(user=listener).count() == 1
    kept_tables = tables()
    call_command("rebuild_signals", stdout=io.StringIO())
    assert tables() == kept_tables  # the rebuild reads unsaves from their raw rows
    track_save(user=listener, track=dropped)  # saved again, then the unsave deleted by hand
    TrackUnsave.objects.filter(user=listener).delete()
    assert TrackSignal.objects.get(user=listener, track=dropped).unsaved_at is None
    track_unsave(user=listener, track=dropped)
    TrackUnsave.objects.filter(user=listener).delete()
    assert not TrackSignal.objects.filter(user=listener).exists()  # nothing left: row gone


def test_the_weekly_playlist_never_offers_a_track_the_listener_unsaved(monkeypatch):
    """End to end: saved, taken out of the library, then the week is built."""
    import datetime as dt

    from webapp.playlists.models import WeeklyPlaylistItem
    from webapp.playlists.weekly import week_run
    from webapp.training import services as training

    users, groups = make_world(n_users_per_group=6, n_tracks_per_group=20, n_artists_per_group=10)
    training.cf_retrain()
    listener = users[0][0]
    week = dt.date(2026, 11, 23)
    week_run(week=week, user_ids=[listener.pk], playlists_only=True)
    picked = WeeklyPlaylistItem.objects.filter(playlist__user=listener).values_list(
        "track__pk", flat=True
    )
    unsaved = next(iter(picked))
    track_save(user=listener, track=type(groups[0][0]).objects.get(pk=unsaved))
    track_unsave(user=listener, track=type(groups[0][0]).objects.get(pk=unsaved))
    week_run(week=week, user_ids=[listener.pk], playlists_only=True)  # the week rebuilt
    again = WeeklyPlaylistItem.objects.filter(playlist__user=listener, playlist__week=week)
    again = set(again.values_list("track_id", flat=True))
    assert again and unsaved not in again
