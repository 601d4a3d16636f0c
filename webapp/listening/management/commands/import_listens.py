"""manage.py import_listens FILE --user NAME [--create]: an export in, listens stored.

Reads a ListenBrainz export (JSON array, JSONL or zip) or a Last.fm CSV for an existing
listener (--create makes a new one), shows a progress bar on stderr, reports bad rows (first
few with line numbers) and ends with one summary line. An unsupported file, an unknown
listener, or a file damaged part-way exits non-zero with one line saying what was stored; so
does a database that stays out of reach longer than --reconnect-seconds (a shorter outage, a
restart, is waited out and the import goes on).
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from webapp.listening.importers import (
    FORMATS,
    RECONNECT_SECONDS,
    ImportDamaged,
    ImportFormatError,
    ImportInterrupted,
    ImportReport,
    detect_format,
    listens_import,
)
from webapp.listening.services import listener_create


class Command(BaseCommand):
    help = "Import a ListenBrainz export (JSON, JSONL or zip) or a Last.fm scrobble CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="path to the export file")
        parser.add_argument("--user", required=True, help="the listener's username")
        parser.add_argument(
            "--create", action="store_true", help="create the listener if there is none"
        )
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
        parser.add_argument(
            "--reconnect-seconds",
            type=float,
            default=RECONNECT_SECONDS,
            help="how long to keep trying when the database connection is lost "
            f"(default {RECONNECT_SECONDS:.0f})",
        )

    def handle(
        self, *args, file: str, user: str, create: bool, fmt: str, reconnect_seconds: float, **o
    ) -> None:
        try:
            detect_format(file, fmt)
        except ImportFormatError as error:
            raise CommandError(str(error)) from error
        if not create and not get_user_model().objects.filter(username=user).exists():
            raise CommandError(
                f"there is no listener {user!r}; check the name, or add --create to create it"
            )
        listener = listener_create(username=user)
        bar = tqdm(total=0, unit="B", unit_scale=True, desc="import", file=sys.stderr, disable=None)

        def on_progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = listens_import(
                user_id=listener.pk,
                path=file,
                fmt=fmt,
                on_progress=on_progress,
                reconnect_seconds=reconnect_seconds,
            )
        except ImportFormatError as error:
            raise CommandError(str(error)) from error
        except (ImportDamaged, ImportInterrupted) as error:
            self._bad_rows(error.report)
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        self._bad_rows(report)
        if report.bad and not report.read:
            raise CommandError(f"{file}: no listens found, only {report.bad} bad rows")
        self.stdout.write(f"{file} for {user}: {report.summary()}")

    def _bad_rows(self, report: ImportReport) -> None:
        for example in report.bad_examples:
            self.stderr.write(f"bad row: {example}")
        if report.bad > len(report.bad_examples):
            self.stderr.write(f"... and {report.bad - len(report.bad_examples)} more bad rows")
