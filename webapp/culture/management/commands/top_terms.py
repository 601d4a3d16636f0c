"""manage.py top_terms "ARTIST NAME" [--json] [--limit N]: an artist's top terms with weights.

`--json` prints a list of {"term", "weight"}, best first; an artist no page names gives an
empty list. An artist not in the catalog exits non-zero with one line.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.culture.selectors import artist_by_name, artist_top_terms, culture_model_active


class Command(BaseCommand):
    help = "Print an artist's top terms (from the active cultural vectors) with weights."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the artist's name (case and accents do not matter)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="a JSON list")
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, name: str, as_json: bool, limit: int, **options) -> None:
        artist = artist_by_name(name=name)
        if artist is None:
            raise CommandError(f"No artist named {name!r} in the catalog.")
        terms = artist_top_terms(artist=artist, limit=limit)
        if as_json:
            rows = [{"term": t.term, "weight": t.weight} for t in terms]
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        version, _ = culture_model_active()
        if version is None:
            self.stdout.write("No cultural vectors yet: run `manage.py crawl URL` first.")
            return
        if not terms:
            self.stdout.write(f"{artist.name}: no page names this artist yet.")
            return
        width = max(len(t.term) for t in terms)
        self.stdout.write(f"{artist.name} (cultural vectors #{version.pk}):")
        for t in terms:
            self.stdout.write(f"  {t.term.ljust(width)}  {t.weight:.3f}")
