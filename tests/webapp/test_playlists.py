"""Weekly playlists in the webapp: the build, its rules, re-runs, cold starts, missing models,
curator blocks and weights, deleted listeners, and the week's chain."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.webapp.cf_world import make_world
from webapp.catalog.models import Artist, Track
from webapp.listening.models import Listen, ListenSource
from webapp.listening.selectors import listeners_had
from webapp.listening.services import listener_create, track_skip_record
from webapp.playlists import controls
from webapp.playlists.models import (
    BlendSettings,
    CuratorBlock,
    ReplacedPick,
    WeeklyBuild,
    WeeklyPlaylist,
)
from webapp.playlists.services import week_start
from webapp.playlists.weekly import week_run
from webapp.training import services as training

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]
User = get_user_model()
WEEK = dt.date(2026, 11, 23)


@pytest.fixture
def world():
    """Two taste groups, 5 artists each, 40 tracks each; CF trained and active."""
    users, groups = make_world(n_users_per_group=12, n_tracks_per_group=40, n_artists_per_group=20)
    training.cf_retrain()
    return users, groups


def items_of(user, week=WEEK) -> list:
    playlist = WeeklyPlaylist.objects.get(user=user, week=week)
    return list(playlist.items.select_related("track").order_by("position"))


def test_every_listener_gets_a_playlist_that_obeys_the_rules(world):
    users, groups = world
    build = week_run(week=WEEK, playlists_only=True)
    assert build.status == "succeeded" and build.playlists_written == 24
    for user in users[0] + users[1]:
        items = items_of(user)
        tracks = [item.track for item in items]
        _, had = listeners_had(user_ids=[user.pk])
        assert 0 < len(items) <= 30
        assert not {t.pk for t in tracks} & set(had.tolist())  # never played, saved, skipped
        per_artist = {}
        for t in tracks:
            per_artist[t.artist_id] = per_artist.get(t.artist_id, 0) + 1
        assert max(per_artist.values()) <= 2
        assert [item.position for item in items] == list(range(1, len(items) + 1))
        assert all(item.reason for item in items)
        assert all(item.cf != 0 for item in items)  # CF had something to say about each


def test_picks_follow_the_listeners_taste(world):
    users, groups = world
    week_run(week=WEEK, playlists_only=True)
    mine = {t.pk for t in groups[0]}
    tops = [items_of(user)[:5] for user in users[0]]
    inside = sum(item.track_id in mine for top in tops for item in top)
    assert inside / sum(len(top) for top in tops) > 0.8


def test_re_running_a_week_replaces_it_and_next_week_brings_new_tracks(world):
    users, _ = world
    user = users[0][0]
    week_run(week=WEEK, playlists_only=True)
    first = WeeklyPlaylist.objects.get(user=user, week=WEEK)
    before = [i.track_id for i in items_of(user)]
    week_run(week=WEEK, playlists_only=True)
    assert WeeklyPlaylist.objects.filter(user=user, week=WEEK).count() == 1
    assert WeeklyPlaylist.objects.get(user=user, week=WEEK).pk != first.pk
    assert [i.track_id for i in items_of(user)] == before  # same models, same picks
    next_week = WEEK + dt.timedelta(days=7)
    week_run(week=next_week, playlists_only=True)
    assert not set(before) & {i.track_id for i in items_of(user, next_week)}


def test_a_listener_with_no_listens_gets_a_cold_start_playlist(world):
    newcomer = listener_create(username="newcomer")
    week_run(week=WEEK, user_ids=[newcomer.pk], playlists_only=True)
    playlist = WeeklyPlaylist.objects.get(user=newcomer, week=WEEK)
    assert playlist.cold_start and playlist.items.count() == 30


def test_a_listener_who_played_nearly_everything_gets_fewer_picks_and_a_reason(world):
    users, groups = world
    user = users[0][0]
    everything = Track.objects.all()
    Listen.objects.bulk_create(
        Listen(user=user, track=t, listened_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
               source=ListenSource.API)
        for t in everything[: everything.count() - 5]
    )  # fmt: skip
    week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
    playlist = WeeklyPlaylist.objects.get(user=user, week=WEEK)
    assert playlist.items.count() <= 5
    assert playlist.shortfall_code and playlist.shortfall_message


def test_without_any_model_playlists_come_from_popularity_and_say_so(world):
    users, _ = world
    from webapp.training.models import ModelVersion

    ModelVersion.objects.update(is_active=False)
    week_run(week=WEEK, playlists_only=True)
    playlist = WeeklyPlaylist.objects.get(user=users[0][0], week=WEEK)
    assert playlist.cf_version is None and playlist.cold_start
    items = list(playlist.items.order_by("-popularity"))
    assert items and all(item.cf == 0 for item in items)
    assert items[0].popularity > 0 and items[0].reason == "popular with listeners here"


def test_a_curator_weight_of_zero_for_cf_leaves_cf_out(world):
    users, _ = world
    BlendSettings.objects.create(override_weights={"cf": 0.0, "popularity": 1.0})
    week_run(week=WEEK, playlists_only=True)
    items = items_of(users[0][0])
    assert items and all(item.cf == 0 for item in items)


def test_curator_blocked_tracks_and_artists_never_appear(world):
    users, groups = world
    week_run(week=WEEK, playlists_only=True)
    user = users[0][0]
    picked = items_of(user)
    blocked_track = picked[0].track
    blocked_artist = Artist.objects.get(pk=picked[1].track.artist_id)
    CuratorBlock.objects.create(track=blocked_track)
    CuratorBlock.objects.create(artist=blocked_artist)
    week_run(week=WEEK, playlists_only=True)
    again = items_of(user)
    assert blocked_track.pk not in {i.track_id for i in again}
    assert blocked_artist.pk not in {i.track.artist_id for i in again}


def test_not_for_me_and_hidden_artists_apply_at_the_next_build(world):
    users, _ = world
    user = users[0][0]
    week_run(week=WEEK, playlists_only=True)
    first = items_of(user)
    refused, hidden = first[0].track, first[1].track.artist
    controls.pick_refuse(user=user, track=refused)
    controls.artist_hide(user=user, artist=hidden)
    week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
    again = items_of(user)
    assert refused.pk not in {i.track_id for i in again}
    assert hidden.pk not in {i.track.artist_id for i in again}
    _, had = listeners_had(user_ids=[user.pk])
    assert refused.pk in set(had.tolist())


def test_the_discovery_setting_moves_the_share_of_new_artists(world):
    users, _ = world
    user = users[0][0]
    shares = {}
    for discovery in (0.0, 1.0):
        controls.discovery_set(user=user, discovery=discovery)
        week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
        items = items_of(user)
        shares[discovery] = sum(i.new_artist for i in items) / len(items)
    assert shares[1.0] > shares[0.0]


def test_picks_a_rebuild_replaced_do_not_come_back_in_later_weeks(world):
    """The listener saw the Monday playlist, moved the discovery setting and rebuilt: the
    tracks the rebuild dropped were shown all the same, so next week leaves them out too."""
    users, _ = world
    user = users[0][0]
    controls.discovery_set(user=user, discovery=0.0)
    week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
    shown = {i.track_id for i in items_of(user)}
    controls.discovery_set(user=user, discovery=1.0)
    week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
    kept = {i.track_id for i in items_of(user)}
    dropped = shown - kept
    assert dropped, "the rebuild kept every pick: nothing to check"
    replaced = ReplacedPick.objects.filter(user=user, week=WEEK)
    assert set(replaced.values_list("track_id", flat=True)) == dropped  # kept ones need none
    controls.discovery_set(user=user, discovery=0.0)  # the setting the dropped ones came from
    next_week = WEEK + dt.timedelta(days=7)
    week_run(week=next_week, user_ids=[user.pk], playlists_only=True)
    later = {i.track_id for i in items_of(user, next_week)}
    assert later and not later & (shown | kept)


def test_a_listener_deleted_before_their_chunk_is_written_is_skipped(world, monkeypatch):
    users, _ = world
    gone = users[1][0]
    from webapp.playlists import services

    real = services._write

    def delete_then_write(batch, **kwargs):
        User.objects.filter(pk=gone.pk).delete()
        return real(batch, **kwargs)

    monkeypatch.setattr(services, "_write", delete_then_write)
    build = week_run(week=WEEK, playlists_only=True)
    assert build.playlists_written == 23
    assert not WeeklyPlaylist.objects.filter(user_id=gone.pk).exists()


def test_a_skipped_pick_is_had_and_not_picked_again(world):
    users, _ = world
    user = users[0][0]
    week_run(week=WEEK, playlists_only=True)
    skipped = items_of(user)[0].track
    track_skip_record(user=user, track=skipped, source=ListenSource.WEEKLY)
    week_run(week=WEEK, user_ids=[user.pk], playlists_only=True)
    assert skipped.pk not in {i.track_id for i in items_of(user)}


def test_the_weekly_task_runs_every_step_and_records_them(world):
    from webapp.playlists.tasks import weekly_run

    result = weekly_run.delay(WEEK.isoformat()).get()
    build = WeeklyBuild.objects.get(pk=result["build_id"])
    assert set(build.steps) == {"blend", "culture", "cf", "audio"}  # jsonb keeps no key order
    assert build.steps["culture"]["status"] == "skipped"
    assert build.steps["cf"]["status"] in {"succeeded", "skipped"}
    assert build.status == "succeeded"
    assert WeeklyPlaylist.objects.filter(week=WEEK).count() == 24


def test_build_weekly_command_for_one_listener(world):
    users, _ = world
    out = io.StringIO()
    call_command(
        "build_weekly", "--playlists-only", "--user", users[0][0].username,
        "--week", "2026-11-25", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "1 playlists written" in out.getvalue()
    assert WeeklyPlaylist.objects.get().week == week_start(dt.date(2026, 11, 25)) == WEEK
    with pytest.raises(CommandError, match="No listener"):
        call_command("build_weekly", "--user", "nobody", stderr=io.StringIO())


def test_the_whole_week_in_one_process_runs_the_same_steps_as_the_chain(world):
    from webapp.training.models import CFTuning

    CFTuning.objects.create(params={"factors": 8}, applied=True)  # tuned: no search now
    build = week_run(week=WEEK)
    assert set(build.steps) == {"blend", "culture", "cf", "audio"}
    assert build.steps["audio"]["status"] == "skipped"  # no track has audio here
    assert build.status == "succeeded" and build.playlists_written == 24


def test_a_chunk_that_fails_for_good_fails_the_build_and_says_whom_it_left_out(world, monkeypatch):
    from webapp.playlists import tasks, weekly

    def broken(*, build_id, user_ids):
        raise ValueError("the disk is full")

    monkeypatch.setattr(weekly, "playlists_chunk", broken)
    build = weekly.build_begin(week=WEEK, whole_week=True)
    with pytest.raises(ValueError):
        tasks.step_playlists.delay(build.pk).get()
    build.refresh_from_db()
    assert build.status == "failed" and build.finished_at is not None
    assert "24 listeners" in build.error and "the disk is full" in build.error


def test_a_chunk_that_hits_a_database_error_is_tried_again(world, monkeypatch):
    from django.db import OperationalError

    from webapp.playlists import tasks, weekly

    real, calls = weekly.playlists_chunk, []

    def flaky(*, build_id, user_ids):
        calls.append(len(user_ids))
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(build_id=build_id, user_ids=user_ids)

    monkeypatch.setattr(weekly, "playlists_chunk", flaky)
    build = weekly.build_begin(week=WEEK, whole_week=True)
    (chunk,) = weekly.playlists_chunks(build_id=build.pk)
    # as a worker runs it: the Retry goes back to the queue (eager mode re-applies at once)
    result = tasks.build_chunk.apply(args=(build.pk, chunk), throw=False)
    assert result.get() == 24 and calls == [24, 24]
    build.refresh_from_db()
    assert build.status == "running" and build.playlists_written == 24 and not build.error


def test_one_whole_week_build_of_a_week_runs_at_a_time(world):
    from webapp.playlists.tasks import weekly_run
    from webapp.playlists.weekly import BuildRunning, build_begin

    users, _ = world
    running = build_begin(week=WEEK, whole_week=True)
    with pytest.raises(BuildRunning, match=f"#{running.pk}"):
        week_run(week=WEEK, playlists_only=True)
    assert weekly_run.delay(WEEK.isoformat()).get()["status"] == "skipped"  # e.g. redelivered
    with pytest.raises(CommandError, match="is running"):
        call_command("build_weekly", "--week", WEEK.isoformat(), stderr=io.StringIO())
    rebuilt = week_run(week=WEEK, user_ids=[users[0][0].pk], playlists_only=True)
    assert rebuilt.status == "succeeded"  # one listener's rebuild is never refused
    assert week_run(week=WEEK + dt.timedelta(days=7), playlists_only=True).status == "succeeded"
    WeeklyBuild.objects.filter(pk=running.pk).update(status="failed")
    assert week_run(week=WEEK, playlists_only=True).status == "succeeded"


def test_curators_mark_a_build_whose_process_died_failed(world, curator_client):
    from webapp.playlists.weekly import build_begin

    dead = build_begin(week=WEEK, whole_week=True)
    response = curator_client.post(
        "/admin/playlists/weeklybuild/",
        {"action": "mark_failed", "_selected_action": [dead.pk]},
        follow=True,
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == "failed" and "curator" in dead.error


def test_a_chunk_computed_before_a_listeners_rebuild_does_not_overwrite_it(world):
    """The Monday chunk read a listener's controls; the listener then hid an artist and
    rebuilt; the chunk's older playlist must not come back over the rebuilt one."""
    from django.utils import timezone

    from tests.webapp.test_playlist_write_race import _batch
    from webapp.playlists import services

    users, _ = world
    listener, other = users[0][0], users[0][1]
    computed_at = timezone.now()  # the chunk reads everyone's signals here
    week_run(week=WEEK, user_ids=[listener.pk], playlists_only=True)  # the rebuild, written
    rebuilt = [item.track_id for item in items_of(listener)]
    stale = [t for t in Track.objects.values_list("pk", flat=True) if t not in rebuilt][:3]
    serving = services.Serving((), {}, None, None, {})

    wrote = services._write(
        _batch([listener.pk, other.pk], stale), week=WEEK, serving=serving, build=None,
        computed_at=computed_at,
    )  # fmt: skip

    assert wrote == 1  # only the listener without a newer playlist
    assert [item.track_id for item in items_of(listener)] == rebuilt
    assert [item.track_id for item in items_of(other)] == stale
    # the other order: the rebuild's inputs are newer, though the chunk wrote first
    later = timezone.now()
    services._write(
        _batch([listener.pk], stale), week=WEEK, serving=serving, build=None,
        computed_at=later - dt.timedelta(seconds=5),
    )  # fmt: skip
    assert [item.track_id for item in items_of(listener)] == rebuilt  # still the newer inputs
    services._write(
        _batch([listener.pk], stale), week=WEEK, serving=serving, build=None, computed_at=later
    )
    assert [item.track_id for item in items_of(listener)] == stale
    assert WeeklyPlaylist.objects.get(user=listener, week=WEEK).created_at == later


