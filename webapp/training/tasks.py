"""Celery tasks for training: thin wrappers over services that report progress."""

import threading

from celery import shared_task
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerUnreachable

from webapp.listening.outages import CACHE_UNREACHABLE, outage_log
from webapp.training import services

#: A listener's re-solve waits this long in a real worker, so a burst of listens is one solve.
REFRESH_DELAY_SECONDS = 5


#: What the cache (Redis) and the broker raise when they cannot be reached.
UNREACHABLE = (*CACHE_UNREACHABLE, BrokerUnreachable)


def refresh_key(user_id: int) -> str:
    return f"cf-refresh-queued:{user_id}"


@shared_task(bind=True, name="training.retrain_cf")
def retrain_cf(self, force: bool = False) -> dict:
    def progress(fraction: float, message: str) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": fraction, "message": message})

    version = services.cf_retrain(force=force, task_id=self.request.id or "", progress=progress)
    return {"version_id": version.pk, "status": version.status, "active": version.is_active}


@shared_task(name="training.refresh_listener_cf", ignore_result=True)  # nobody reads it
def refresh_listener_cf(user_id: int) -> dict:
    """Re-solve one listener's CF vector from their current signals (after new listening)."""
    cache.delete(refresh_key(user_id))  # signals from now on queue a new solve
    solved = services.cf_listeners_solve(user_ids=[user_id])
    return {"user_id": user_id, "solved": user_id in solved}


@shared_task(name="training.refresh_listeners_cf")
def refresh_listeners_cf() -> dict:
    return {"refreshed": services.cf_listeners_refresh()}


class _Missed:
    """Listeners whose re-solve could not be queued (Redis down), queued with the next ones.

    Per process and bounded; one lost here (a restart, more than MAX_MISSED) is still
    re-solved by the daily refresh of every listener who listened since the retrain.
    """

    MAX_MISSED = 100_000
    #: Missed ones queued along with each call, so no one request queues them all.
    PER_CALL = 500

    def __init__(self) -> None:
        self.lock, self.ids = threading.Lock(), set()

    def take(self, user_ids) -> list[int]:
        """These listeners, and up to PER_CALL missed before."""
        wanted = {int(user_id) for user_id in user_ids}
        with self.lock:
            extra = [self.ids.pop() for _ in range(min(self.PER_CALL, len(self.ids)))]
        return sorted(wanted.union(extra))

    def keep(self, user_ids) -> None:
        with self.lock:
            self.ids.update(list(user_ids)[: max(self.MAX_MISSED - len(self.ids), 0)])


missed = _Missed()


def refresh_listeners_enqueue(user_ids) -> int:
    """Queue one re-solve per listener unless one is already waiting; returns how many.

    Runs after the listening committed: when the cache or the broker cannot be reached the
    listening stays stored, the outage is logged, and these listeners are queued with the
    next ones once Redis answers again.
    """
    ids, queued = missed.take(user_ids), 0
    for done, user_id in enumerate(ids):
        try:
            queued += _enqueue_one(user_id)
        except UNREACHABLE as exc:
            outage_log("CF re-solve not queued: the cache or the task queue cannot be reached", exc)
            missed.keep(ids[done:])
            break
    return queued


def _enqueue_one(user_id: int) -> int:
    key = refresh_key(user_id)
    if not cache.add(key, 1, timeout=10 * REFRESH_DELAY_SECONDS):
        return 0  # one is already waiting
    try:
        refresh_listener_cf.apply_async((user_id,), countdown=REFRESH_DELAY_SECONDS)
    except UNREACHABLE:
        cache.delete(key)  # not queued after all: the next attempt must not be held back
        raise
    return 1


@shared_task(name="training.tune_cf")
def tune_cf(apply: bool = True) -> dict:
    """Search CF's params on the product's data; applied, the next retrain uses them."""
    from webapp.training.evaluation import cf_tune

    tuning = cf_tune(apply=apply)
    return {"tuning_id": tuning.pk, "params": tuning.params, "applied": tuning.applied}
