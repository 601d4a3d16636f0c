"""manage.py crawl URL [--depth N] [--sitemap URL] [--no-rebuild]: crawl one source now.

Creates the source if no source starts at URL, crawls it in a `scrapy crawl` subprocess,
rebuilds the cultural vectors and prints one summary: pages fetched, stored, refused (why).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.culture import crawl, services
from webapp.culture.models import MAX_DEPTH, CrawlRun


class Command(BaseCommand):
    help = "Crawl one source now (created if new), store what it finds, rebuild the vectors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="start URL (http or https)")
        parser.add_argument("--depth", type=int, help=f"links to follow, 0..{MAX_DEPTH}")
        parser.add_argument("--sitemap", help="a sitemap.xml URL on the same site")
        parser.add_argument(
            "--no-rebuild", action="store_true", help="store pages; leave the vectors alone"
        )
        parser.add_argument(
            "-s",
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a Scrapy setting for this crawl (e.g. -s AUTOTHROTTLE_START_DELAY=0.1)",
        )

    def handle(self, *args, url: str, depth: int | None, sitemap: str | None, **options) -> None:
        if depth is not None and not 0 <= depth <= MAX_DEPTH:
            raise CommandError(f"--depth must be between 0 and {MAX_DEPTH}.")
        overrides = dict(item.split("=", 1) for item in options["set"] if "=" in item)
        try:
            source, created = services.source_for_url(url=url, depth=depth)
            if sitemap and source.sitemap_url != sitemap:
                source.sitemap_url = sitemap
                source.full_clean()
                source.save(update_fields=["sitemap_url", "updated_at"])
            summary = crawl.crawl_and_rebuild(
                source_ids=[source.pk], rebuild=not options["no_rebuild"], overrides=overrides
            )
        except ValidationError as exc:  # the URL or sitemap the source would hold
            raise CommandError("; ".join(exc.messages)) from exc
        except services.CultureError as exc:
            raise CommandError(str(exc)) from exc
        run = CrawlRun.objects.get(pk=summary["runs"][0]["id"])
        self.stdout.write(self._summary(run, created, summary))
        if run.error:
            raise CommandError(f"crawl #{run.pk} failed: {run.error.splitlines()[-1][:300]}")

    @staticmethod
    def _summary(run: CrawlRun, created: bool, summary: dict) -> str:
        refused = {
            k.split("/", 1)[1]: v for k, v in sorted(run.stats.items()) if k.startswith("refused/")
        }
        why = ", ".join(f"{reason} {n}" for reason, n in refused.items()) or "none"
        lines = [
            f"{'new' if created else 'known'} source #{run.source_id} {run.source.name}: "
            f"crawl #{run.pk} {run.status} in {run.duration_s or 0:.1f} s",
            f"fetched {run.pages_fetched}, stored {run.pages_stored} new, "
            f"updated {run.pages_updated}, unchanged {run.pages_unchanged}, "
            f"refused {run.pages_refused} ({why}); "
            f"{run.stats.get('no_artist', 0)} pages name no known artist",
        ]
        if summary["version_id"]:
            lines.append(
                f"cultural vectors: version #{summary['version_id']} {summary['version_status']}"
            )
        elif summary["error"]:
            lines.append(f"cultural vectors not rebuilt: {summary['error']}")
        return "\n".join(lines)
