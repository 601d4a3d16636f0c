"""The weekly crawl + cultural rebuild, stored by django-celery-beat so curators can edit it.

Mondays 01:00 UTC: before the CF retrain (03:00) and the playlists, so the week's terms are
ready when the blend runs.
"""

from django.db import migrations

NAME = "Weekly crawl and cultural vectors rebuild"
TASK = "culture.crawl_and_rebuild"
CRON = {"minute": "0", "hour": "1", "day_of_week": "1"}


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=CRON["minute"],
        hour=CRON["hour"],
        day_of_week=CRON["day_of_week"],
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": schedule})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("culture", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
