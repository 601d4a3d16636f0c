"""What a site shows after one of its job processes was killed: run inside that site's
process (`manage.py shell -c "from tests.webapp.killed_job_probe import cf; cf()"`), prints
one JSON object for tests/webapp/test_killed_jobs.py.

cf(): the training runs before and after the stale-run sweep (with the silence allowed
shortened to nothing, as if STALE_RUN_AFTER had passed), what the admin's Model versions page
says as a curator sees it, and whether the previous version still serves a track page.

weekly(): the weekly builds before and after their stale sweep (called directly, as if its
two hours had passed: nothing in the app calls it yet), every listener's playlist item count
(a killed build must leave each one whole: the previous build's), and the weekly page.
"""

import datetime as dt
import json

from django.db.models import Count
from django.test import Client
from django.urls import reverse

from webapp.catalog.models import Track
from webapp.dashboard.selectors import track_similar
from webapp.listening.services import listener_create
from webapp.training import services
from webapp.training.models import ModelKind, ModelVersion
from webapp.training.registry import registry


def _runs() -> list[dict]:
    return list(ModelVersion.objects.order_by("pk").values("pk", "status", "is_active", "error"))


def _curator_client() -> Client:
    from django.contrib.auth.models import Group

    user = listener_create(username="probe-curator")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def cf() -> None:
    before = _runs()
    services.STALE_RUN_AFTER = dt.timedelta(0)  # as if the killed run had been silent for long
    page = _curator_client().get(reverse("admin:training_modelversion_changelist"))
    anonymous = Client(HTTP_HOST="localhost")
    track = Track.objects.annotate(plays=Count("listen")).order_by("-plays").first()
    snapshot = registry.snapshot(ModelKind.CF)
    print(
        json.dumps(
            {
                "runs_before_sweep": before,
                "runs_after_sweep": _runs(),
                "admin_status": page.status_code,
                "admin_rows": {
                    str(run.pk): run.status for run in page.context_data["cl"].result_list
                },
                "serving_version": snapshot.version_id if snapshot else None,
                "similar_tracks": len(track_similar(track=track, limit=10)),
                "track_page_status": anonymous.get(track.get_absolute_url()).status_code,
            }
        )
    )


def weekly() -> None:
    from django.contrib.auth import get_user_model

    from webapp.playlists import weekly as weekly_job
    from webapp.playlists.models import WeeklyBuild, WeeklyPlaylist

    def builds() -> list[dict]:
        return list(WeeklyBuild.objects.order_by("pk").values("pk", "status", "error"))

    before = builds()
    weekly_job.builds_stale_mark_failed(quiet_for=dt.timedelta(0))
    sizes = {
        str(playlist.user_id): playlist.items.count() for playlist in WeeklyPlaylist.objects.all()
    }
    listener = get_user_model().objects.get(pk=int(next(iter(sizes))))
    page = Client(HTTP_HOST="localhost")
    page.force_login(listener)
    print(
        json.dumps(
            {
                "builds_before_sweep": before,
                "builds_after_sweep": builds(),
                "playlist_sizes": sizes,
                "weekly_page_status": page.get(reverse("weekly")).status_code,
            }
        )
    )
