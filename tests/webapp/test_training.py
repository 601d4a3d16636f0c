"""CF training in the webapp: export, retrain, versions, failures, per-listener refresh."""

from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.webapp.cf_world import make_world
from webapp.catalog.models import Track
from webapp.dashboard.selectors import listener_recommend, listener_similar, track_similar
from webapp.listening.models import ArtistVisit, Listen, ListenSource, SavedTrack
from webapp.listening.selectors import signals_weighted
from webapp.listening.services import track_play_record
from webapp.training import services
from webapp.training.models import ListenerVector, ModelVersion, RunStatus
from webapp.training.registry import registry
from webapp.training.tasks import retrain_cf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]
User = get_user_model()


def test_training_on_an_empty_database_fails_clearly_and_activates_nothing():
    with pytest.raises(services.TrainingError, match="No listening data yet"):
        services.cf_retrain()
    run = ModelVersion.objects.get()
    assert run.status == RunStatus.FAILED
    assert "No listening data" in run.error
    assert not run.is_active


def test_cf_signals_count_a_visit_on_the_artists_most_played_track_and_keep_saves():
    users, groups = make_world(n_users_per_group=3, n_tracks_per_group=4, n_artists_per_group=1)
    user = users[0][0]
    visited = groups[1]
    counts = {t: Listen.objects.filter(track=t).values("user").distinct().count() for t in visited}
    top = max(visited, key=lambda t: (counts[t], -t.pk))  # most listeners, lowest id on a tie
    ArtistVisit.objects.create(user=user, artist=visited[0].artist, visited_at=timezone.now())
    SavedTrack.objects.create(user=user, track=groups[0][0], saved_at=timezone.now())
    played = {t: Listen.objects.filter(user=user, track=t).count() for t in groups[0]}
    users_, items, counts_ = signals_weighted(user_ids=[user.pk])
    weight: dict[int, float] = {}
    for i, c in zip(items.tolist(), counts_.tolist(), strict=True):
        weight[i] = weight.get(i, 0.0) + c
    assert weight[top.pk] == pytest.approx(0.5)  # half a play of the representative track
    assert not any(t.pk in weight for t in visited if t != top)  # not spread over the rest
    assert weight[groups[0][0].pk] == pytest.approx(played[groups[0][0]] + 5)  # a save is 5
    assert set(users_.tolist()) == {user.pk}


def test_retrain_activates_a_model_that_recommends_within_the_listeners_taste():
    users, groups = make_world()
    version = services.cf_retrain()
    assert version.status == RunStatus.SUCCEEDED and version.is_active
    assert version.data_counts["users"] == 40 and version.data_counts["items"] == 30
    assert "ndcg@10" in version.metrics and "popularity_ndcg@10" in version.metrics
    user = users[0][0]
    picks = listener_recommend(user=user, limit=3)
    played = set(Listen.objects.filter(user=user).values_list("track_id", flat=True))
    assert picks and all(track.pk not in played for track, _ in picks)
    assert all(track in groups[0] for track, _ in picks)
    similar = track_similar(track=groups[1][0], limit=5)
    assert similar and all(t in groups[1] for t in similar)
    artists = [t.artist_id for t in similar]
    assert max(artists.count(a) for a in artists) <= 2  # not all by one artist
    assert set(listener_similar(user=user, limit=5)) <= set(users[0])


def test_retraining_unchanged_data_is_a_no_op_that_keeps_the_active_version():
    make_world()
    first = services.cf_retrain()
    second = services.cf_retrain()
    assert second.status == RunStatus.SKIPPED and not second.is_active
    assert ModelVersion.objects.get(is_active=True) == first


def test_a_failed_run_leaves_the_previous_version_serving(settings, tmp_path):
    make_world()
    first = services.cf_retrain()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the model folder should be")
    settings.MODEL_DIR = blocker
    with pytest.raises(services.TrainingError):
        services.cf_retrain(force=True)
    failed = ModelVersion.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED and failed.error
    assert ModelVersion.objects.get(is_active=True) == first
    assert registry.snapshot("cf").version_id == first.pk


def test_a_curator_can_activate_an_older_version_and_not_a_failed_one():
    make_world()
    first = services.cf_retrain()
    second = services.cf_retrain(force=True)
    assert ModelVersion.objects.get(is_active=True) == second
    services.version_activate(version=first)
    assert ModelVersion.objects.get(is_active=True) == first
    failed = ModelVersion.objects.create(kind="cf", status=RunStatus.FAILED)
    with pytest.raises(services.TrainingError, match="only succeeded runs serve"):
        services.version_activate(version=failed)


