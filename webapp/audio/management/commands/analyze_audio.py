"""manage.py analyze_audio [--all]: analyse tracks' audio here and now, with a progress bar."""

from collections import Counter

from django.core.management.base import BaseCommand
from tqdm import tqdm

from webapp.audio.models import AnalysisStatus
from webapp.audio.selectors import tracks_needing_analysis
from webapp.audio.services import track_analyze


class Command(BaseCommand):
    help = (
        "Analyse every track whose audio has no up-to-date analysis (--all: every track with "
        "audio) in this process. Celery's audio.analyze_track does the same one track a task."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Re-analyse every track.")

    def handle(self, *args, **options) -> None:
        track_ids = tracks_needing_analysis(everything=options["all"])
        outcomes: Counter[str] = Counter()
        quiet = options["verbosity"] == 0
        for track_id in tqdm(track_ids, desc="analyze_audio", unit="track", disable=quiet):
            row = track_analyze(track_id=track_id)
            outcomes[row.status if row else "missing"] += 1
            if row is not None and row.status == AnalysisStatus.FAILED:
                self.stderr.write(f"track #{track_id}: {row.error}")
        summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items()))
        self.stdout.write(
            self.style.SUCCESS(f"{len(track_ids)} tracks: {summary or 'nothing to do'}")
        )
