"""manage.py build_weekly: the week's job now, with a progress bar.

All steps (culture, CF, audio, then every listener's playlist), or only the playlists from the
versions serving now (--playlists-only); for every listener or one (--user NAME).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from webapp.interrupts import sigterm_raises
from webapp.playlists.services import week_start
from webapp.playlists.weekly import STEP_ORDER, BuildRunning, week_run


def _monday(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--week needs a date as YYYY-MM-DD, got {value!r}") from exc
    return week_start(day)


class Command(BaseCommand):
    help = "Build the weekly playlists (and, unless --playlists-only, retrain the models first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--week", help="any day of the week (its Monday is used); default now")
        parser.add_argument("--user", help="only this listener's playlist")
        parser.add_argument("--playlists-only", action="store_true", help="skip the model steps")

    def handle(self, *args, week: str | None, user: str | None, playlists_only: bool, **options):
        monday = _monday(week) if week else week_start()
        user_ids = None
        if user is not None:
            found = get_user_model().objects.filter(username=user).values_list("pk", flat=True)
            if not found:
                raise CommandError(f"No listener called {user!r}.")
            user_ids = list(found)
        with tqdm(
            total=100, desc="build_weekly", unit="%", disable=options["verbosity"] == 0
        ) as bar:

            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(fraction * 100) - bar.n)

            with sigterm_raises():
                try:
                    build = week_run(
                        week=monday,
                        user_ids=user_ids,
                        playlists_only=playlists_only,
                        progress=progress,
                    )
                except BuildRunning as exc:
                    raise CommandError(str(exc)) from exc
            bar.update(100 - bar.n)
        steps = ", ".join(
            f"{name}: {build.steps[name].get('status')}"
            for name in STEP_ORDER
            if name in build.steps
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Week of {monday}: {build.playlists_written} playlists written "
                f"({build.status}){'; ' + steps if steps else ''}."
            )
        )
        if build.status != "succeeded":
            raise CommandError(build.error or "the build did not finish")