def test_refreshing_a_listener_moves_their_vector_toward_this_weeks_listening():
    users, groups = make_world()
    services.cf_retrain()
    user = users[0][0]
    before = {t.pk for t, _ in listener_recommend(user=user, limit=3)}
    assert all(pk in {t.pk for t in groups[0]} for pk in before)
    now = timezone.now()
    Listen.objects.bulk_create(
        Listen(
            user=user,
            track=t,
            listened_at=now - timezone.timedelta(minutes=r),
            source=ListenSource.API,
        )
        for t in groups[1][:10]
        for r in range(3)
    )
    assert services.cf_listeners_refresh() == 1
    assert ListenerVector.objects.filter(user=user).count() == 1
    registry.clear()  # another process: loads the artifact and applies stored vectors
    after = {t.pk for t, _ in listener_recommend(user=user, limit=5)}
    assert after & {t.pk for t in groups[1]}


def test_a_listener_with_no_listens_gets_no_recommendations_rather_than_an_error():
    make_world()
    services.cf_retrain()
    newcomer = User.objects.create_user("newcomer")
    assert listener_recommend(user=newcomer) == []
    assert listener_similar(user=newcomer) == []
    assert services.cf_listeners_solve(user_ids=[newcomer.pk]) == {}


def test_retrain_task_returns_the_new_active_version():
    make_world()
    result = retrain_cf.delay().get()
    assert result["status"] == RunStatus.SUCCEEDED and result["active"]
    assert ModelVersion.objects.get(pk=result["version_id"]).artifact_path


def test_evaluate_command_compares_on_the_temporal_and_the_random_split(capsys):
    import json

    from django.core.management import call_command

    make_world()
    call_command("evaluate", "--json")
    result = json.loads(capsys.readouterr().out)
    assert list(result["splits"]) == ["temporal", "random"]
    for split in result["splits"].values():
        assert set(split["models"]) == {"als", "popularity", "random"}
        assert split["models"]["als"]["ndcg@10"] > split["models"]["random"]["ndcg@10"]
    assert result["verdict"]["split"] == "temporal"


def test_evaluate_search_apply_stores_a_tuning_the_next_retrain_uses(capsys):
    from django.core.management import call_command

    from webapp.training.models import CFTuning

    make_world()
    call_command("evaluate", "--search", "--apply")
    tuning = CFTuning.objects.get()
    assert tuning.applied and tuning.table and tuning.validation_users > 0
    assert "temporal split" in capsys.readouterr().out
    version = services.cf_retrain()
    for name, value in tuning.params.items():
        assert version.params[name] == value


def test_evaluate_command_on_an_empty_database_says_there_is_no_data():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No listening data"):
        call_command("evaluate")


def test_track_page_lists_similar_tracks_from_the_active_model(client):
    users, groups = make_world()
    services.cf_retrain()
    response = client.get(groups[1][0].get_absolute_url())
    similar = response.context["similar_tracks"]
    assert similar and "Similar tracks" in response.text
    assert groups[1][0] not in similar


