"""manage.py evaluate: CF vs popularity vs random on the database, temporal and random splits;
with --playlist, the 30-track weekly playlist with its rules against popularity with the same
rules and CF's raw top 30.

--search tunes CF's params on a validation split first; --search --apply stores the tuning so
the next retrain uses it (the same as the scheduled tuning task). The command lives with the
playlists, the top app that can read every model.
"""

import json
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from recommender.evaluate.__main__ import describe_split, format_table
from recommender.evaluate.harness import DEFAULT_KS
from recommender.evaluate.playlist_eval import evaluate_playlists
from recommender.evaluate.playlist_eval import format_table as format_playlist_table
from webapp.listening.selectors import listener_count_with_plays
from webapp.playlists.evaluation import playlist_data
from webapp.training.evaluation import cf_evaluate, cf_params_default, cf_tune


class Command(BaseCommand):
    help = "Evaluate CF against popularity and random on the listening data (and tune it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS))
        parser.add_argument(
            "--search", action="store_true", help="Tune factors, regularization, alpha, eps."
        )
        parser.add_argument(
            "--apply", action="store_true", help="With --search: the next retrain uses it."
        )
        parser.add_argument(
            "--playlist", action="store_true", help="Also evaluate the weekly playlist's rules."
        )

    def handle(self, *args, **options) -> None:
        if options["apply"] and not options["search"]:
            raise CommandError("--apply needs --search: there is nothing to apply otherwise.")
        if listener_count_with_plays() == 0:
            raise CommandError("No listening data yet: nothing to evaluate.")
        if listener_count_with_plays() < 2:
            raise CommandError("Evaluation needs at least two listeners with listens.")
        log = (lambda line: self.stderr.write(line)) if options["verbosity"] > 1 else None
        params = None
        if options["search"]:
            tuning = cf_tune(apply=options["apply"], log=log)
            params = None if options["apply"] else replace(cf_params_default(), **tuning.params)
            self.stderr.write(
                f"CF tuning #{tuning.pk}: {tuning.params} ({tuning.split} split, "
                f"{tuning.metric} {tuning.best_score} vs popularity {tuning.popularity_score}, "
                f"{len(tuning.table)} points, {tuning.seconds:.0f} s)"
                + (" - applied" if tuning.applied else "")
            )
        result = cf_evaluate(params=params, seed=options["seed"], ks=options["k"], log=log)
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), default=str))
            return
        for comparison in result.splits.values():
            self.stdout.write(describe_split(comparison))
            self.stdout.write(format_table(comparison, options["k"]))
        verdict = result.verdict
        self.stdout.write(f"verdict: {verdict.reason}")
        if options["playlist"]:
            playlists = evaluate_playlists(playlist_data(), params=params or cf_params_default())
            self.stdout.write(format_playlist_table(playlists))
