"""The Monday job, stored by django-celery-beat so curators can edit it in admin.

`playlists.weekly` runs blend weights -> culture -> CF -> audio -> playlists at 01:00 UTC on
Mondays. The separate weekly CF retrain and weekly crawl are turned off: the chain runs them,
in order, so two jobs never retrain the same model at once (they stay, disabled, to run by hand).
"""

from django.db import migrations

NAME = "Weekly Discover Weekly (all steps, then every listener's playlist)"
TASK = "playlists.weekly"
REPLACED = ("Weekly CF retrain", "Weekly crawl and cultural vectors rebuild")


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="1", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": schedule})
    PeriodicTask.objects.filter(name__in=REPLACED).update(
        enabled=False, description="Run by the weekly Discover Weekly chain."
    )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()
    PeriodicTask.objects.filter(name__in=REPLACED).update(enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("playlists", "0001_initial"),
        ("training", "0003_weekly_schedules"),
        ("culture", "0002_weekly_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
