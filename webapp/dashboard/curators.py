"""The Curators group: staff who edit the catalog, sources and schedules and read the signals.

One place says what curators may do. After every `migrate` the group is created if missing and
given exactly these permissions (by app label and model name, so no app's code is imported);
a model not installed yet is skipped and picked up by the next migrate.
"""

from django.contrib.auth.models import Group, Permission

CURATORS = "Curators"
ALL = ("view", "add", "change", "delete")
READ = ("view",)
GRANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("catalog", "artist"): ALL,
    ("catalog", "track"): ALL,
    ("listening", "listen"): READ,
    ("listening", "savedtrack"): READ,
    ("listening", "artistvisit"): READ,
    ("listening", "skip"): READ,
    ("listening", "trackrefusal"): READ,
    ("listening", "tracksignal"): READ,
    ("listening", "artistsignal"): READ,
    ("listening", "profile"): READ,
    ("listening", "playingnow"): READ,
    ("listening", "invite"): ALL,
    ("training", "modelversion"): ("view", "change"),
    ("training", "cftuning"): ("view", "change"),
    ("culture", "crawlsource"): ALL,
    ("culture", "manualtag"): ALL,
    ("culture", "artistalias"): ALL,
    ("culture", "crawlrun"): READ,
    ("culture", "document"): READ,
    ("culture", "mention"): READ,
    ("audio", "trackanalysis"): ("view", "change"),
    ("playlists", "weeklyplaylist"): ("view", "change"),
    ("playlists", "weeklyplaylistitem"): READ,
    ("playlists", "blendsettings"): ("view", "change"),
    ("playlists", "curatorblock"): ALL,
    ("playlists", "weeklybuild"): ("view", "change"),  # change: mark a dead build failed
    ("playlists", "hiddenartist"): READ,
    ("playlists", "playlistsettings"): READ,
    ("django_celery_beat", "periodictask"): ALL,
    ("django_celery_beat", "crontabschedule"): ALL,
    ("django_celery_beat", "intervalschedule"): ALL,
}


def curators_group_ensure(**kwargs) -> Group:
    """Create the group if missing and grant it GRANTS' permissions that exist (post_migrate)."""
    group, _ = Group.objects.get_or_create(name=CURATORS)
    wanted = []
    for (app_label, model), actions in GRANTS.items():
        wanted += Permission.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    group.permissions.add(*wanted)
    return group
