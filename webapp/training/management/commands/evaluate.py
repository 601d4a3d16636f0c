"""manage.py evaluate: ALS vs popularity vs random on a holdout of the database's signals."""

import json

from django.core.management.base import BaseCommand, CommandError

from recommender.cf import CFParams
from recommender.evaluate.__main__ import format_table
from recommender.evaluate.harness import DEFAULT_KS, compare
from webapp.training.services import cf_params_default, interactions_export


class Command(BaseCommand):
    help = "Evaluate ALS against popularity and random baselines on the listening data."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS))
        parser.add_argument("--search", action="store_true", help="Grid-search ALS params.")

    def handle(self, *args, **options) -> None:
        params: CFParams = cf_params_default()
        interactions = interactions_export(params=params)
        if interactions.counts.nnz == 0:
            raise CommandError("No listening data yet: nothing to evaluate.")
        if interactions.shape[0] < 2:
            raise CommandError("Evaluation needs at least two listeners with listens.")
        log = (lambda line: self.stderr.write(line)) if options["verbosity"] > 1 else None
        result = compare(
            interactions.counts,
            seed=options["seed"],
            ks=options["k"],
            search=options["search"],
            params=params,
            log=log,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.models, sort_keys=True))
        else:
            self.stdout.write(format_table(result, options["k"]))
