"""Curators edit crawl sources, manual tags and aliases, and read runs and documents."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
ALL = ("view", "add", "change", "delete")
GRANTS = {
    "crawlsource": ALL,
    "manualtag": ALL,
    "artistalias": ALL,
    "crawlrun": ("view",),
    "document": ("view",),
    "mention": ("view",),
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("culture")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CURATORS)
    for model, actions in GRANTS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="culture",
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=CURATORS).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="culture"))


class Migration(migrations.Migration):
    dependencies = [
        ("culture", "0002_weekly_schedule"),
        ("listening", "0002_curators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