def test_listener_page_shows_similar_listeners_to_that_listener_and_staff_only(client):
    users, _ = make_world()
    services.cf_retrain()
    owner, other = users[0][0], users[1][0]
    url = f"/listeners/{owner.username}/"
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert set(response.context["similar_listeners"]) <= set(users[0])
    client.force_login(other)
    assert client.get(url).status_code == 404
    staff = User.objects.create_user("staffer", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_a_track_nobody_played_has_no_similar_tracks_and_its_page_still_renders(client):
    users, groups = make_world()
    services.cf_retrain()
    fresh = Track.objects.create(artist=groups[0][0].artist, title="New", title_normalized="new")
    assert track_similar(track=fresh) == []
    response = client.get(fresh.get_absolute_url())
    assert response.status_code == 200 and "Similar tracks" not in response.text


def test_new_listening_is_re_solved_in_a_task_after_commit_not_by_a_page_view(
    client, django_capture_on_commit_callbacks
):
    users, groups = make_world()
    services.cf_retrain()
    user = users[0][0]
    client.force_login(user)
    client.get(f"/listeners/{user.username}/")
    assert not ListenerVector.objects.exists()  # a GET never solves
    with django_capture_on_commit_callbacks(execute=True):
        track_play_record(user=user, track=groups[1][0])
    solved = ListenerVector.objects.get(user=user)
    assert solved.seq == 1
    with django_capture_on_commit_callbacks(execute=True):
        track_play_record(user=user, track=groups[1][1])
    assert ListenerVector.objects.get(user=user).seq == 2


def test_a_listener_who_joined_after_the_retrain_is_served_by_every_process_after_refresh():
    users, groups = make_world()
    services.cf_retrain()
    newcomer = User.objects.create_user("newcomer")
    Listen.objects.bulk_create(
        Listen(user=newcomer, track=t, listened_at=timezone.now(), source=ListenSource.API)
        for t in groups[1][:8]
    )
    assert services.cf_listeners_refresh() == 1
    registry.clear()  # a web worker that did not solve it loads artifact + vectors
    picks = listener_recommend(user=newcomer, limit=3)
    assert picks and all(track in groups[1] for track, _ in picks)
    assert set(listener_similar(user=newcomer, limit=5)) <= set(users[1])


def test_a_vector_written_by_another_process_changes_similar_listeners_here():
    users, _ = make_world()
    version = services.cf_retrain()
    user = users[0][0]
    assert set(listener_similar(user=user, limit=5)) <= set(users[0])
    serving = registry.snapshot("cf").model
    b_vector = serving.user_vectors([users[1][0].pk])[0]
    services._vectors_write(version.pk, np.array([user.pk]), b_vector[None, :])
    assert set(listener_similar(user=user, limit=5)) <= set(users[1])


def test_a_missing_artifact_serves_no_model_instead_of_failing_pages(client):
    users, groups = make_world()
    version = services.cf_retrain()
    registry.clear()
    Path(version.artifact_path).unlink()
    assert services.cf_serving() is None
    response = client.get(groups[0][0].get_absolute_url())
    assert response.status_code == 200 and "Similar tracks" not in response.text


def test_listeners_changed_since_lists_listeners_with_newer_signals_only():
    from webapp.training.selectors import listeners_changed_since

    users, groups = make_world()
    old_timer = User.objects.create_user("old_timer")
    Listen.objects.create(
        user=old_timer, track=groups[0][0], listened_at=timezone.now(), source=ListenSource.API
    )
    Listen.objects.filter(user=old_timer).update(
        inserted_at=timezone.now() - timezone.timedelta(days=60)
    )
    changed = listeners_changed_since(since=timezone.now() - timezone.timedelta(days=30))
    assert changed == sorted(u.pk for group in users.values() for u in group)


def test_a_run_stopped_with_ctrl_c_is_marked_failed_at_once(monkeypatch):
    make_world()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "train_and_evaluate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        services.cf_retrain()
    run = ModelVersion.objects.get()
    assert run.status == RunStatus.FAILED and "Interrupted" in run.error


def test_train_cf_stopped_with_sigterm_exits_and_leaves_a_failed_run(tmp_path):
    """A real `manage.py train_cf` process sent SIGTERM mid-run (SQLite file database)."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from django.conf import settings as django_settings

    if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        db_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        pytest.skip("runs against its own SQLite file")
    env = {**os.environ, "DATABASE_URL": db_url, "DW_MODEL_DIR": str(tmp_path / "models")}
    env.pop("CELERY_BROKER_URL", None)
    root = Path(__file__).resolve().parents[2]

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=root, env=env, check=True, **kwargs
        )

    manage("migrate", "-v0")
    manage("seed_demo", "--listeners", "200", "--tracks", "2000", "--audio-clips", "0", "-v0")
    env.update(CF_ITERATIONS="20000", CF_FACTORS="64")  # long enough to be stopped mid-way
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "train_cf", "-v0"], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        while not db.execute(
            "SELECT 1 FROM training_modelversion WHERE progress_message LIKE 'ALS%'"
        ).fetchone():
            assert time.monotonic() < deadline and proc.poll() is None, "training never started"
            time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    status = manage(
        "shell", "-c",
        "from webapp.training.models import ModelVersion as M; v = M.objects.get();"
        "print(v.status, v.is_active, v.error)",
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    assert status.startswith("failed False Interrupted (SystemExit)")


def test_evaluate_playlist_reports_the_playlist_against_popularity_and_raw_cf(capsys):
    from django.core.management import call_command

    make_world(n_users_per_group=15, n_tracks_per_group=40, n_artists_per_group=20)
    call_command("evaluate", "--playlist", "--k", "10")
    out = capsys.readouterr().out
    for variant in ("playlist (blend + rules)", "popularity + rules", "cf raw top 30"):
        assert variant in out


@pytest.mark.parametrize(
    "failure",
    [ConnectionError("the database went away after the activation committed"), SystemExit(143)],
)
def test_a_failed_note_after_activation_leaves_a_succeeded_serving_version(monkeypatch, failure):
    make_world()
    report = services.VersionRun.report

    def note_fails_at_the_end(self, fraction, message):
        if fraction == 1.0:
            raise failure
        return report(self, fraction, message)

    monkeypatch.setattr(services.VersionRun, "report", note_fails_at_the_end)
    if isinstance(failure, SystemExit):  # SIGTERM: the worker still stops
        with pytest.raises(SystemExit):
            services.cf_retrain()
    else:
        services.cf_retrain()
    stored = ModelVersion.objects.get(kind="cf")
    assert stored.is_active and stored.status == RunStatus.SUCCEEDED and not stored.error


def test_a_run_saves_only_its_own_columns_over_the_version_row(monkeypatch):
    """Vector writers bump vector_seq and activation sets is_active while the run holds its
    copy of the row: the run's last save must not put its stale copy of them back."""
    make_world()
    report = services.VersionRun.report

    def another_writer_meanwhile(self, fraction, message):
        if message == "Saving artifact":
            ModelVersion.objects.filter(pk=self.version.pk).update(vector_seq=7)
        return report(self, fraction, message)

    monkeypatch.setattr(services.VersionRun, "report", another_writer_meanwhile)
    version = services.cf_retrain()
    assert ModelVersion.objects.get(pk=version.pk).vector_seq == 7
