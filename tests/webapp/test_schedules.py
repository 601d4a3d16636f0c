"""The weekly jobs are stored beat schedules that curators can edit."""

import pytest
from django_celery_beat.models import PeriodicTask

from webapp.celery import app


@pytest.mark.django_db
def test_weekly_retrain_is_scheduled_on_mondays_and_names_a_registered_task():
    task = PeriodicTask.objects.get(name="Weekly CF retrain")
    assert task.crontab.day_of_week == "1"
    assert task.task in app.tasks
    refresh = PeriodicTask.objects.get(name="Daily listener vector refresh")
    assert refresh.task in app.tasks
