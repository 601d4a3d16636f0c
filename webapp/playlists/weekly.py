"""The week's job: blend weights -> culture -> CF -> audio -> every listener's playlist.

A week (its Monday) in; a WeeklyBuild row out that records what each step did. A step whose
model is absent is skipped (no crawl sources, no analysed audio); a step that fails is recorded
and the week goes on with the versions already serving, since a failed run never activates.
The playlist step is run in chunks of listeners (a Celery group: more workers finish sooner,
see webapp.playlists.tasks) or, from `manage.py build_weekly` and in eager mode, in a loop.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from webapp.audio.selectors import analysed_tracks, tracks_needing_analysis
from webapp.audio.services import tracks_analyze
from webapp.audio.training import audio_retrain
from webapp.culture.crawl import crawl_and_rebuild
from webapp.culture.models import CrawlSource
from webapp.playlists.blending import blend_fit
from webapp.playlists.models import WeeklyBuild
from webapp.playlists.selectors import listener_ids_all
from webapp.playlists.services import CHUNK_LISTENERS, Serving, playlists_build, serving_now
from webapp.training.evaluation import cf_tune
from webapp.training.models import CFTuning, ModelKind, RunStatus
from webapp.training.services import TrainingError, cf_retrain, run_under_way

log = logging.getLogger(__name__)
#: The week's steps in the order they run (and are shown), before the playlists.
STEP_ORDER = ("blend", "culture", "cf", "audio")
Progress = Callable[[float, str], None]
#: CF is tuned again when the applied tuning is older than this (or there is none).
TUNING_MAX_AGE = dt.timedelta(days=28)
#: Processes analysing new audio in the weekly step (in a worker, a Celery group of
#: `audio.analyze_track` tasks spreads it over the workers instead; see webapp.audio.tasks).
AUDIO_WORKERS = 2


class BuildRunning(Exception):
    """A whole week is being built already: a second one would train and write twice."""


def build_begin(*, week: dt.date, task_id: str = "", whole_week: bool = False) -> WeeklyBuild:
    """A new build row for `week`. A `whole_week` build (the Monday job) refuses to start while
    another whole-week build of that week is running (BuildRunning); one listener's rebuild
    is never refused."""
    builds_stale_mark_failed()
    if whole_week:
        _refuse_if_running(week)
    try:
        with transaction.atomic():  # the database holds one running whole-week build a week
            return WeeklyBuild.objects.create(
                week=week, task_id=task_id[:64], heartbeat_at=timezone.now(), whole_week=whole_week
            )
    except IntegrityError:  # another start won the race between the check and the insert
        _refuse_if_running(week)
        raise


def _refuse_if_running(week: dt.date) -> None:
    builds = WeeklyBuild.objects.filter(week=week, status=RunStatus.RUNNING, whole_week=True)
    running = builds.first()
    if running is not None:
        last = running.heartbeat_at or running.started_at
        raise BuildRunning(
            f"Weekly build #{running.pk} for {week} is running (last progress "
            f"{last:%Y-%m-%d %H:%M} UTC). Wait for it; if its process died, mark it failed "
            f"in admin (Weekly builds), as happens by itself after "
            f"{STALE_BUILD_AFTER.total_seconds() / 3600:g} hours without progress."
        )


def build_fail(*, build_id: int, error: str) -> None:
    """Mark a running build failed now (a chunk that failed for good: the chord's end, which
    would close the build, never runs after a failed chunk)."""
    WeeklyBuild.objects.filter(pk=build_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )


def _step_record(build_id: int, name: str, outcome: dict) -> dict:
    build = WeeklyBuild.objects.get(pk=build_id)
    build.steps = {**build.steps, name: outcome}
    build.heartbeat_at = timezone.now()
    build.save(update_fields=["steps", "heartbeat_at"])
    return outcome


def _guarded(name: str, build_id: int, work: Callable[[], dict]) -> dict:
    """Run one step; a failure is recorded and the week goes on with what serves."""
    try:
        outcome = work()
    except Exception as exc:  # recorded on the build; the step's own run row has details
        log.exception("weekly step %s failed", name)
        outcome = {"status": "failed", "error": str(exc)[:500]}
    return _step_record(build_id, name, outcome)


def step_blend(*, build_id: int) -> dict:
    """Fit the blend's weights on the plays since the serving versions trained (before they
    retrain on them)."""
    return _guarded("blend", build_id, blend_fit)


def step_culture(*, build_id: int) -> dict:
    """Crawl every active source and rebuild the cultural vectors; skipped without sources."""

    def work() -> dict:
        if not CrawlSource.objects.filter(is_active=True).exists():
            return {"status": "skipped", "reason": "no active crawl sources"}
        summary = crawl_and_rebuild()
        return {"status": summary["version_status"] or "failed", **summary}

    return _guarded(ModelKind.CULTURE, build_id, work)


def step_cf(*, build_id: int) -> dict:
    """Tune CF when its tuning is missing or old, then retrain (skipped when data unchanged)."""

    def work() -> dict:
        outcome: dict = {}
        applied = CFTuning.objects.filter(applied=True).first()
        if applied is None or applied.created_at < timezone.now() - TUNING_MAX_AGE:
            tuning = cf_tune(apply=True)
            outcome["tuning"] = {"id": tuning.pk, "params": tuning.params, "note": tuning.note}
        try:
            version = cf_retrain()
        except TrainingError as exc:
            return {**outcome, "status": "failed", "error": str(exc)[:500]}
        return {**outcome, "status": version.status, "version_id": version.pk}

    return _guarded(ModelKind.CF, build_id, work)


def step_audio(*, build_id: int) -> dict:
    """Analyse audio not analysed yet, then retrain the CNN on the CF version now serving
    (skipped when no track has audio)."""

    def work() -> dict:
        if busy := run_under_way(kind=ModelKind.CF):  # the CNN learns the CF version to serve
            return {"status": "skipped", "reason": f"Audio waits for CF: {busy}"}
        pending = tracks_needing_analysis()
        analysed = tracks_analyze(track_ids=pending, workers=AUDIO_WORKERS) if pending else []
        if not analysed_tracks():
            return {"status": "skipped", "reason": "no analysed audio"}
        try:
            version = audio_retrain()
        except TrainingError as exc:
            return {"status": "failed", "error": str(exc)[:500], "analysed": len(analysed)}
        return {"status": version.status, "version_id": version.pk, "analysed": len(analysed)}

    return _guarded(ModelKind.AUDIO, build_id, work)


def playlists_chunks(*, build_id: int, user_ids: Sequence[int] | None = None) -> list[list[int]]:
    """The listener chunks of the playlist step, with the build's total set."""
    ids = list(user_ids) if user_ids is not None else listener_ids_all()
    WeeklyBuild.objects.filter(pk=build_id).update(listeners_total=len(ids))
    return [ids[lo : lo + CHUNK_LISTENERS] for lo in range(0, len(ids), CHUNK_LISTENERS)]


