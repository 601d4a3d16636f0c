"""manage.py train_cf: retrain the collaborative-filtering model with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from webapp.interrupts import sigterm_raises
from webapp.training import services


class Command(BaseCommand):
    help = "Export listening signals, train implicit ALS, evaluate, and activate the new version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Retrain even if data unchanged.")
        parser.add_argument(
            "--refresh-listeners",
            action="store_true",
            help="Only re-solve the vectors of listeners whose signals changed since the "
            "active version was trained (no full retrain).",
        )

    def handle(self, *args, **options) -> None:
        with sigterm_raises():  # a stopped run is recorded as failed, not left "running"
            self._handle(**options)

    def _handle(self, *, force: bool, refresh_listeners: bool, **options) -> None:
        with tqdm(total=100, desc="train_cf", unit="%", disable=options["verbosity"] == 0) as bar:

            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(fraction * 100) - bar.n)

            if refresh_listeners:
                count = services.cf_listeners_refresh(progress=progress)
                bar.close()
                self.stdout.write(f"Refreshed {count} listener vectors.")
                return
            try:
                version = services.cf_retrain(force=force, progress=progress)
            except services.TrainingError as exc:
                raise CommandError(str(exc)) from exc
        metrics = version.metrics
        summary = ", ".join(
            f"{key}={metrics[key]:.3f}"
            for key in ("ndcg@10", "popularity_ndcg@10", "recall@30")
            if key in metrics
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"CF version #{version.pk}: {version.status}"
                f"{' (active)' if version.is_active else ''}; {version.progress_message}. "
                f"{version.data_counts} {summary}"
            )
        )
