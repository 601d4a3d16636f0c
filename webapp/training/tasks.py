"""Celery tasks for training: thin wrappers over services that report progress."""

from celery import shared_task
from django.core.cache import cache

from webapp.training import services

#: A listener's re-solve waits this long in a real worker, so a burst of listens is one solve.
REFRESH_DELAY_SECONDS = 5


def refresh_key(user_id: int) -> str:
    return f"cf-refresh-queued:{user_id}"


@shared_task(bind=True, name="training.retrain_cf")
def retrain_cf(self, force: bool = False) -> dict:
    def progress(fraction: float, message: str) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": fraction, "message": message})

    version = services.cf_retrain(force=force, task_id=self.request.id or "", progress=progress)
    return {"version_id": version.pk, "status": version.status, "active": version.is_active}


@shared_task(name="training.refresh_listener_cf")
def refresh_listener_cf(user_id: int) -> dict:
    """Re-solve one listener's CF vector from their current signals (after new listening)."""
    cache.delete(refresh_key(user_id))  # signals from now on queue a new solve
    solved = services.cf_listeners_solve(user_ids=[user_id])
    return {"user_id": user_id, "solved": user_id in solved}


@shared_task(name="training.refresh_listeners_cf")
def refresh_listeners_cf() -> dict:
    return {"refreshed": services.cf_listeners_refresh()}


def refresh_listeners_enqueue(user_ids) -> int:
    """Queue one re-solve per listener unless one is already waiting; returns how many."""
    queued = 0
    for user_id in user_ids:
        if cache.add(refresh_key(user_id), 1, timeout=10 * REFRESH_DELAY_SECONDS):
            refresh_listener_cf.apply_async((int(user_id),), countdown=REFRESH_DELAY_SECONDS)
            queued += 1
    return queued


@shared_task(name="training.tune_cf")
def tune_cf(apply: bool = True) -> dict:
    """Search CF's params on the product's data; applied, the next retrain uses them."""
    from webapp.training.evaluation import cf_tune

    tuning = cf_tune(apply=apply)
    return {"tuning_id": tuning.pk, "params": tuning.params, "applied": tuning.applied}