def test_two_starts_at_once_leave_one_running_whole_week_build(world, monkeypatch):
    """The check before the insert can race; the database's partial unique constraint is
    what holds, and the loser is told why."""
    from webapp.playlists import weekly

    first = weekly.build_begin(week=WEEK, whole_week=True)
    real, calls = weekly._refuse_if_running, []

    def raced(week):  # the second start checked before the first had inserted
        calls.append(week)
        if len(calls) > 1:
            real(week)

    monkeypatch.setattr(weekly, "_refuse_if_running", raced)
    with pytest.raises(weekly.BuildRunning, match=f"#{first.pk}"):
        weekly.build_begin(week=WEEK, whole_week=True)
    assert WeeklyBuild.objects.filter(week=WEEK, status="running").count() == 1


def test_audio_waits_while_a_cf_run_is_under_way(world):
    """The CNN learns the CF version that will serve: with another CF run under way (the
    admin's button during the Monday job) the audio step is skipped, saying why."""
    from django.utils import timezone

    from webapp.playlists.weekly import build_begin, step_audio
    from webapp.training.models import ModelVersion

    running = ModelVersion.objects.create(kind="cf", heartbeat_at=timezone.now())
    outcome = step_audio(build_id=build_begin(week=WEEK).pk)
    assert outcome["status"] == "skipped" and f"#{running.pk}" in outcome["reason"]


def test_a_chunk_delivered_twice_counts_its_listeners_once(world):
    """A worker died before acknowledging its chunk: Celery delivers it again. The playlists
    are replaced whole and the build's progress counts the chunk once, so a build that left
    listeners out cannot reach its total by counting another chunk twice."""
    from webapp.playlists import weekly

    users, _ = world
    ids = sorted(u.pk for u in users[0] + users[1])
    build = WeeklyBuild.objects.create(week=WEEK, listeners_total=len(ids))
    first, second = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    weekly.playlists_chunk(build_id=build.pk, user_ids=first)
    weekly.playlists_chunk(build_id=build.pk, user_ids=first)  # the redelivery
    build.refresh_from_db()
    assert build.listeners_done == len(first) and build.playlists_written == len(first)
    assert weekly.build_end(build_id=build.pk).status == "failed"  # the second half is missing
    weekly.playlists_chunk(build_id=build.pk, user_ids=second)
    build.refresh_from_db()
    assert build.listeners_done == len(ids) and build.playlists_written == len(ids)
    assert WeeklyPlaylist.objects.filter(week=WEEK).count() == len(ids)
