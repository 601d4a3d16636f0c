"""Benchmark: the listener dashboard under load, 100,000 listeners in PostgreSQL (run by hand).

    .venv/bin/python tests/bench/bench_dashboard.py [--listeners 100000 --tracks 50000]
        [--measured 2000 --weeks 4 --clients 20 --seconds 30 --workers 2 --threads 1]
        [--reuse [--rebuild-weeks]]

Builds the database `dw_bench_dash` (dropped first; `--reuse` keeps one built before): the
synthetic world loaded with COPY (bench_cf_retrain's loader), an analysis row per track (the
world's tempo, key and mode), curators' genre tags and one page per genre for the cultural
vectors, CF and culture trained (CF served even where it scores below popularity on its own
evaluation, as a curator may decide), and for `--measured` listeners `--weeks` weekly playlists
built by the real weekly job, with a quarter of the past weeks' picks played (source
"weekly"), some saved and skipped. Then serves the site with gunicorn (gthread workers, DEBUG
off) and has `--clients` keep-alive client threads each open the dashboard of a random
measured listener, as that listener (a session made for each), for `--seconds`, after a
warm-up that loads the models in every worker. Prints latency (median, p95, p99, max),
requests per second, the page's bytes (as sent, and gzip-compressed as a proxy would send
it), the gunicorn processes' CPU time per page, and the load average (the machine is
shared: other work slows every figure but the CPU per page).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DB_NAME = "dw_bench_dash"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
MODEL_DIR = Path(tempfile.gettempdir()) / "dw-bench-dash-models"
SECRET = "bench-dashboard-not-a-secret-" + "x" * 40


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--listens", type=float, default=70.0, help="mean plays per listener")
    parser.add_argument("--measured", type=int, default=2000, help="listeners with playlists")
    parser.add_argument("--weeks", type=int, default=4, help="weekly playlists per listener")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--blas-threads", type=int, default=1, help="per gunicorn process")
    parser.add_argument("--reuse", action="store_true", help="keep the database built before")
    parser.add_argument(
        "--rebuild-weeks", action="store_true", help="with --reuse: build the playlists again"
    )
    return parser.parse_args()


def django_env() -> dict[str, str]:
    return {
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "DW_MODEL_DIR": str(MODEL_DIR),
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_PROXY_SSL_HEADER": "1",  # as behind the TLS proxy production runs behind
    }


def setup_django(*, fresh: bool) -> None:
    import psycopg

    if fresh:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(django_env())
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def timed(label: str):
    class Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            print(f"{label}...", flush=True)

        def __exit__(self, *exc):
            print(f"  {label}: {time.perf_counter() - self.start:.1f}s", flush=True)

    return Timer()


def build_world(args) -> None:
    from django.db import connection

    from recommender.synthetic import generate_world
    from tests.bench.bench_cf_retrain import copy_rows, load_world

    with timed("generate the world"):
        world = generate_world(
            n_listeners=args.listeners,
            n_tracks=args.tracks,
            mean_listens_per_listener=args.listens,
            seed=11,
        )
    with timed("load it with COPY"):
        load_world(world)
    rng = np.random.default_rng(5)
    loudness = -8 - 3 * (np.asarray(world.track_genre) % 5) + rng.normal(0, 1.5, args.tracks)
    with timed("analysis rows and genre tags"), connection.cursor() as cur:
        copy_rows(
            cur.cursor,
            "audio_trackanalysis",
            "track_id, status, error, analyzer_version, audio_name, features, tempo, key, "
            "mode, loudness, time_signature, spectrogram_path, prediction_seq, updated_at",
            (
                f"{t + 1}\tsucceeded\t\t1\t\t{{}}\t{tempo:.2f}\t{key}\t{mode}\t{loud:.2f}\t4\t\t0"
                "\tnow\n"
                for t, (tempo, key, mode, loud) in enumerate(
                    zip(
                        world.track_tempo_bpm.tolist(),
                        world.track_key.tolist(),
                        world.track_mode.tolist(),
                        loudness.tolist(),
                        strict=True,
                    )
                )
            ),
        )
        genre_tags = [name.lower() for name in world.genre_names]
        copy_rows(
            cur.cursor,
            "culture_manualtag",
            "artist_id, tag, created_at",
            (
                f"{a + 1}\t{genre_tags[g]}\tnow\n"
                for a, g in enumerate(np.asarray(world.artist_genre).tolist())
            ),
        )
        cur.execute("VACUUM ANALYZE")
    train_models(world)
    build_weeks(args)


def train_models(world) -> None:
    from django.utils import timezone

    from webapp.culture.rebuild import culture_rebuild
    from webapp.culture.services import PageData, documents_store
    from webapp.training import services

    with timed("culture rebuild"):
        now = timezone.now()
        documents_store(
            pages=[
                PageData(
                    url=f"https://bench.test/{i}",
                    title=name,
                    text=f"A{i} plays {name.lower()} music.",
                    published=now.date(),
                    fetched_at=now,
                )
                for i, name in enumerate(world.genre_names)
            ]
        )
        culture_rebuild()
    with timed("CF retrain (and its map)"):
        services.cf_retrain(force=True)
    cf_activate()


def cf_activate() -> None:
    """Serve the newest CF version even where it scored below popularity on its own temporal
    evaluation (as a curator may, in admin): the dashboard is measured with every panel."""
    from webapp.training import services
    from webapp.training.models import ModelKind, ModelVersion

    version = ModelVersion.objects.filter(kind=ModelKind.CF, status="succeeded").latest("pk")
    if not version.is_active:
        services.version_activate(version=version)
    print(
        f"  CF version #{version.pk} serves (NDCG@10 {version.metrics.get('ndcg@10', 0):.4f}, "
        f"popularity {version.metrics.get('popularity_ndcg@10', 0):.4f})",
        flush=True,
    )


def measured_ids(args) -> list[int]:
    step = max(1, args.listeners // args.measured)
    return list(range(1, args.listeners + 1, step))[: args.measured]


def build_weeks(args) -> None:
    from django.db import connection

    from tests.bench.bench_cf_retrain import copy_rows
    from webapp.playlists.services import week_start
    from webapp.playlists.weekly import week_run

    ids = measured_ids(args)
    this_week = week_start()
    with connection.cursor() as cur:  # idempotent: earlier weeks and their outcomes go first
        for table in ("listening_listen", "listening_savedtrack", "listening_skip"):
            cur.execute(f"DELETE FROM {table} WHERE source = 'weekly'")
        cur.execute("DELETE FROM playlists_weeklyplaylistitem")
        cur.execute("DELETE FROM playlists_weeklyplaylist")
    weeks = [this_week - dt.timedelta(days=7 * k) for k in range(args.weeks - 1, -1, -1)]
    for week in weeks:
        with timed(f"playlists of {len(ids)} listeners for the week of {week}"):
            week_run(week=week, user_ids=ids, playlists_only=True)
    rng = np.random.default_rng(3)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.user_id, i.track_id, p.week FROM playlists_weeklyplaylistitem i"
            " JOIN playlists_weeklyplaylist p ON p.id = i.playlist_id WHERE p.week < %s",
            [this_week],
        )
        picks = cur.fetchall()
        is_played = rng.random(len(picks)) < 0.25
        played = [row for row, hit in zip(picks, is_played, strict=True) if hit]
        saved = [row for row in played if rng.random() < 0.3]
        skipped = [
            row for row, hit in zip(picks, is_played, strict=True) if not hit and rng.random() < 0.1
        ]  # by the mask: `row not in played` scanned a 45,000-row list for each of 180,000 picks

        def at(week: dt.date) -> str:
            return f"{week + dt.timedelta(days=2)} 18:00:00+00"

        copy_rows(
            cur.cursor,
            "listening_listen",
            "user_id, track_id, listened_at, source, inserted_at",
            (f"{u}\t{t}\t{at(w)}\tweekly\tnow\n" for u, t, w in played),
        )
        copy_rows(
            cur.cursor,
            "listening_savedtrack",
            "user_id, track_id, saved_at, source",
            (f"{u}\t{t}\t{at(w)}\tweekly\n" for u, t, w in saved),
        )
        copy_rows(
            cur.cursor,
            "listening_skip",
            "user_id, track_id, skipped_at, ms_played, source",
            (f"{u}\t{t}\t{at(w)}\t5000\tweekly\n" for u, t, w in skipped),
        )
        cur.execute("VACUUM ANALYZE")
    print(f"  picks played {len(played)}, saved {len(saved)}, skipped {len(skipped)}")


def sessions(ids: list[int]) -> dict[int, tuple[str, str]]:
    """A logged-in session cookie per listener (made directly: no password hashing)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    users = get_user_model().objects.in_bulk(ids)
    out = {}
    for pk, user in users.items():
        store = SessionStore()
        store[SESSION_KEY] = str(pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        out[pk] = (user.get_username(), store.session_key)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, port: int) -> subprocess.Popen:
    env = {**os.environ, **django_env(), "DJANGO_SETTINGS_MODULE": "webapp.settings"}
    # A request thread's products are small: a BLAS thread pool per process only contends.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(args.blas_threads)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "webapp.wsgi",
        "-k", "gthread",
        "-w", str(args.workers),
        "--threads", str(args.threads),
        "-b", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("gunicorn did not start")


