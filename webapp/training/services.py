"""Training writes: CF retrains into new ModelVersions, activation, listener re-solves.

A run is a row from its first second (status, progress) and becomes active only after it
trained, evaluated, beat popularity on its own temporal evaluation and wrote its artifact; any
failure marks the row failed and leaves the previous active version serving.
"""

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from recommender.cf import CFModel, CFParams
from recommender.cf_serving import CFServing
from recommender.cf_training import (
    Plays,
    beats_popularity,
    cells_matrix,
    eval_candidates,
    temporal_test,
    train_and_evaluate,
)
from recommender.interactions import IdMap, Interactions, build_matrix
from recommender.projection import fit_projection, projection_path
from webapp.dbarrays import sql_arrays
from webapp.listening.selectors import listeners_had, plays_first_last, signals_weighted
from webapp.snapshots import read_snapshot
from webapp.training.evaluation import cf_params_default
from webapp.training.models import ListenerVector, ModelKind, ModelVersion, RunStatus
from webapp.training.registry import Snapshot, registry
from webapp.training.selectors import listeners_changed_since, model_version_active

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
#: A running run that reported no progress for this long died with its process (SIGKILL,
#: a lost machine): it is marked failed. Runs report at least every ALS iteration.
STALE_RUN_AFTER = dt.timedelta(minutes=20)
REFRESH_BATCH = 5000


class TrainingError(Exception):
    """A training run failed; the message says why and the version row records it."""


def interactions_export(*, params: CFParams) -> Interactions:
    """Every listener's positive signals, read from the signal tables, as a confidence matrix."""
    users, items, counts = signals_weighted()
    return build_matrix(users, items, counts, alpha=params.alpha, eps=params.eps)


