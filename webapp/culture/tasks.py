"""Celery tasks for culture: thin wrappers over `crawl.crawl_and_rebuild`."""

from celery import shared_task

from webapp.culture import crawl


@shared_task(bind=True, name="culture.crawl_and_rebuild")
def crawl_and_rebuild(self, source_ids: list[int] | None = None, force: bool = False) -> dict:
    """Crawl the given (default: every active) source in a subprocess, then rebuild."""

    def progress(fraction: float, message: str) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": fraction, "message": message})

    return crawl.crawl_and_rebuild(
        source_ids=source_ids, force=force, task_id=self.request.id or "", progress=progress
    )
