"""Curators see track analyses and re-analyse them (the change permission runs the action)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
GRANTS = ("view_trackanalysis", "change_trackanalysis")


def curators_grant(apps, schema_editor) -> None:
    app_config = apps.get_app_config("audio")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CURATORS)
    perms = Permission.objects.filter(content_type__app_label="audio", codename__in=GRANTS)
    if perms.count() != len(GRANTS):
        raise RuntimeError(f"missing permissions for audio.trackanalysis: {GRANTS}")
    group.permissions.add(*perms)


def curators_revoke(apps, schema_editor) -> None:
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=CURATORS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="audio", codename__in=GRANTS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audio", "0001_initial"),
        ("listening", "0002_curators_group"),
    ]

    operations = [migrations.RunPython(curators_grant, curators_revoke)]
