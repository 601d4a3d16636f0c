"""The "Curators" group: staff who edit the catalog and schedules and read the signals.

Permissions are created here first (they are normally created after all migrations ran),
so the group gets them on a fresh database too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
ALL = ("view", "add", "change", "delete")
GRANTS = {
    ("catalog", "artist"): ALL,
    ("catalog", "track"): ALL,
    ("listening", "listen"): ("view",),
    ("listening", "savedtrack"): ("view",),
    ("listening", "artistvisit"): ("view",),
    ("listening", "skip"): ("view",),
    ("listening", "profile"): ("view",),
    ("listening", "playingnow"): ("view",),
    ("training", "modelversion"): ("view", "change"),
    ("django_celery_beat", "periodictask"): ALL,
    ("django_celery_beat", "crontabschedule"): ALL,
    ("django_celery_beat", "intervalschedule"): ALL,
}


def _ensure_permissions(apps) -> None:
    for label in {app_label for app_label, _ in GRANTS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def curators_create(apps, schema_editor) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CURATORS)
    wanted = []
    for (app_label, model), actions in GRANTS.items():
        codenames = [f"{action}_{model}" for action in actions]
        perms = Permission.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=codenames,
        )
        if perms.count() != len(codenames):
            raise RuntimeError(f"missing permissions for {app_label}.{model}: {codenames}")
        wanted.extend(perms)
    group.permissions.add(*wanted)


def curators_delete(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=CURATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
        ("listening", "0001_initial"),
        ("training", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(curators_create, curators_delete)]
