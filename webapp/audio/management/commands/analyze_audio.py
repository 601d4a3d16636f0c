"""manage.py analyze_audio [--all]: analyse tracks' audio here and now, with a progress bar."""

from collections import Counter

from django.core.management.base import BaseCommand
from tqdm import tqdm

from webapp.audio.models import AnalysisStatus
from webapp.audio.selectors import tracks_needing_analysis
from webapp.audio.services import tracks_analyze


class Command(BaseCommand):
    help = (
        "Analyse every track whose audio has no up-to-date analysis (--all: every track with "
        "audio) here, on --workers processes. Celery's audio.analyze_track does the same, one "
        "track a task."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Re-analyse every track.")
        parser.add_argument(
            "--workers", type=int, default=1, help="Analysis processes (default 1)."
        )

    def handle(self, *args, **options) -> None:
        track_ids = tracks_needing_analysis(everything=options["all"])
        outcomes: Counter[str] = Counter()
        quiet = options["verbosity"] == 0
        with tqdm(total=len(track_ids), desc="analyze_audio", unit="track", disable=quiet) as bar:

            def progress(row) -> None:
                bar.update(1)
                outcomes[row.status if row else "missing"] += 1
                if row is not None and row.status == AnalysisStatus.FAILED:
                    self.stderr.write(f"track #{row.track_id}: {row.error}")

            tracks_analyze(track_ids=track_ids, workers=options["workers"], progress=progress)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items()))
        self.stdout.write(
            self.style.SUCCESS(f"{len(track_ids)} tracks: {summary or 'nothing to do'}")
        )
