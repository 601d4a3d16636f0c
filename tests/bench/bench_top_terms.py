"""Top-term rebuild time: 10,000 artists over 50,000 documents.

Run by hand (not collected by pytest): `python tests/bench/bench_top_terms.py [--artists N
--documents N] [--library-only]`. Generates documents (each about one artist, naming two more
in passing, ~150 terms drawn from the artist's scene and a Zipf background), then times
(1) the library alone: `recommender.culture.build_model` on in-memory term counts, and
(2) the whole webapp rebuild on PostgreSQL: `culture_rebuild` reading 50,000 Document rows
and their mentions, weighting, writing the artifact and the co-mention table, activating.
Recreates the database dw_culture for (2).
"""

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dw_culture"
NOW = 1_767_225_600.0
SCENES = 40
TERMS_PER_DOC = 150


def generate(n_artists: int, n_docs: int, seed: int = 3):
    """(doc term Counters, doc times, (doc, artist, weight) triples)."""
    rng = np.random.default_rng(seed)
    vocab = [f"term{i:05d}" for i in range(20_000)]
    scene_of = rng.integers(0, SCENES, n_artists)
    scene_terms = rng.choice(len(vocab), (SCENES, 200), replace=True)
    background = 1.0 / np.arange(1, len(vocab) + 1) ** 1.1
    background /= background.sum()
    about = rng.integers(0, n_artists, n_docs)
    docs, rows, artists, weights = [], [], [], []
    for d, a in enumerate(about.tolist()):
        own = scene_terms[scene_of[a], rng.integers(0, 200, TERMS_PER_DOC // 3)]
        general = rng.choice(len(vocab), TERMS_PER_DOC - own.size, p=background)
        docs.append(Counter(vocab[i] for i in np.r_[own, general].tolist()))
        passing = rng.integers(0, n_artists, 2).tolist()
        rows += [d, d, d]
        artists += [a, *passing]
        weights += [1.0, 0.25, 0.25]
    times = NOW - rng.integers(0, 3 * 365 * 86_400, n_docs)
    return docs, times.astype(np.float64), (np.array(rows), np.array(artists), np.array(weights))


def bench_library(docs, times, triples) -> float:
    from recommender.culture.model import Mentions, build_model

    started = time.perf_counter()
    model = build_model(
        doc_terms=docs,
        doc_time=times,
        artist_mentions=Mentions(triples[0], triples[1], triples[2].astype(np.float32)),
        now=NOW,
    )
    seconds = time.perf_counter() - started
    print(
        f"library build_model: {seconds:.2f} s for {model.counts['artists']:,} artists x "
        f"{len(docs):,} documents ({model.counts['terms']:,} terms, "
        f"{model.artist_terms.nnz:,} artist-term weights)"
    )
    return seconds


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_database(n_artists: int, docs, times, triples) -> None:
    import datetime as dt

    from webapp.catalog.models import Artist
    from webapp.culture.models import Document, Mention

    Artist.objects.bulk_create(
        [Artist(name=f"Bench {i}", name_normalized=f"bench {i}") for i in range(n_artists)],
        batch_size=5000,
    )
    artist_ids = np.array(Artist.objects.order_by("pk").values_list("pk", flat=True))
    fetched = dt.datetime.fromtimestamp(NOW, tz=dt.UTC)
    rows = []
    for d, (terms, when) in enumerate(zip(docs, times.tolist(), strict=True)):
        published = dt.datetime.fromtimestamp(when, tz=dt.UTC).date()
        rows.append(
            Document(
                url=f"https://bench.test/{d}",
                url_hash=f"{d:064d}",
                content_hash=f"c{d:063d}",
                title=f"doc {d}",
                text="(bench)",
                published=published,
                terms=dict(terms),
                fetched_at=fetched,
                changed_at=fetched,
            )
        )
    Document.objects.bulk_create(rows, batch_size=2000)
    doc_ids = np.array(Document.objects.order_by("pk").values_list("pk", flat=True))
    Mention.objects.bulk_create(
        [
            Mention(document_id=int(doc_ids[d]), artist_id=int(artist_ids[a]), count=1, weight=w)
            for d, a, w in zip(*(t.tolist() for t in triples), strict=True)
        ],
        batch_size=10_000,
        ignore_conflicts=True,
    )


def bench_webapp(url: str, n_artists: int, docs, times, triples) -> None:
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_database(n_artists, docs, times, triples)
    print(f"loading {len(docs):,} documents into PostgreSQL: {time.perf_counter() - started:.1f} s")
    from webapp.culture.rebuild import culture_rebuild

    for attempt in (1, 2):
        started = time.perf_counter()
        version = culture_rebuild(force=True)
        seconds = time.perf_counter() - started
        stages = {k: v for k, v in version.metrics.items() if k.startswith("seconds_")}
        print(
            f"webapp culture_rebuild #{attempt}: {seconds:.2f} s database to active version "
            f"({version.metrics['artists_with_terms']:,} artists with terms; stages {stages})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--artists", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--library-only", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    docs, times, triples = generate(args.artists, args.documents)
    print(f"generated {len(docs):,} documents in {time.perf_counter() - started:.1f} s")
    bench_library(docs, times, triples)
    if not args.library_only:
        bench_webapp(args.database_url, args.artists, docs, times, triples)
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
