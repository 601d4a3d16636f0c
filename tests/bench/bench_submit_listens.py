"""Benchmark POST /1/submit-listens over real HTTP against PostgreSQL (run by hand).

A fresh database (dropped and migrated), one listener, a gunicorn server on loopback; out come
listens/s for 1000-listen imports and requests/s for single listens, from concurrent
keep-alive http.client threads, each checked against the rows actually stored.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dw_bench_api \\
        .venv/bin/python tests/bench/bench_submit_listens.py [--workers 3] [--seconds 10]

Defaults: 3 gthread workers (keep-alive; sync workers close every connection) and 4 client
threads. Rate limits are lifted through RATELIMIT_PER_TOKEN / RATELIMIT_PER_IP; the cache is
Redis (REDIS_URL, default redis://127.0.0.1:6379/1) as in production.

Named bench_*.py so that pytest's test_*.py collection never runs it. The database name must
contain "bench": it is dropped and re-created.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dw_bench_api"
ARTISTS, TRACKS_PER_ARTIST = 500, 20  # a 10,000-track catalog, half of it with MBIDs
BATCH = 1000
START_TS = 1_300_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--worker-class", default="gthread", help="gunicorn worker class (gthread keeps alive)"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    return parser.parse_args()


def database_reset(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must contain 'bench'")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def listener_token(env: dict) -> str:
    """Create the listener with Django in this process; return its token."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from webapp.listening.services import listener_create, listener_token_regenerate

    return listener_token_regenerate(user=listener_create(username="bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(args, env: dict, port: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "webapp.wsgi",
        f"--workers={args.workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--keep-alive=30",
    ]
    command += [f"--worker-class={args.worker_class}", f"--threads={args.threads}"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/1/openapi.json")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit("the server did not come up")


def catalog() -> list[dict]:
    tracks = []
    for a in range(ARTISTS):
        for t in range(TRACKS_PER_ARTIST):
            metadata = {"artist_name": f"Bench Artist {a}", "track_name": f"Song {t} of {a}"}
            if (a + t) % 2 == 0:
                mbid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{a}/{t}"))
                metadata["additional_info"] = {"recording_mbid": mbid, "duration_ms": 200_000}
            tracks.append(metadata)
    return tracks


class Timestamps:
    """Unique listened_at values, so that every submitted listen is a new row."""

    def __init__(self) -> None:
        self.next = START_TS

    def take(self, n: int) -> range:
        start, self.next = self.next, self.next + n
        return range(start, start + n)


def bodies(tracks, stamps: Timestamps, count: int, size: int, listen_type: str) -> list[bytes]:
    rng = random.Random(count * size)
    return [
        json.dumps(
            {
                "listen_type": listen_type,
                "payload": [
                    {"listened_at": ts, "track_metadata": rng.choice(tracks)}
                    for ts in stamps.take(size)
                ],
            }
        ).encode()
        for _ in range(count)
    ]


def run_phase(port: int, token: str, work: list[bytes], clients: int, seconds: float) -> dict:
    """Send `work` from `clients` keep-alive threads until done or out of time."""
    lock, cursor = threading.Lock(), iter(work)
    done, failures, latencies = [0], [], []
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                body = next(cursor, None)
            if body is None:
                return
            started = time.perf_counter()
            conn.request("POST", "/1/submit-listens", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            with lock:
                latencies.append(time.perf_counter() - started)
                if response.status == 200:
                    done[0] += 1
                else:
                    failures.append((response.status, answer[:200]))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": done[0],
        "failures": failures,
        "elapsed": elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
    }


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class CpuMeter:
    """CPU seconds used by the server (gunicorn), its PostgreSQL backends and this client.

    The machine may be shared, so wall-clock rates understate capacity; CPU per request
    does not depend on what else runs."""

    def __init__(self, server: subprocess.Popen, db_url: str) -> None:
        self.server, self.db_name = server, urlparse(db_url).path.lstrip("/")
        self.admin_url = urlparse(db_url)._replace(path="/postgres").geturl()

    def _server_pids(self) -> list[int]:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        return [self.server.pid, *map(int, children.read_text().split())]

    def _backend_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
            ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self) -> dict[str, float]:
        return {
            "app": sum(map(_cpu, self._server_pids())),
            "postgres": sum(map(_cpu, self._backend_pids())),
            "client": time.process_time(),
        }


def cpu_report(before: dict, after: dict, requests: int) -> None:
    if not requests:
        return
    per = {k: 1000 * (after[k] - before[k]) / requests for k in before}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    print(
        f"  CPU per request: app {per['app']:.2f} ms, postgres {per['postgres']:.2f} ms,"
        f" client {per['client']:.2f} ms = {total:.2f} ms; {cores} idle cores would allow about"
        f" {1000 * cores / total:.0f} requests/s"
    )


def listen_count() -> int:
    from webapp.listening.models import Listen

    return Listen.objects.count()


def report(label: str, result: dict, listens_per_request: int) -> None:
    listens = result["requests"] * listens_per_request
    print(
        f"{label}: {result['requests']} requests, {listens} listens in {result['elapsed']:.2f} s"
        f" -> {result['requests'] / result['elapsed']:.0f} requests/s,"
        f" {listens / result['elapsed']:.0f} listens/s"
        f" (latency p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms)"
    )
    if result["failures"]:
        print(f"  {len(result['failures'])} failures, first: {result['failures'][0]}")


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only",
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "RATELIMIT_PER_TOKEN": os.environ.get("RATELIMIT_PER_TOKEN", "100000000"),
        "RATELIMIT_PER_IP": os.environ.get("RATELIMIT_PER_IP", "100000000"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    }
    database_reset(url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    token = listener_token(env)
    port = args.port or free_port()
    server = server_start(args, env, port)
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers x {args.threads} threads;"
        f" {args.clients} client threads"
    )
    try:
        tracks, stamps = catalog(), Timestamps()
        warm = [
            json.dumps(
                {
                    "listen_type": "import",
                    "payload": [
                        {"listened_at": ts, "track_metadata": metadata}
                        for ts, metadata in zip(
                            stamps.take(BATCH), tracks[i : i + BATCH], strict=True
                        )
                    ],
                }
            ).encode()
            for i in range(0, len(tracks), BATCH)
        ]
        cold = run_phase(port, token, warm, args.clients, 600)
        report("cold import (creates the 10,000-track catalog)", cold, BATCH)

        meter = CpuMeter(server, url)
        batches = bodies(tracks, stamps, int(args.seconds * 60), BATCH, "import")
        before, cpu = listen_count(), meter.sample()
        batched = run_phase(port, token, batches, args.clients, args.seconds)
        report("import, 1000 listens a request", batched, BATCH)
        cpu_report(cpu, meter.sample(), batched["requests"])
        assert listen_count() - before == batched["requests"] * BATCH, "stored != submitted"

        singles = bodies(tracks, stamps, int(args.seconds * 2000), 1, "single")
        before, cpu = listen_count(), meter.sample()
        single = run_phase(port, token, singles, args.clients, args.seconds)
        report("single, 1 listen a request", single, 1)
        cpu_report(cpu, meter.sample(), single["requests"])
        assert listen_count() - before == single["requests"], "stored != submitted"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            database_drop(url)


if __name__ == "__main__":
    main()
