"""Celery tasks for training: thin wrappers over services that report progress."""

from celery import shared_task

from webapp.training import services


@shared_task(bind=True, name="training.retrain_cf")
def retrain_cf(self, force: bool = False) -> dict:
    def progress(fraction: float, message: str) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": fraction, "message": message})

    version = services.cf_retrain(force=force, task_id=self.request.id or "", progress=progress)
    return {"version_id": version.pk, "status": version.status, "active": version.is_active}


@shared_task(name="training.refresh_listeners_cf")
def refresh_listeners_cf() -> dict:
    return {"refreshed": services.cf_listeners_refresh()}
