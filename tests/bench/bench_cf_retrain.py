"""Benchmark: CF retrain on a large synthetic world in PostgreSQL (run by hand).

    python tests/bench/bench_cf_retrain.py [--listeners 100000 --tracks 50000 --listens 70]

Creates the database `dw_bench_cf` (dropped first), loads the synthetic world with COPY, then
prints: seconds to export the matrix (SQL aggregation -> numpy), then `--rounds` whole retrains
(database to active version, including evaluation and the artifact) alternating with bare
`implicit` fits of the same matrix, and the ratio of the median retrain to the median fit.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DB_NAME = "dw_bench_cf"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def setup_django(model_dir: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["DW_MODEL_DIR"] = model_dir
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reuse_django(database: str, model_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["DW_MODEL_DIR"] = model_dir
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings_test")
    import django

    django.setup()


def copy_rows(cursor, table: str, columns: str, lines) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for n, line in enumerate(lines, start=1):
            buffer.write(line)
            if n % 200_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def load_world(world) -> int:
    import numpy as np
    from django.db import connection

    n_users = len(world.listener_names)
    n_artists = len(world.artist_names)
    with connection.cursor() as cur:
        raw = cur.cursor
        copy_rows(
            raw,
            "catalog_artist",
            "id, name, name_normalized, is_synthetic, created_at",
            (f"{i + 1}\tA{i}\ta{i}\tt\tnow\n" for i in range(n_artists)),
        )
        copy_rows(
            raw,
            "catalog_track",
            "id, artist_id, title, title_normalized, release_name, audio, is_synthetic, created_at",
            (
                f"{i + 1}\t{a + 1}\tT{i}\tt{i}\t\t\tt\tnow\n"
                for i, a in enumerate(world.track_artist.tolist())
            ),
        )
        copy_rows(
            raw,
            "auth_user",
            "id, username, password, is_superuser, first_name, last_name, email, is_staff, "
            "is_active, date_joined",
            (f"{i + 1}\tu{i}\t!\tf\t\t\t\tf\tt\tnow\n" for i in range(n_users)),
        )
        plays = world.plays
        order = np.lexsort((plays.timestamp, plays.item, plays.listener))
        keys = np.stack([plays.listener[order], plays.item[order], plays.timestamp[order]], 1)
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = np.any(keys[1:] != keys[:-1], axis=1)
        keys = keys[keep]
        copy_rows(
            raw,
            "listening_listen",
            "user_id, track_id, listened_at, source, inserted_at",
            (
                f"{u + 1}\t{t + 1}\t{ts}\tsynthetic\tnow\n"
                for u, t, ts in zip(
                    keys[:, 0].tolist(),
                    keys[:, 1].tolist(),
                    (np.datetime64(0, "s") + keys[:, 2].astype("timedelta64[s]"))
                    .astype(str)
                    .tolist(),
                    strict=True,
                )
            ),
        )
        saves = world.saves
        pairs = np.unique(np.stack([saves.listener, saves.item], 1), axis=0)
        copy_rows(
            raw,
            "listening_savedtrack",
            "user_id, track_id, saved_at, source",
            (f"{u + 1}\t{t + 1}\tnow\tsynthetic\n" for u, t in pairs.tolist()),
        )
        # Settle the fresh table first (visibility map for index-only scans, statistics), so
        # an autovacuum does not compete with the timings below.
        cur.execute("VACUUM ANALYZE")
    return int(keep.sum())


def _spread(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--listens", type=float, default=70.0, help="mean plays per listener")
    parser.add_argument(
        "--rounds", type=int, default=3, help="whole retrains, each followed by a bare fit"
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure on this database, loaded by an earlier run (e.g. dw_bench_weekly)",
    )
    args = parser.parse_args()
    import tempfile

    if args.reuse:
        reuse_django(args.reuse, tempfile.mkdtemp(prefix="bench-cf-"))
    else:
        setup_django(tempfile.mkdtemp(prefix="bench-cf-"))
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from recommender.synthetic import generate_world
    from webapp.training import services

    if not args.reuse:
        t = time.perf_counter()
        world = generate_world(
            n_listeners=args.listeners,
            n_tracks=args.tracks,
            mean_listens_per_listener=args.listens,
            seed=11,
        )
        print(f"generated world in {time.perf_counter() - t:.1f}s", flush=True)
        t = time.perf_counter()
        n_listens = load_world(world)
        print(f"loaded {n_listens:,} listens with COPY in {time.perf_counter() - t:.1f}s")

    params = services.cf_params_default()
    t = time.perf_counter()
    interactions = services.interactions_export(params=params)
    export_s = time.perf_counter() - t
    n_users, n_items = interactions.shape
    print(
        f"matrix: {n_users:,} listeners x {n_items:,} tracks, "
        f"{interactions.counts.nnz:,} pairs; export {export_s:.2f}s",
        flush=True,
    )

    def bare_fit() -> float:
        with threadpool_limits(1, "blas"):
            bare = AlternatingLeastSquares(
                factors=params.factors,
                regularization=params.regularization,
                alpha=1.0,
                iterations=params.iterations,
                random_state=params.random_state,
            )
            t = time.perf_counter()
            bare.fit(interactions.matrix, show_progress=False)
            return time.perf_counter() - t

    # The same ALS fit varies by 10-20 % from one run to the next on a shared machine, so
    # bare fits and whole retrains alternate (bare, whole, bare, ..., bare) and the ratio is
    # of the medians: a slow spell hits both sides instead of deciding the figure.
    bare_s, whole_s, versions = [bare_fit()], [], []
    for round_ in range(args.rounds):
        t = time.perf_counter()
        versions.append(services.cf_retrain(force=True))
        whole_s.append(time.perf_counter() - t)
        bare_s.append(bare_fit())
        print(
            f"round {round_ + 1}: whole {whole_s[-1]:.2f}s "
            f"(its fit {versions[-1].metrics['seconds_fit']:.2f}s), bare {bare_s[-1]:.2f}s",
            flush=True,
        )
    version = versions[-1]
    bare, whole = statistics.median(bare_s), statistics.median(whole_s)
    print(f"bare implicit fit ({params}): median {bare:.2f}s of {len(bare_s)} ({_spread(bare_s)})")
    print(
        f"whole retrain (database -> version #{version.pk}, "
        f"{'activated' if version.is_active else 'not activated: below popularity'}): "
        f"median {whole:.2f}s "
        f"of {len(whole_s)} ({_spread(whole_s)})"
    )
    stages = sorted({k for v in versions for k in v.metrics if k.startswith("seconds_")})
    medians = {k: round(statistics.median(v.metrics[k] for v in versions), 3) for k in stages}
    around = statistics.median(
        w - v.metrics["seconds_fit"] for w, v in zip(whole_s, versions, strict=True)
    )
    print(f"  stage medians: {medians}")
    print(f"  around the fit: {around:.2f}s (each retrain less its own fit, median)")
    print(f"ratio whole/bare: {whole / bare:.3f}  (aim <= 1.25)")
    print(
        f"ndcg@10 {version.metrics.get('ndcg@10', float('nan')):.4f} vs popularity "
        f"{version.metrics.get('popularity_ndcg@10', float('nan')):.4f}"
    )
    print(f"artifact {Path(version.artifact_path).stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