def server_cpu_seconds(master: int) -> float:
    """User + system CPU seconds of the gunicorn master and its workers so far (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in [master, *map(int, children)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def fetch(conn: http.client.HTTPConnection, name: str, session: str) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    headers = {"Cookie": f"sessionid={session}", "X-Forwarded-Proto": "https"}
    conn.request("GET", f"/listeners/{name}/", headers=headers)
    response = conn.getresponse()
    body = response.read()
    return time.perf_counter() - start, response.status, body


def load(port: int, cookies: list, clients: int, seconds: float) -> tuple[list, list, list]:
    latencies: list[float] = []
    sizes: list[int] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine_l, mine_s, mine_f = [], [], []
        while time.monotonic() < stop:
            name, session = rnd.choice(cookies)
            took, status, body = fetch(conn, name, session)
            (mine_l if status == 200 else mine_f).append(took if status == 200 else status)
            if status == 200:
                mine_s.append(len(body))
        conn.close()
        with lock:
            latencies.extend(mine_l)
            sizes.extend(mine_s)
            failures.extend(mine_f)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, sizes, failures


def main() -> None:
    args = parse_args()
    setup_django(fresh=not args.reuse)
    if not args.reuse:
        build_world(args)
    elif args.rebuild_weeks:
        cf_activate()
        build_weeks(args)
    cookies = list(sessions(measured_ids(args)).values())
    port = free_port()
    server = start_gunicorn(args, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        took, status, body = fetch(conn, *cookies[0])
        if status != 200:
            sys.exit(f"the dashboard answered {status}: {body[:300]!r}")
        print(f"first request (a worker loads the models): {took * 1000:.0f} ms")
        load(port, cookies, args.clients, 8.0)  # every worker and thread warm
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        cpu = server_cpu_seconds(server.pid)
        latencies, sizes, failures = load(port, cookies, args.clients, args.seconds)
        cpu = server_cpu_seconds(server.pid) - cpu
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    ms = np.array(latencies) * 1000
    print(
        f"{args.clients} clients, {args.seconds:.0f} s, gunicorn {args.workers} workers x "
        f"{args.threads} threads ({args.blas_threads} BLAS thread): {ms.size} pages, "
        f"{ms.size / args.seconds:.1f}/s, {len(failures)} failed"
    )
    print(f"server CPU per page (gunicorn processes, PostgreSQL not counted): "
          f"{1000 * cpu / max(ms.size, 1):.1f} ms")  # fmt: skip
    print(
        f"latency ms: median {np.median(ms):.0f}, p95 {np.percentile(ms, 95):.0f}, "
        f"p99 {np.percentile(ms, 99):.0f}, max {ms.max():.0f}  (aim p95 < 200)"
    )
    compressed = len(gzip.compress(body, 6))
    print(
        f"page bytes: median {np.median(sizes):,.0f} as sent; this page {len(body):,} "
        f"({compressed:,} gzip-compressed by a proxy); plotly.min.js "
        f"{(ROOT / '.venv').exists() and _plotly_size()} (static, cached)"
    )


def _plotly_size() -> str:
    from webapp.dashboard.staticfiles import PLOTLY_JS_SOURCE

    raw = PLOTLY_JS_SOURCE.read_bytes()
    return f"{len(raw):,} bytes, {len(gzip.compress(raw, 6)):,} gzip-compressed"


if __name__ == "__main__":
    main()
