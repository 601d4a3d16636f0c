"""manage.py scan_library DIR: link a folder of audio files to catalog tracks, queue analysis."""

from django.core.management.base import BaseCommand, CommandError

from webapp.audio.services import library_scan


class Command(BaseCommand):
    help = (
        "Read the artist/title/album tags of every audio file under DIR, link each file to its "
        "catalog track (creating tracks and artists as needed) and queue its analysis."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, directory: str, **options) -> None:
        try:
            report = library_scan(path=directory)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(self.style.SUCCESS(report.summary()))
