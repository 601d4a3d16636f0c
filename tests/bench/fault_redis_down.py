"""Redis stopped under a live site (issue 8 fault; run by hand).

A redis-server of the script's own (--redis-port, default 6390; append-only file on, so what
was queued survives a restart; never the shared 6379) is the cache and the Celery broker of a
site on PostgreSQL (a dw_reliab_* database) served by gunicorn, with a Celery worker and a
trained CF version, so a listen queues its listener's re-solve. Then:

0. Redis up: a listen is stored and its listener re-solved by the worker;
1. the worker stopped, a listen queues a re-solve in Redis; then Redis is shut down;
2. Redis down: listens are stored (200) and pages served (home, track page, the API's reads);
3. Redis started again, then the worker: the re-solve queued before the outage runs, and the
   one that could not be queued during it is queued with the next listen and runs too.

    .venv/bin/python tests/bench/fault_redis_down.py [--database-url postgres://...dw_reliab_redis]

Prints each phase's answers and timings; exits non-zero if an expectation failed.
"""

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.live import ROOT, live_site  # noqa: E402

CELERY = str(Path(sys.executable).parent / "celery")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dw_reliab_redis"
RESOLVE_WAIT_SECONDS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-port", type=int, default=6390)
    return parser.parse_args()


class OwnRedis:
    def __init__(self, port: int) -> None:
        if port == 6379:
            sys.exit("6379 is the shared Redis: pick another port")
        self.port, self.folder = port, Path(tempfile.mkdtemp(prefix="dw-reliab-redis-"))
        self.url, self.process = f"redis://127.0.0.1:{port}/0", None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        sys.exit("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()  # SIGTERM: redis fsyncs its append-only file and exits
        self.process.wait(timeout=30)

    def cli(self, *args: str) -> str:
        done = subprocess.run(["redis-cli", "-p", str(self.port), *args],
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout.strip()

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_workers: list[subprocess.Popen] = []  # stopped at the end whatever happens


def worker_start(env: dict, log: Path) -> subprocess.Popen:
    worker = subprocess.Popen(
        [CELERY, "-A", "webapp", "worker", "-c", "1", "-l", "warning", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    _workers.append(worker)
    return worker


def worker_stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=60)


def call(site, method: str, path: str, body=None, token=None) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    started = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    status = conn.getresponse().status
    return status, time.perf_counter() - started


def listen(site, name: str, when: int) -> tuple[int, float]:
    body = {
        "listen_type": "single",
        "payload": [{"listened_at": when, "track_metadata": {"artist_name": "Redis Outage",
                                                             "track_name": f"Song {when}"}}],
    }  # fmt: skip
    return call(site, "POST", "/1/submit-listens", body, site.tokens[name])


def db_scalar(url: str, sql: str, args=()) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql, args).fetchone()[0]


def vectors(url: str, name: str) -> int:
    return db_scalar(url, "SELECT count(*) FROM training_listenervector v JOIN auth_user u"
                          " ON u.id = v.user_id WHERE u.username = %s", [name])  # fmt: skip


def stored(url: str, name: str) -> int:
    return db_scalar(url, "SELECT count(*) FROM listening_listen l JOIN auth_user u"
                          " ON u.id = l.user_id WHERE u.username = %s", [name])  # fmt: skip


def wait_for_vector(url: str, name: str) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < RESOLVE_WAIT_SECONDS:
        if vectors(url, name):
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def run(site, redis: OwnRedis, url: str) -> list[str]:
    problems, log = [], site.var_dir / "worker.log"
    worker = worker_start(site.env, log)
    status, seconds = listen(site, "ada", 1_700_000_000)
    took = wait_for_vector(url, "ada")
    print(f"0. Redis up: ada's listen {status} in {seconds * 1000:.0f} ms; re-solved by the "
          f"worker after {took:.1f} s" if took else "0. ada was never re-solved")  # fmt: skip
    problems += [] if status == 200 and took else ["0: listen or re-solve failed"]

    worker_stop(worker)
    status, _ = listen(site, "bob", 1_700_000_100)
    queued = redis.cli("LLEN", "celery")
    redis.stop()
    print(f"1. worker stopped: bob's listen {status}, {queued} task(s) waiting; Redis shut down")

    answers = [("POST cleo's listen", *listen(site, "cleo", 1_700_000_200))]
    for path in ("/", f"/tracks/{site.track_id}/", "/1/user/cleo/listens", "/accounts/login/"):
        answers.append((f"GET {path}", *call(site, "GET", path)))
    print("2. Redis down:")
    for what, status, seconds in answers:
        print(f"   {what}: {status} in {seconds * 1000:.0f} ms")
    problems += [f"2: {what} answered {status}" for what, status, _ in answers if status != 200]
    problems += [] if stored(url, "cleo") == 1 else ["2: cleo's listen was not stored"]

    redis.start()
    worker = worker_start(site.env, log)
    status, _ = listen(site, "ada", 1_700_000_300)  # queues cleo's missed re-solve with it
    for name in ("bob", "cleo"):
        took = wait_for_vector(url, name)
        print(f"3. Redis back: {name} re-solved after {took:.1f} s" if took
              else f"3. Redis back: {name} was never re-solved")  # fmt: skip
        problems += [] if took else [f"3: {name}'s re-solve never ran"]
    worker_stop(worker)
    return problems


def main() -> None:
    args = parse_args()
    redis = OwnRedis(args.redis_port)
    redis.start()
    try:
        with live_site(
            database_url=args.database_url,
            redis_url=redis.url,
            broker_url=redis.url,
            listeners=("ada", "bob", "cleo"),
            workers=1,  # one process: what it could not queue, it queues with its next listen
        ) as site:
            site.manage("seed_demo", "--listeners", "100", "--tracks", "1000",
                        "--audio-clips", "0", "--allow-real-listeners", "-v0")  # fmt: skip
            site.manage("train_cf", "-v0")
            site.track_id = db_scalar(args.database_url, "SELECT min(id) FROM catalog_track")
            problems = run(site, redis, args.database_url)
            outages = site.log.read_text().count("cannot be reached")
            print(f"server log: {outages} outage report(s) (logged at most once a minute each)")
    finally:
        for worker in _workers:
            worker_stop(worker)
        redis.destroy()
    for problem in problems:
        print("FAILED", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
