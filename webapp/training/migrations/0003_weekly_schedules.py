"""Default beat schedules, stored by django-celery-beat so curators can edit them in admin.

Retrain CF every Monday 03:00 UTC (before the playlists are built); refresh the vectors of
listeners whose listening changed every day at 02:00.
"""

from django.db import migrations

SCHEDULES = [
    ("Weekly CF retrain", "training.retrain_cf", {"minute": "0", "hour": "3", "day_of_week": "1"}),
    ("Daily listener vector refresh", "training.refresh_listeners_cf", {"minute": "0", "hour": "2"}),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, cron in SCHEDULES:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=cron["minute"],
            hour=cron["hour"],
            day_of_week=cron.get("day_of_week", "*"),
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": schedule})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_listener_vector_and_skipped"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
