"""The weekly jobs are stored beat schedules that curators can edit."""

import pytest
from django_celery_beat.models import PeriodicTask

from webapp.celery import app


@pytest.mark.django_db
def test_one_monday_job_runs_the_week_and_every_schedule_names_a_registered_task():
    weekly = PeriodicTask.objects.get(task="playlists.weekly")
    assert weekly.enabled and weekly.crontab.day_of_week == "1" and weekly.crontab.hour == "1"
    # the chain retrains CF and rebuilds culture itself: their own weekly runs are off
    assert not PeriodicTask.objects.get(name="Weekly CF retrain").enabled
    assert not PeriodicTask.objects.get(task="culture.crawl_and_rebuild").enabled
    assert PeriodicTask.objects.get(name="Daily listener vector refresh").enabled
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks
    for task in PeriodicTask.objects.exclude(task="celery.backend_cleanup"):
        assert task.task in app.tasks, task.task