#: The serving models of the build this worker process last worked on: every chunk of one
#: build is scored by the same versions, and the catalog is read once per process, not per
#: chunk (it was 1.5 s of every 2,000-listener chunk at 100,000 x 50,000).
_build_serving: dict[int, Serving] = {}


def playlists_chunk(*, build_id: int, user_ids: Sequence[int]) -> int:
    """One chunk of the playlist step (a Celery task in the group, or a loop iteration)."""
    build = WeeklyBuild.objects.get(pk=build_id)
    serving = _build_serving.get(build_id)
    if serving is None:
        _build_serving.clear()
        serving = _build_serving[build_id] = serving_now()
    return playlists_build(week=build.week, user_ids=user_ids, serving=serving, build=build)


def build_end(*, build_id: int) -> WeeklyBuild:
    build = WeeklyBuild.objects.get(pk=build_id)
    build.status = (
        RunStatus.SUCCEEDED if build.listeners_done >= build.listeners_total else RunStatus.FAILED
    )
    if build.status == RunStatus.FAILED and not build.error:
        build.error = f"{build.listeners_total - build.listeners_done} listeners were not built."
    build.finished_at = timezone.now()
    build.save(update_fields=["status", "error", "finished_at"])  # counters are the chunks'
    return build


def week_run(
    *,
    week: dt.date,
    user_ids: Sequence[int] | None = None,
    playlists_only: bool = False,
    task_id: str = "",
    progress: Progress | None = None,
) -> WeeklyBuild:
    """The whole week in this process: the model steps (unless `playlists_only`), then every
    listener's (or these listeners') playlist, chunk by chunk. A whole week (no `user_ids`)
    is refused while another is running (BuildRunning)."""
    build = build_begin(week=week, task_id=task_id, whole_week=user_ids is None)
    try:
        if not playlists_only:
            steps = (
                ("blend weights", step_blend),
                ("culture", step_culture),
                ("CF", step_cf),
                ("audio", step_audio),
            )
            for number, (name, step) in enumerate(steps):
                fraction = 0.4 * number / len(steps)
                if progress:
                    progress(fraction, f"Step: {name}")
                step(build_id=build.pk)
        chunks = playlists_chunks(build_id=build.pk, user_ids=user_ids)
        serving = serving_now()
        for number, chunk in enumerate(chunks):
            if progress:
                progress(0.4 + 0.6 * number / len(chunks), f"Playlists {number + 1}/{len(chunks)}")
            playlists_build(week=week, user_ids=chunk, serving=serving, build=build)
    except BaseException as exc:  # Ctrl-C and SIGTERM too: the row must not stay "running"
        build_fail(build_id=build.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    return build_end(build_id=build.pk)


#: A build that finished no step and no chunk for this long died with its process (SIGKILL,
#: a lost worker): it is marked failed. A chunk of 2,000 listeners takes seconds; a step (a
#: crawl, a tuning) can take minutes, so the bar is higher than for training runs.
STALE_BUILD_AFTER = dt.timedelta(hours=2)


def builds_stale_mark_failed(*, quiet_for: dt.timedelta = STALE_BUILD_AFTER) -> int:
    """Mark failed the running builds whose processes stopped reporting; returns how many."""
    quiet_since = timezone.now() - quiet_for
    return WeeklyBuild.objects.filter(
        Q(heartbeat_at__lt=quiet_since) | Q(heartbeat_at__isnull=True, started_at__lt=quiet_since),
        status=RunStatus.RUNNING,
    ).update(
        status=RunStatus.FAILED,
        error="Interrupted: the build's process died.",
        finished_at=timezone.now(),
    )
