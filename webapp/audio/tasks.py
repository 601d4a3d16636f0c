"""Celery tasks for audio: one analysis per track (so more workers go faster), and retrain."""

from celery import shared_task

from webapp.audio import services, training


@shared_task(name="audio.analyze_track")
def analyze_track(track_id: int) -> dict:
    row = services.track_analyze(track_id=track_id)
    if row is None:
        return {"track_id": track_id, "status": "missing"}
    return {"track_id": track_id, "status": row.status, "error": row.error}


@shared_task(bind=True, name="audio.retrain")
def retrain_audio(self, force: bool = False) -> dict:
    def progress(fraction: float, message: str) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": fraction, "message": message})

    version = training.audio_retrain(force=force, task_id=self.request.id or "", progress=progress)
    return {"version_id": version.pk, "status": version.status, "active": version.is_active}