def interactions_fingerprint(interactions: Interactions, params: CFParams) -> str:
    digest = hashlib.sha256(repr(sorted(asdict(params).items())).encode())
    for array in (
        interactions.users.ids,
        interactions.items.ids,
        interactions.counts.indptr,
        interactions.counts.indices,
        interactions.counts.data,
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def running_mark_failed(*, queryset: QuerySet) -> int:
    """Mark failed the running rows of `queryset` (training runs or weekly builds) whose
    process a curator says died; returns how many."""
    return queryset.filter(status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED,
        error="Marked failed by a curator: its process died.",
        finished_at=timezone.now(),
    )


def runs_stale_mark_failed() -> int:
    """Mark failed the running runs whose process stopped reporting; returns how many."""
    quiet_since = timezone.now() - STALE_RUN_AFTER
    return (
        ModelVersion.objects.filter(status=RunStatus.RUNNING)
        .filter(
            Q(heartbeat_at__lt=quiet_since)
            | Q(heartbeat_at__isnull=True, started_at__lt=quiet_since)
        )
        .update(
            status=RunStatus.FAILED,
            error=f"Interrupted: no progress for {STALE_RUN_AFTER}; its process died.",
            finished_at=timezone.now(),
        )
    )


def run_under_way(*, kind: str) -> str | None:
    """Why a new run of `kind` must wait (one is running and reporting), else None."""
    runs_stale_mark_failed()
    running = ModelVersion.objects.filter(kind=kind, status=RunStatus.RUNNING).first()
    if running is None:
        return None
    last = running.heartbeat_at or running.started_at
    return (
        f"A {kind} run is under way (version #{running.pk}, last progress "
        f"{last:%Y-%m-%d %H:%M} UTC): wait for it. If its process died, mark it failed in "
        f"admin (Model versions), as happens by itself after "
        f"{STALE_RUN_AFTER.total_seconds() / 60:g} minutes without progress."
    )


class VersionRun:
    """One training run's row: progress while it runs, its outcome when it ends.

    One run of a kind at a time: a second start (the admin's button during the Monday step,
    a redelivered task) raises TrainingError, since two runs would race to activate, and the
    audio model trained against the first CF version would stop serving when the second won.
    """

    def __init__(self, *, kind: str, params: dict, task_id: str, progress: Progress | None):
        if busy := run_under_way(kind=kind):
            raise TrainingError(busy)
        self.version = ModelVersion.objects.create(kind=kind, params=params, task_id=task_id[:64])
        self.started = time.monotonic()
        self._progress = progress

    def report(self, fraction: float, message: str) -> None:
        ModelVersion.objects.filter(pk=self.version.pk).update(
            progress=fraction, progress_message=message[:200], heartbeat_at=timezone.now()
        )
        if self._progress is not None:
            self._progress(fraction, message)

    def finish(self, *, status: str, message: str) -> ModelVersion:
        """Record the outcome and what the run found. Only the run's own columns are written:
        `is_active` and `vector_seq` belong to activation and to vector writers, and a copy of
        them read at the start must never be saved back over theirs."""
        version = self.version
        version.status = status
        version.progress_message = message[:200]
        version.finished_at = timezone.now()
        version.duration_s = round(time.monotonic() - self.started, 3)
        version.save(update_fields=self.OWN_FIELDS)
        return version

    OWN_FIELDS = (
        "params",  # the audio run adds the CF version it learned from
        "status",
        "progress_message",
        "finished_at",
        "duration_s",
        "error",
        "data_counts",
        "data_fingerprint",
        "metrics",
        "artifact_path",
    )

    def activate(self) -> ModelVersion:
        """Make the finished version the one that serves its kind: the run's last step.

        Once activation has committed the run has done its work, so a failure of the final
        progress note is logged rather than recorded as a failed run of a serving version
        (and an interrupt arriving then is not recorded either: see `fail`).
        """
        version = version_activate(version=self.version)
        try:
            self.report(1.0, "Active")
        except Exception:
            log.warning(
                "Version #%s serves; its final progress note failed", version.pk, exc_info=True
            )
        return version

    def fail(self, exc: BaseException) -> None:
        if self.version.is_active:  # activated: it serves, and its record says succeeded
            log.warning("Version #%s serves; %r arrived after its activation", self.version.pk, exc)
            return
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            self.version.error = f"Interrupted ({type(exc).__name__}): the run was stopped."
        else:
            self.version.error = str(exc) or type(exc).__name__
        self.finish(status=RunStatus.FAILED, message="Failed")


def cf_retrain(
    *,
    params: CFParams | None = None,
    force: bool = False,
    task_id: str = "",
    progress: Progress | None = None,
) -> ModelVersion:
    """Export, train, evaluate, save and (if it beats popularity) activate a CF version.

    Data and params identical to the active version's -> the run is recorded as skipped and the
    active version stays (retraining unchanged data is a no-op). A version that scores worse
    than popularity on its own temporal evaluation is recorded but not activated; curators
    can still activate it in admin. Raises TrainingError on failure, after recording it.
    """
    params = params or cf_params_default()
    run = VersionRun(kind=ModelKind.CF, params=asdict(params), task_id=task_id, progress=progress)
    version = run.version
    try:
        run.report(0.0, "Exporting listening signals")
        interactions = interactions_export(params=params)
        seconds = {"seconds_export": time.monotonic() - run.started}
        n_users, n_items = interactions.shape
        version.data_counts = {
            "users": n_users,
            "items": n_items,
            "pairs": int(interactions.counts.nnz),
        }
        if interactions.counts.nnz == 0:
            raise TrainingError(
                "No listening data yet: record listens (player, API or import) before training."
            )
        version.data_fingerprint = interactions_fingerprint(interactions, params)
        active = model_version_active(kind=ModelKind.CF)
        if not force and active and active.data_fingerprint == version.data_fingerprint:
            return run.finish(
                status=RunStatus.SKIPPED,
                message=f"Data and params unchanged since version #{active.pk}; it stays active.",
            )
        stage = time.monotonic()
        candidates = eval_candidates(interactions).tolist()
        users, items, _, first, _ = plays_first_last(user_ids=candidates)
        test, cutoff = temporal_test(interactions, Plays(users, items, first))
        had = cells_matrix(interactions, *listeners_had(user_ids=candidates))
        seconds["seconds_split"] = time.monotonic() - stage
        run.report(0.05, f"Training ALS on {n_users} listeners x {n_items} tracks")
        model, metrics = train_and_evaluate(
            interactions,
            params,
            test=test,
            had=had,
            progress=lambda done, total: run.report(
                0.05 + 0.85 * done / total, f"ALS iteration {done}/{total}"
            ),
            timings=seconds,
        )
        run.report(0.92, "Saving artifact")
        stage = time.monotonic()
        version.artifact_path = str(model.save(_artifact_path(version)))
        seconds["seconds_save"] = time.monotonic() - stage
        stage = time.monotonic()
        cf_projection_save(model=model, artifact_path=version.artifact_path)
        seconds["seconds_projection"] = time.monotonic() - stage
        version.metrics = {**metrics, **{k: round(v, 3) for k, v in seconds.items()}}
        if metrics:
            version.metrics["evaluation"] = "temporal"
            version.metrics["cutoff"] = cutoff
        if not beats_popularity(metrics):
            return run.finish(
                status=RunStatus.SUCCEEDED,
                message="Not activated: it scores below popularity on its own evaluation "
                f"(NDCG@10 {metrics['ndcg@10']:.4f} < {metrics['popularity_ndcg@10']:.4f}).",
            )
        run.finish(status=RunStatus.SUCCEEDED, message="Trained and evaluated")
        return run.activate()
    except BaseException as exc:  # Ctrl-C and SIGTERM too: the row must not stay "running"
        run.fail(exc)
        log.exception("CF retrain #%s failed", version.pk)
        if isinstance(exc, TrainingError | KeyboardInterrupt | SystemExit):
            raise
        raise TrainingError(f"CF retrain #{version.pk} failed: {version.error}") from exc


def _artifact_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_DIR) / "cf" / f"cf-{version.pk:06d}.npz"


