"""Training writes: run a CF retrain into a new ModelVersion, activate versions, refresh listeners.

A run is a row from its first second (status, progress) and becomes active only after it
trained, evaluated and wrote its artifact; any failure marks the row failed and leaves the
previous active version serving.
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
from django.db import transaction
from django.utils import timezone

from recommender.cf import CFModel, CFParams
from recommender.cf_training import train_and_evaluate
from recommender.interactions import SIGNAL_WEIGHTS, Interactions, aggregate_signals, build_matrix
from webapp.training.models import ListenerVector, ModelKind, ModelVersion, RunStatus
from webapp.training.selectors import (
    listener_changed_since,
    listeners_changed_since,
    model_version_active,
    signals_export,
)

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
SIGNALS = tuple(name for name, weight in SIGNAL_WEIGHTS.items() if weight)
STALE_RUN_AFTER = dt.timedelta(hours=6)
REFRESH_BATCH = 5000


class TrainingError(Exception):
    """A training run failed; the message says why and the version row records it."""


def cf_params_default() -> CFParams:
    return CFParams(
        factors=settings.CF_FACTORS,
        regularization=settings.CF_REGULARIZATION,
        alpha=settings.CF_ALPHA,
        iterations=settings.CF_ITERATIONS,
    )


def interactions_export(*, params: CFParams) -> Interactions:
    """All listening signals, aggregated in SQL, as a confidence matrix."""
    users, items, counts = aggregate_signals(signals_export(signals=SIGNALS))
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


def _runs_stale_mark_failed() -> None:
    ModelVersion.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=timezone.now() - STALE_RUN_AFTER
    ).update(status=RunStatus.FAILED, error="Interrupted: the run never finished.")


def cf_retrain(
    *,
    params: CFParams | None = None,
    force: bool = False,
    task_id: str = "",
    progress: Progress | None = None,
) -> ModelVersion:
    """Export, train, evaluate, save and activate a CF model version.

    Data and params identical to the active version's → the run is recorded as skipped and the
    active version stays (retraining unchanged data is a no-op). Raises TrainingError on
    failure, after recording it on the version row.
    """
    params = params or cf_params_default()
    _runs_stale_mark_failed()
    version = ModelVersion.objects.create(
        kind=ModelKind.CF, params=asdict(params), task_id=task_id[:64]
    )
    started = time.monotonic()

    def report(fraction: float, message: str) -> None:
        ModelVersion.objects.filter(pk=version.pk).update(
            progress=fraction, progress_message=message[:200]
        )
        if progress is not None:
            progress(fraction, message)

    try:
        report(0.0, "Exporting listening signals")
        interactions = interactions_export(params=params)
        seconds = {"seconds_export": time.monotonic() - started}
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
            return _finish(
                version,
                started,
                status=RunStatus.SKIPPED,
                message=f"Data and params unchanged since version #{active.pk}; it stays active.",
            )
        report(0.05, f"Training ALS on {n_users} listeners x {n_items} tracks")
        stage = time.monotonic()
        model, metrics = train_and_evaluate(
            interactions,
            params,
            progress=lambda done, total: report(
                0.05 + 0.85 * done / total, f"ALS iteration {done}/{total}"
            ),
        )
        seconds["seconds_train_evaluate"] = time.monotonic() - stage
        report(0.92, "Saving artifact")
        stage = time.monotonic()
        version.artifact_path = str(model.save(_artifact_path(version)))
        seconds["seconds_save"] = time.monotonic() - stage
        version.metrics = {**metrics, **{k: round(v, 3) for k, v in seconds.items()}}
        _finish(version, started, status=RunStatus.SUCCEEDED, message="Trained and evaluated")
        cf_version_activate(version=version)
        report(1.0, "Active")
        return version
    except Exception as exc:
        version.error = str(exc) or type(exc).__name__
        _finish(version, started, status=RunStatus.FAILED, message="Failed")
        log.exception("CF retrain #%s failed", version.pk)
        if isinstance(exc, TrainingError):
            raise
        raise TrainingError(f"CF retrain #{version.pk} failed: {version.error}") from exc


def _artifact_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_DIR) / "cf" / f"cf-{version.pk:06d}.npz"


def _finish(version: ModelVersion, started: float, *, status: str, message: str) -> ModelVersion:
    version.status = status
    version.progress_message = message
    version.finished_at = timezone.now()
    version.duration_s = round(time.monotonic() - started, 3)
    version.save()
    return version


def cf_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Make a succeeded version with a readable artifact the one that serves."""
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


