"""manage.py rebuild_signals: recompute the signal tables from the raw rows.

Nothing in; the tables rebuilt (writers wait while it runs) and their row counts out. The
database triggers keep them current on their own: this is for repairs.
"""

import time

from django.core.management.base import BaseCommand

from webapp.listening.services import signal_tables_rebuild


class Command(BaseCommand):
    help = "Rebuild the per-listener signal tables from listens, saves, skips, refusals, visits."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        counts = signal_tables_rebuild()
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Rebuilt {summary} in {time.perf_counter() - started:.1f} s.")
