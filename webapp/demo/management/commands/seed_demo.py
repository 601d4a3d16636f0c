"""manage.py seed_demo: a clearly labelled SYNTHETIC world in the database, plus demo accounts.

Options set its size and seed; running it again changes nothing unless --reset, which deletes
only is_synthetic rows first. Progress bars go to stderr, one summary line to stdout.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.demo.world import DEMO_TRACKS, MEAN_LISTENS_PER_LISTENER, DemoRefused, demo_seed


class Command(BaseCommand):
    help = "Seed a synthetic demo world (listeners, tracks, audio, listens) and demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listeners", type=int, default=300)
        parser.add_argument("--tracks", type=int, default=DEMO_TRACKS)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--audio-clips",
            type=int,
            default=None,
            help="clips for the N most popular tracks only (default: every track)",
        )
        parser.add_argument("--listens-per-listener", type=float, default=MEAN_LISTENS_PER_LISTENER)
        parser.add_argument(
            "--reset", action="store_true", help="delete the synthetic rows first, then re-seed"
        )
        parser.add_argument(
            "--allow-real-listeners",
            action="store_true",
            help="seed even though the database holds real listeners",
        )

    def handle(self, *args, **options) -> None:
        try:
            report = self._seed(options)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())

    def _seed(self, options: dict):
        return demo_seed(
            listeners=options["listeners"],
            tracks=options["tracks"],
            seed=options["seed"],
            audio_clips=options["audio_clips"],
            mean_listens=options["listens_per_listener"],
            reset=options["reset"],
            progress=options["verbosity"] > 0,
            allow_real_listeners=options["allow_real_listeners"],
        )