_loaded: dict[tuple[int, str], tuple[CFModel, dt.datetime | None]] = {}


def cf_model_active() -> tuple[ModelVersion, CFModel] | tuple[None, None]:
    """The serving CF version and its model: loaded once per process and version, with the
    listener vectors refreshed since (by any process) applied on each call."""
    version = model_version_active(kind=ModelKind.CF)
    if version is None:
        return None, None
    key = (version.pk, version.artifact_path)
    model, applied_until = _loaded.get(key, (None, None))
    if model is None:
        try:
            model = CFModel.load(version.artifact_path)
        except (OSError, ValueError) as exc:  # pages serve "no model" rather than a 500
            log.error("CF version #%s cannot be loaded from %s: %s", version.pk, key[1], exc)
            return None, None
        _loaded.clear()
    _loaded[key] = (model, _vectors_apply(version, model, since=applied_until))
    return version, model


def cf_listener_refresh(*, user_id: int) -> np.ndarray | None:
    """Re-solve one listener's vector from all their current signals, without a retrain.

    Returns the vector, or None when no CF model is active or the listener has no signals.
    """
    return cf_listeners_solve(user_ids=[user_id]).get(user_id)


def cf_listeners_solve(*, user_ids: list[int]) -> dict[int, np.ndarray]:
    """Re-solve these listeners' vectors in one batch against the active version's tracks.

    implicit's per-user recalculation with the item factors fixed: one signal export for the
    batch, one least-squares solve, one bulk write of ListenerVector rows (which every other
    process applies to its loaded model). Listeners without signals are left out.
    """
    version, model = cf_model_active()
    if version is None or not user_ids:
        return {}
    users, items, counts = aggregate_signals(signals_export(signals=SIGNALS, user_ids=user_ids))
    if counts.size == 0:
        return {}
    solved, vectors = model.update_users(users, items, counts)
    with transaction.atomic():
        ListenerVector.objects.filter(version=version, user_id__in=solved.tolist()).delete()
        ListenerVector.objects.bulk_create(
            ListenerVector(version=version, user_id=int(u), factors=v.astype("<f4").tobytes())
            for u, v in zip(solved, vectors, strict=True)
        )
    return dict(zip(solved.tolist(), vectors, strict=True))


def cf_listener_refresh_if_changed(*, user_id: int) -> bool:
    """Refresh one listener's vector if they left signals since it was last solved.

    Cheap when nothing changed (a few indexed EXISTS queries), so pages can call it.
    """
    version = model_version_active(kind=ModelKind.CF)
    if version is None:
        return False
    solved = ListenerVector.objects.filter(version=version, user_id=user_id).first()
    since = solved.updated_at if solved else version.started_at
    if not listener_changed_since(user_id=user_id, since=since):
        return False
    return cf_listener_refresh(user_id=user_id) is not None


def cf_listeners_refresh(*, progress: Progress | None = None) -> int:
    """Refresh every listener whose signals changed since the active version was trained."""
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


def _vectors_apply(
    version: ModelVersion, model: CFModel, *, since: dt.datetime | None
) -> dt.datetime | None:
    """Overlay listener vectors refreshed after `since` (appending listeners the model has
    not seen); returns the newest time applied."""
    rows = ListenerVector.objects.filter(version=version)
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    found = list(rows.values_list("user_id", "factors", "updated_at"))
    if not found:
        return since
    user_ids = np.array([user_id for user_id, _, _ in found], dtype=np.int64)
    vectors = np.stack([np.frombuffer(bytes(factors), dtype="<f4") for _, factors, _ in found])
    model.set_user_vectors(user_ids, vectors)
    return max(updated_at for _, _, updated_at in found)
