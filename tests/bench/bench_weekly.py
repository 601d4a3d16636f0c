"""Benchmark: the weekly build for 100,000 listeners x 50,000 tracks in PostgreSQL (by hand).

    python tests/bench/bench_weekly.py [--listeners 100000 --tracks 50000 --workers 2]

Creates the database `dw_bench_weekly` (dropped first), loads the synthetic world with COPY
(tests/bench/bench_cf_retrain.py's loader), trains and activates CF, then measures in the
same run:

  bare product  every listener's CF vector x every track's, in row blocks (numpy, one process
                with every BLAS thread): the floor any build must pay
  weekly build  the playlist step from the active models to every listener's playlist
                written in PostgreSQL, run as it is deployed: a real Celery worker with
                --workers processes takes the chunk tasks of `playlists.step_playlists`
                (broker: Redis on 127.0.0.1, db 9, which the bench empties first)

and prints seconds end to end, the peak resident memory of the largest worker process and
the ratio of the build to the bare product. Aims (issue 9): at most 120 s, under 4 GiB,
within 4x of the bare product on 2 cores.
"""

from __future__ import annotations

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
BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")

import tests.bench.bench_cf_retrain as loader  # noqa: E402

loader.DB_NAME = "dw_bench_weekly"


def bare_product(serving) -> float:
    import numpy as np

    users, items = serving.user_factors, serving.item_factors
    block = 5000
    started = time.perf_counter()
    for lo in range(0, users.shape[0], block):
        scores = users[lo : lo + block] @ items.T
        np.max(scores)  # touch the block, as any consumer would
    return time.perf_counter() - started


def weekly_build(workers: int, model_dir: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB of the largest worker process, playlists written)."""
    from webapp.playlists.models import WeeklyBuild
    from webapp.playlists.services import week_start
    from webapp.playlists.weekly import build_begin

    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "DW_MODEL_DIR": model_dir,
        "DJANGO_SETTINGS_MODULE": "webapp.settings_test",
    }
    import redis

    redis.Redis.from_url(BROKER).flushdb()  # this bench's own db: no stale tasks
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "webapp", "worker", "-c", str(workers),
         "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        time.sleep(8)  # the worker's processes start and import the project
        build = build_begin(week=week_start())
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c",
             "import django; django.setup();"
             "from webapp.playlists.tasks import step_playlists;"
             f"step_playlists.delay({build.pk})"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        while True:
            build.refresh_from_db()
            if build.status != "running":
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if build.status != "succeeded":
        raise SystemExit(f"the build {build.status}: {build.error}")
    return seconds, peak, WeeklyBuild.objects.get(pk=build.pk).playlists_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--listens", type=float, default=70.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database a run left"
    )
    args = parser.parse_args()
    model_dir = tempfile.mkdtemp(prefix="bench-weekly-")
    os.environ.pop("CELERY_BROKER_URL", None)
    if args.reuse:
        reuse_django(model_dir)
    else:
        loader.setup_django(model_dir)
        load(args)
    from webapp.training import services
    from webapp.training.selectors import model_version_active

    version = (model_version_active() if args.reuse else None) or services.cf_retrain(force=True)
    if not version.is_active:  # the gate refused it (see its message): serve it anyway here
        print(f"CF version #{version.pk}: {version.progress_message}", flush=True)
        services.version_activate(version=version)
    print(f"CF version #{version.pk}: {version.status}, {version.data_counts}", flush=True)
    product_s = bare_product(services.cf_serving())
    print(f"bare product {args.listeners:,} x {args.tracks:,}: {product_s:.1f}s", flush=True)
    seconds, peak_mib, written = weekly_build(args.workers, model_dir)
    print(
        f"weekly build with {args.workers} worker processes: {seconds:.1f}s for {written:,} "
        f"playlists; peak worker RSS {peak_mib:,.0f} MiB; ratio to the bare product "
        f"{seconds / product_s:.1f}x (aims: <= 120 s, < 4 GiB, <= 4x)"
    )


def load(args) -> None:
    from recommender.synthetic import generate_world

    world = generate_world(
        n_listeners=args.listeners,
        n_tracks=args.tracks,
        mean_listens_per_listener=args.listens,
        seed=11,
    )
    started = time.perf_counter()
    n_listens = loader.load_world(world)
    print(f"loaded {n_listens:,} listens in {time.perf_counter() - started:.0f}s", flush=True)
    with_profiles(args.listeners)


def reuse_django(model_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{loader.SERVER}/{loader.DB_NAME}"
    os.environ["DW_MODEL_DIR"] = model_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings_test")
    import django

    django.setup()


def with_profiles(n_users: int) -> None:
    """Every loaded user is a listener (the loader writes auth_user rows only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO listening_profile (user_id, token_hash, token_prefix, is_synthetic,"
            " created_at) SELECT id, NULL, '', true, now() FROM auth_user"
        )


if __name__ == "__main__":
    main()
