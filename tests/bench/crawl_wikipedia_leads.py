"""The real spider over real writing: the Wikipedia leads of ../shared/data/text/docs.jsonl.

Run by hand (not collected by pytest): `python tests/bench/crawl_wikipedia_leads.py`.
Writes one HTML page per lead (400 artists of HetRec Last.fm 2K; CC BY-SA 3.0, each page
links its source and history as the licence asks) plus index pages into a temporary folder,
serves it on loopback, loads all 17,632 Last.fm artist names as the catalog (database ids =
HetRec ids) into a temporary SQLite database, runs `manage.py crawl` (the real `scrapy
crawl` subprocess and the rebuild), and prints: pages stored, artists with at least 5
terms, a few artists' top terms next to their text, and the AUC of cultural similarity for
"some Last.fm listener played both" over the 400 artists (vs listener-count popularity).
"""

import argparse
import html
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
PORT = 8797
PER_INDEX_PAGE = 50
EXAMPLES = ("Eric Clapton", "Lady Gaga", "Slayer", "Bob Marley", "Johnny Cash", "Moby")


def write_site(leads, folder: Path) -> None:
    for number, start in enumerate(range(0, len(leads), PER_INDEX_PAGE), 1):
        chunk = leads[start : start + PER_INDEX_PAGE]
        links = "".join(
            f'<li><a href="/wiki/{lead.artist_id}.html">{html.escape(lead.title)}</a></li>'
            for lead in chunk
        )
        more = (
            f'<a href="/index-{number + 1}.html">More</a>'
            if start + PER_INDEX_PAGE < len(leads)
            else ""
        )
        name = "index.html" if number == 1 else f"index-{number}.html"
        (folder / name).write_text(
            f"<html><head><title>Leads {number}</title></head><body><h1>Artists</h1>"
            f"<ul>{links}</ul><p>{more}</p></body></html>",
            encoding="utf-8",
        )
    (folder / "wiki").mkdir()
    for lead in leads:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in lead.text.split("\n\n"))
        (folder / "wiki" / f"{lead.artist_id}.html").write_text(
            f"<html><head><title>{html.escape(lead.title)}</title></head><body>"
            f"<nav><a href='/'>All artists</a></nav><article><h1>{html.escape(lead.title)}</h1>"
            f"{paragraphs}</article><footer>Text from Wikipedia, CC BY-SA 3.0: "
            f"<a href='{html.escape(lead.source)}'>source and history</a>.</footer></body></html>",
            encoding="utf-8",
        )
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")


def load_catalog(folder: Path) -> None:
    from recommender.culture.datasets import load_artist_names
    from webapp.catalog.models import Artist
    from webapp.catalog.normalize import normalize_name

    seen, rows = set(), []
    for artist_id, name in sorted(load_artist_names(folder).items()):
        key = normalize_name(name)
        if key and key not in seen:
            seen.add(key)
            rows.append(Artist(pk=artist_id, name=name, name_normalized=key))
    Artist.objects.bulk_create(rows, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=Path, default=SHARED / "text" / "docs.jsonl")
    parser.add_argument("--lastfm", type=Path, default=SHARED / "lastfm-2k")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="leads-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ["DW_MODEL_DIR"] = str(work / "models")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from recommender.culture.datasets import load_leads

    call_command("migrate", verbosity=0)
    load_catalog(args.lastfm)
    leads = load_leads(args.leads)
    site = work / "site"
    site.mkdir()
    write_site(leads, site)
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.loopback", str(site), "--port", str(PORT)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        started = time.perf_counter()
        call_command("crawl", f"http://127.0.0.1:{PORT}/", "--depth", "10")
        print(f"(crawl and rebuild: {time.perf_counter() - started:.1f} s)")
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(leads, args.lastfm)


def report(leads, lastfm: Path) -> None:
    import numpy as np

    from recommender.culture.datasets import load_listening
    from recommender.culture.evaluate import pair_check
    from webapp.culture.models import Document
    from webapp.culture.selectors import culture_model_active

    version, model = culture_model_active()
    print(f"pages stored: {Document.objects.count()}")
    print(
        f"artists with terms: {version.metrics['artists_with_terms']}, with at least 5: "
        f"{version.metrics['artists_with_5_terms']}"
    )
    for lead in leads:
        if lead.artist in EXAMPLES:
            terms = ", ".join(f"{t} {w:.2f}" for t, w in model.top_terms(lead.artist_id, 10))
            print(f'\n{lead.artist}: {terms}\n  "{lead.text[:200]}..."')
    artist_ids = np.array(sorted({lead.artist_id for lead in leads}), dtype=np.int64)
    _, items, _ = load_listening(lastfm)
    listeners = np.bincount(items, minlength=int(items.max()) + 1)[artist_ids]
    check = pair_check(
        "crawled leads", model, artist_ids, listeners.astype(float), lastfm,
        n_pairs=200_000, seed=0, started=time.monotonic(),
    )  # fmt: skip
    print(
        f"\nco-listening AUC over {check.pairs:,} pairs of the 400 artists: culture "
        f"{check.auc_culture:.4f}, popularity (listeners) {check.auc_popularity:.4f}, "
        f"random {check.auc_random:.4f}"
    )


if __name__ == "__main__":
    main()
