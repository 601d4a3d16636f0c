"""manage.py culture_demo [--tracks 1500 --seed 7 --port 8765]: the demo's cultural vectors.

Writes the SYNTHETIC music-writing site for the seeded demo world (same --tracks and --seed
as seed_demo) under var/, serves it on 127.0.0.1 with `python -m crawler.loopback`, crawls
it with the real spider, rebuilds the vectors and stops the server, so artist pages in the
demo show terms. The source it creates is left inactive: the weekly job does not visit a
server that is no longer there.
"""

import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.culture.synthetic_site import write_site
from recommender.synthetic import generate_world
from webapp.catalog.models import Artist
from webapp.culture import crawl, services
from webapp.demo.world import DEMO_TRACKS


class Command(BaseCommand):
    help = "Serve the synthetic music-writing site for the demo world, crawl it, rebuild."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tracks", type=int, default=DEMO_TRACKS, help="as given to seed_demo")
        parser.add_argument("--seed", type=int, default=7, help="as given to seed_demo")
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, tracks: int, seed: int, port: int, **options) -> None:
        world = generate_world(
            n_listeners=1,
            n_tracks=tracks,
            mean_listens_per_listener=1,
            seed=seed,
            end_time=int(time.time()) // 86400 * 86400,
        )
        if not Artist.objects.filter(name=world.artist_names[0]).exists():
            raise CommandError("The demo world is not in the database: run seed_demo first.")
        folder = Path(settings.VAR_DIR) / "culture_demo_site"
        pages = write_site(world, folder)
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler.loopback", str(folder), "--port", str(port)],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for(server, port)
            source, _ = services.source_for_url(url=url, depth=2)
            source.name, source.is_active = "Synthetic demo site", False
            source.sitemap_url = url + "sitemap.xml"
            source.save()
            summary = crawl.crawl_and_rebuild(
                source_ids=[source.pk], overrides={"AUTOTHROTTLE_START_DELAY": "0.05"}
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
        run = summary["runs"][0]
        self.stdout.write(
            f"synthetic site: {len(pages)} pages; crawl #{run['id']} {run['status']}, "
            f"{run['stored']} new, {run['updated']} updated, {run['unchanged']} unchanged pages; "
            "cultural vectors "
            f"{summary['version_status'] or 'not rebuilt: ' + summary['error']}"
        )


def _wait_for(server: subprocess.Popen, port: int) -> None:
    """The server prints one line once it listens; if it dies first (say the port is taken),
    its output ends instead."""
    if not server.stdout.readline().startswith("serving"):
        error = (server.stderr.read() or "").strip().splitlines()[-1:]
        raise CommandError(f"The loopback server could not start on port {port}: {error}")
