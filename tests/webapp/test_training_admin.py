"""Curators run training from the admin: start a retrain, see it, activate an older version."""

import pytest
from django.urls import reverse

from tests.webapp.cf_world import make_world
from webapp.training import services
from webapp.training.models import ModelVersion, RunStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]


def test_a_curator_starts_a_retrain_from_the_changelist_and_sees_it_active(
    curator_client, django_capture_on_commit_callbacks
):
    make_world()
    changelist = reverse("admin:training_modelversion_changelist")
    assert "Start a CF retrain" in curator_client.get(changelist).text
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(reverse("admin:training_modelversion_retrain"))
    assert response.status_code == 302
    version = ModelVersion.objects.get()
    assert version.status == RunStatus.SUCCEEDED and version.is_active
    page = curator_client.get(changelist).text
    assert "Active" in page and "NDCG@10" in page


def test_the_retrain_button_only_answers_post(curator_client):
    response = curator_client.get(reverse("admin:training_modelversion_retrain"))
    assert response.status_code == 405
    assert not ModelVersion.objects.exists()


def test_a_curator_activates_an_older_version_with_the_admin_action(curator_client):
    make_world()
    first = services.cf_retrain()
    services.cf_retrain(force=True)
    response = curator_client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_version", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    assert ModelVersion.objects.get(is_active=True) == first


def test_a_listener_cannot_start_a_retrain(client):
    from webapp.listening.services import listener_create

    client.force_login(listener_create(username="ada", password="x" * 12))
    response = client.post(reverse("admin:training_modelversion_retrain"))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db(transaction=True)  # autocommit, as in the embedded default
def test_a_failed_retrain_from_the_button_is_a_message_not_a_server_error(admin_client):
    # admin_client (a superuser): a transactional test cannot rely on migration-made groups
    response = admin_client.post(reverse("admin:training_modelversion_retrain"))
    assert response.status_code == 302
    assert ModelVersion.objects.get().status == RunStatus.FAILED
    page = admin_client.get(response.url).text
    assert "No listening data yet" in page


def test_a_run_whose_process_died_shows_failed_after_it_stops_reporting():
    from django.utils import timezone

    from webapp.training.services import STALE_RUN_AFTER, runs_stale_mark_failed

    quiet = timezone.now() - STALE_RUN_AFTER - timezone.timedelta(minutes=1)
    dead = ModelVersion.objects.create(kind="cf", heartbeat_at=quiet)
    alive = ModelVersion.objects.create(kind="cf", heartbeat_at=timezone.now())
    assert runs_stale_mark_failed() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "no progress" in dead.error
    assert alive.status == "running"


def test_one_run_of_a_kind_at_a_time_and_curators_mark_a_dead_one_failed(curator_client):
    from django.utils import timezone

    make_world()
    running = ModelVersion.objects.create(kind="cf", heartbeat_at=timezone.now())
    with pytest.raises(services.TrainingError, match=f"#{running.pk}"):
        services.cf_retrain()
    assert ModelVersion.objects.filter(kind="cf").count() == 1  # nothing started beside it
    page = curator_client.post(reverse("admin:training_modelversion_retrain"), follow=True)
    assert "under way" in page.text  # the button says why, no second run

    curator_client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "mark_failed", "_selected_action": [running.pk]},
    )
    running.refresh_from_db()
    assert running.status == RunStatus.FAILED and "curator" in running.error
    assert services.cf_retrain().status in {RunStatus.SUCCEEDED, "skipped"}