def version_activate(*, version: ModelVersion) -> ModelVersion:
    """Make a succeeded version with a readable artifact the one that serves its kind."""
    if version.status != RunStatus.SUCCEEDED:
        raise TrainingError(
            f"Version #{version.pk} is {version.status}; only succeeded runs serve."
        )
    if not version.artifact_path or not Path(version.artifact_path).is_file():
        raise TrainingError(f"Version #{version.pk} has no artifact at {version.artifact_path!r}.")
    with transaction.atomic():
        list(ModelVersion.objects.select_for_update().filter(kind=version.kind, is_active=True))
        ModelVersion.objects.filter(kind=version.kind, is_active=True).update(is_active=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    version.is_active = True
    return version


# --- the dashboard's map of a version (recommender.projection), stored beside its artifact --


def cf_projection_save(*, model: CFModel | CFServing, artifact_path: str) -> Path | None:
    """Fit the version's 2-D track map and per-component artist labels and write them next to
    its artifact (`projection_path`). The map is an extra for the dashboard: a failure is
    logged, never fails the run, and the dashboard fits the map on first use instead."""
    try:
        track_ids, artist_ids = sql_arrays("SELECT id, artist_id FROM catalog_track", ("i8", "i8"))
        rows = IdMap(track_ids).index_of(model.items.ids)
        groups = np.full(rows.size, -1, dtype=np.int64)
        groups[rows >= 0] = artist_ids[rows[rows >= 0]]
        projection = fit_projection(model.item_factors, model.items.ids, groups)
        return projection.save(projection_path(artifact_path))
    except Exception:
        log.exception("Could not store the map of the CF artifact %s", artifact_path)
        return None


#: The name other apps used before activation became generic.
cf_version_activate = version_activate


# --- serving: how the registry loads CF and applies re-solved listener vectors -----------


def cf_serving_load(path: str) -> CFServing:
    return CFServing.from_model(CFModel.load(path))


def cf_serving_refresh(snapshot: Snapshot, seq: int) -> CFServing:
    """The snapshot's model with the listener vectors of batches (applied_seq, seq] applied."""
    rows = list(
        ListenerVector.objects.filter(
            version_id=snapshot.version_id, seq__gt=snapshot.applied_seq, seq__lte=seq
        )
        .order_by("seq")
        .values_list("user_id", "factors")
    )
    if not rows:
        return snapshot.model
    user_ids = np.array([user_id for user_id, _ in rows], dtype=np.int64)
    vectors = np.stack([np.frombuffer(bytes(factors), dtype="<f4") for _, factors in rows])
    return snapshot.model.with_vectors(user_ids, vectors)


def cf_serving() -> CFServing | None:
    """The CF model this process serves now, or None (no active version, unreadable file)."""
    snapshot = registry.snapshot(ModelKind.CF)
    return snapshot.model if snapshot is not None else None


# --- listener re-solves -------------------------------------------------------------------


def cf_listeners_solve(*, user_ids: list[int]) -> dict[int, np.ndarray]:
    """Re-solve these listeners' vectors in one batch against the active version's tracks.

    implicit's per-user recalculation with the item factors fixed: one signal read for the
    batch, one least-squares solve, one bulk upsert of ListenerVector rows stamped with the
    version's next sequence number (which every process then applies). Listeners without
    signals are left out.
    """
    snapshot = registry.snapshot(ModelKind.CF)
    if snapshot is None or not user_ids:
        return {}
    # On PostgreSQL the stamp and the signals come from one snapshot. Elsewhere (SQLite, or
    # inside a caller's transaction) the stamp is taken just before the read: a solve could
    # look older than its data by those milliseconds, never newer.
    with read_snapshot():
        read_at = _database_now()
        users, items, counts = signals_weighted(user_ids=user_ids)
    if counts.size == 0:
        return {}
    solved, vectors = snapshot.model.solve(users, items, counts)
    written = set(_vectors_write(snapshot.version_id, solved, vectors, read_at=read_at).tolist())
    return {
        user_id: vector
        for user_id, vector in zip(solved.tolist(), vectors, strict=True)
        if user_id in written
    }


def _database_now() -> dt.datetime:
    """The database's clock (one clock for every process and machine); SQLite: this one's.

    In a transaction's first statement under REPEATABLE READ this is the snapshot's time.
    """
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


def version_seq_take(version_id: int) -> int | None:
    """The version's next sequence number, for rows written after it trained (listener
    vectors, predictions for new tracks). Call inside the transaction that writes the rows:
    the version row stays locked until it commits, so writers take numbers in commit order
    and a reader that applies rows by sequence never skips one. None: the version is gone."""
    locked = ModelVersion.objects.select_for_update().filter(pk=version_id)
    seq = locked.values_list("vector_seq", flat=True).first()
    if seq is None:
        return None
    locked.update(vector_seq=seq + 1)
    return seq + 1


def _vectors_write(
    version_id: int,
    user_ids: np.ndarray,
    vectors: np.ndarray,
    *,
    read_at: dt.datetime | None = None,
) -> np.ndarray:
    """Upsert the vectors stamped with the version's next sequence number; returns the ids
    written.

    `read_at` is when the signals they were solved from were read (default: now). A listener
    whose stored vector was solved from signals read at or after it keeps that vector: the
    nightly batch read everyone's signals minutes before it writes, and a listener re-solved
    after a listen in between must not get the older vector back.
    """
    user_ids = np.asarray(user_ids, dtype=np.int64)
    with transaction.atomic():
        seq = version_seq_take(version_id)  # every writer of this version queues here
        if seq is None:  # the version was deleted meanwhile
            return np.zeros(0, dtype=np.int64)
        read_at = read_at or _database_now()
        newer = ListenerVector.objects.filter(
            version_id=version_id, user_id__in=user_ids.tolist(), read_at__gte=read_at
        ).values_list("user_id", flat=True)
        keep = ~np.isin(user_ids, np.fromiter(newer, dtype=np.int64))
        now = timezone.now()
        ListenerVector.objects.bulk_create(
            [
                ListenerVector(
                    version_id=version_id,
                    user_id=int(user_id),
                    factors=vector.astype("<f4").tobytes(),
                    seq=seq,
                    updated_at=now,
                    read_at=read_at,
                )
                for user_id, vector in zip(user_ids[keep], vectors[keep], strict=True)
            ],
            update_conflicts=True,
            unique_fields=["version", "user"],
            update_fields=["factors", "seq", "updated_at", "read_at"],
        )
    return user_ids[keep]


def cf_listeners_refresh(*, progress: Progress | None = None) -> int:
    """Re-solve every listener whose signals changed since the active version was trained."""
    version = model_version_active(kind=ModelKind.CF)
    if version is None:
        return 0
    user_ids = listeners_changed_since(since=version.started_at)
    for start in range(0, len(user_ids), REFRESH_BATCH):
        cf_listeners_solve(user_ids=user_ids[start : start + REFRESH_BATCH])
        if progress is not None:
            done = min(start + REFRESH_BATCH, len(user_ids))
            progress(done / len(user_ids), f"Refreshed {done}/{len(user_ids)} listeners")
    return len(user_ids)
