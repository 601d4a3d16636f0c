"""Import throughput: a generated ListenBrainz JSONL export in, listens/s on PostgreSQL out.

Run by hand (not collected by pytest): `python tests/bench/bench_import.py [--listens 200000]`.
Recreates the database dw_bench_import, migrates it, runs `import_listens` on the file twice
(first import, then a re-import that stores nothing new) and prints listens/s for each; the
target is 20,000/s. --baseline also times plain listens_store per chunk for comparison.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dw_bench_import"
TARGET_PER_SECOND = 20_000


def write_export(path: Path, *, listens: int, tracks: int, seed: int = 1) -> None:
    """ListenBrainz-export-shaped JSONL: half the tracks carry a recording MBID."""
    rng = np.random.default_rng(seed)
    artists = max(1, tracks // 10)
    popularity = rng.zipf(1.3, tracks).astype(float)
    picks = rng.choice(tracks, listens, p=popularity / popularity.sum())
    start = 1_700_000_000
    times = start + np.cumsum(rng.integers(60, 400, listens))
    with path.open("w") as out:
        for track, when in zip(picks.tolist(), times.tolist(), strict=True):
            info = {"duration_ms": 180_000 + track % 120_000, "submission_client": "bench"}
            if track % 2 == 0:
                info["recording_mbid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{track}"))
            listen = {
                "listened_at": when,
                "inserted_at": when + 5,
                "track_metadata": {
                    "artist_name": f"Bench Artist {track % artists:04d}",
                    "track_name": f"Bench Track {track:05d}",
                    "release_name": f"Bench Release {track // 12:04d}",
                    "additional_info": info,
                    "recording_msid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"msid/{track}")),
                    "mbid_mapping": None,
                },
            }
            out.write(json.dumps(listen) + "\n")


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listens", type=int, default=200_000)
    parser.add_argument("--tracks", type=int, default=3_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--baseline", action="store_true", help="also time plain listens_store per chunk"
    )
    args = parser.parse_args()

    recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings_test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from webapp.listening.models import Listen
    from webapp.listening.services import listener_create

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "listens.jsonl"
        started = time.perf_counter()
        write_export(path, listens=args.listens, tracks=args.tracks)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.listens} listens over {args.tracks} tracks", end=" ")
        print(f"({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
        for label in ("first import", "re-import"):
            out = io.StringIO()
            started = time.perf_counter()
            call_command("import_listens", str(path), user="bench", create=True, stdout=out)
            rate = args.listens / (time.perf_counter() - started)
            verdict = "ok" if rate >= TARGET_PER_SECOND else "BELOW TARGET"
            print(f"{label}: {out.getvalue().strip()}")
            print(f"  manage.py import_listens end to end: {rate:,.0f} listens/s [{verdict}]")
        print(f"listens in database: {Listen.objects.count()}")
        if args.baseline:
            baseline(path, listener_create(username="bench_baseline").pk)


def baseline(path: Path, user_id: int) -> None:
    """The same file through listens_store, chunk by chunk, without the cross-chunk cache."""
    import datetime as dt

    from webapp.catalog.services import TrackRef
    from webapp.listening.importers import CHUNK_SIZE
    from webapp.listening.listen_files import Row, open_listens
    from webapp.listening.models import ListenSource
    from webapp.listening.services import ListenRecord, listens_store

    started, n, chunk = time.perf_counter(), 0, []
    for row in open_listens(path):
        if type(row) is Row:
            ref = TrackRef(row.artist, row.track, row.release, row.recording_mbid)
            when = dt.datetime.fromtimestamp(row.listened_at, tz=dt.UTC)
            chunk.append(ListenRecord(track=ref, listened_at=when))
        if len(chunk) >= CHUNK_SIZE:
            n += listens_store(user_id=user_id, records=chunk, source=ListenSource.IMPORT)
            chunk = []
    n += listens_store(user_id=user_id, records=chunk, source=ListenSource.IMPORT)
    seconds = time.perf_counter() - started
    print(f"baseline listens_store: {n} listens in {seconds:.1f} s ({n / seconds:,.0f} listens/s)")


if __name__ == "__main__":
    main()
