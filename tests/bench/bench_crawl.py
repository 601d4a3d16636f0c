"""Crawl throughput: pages/s through crawl, extraction, mention detection and storage.

Run by hand (not collected by pytest): `python tests/bench/bench_crawl.py [--tracks 20000]`.
Recreates the PostgreSQL database dw_culture, loads the catalog of a synthetic world (20,000
tracks by 2,000 artists by default), writes the synthetic music-writing site for it, serves
it from a separate loopback server process, and runs `manage.py crawl` (the real `scrapy
crawl` subprocess, its trafilatura extraction, mention and term detection and batched
storage) three times: with the production settings (AutoThrottle from a 1 s start delay, 4
requests per domain), unthrottled (16 per domain: what the code can do), and a re-crawl
where every page is unchanged. Prints pages/s of each crawl run (excluding process start)
and CPU seconds per page of the crawl process; the aim is >= 100 pages/s on 2 cores.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dw_culture"
PORT = 8799
AIM_PAGES_PER_S = 100


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_catalog(world) -> None:
    from webapp.catalog.models import Artist, Track
    from webapp.catalog.normalize import normalize_name

    Artist.objects.bulk_create(
        [Artist(name=n, name_normalized=normalize_name(n)) for n in world.artist_names],
        batch_size=5000,
    )
    ids = dict(Artist.objects.values_list("name", "pk"))
    Track.objects.bulk_create(
        [
            Track(
                artist_id=ids[world.artist_names[a]],
                title=title,
                title_normalized=normalize_name(title),
            )
            for a, title in zip(world.track_artist.tolist(), world.track_title, strict=True)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )


def crawl(base: str, label: str, settings: list[str]) -> None:
    from webapp.culture.models import CrawlRun

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    argv = [sys.executable, "manage.py", "crawl", base + "/", "--depth", "1"]
    argv += ["--sitemap", base + "/sitemap.xml", "--no-rebuild"]
    for setting in settings:
        argv += ["-s", setting]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"crawl failed: {done.stderr[-2000:]}")
    run = CrawlRun.objects.order_by("-pk").first()
    pages = run.pages_stored + run.pages_updated + run.pages_unchanged
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"{label}: {pages:,} pages in {run.duration_s:.1f} s = "
        f"**{pages / run.duration_s:.0f} pages/s** (command {wall:.1f} s with process start; "
        f"{1000 * cpu / max(pages, 1):.1f} ms CPU a page; stored {run.pages_stored:,}, "
        f"unchanged {run.pages_unchanged:,}, refused {run.pages_refused})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from recommender.culture.synthetic_site import write_site
    from recommender.synthetic import generate_world

    call_command("migrate", verbosity=0)
    world = generate_world(
        n_listeners=2, n_tracks=args.tracks, mean_listens_per_listener=1, seed=11
    )
    load_catalog(world)
    with tempfile.TemporaryDirectory() as folder:
        pages = write_site(world, folder)
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler.loopback", folder, "--port", str(PORT)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            base = f"http://127.0.0.1:{PORT}"
            print(f"site: {len(pages):,} pages for {len(world.artist_names):,} artists")
            crawl(base, "production settings (AutoThrottle, 4 per domain)", [])
            from webapp.culture.models import Document

            Document.objects.all().delete()
            crawl(
                base,
                "unthrottled (16 per domain)",
                ["AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS_PER_DOMAIN=16"],
            )
            crawl(base, "re-crawl, all unchanged (unthrottled)", ["AUTOTHROTTLE_ENABLED=False"])
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"aim: >= {AIM_PAGES_PER_S} pages/s; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
