"""Celery tasks for the week: thin wrappers over webapp.playlists.weekly.

`playlists.weekly` (beat, Mondays) runs blend weights -> culture -> CF -> audio -> playlists as
one chain; the
playlist step replaces itself with a chord: a group of listener chunks, then the finish. Each
task takes ids and dates as plain values and calls one service.
"""

import datetime as dt

from celery import chain, chord, shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from webapp.playlists import weekly
from webapp.playlists.services import week_start


def _week(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else week_start()


@shared_task(bind=True, name="playlists.weekly")
def weekly_run(self, week: str | None = None) -> dict:
    """Start the week's chain; returns the build id to follow in admin (or why it did not
    start: the week's build is running already, say a redelivered or a second start)."""
    try:
        build = weekly.build_begin(week=_week(week), task_id=self.request.id or "", whole_week=True)
    except weekly.BuildRunning as exc:
        return {"status": "skipped", "reason": str(exc)}
    chain(
        step_blend.si(build.pk),
        step_culture.si(build.pk),
        step_cf.si(build.pk),
        step_audio.si(build.pk),
        step_playlists.si(build.pk),
    ).apply_async()
    return {"build_id": build.pk, "week": build.week.isoformat()}


@shared_task(name="playlists.step_blend")
def step_blend(build_id: int) -> dict:
    return weekly.step_blend(build_id=build_id)


@shared_task(name="playlists.step_culture")
def step_culture(build_id: int) -> dict:
    return weekly.step_culture(build_id=build_id)


@shared_task(name="playlists.step_cf")
def step_cf(build_id: int) -> dict:
    return weekly.step_cf(build_id=build_id)


@shared_task(name="playlists.step_audio")
def step_audio(build_id: int) -> dict:
    return weekly.step_audio(build_id=build_id)


@shared_task(bind=True, name="playlists.step_playlists")
def step_playlists(self, build_id: int, user_ids: list[int] | None = None):
    """The playlist step: a group of chunk tasks, so more workers finish sooner."""
    chunks = weekly.playlists_chunks(build_id=build_id, user_ids=user_ids)
    work = chord((build_chunk.si(build_id, chunk) for chunk in chunks), build_end.si(build_id))
    if self.request.is_eager:  # synchronous by construction: nothing to wait for
        return work.apply().get(disable_sync_subtasks=False)
    raise self.replace(work)


#: A chunk that fails on these (a database restart, a lock broken off) is tried again; its
#: write replaces the listeners' week whole, so a second try never doubles anything.
CHUNK_RETRY_ON = (OperationalError, InterfaceError, IntegrityError)


@shared_task(
    bind=True,
    name="playlists.build_chunk",
    acks_late=True,
    autoretry_for=CHUNK_RETRY_ON,
    retry_backoff=5,
    max_retries=3,
)
def build_chunk(self, build_id: int, user_ids: list[int]) -> int:
    """One chunk of listeners; a chunk that fails for good fails the build, saying whom it
    left without a playlist (the chord's end never runs after a failed chunk)."""
    try:
        return weekly.playlists_chunk(build_id=build_id, user_ids=user_ids)
    except Exception as exc:
        if not isinstance(exc, CHUNK_RETRY_ON) or self.request.retries >= self.max_retries:
            weekly.build_fail(
                build_id=build_id,
                error=f"{len(user_ids)} listeners (ids {min(user_ids)}-{max(user_ids)}) got no "
                f"playlist: {type(exc).__name__}: {exc}",
            )
        raise


@shared_task(name="playlists.build_end")
def build_end(build_id: int) -> dict:
    build = weekly.build_end(build_id=build_id)
    return {"build_id": build.pk, "status": build.status, "written": build.playlists_written}


@shared_task(name="playlists.rebuild_listener")
def rebuild_listener(user_id: int, week: str | None = None) -> dict:
    """One listener's playlist again, from the models serving now (their controls applied)."""
    build = weekly.week_run(week=_week(week), user_ids=[user_id], playlists_only=True)
    return {"build_id": build.pk, "status": build.status}
