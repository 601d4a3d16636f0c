"""PostgreSQL restarted under `manage.py import_listens` (issue 8 fault; run by hand).

A throwaway PostgreSQL cluster of the script's own (initdb under /tmp, its own port; the
shared cluster is never touched), a listener, and a JSONL export of --listens listens. Then:

A. the import runs and the cluster is restarted (pg_ctl restart -m fast) once a quarter is
   stored: the import must wait it out and finish, every listen stored exactly once;
B. the import runs with --reconnect-seconds 5 and the cluster crashes (pg_ctl stop -m
   immediate) once a quarter is stored, staying down 12 s: the import must exit non-zero with
   one line, the stored listens must be whole chunks, and the same import run again once the
   cluster is back must store the rest, each listen exactly once.

    .venv/bin/python tests/bench/fault_pg_restart_import.py [--listens 300000] [--port 5440]

Prints what happened in each and exits non-zero if any expectation failed.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.live import ROOT, database_reset, manage, site_env  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
CHUNK = 5000  # webapp.listening.importers.CHUNK_SIZE
DATABASE = "dw_reliab_import"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listens", type=int, default=300_000)
    parser.add_argument("--port", type=int, default=5440, help="the throwaway cluster's port")
    return parser.parse_args()


class Cluster:
    """A PostgreSQL cluster in a temporary folder, run as the postgres user when we are root."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="dw-reliab-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    def pg_ctl(self, *args: str) -> float:
        """Run pg_ctl against this cluster; returns how long it took."""
        started = time.monotonic()
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", *args)  # fmt: skip
        return time.monotonic() - started

    def create(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync")  # fmt: skip
        self.pg_ctl("start")

    def destroy(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "fast")
        except subprocess.CalledProcessError:
            pass  # already down
        shutil.rmtree(self.folder, ignore_errors=True)


def export_write(path: Path, listens: int, start: int) -> None:
    rng = random.Random(listens)
    with path.open("w") as out:
        for i in range(listens):
            artist = rng.randrange(2000)
            song = rng.randrange(10)
            metadata = {"artist_name": f"Artist {artist}", "track_name": f"Song {song} by {artist}"}
            out.write(json.dumps({"listened_at": start + 30 * i, "track_metadata": metadata}))
            out.write("\n")


def counts(url: str, username: str) -> tuple[int, int]:
    """(listens, distinct (track, listened_at)) stored for the listener."""
    import psycopg

    with psycopg.connect(url, connect_timeout=2) as conn:
        return conn.execute(
            "SELECT count(*), count(DISTINCT (l.track_id, l.listened_at)) FROM listening_listen l"
            " JOIN auth_user u ON u.id = l.user_id WHERE u.username = %s",
            [username],
        ).fetchone()


def stored_so_far(url: str, username: str) -> int:
    try:
        return counts(url, username)[0]
    except Exception:
        return -1


def start_import(env: dict, path: Path, username: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_listens", str(path), "--user", username, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_quarter(url: str, username: str, listens: int, process: subprocess.Popen) -> int:
    while (stored := stored_so_far(url, username)) < listens // 4:
        if process.poll() is not None:
            sys.exit(f"the import ended before a quarter was stored: {process.communicate()}")
        time.sleep(0.05)
    return stored


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def scenario_restart(cluster: Cluster, env: dict, export: Path, listens: int) -> list[str]:
    process = start_import(env, export, "restart")
    at = wait_for_quarter(cluster.url, "restart", listens, process)
    down = cluster.pg_ctl("restart", "-m", "fast")
    out, err = process.communicate(timeout=600)
    total, distinct = counts(cluster.url, "restart")
    print(f"A. restart (pg_ctl restart -m fast, {down:.1f} s) at {at} stored listens:")
    print(f"   import exit {process.returncode}: {last_line(out) or last_line(err)}")
    print(f"   stored {total} listens, {distinct} distinct, of {listens} in the file")
    problems = []
    if process.returncode != 0:
        problems.append("A: the import did not survive the restart")
    if (total, distinct) != (listens, listens):
        problems.append(f"A: stored {total} ({distinct} distinct), expected {listens} once each")
    return problems


def scenario_crash(cluster: Cluster, env: dict, export: Path, listens: int) -> list[str]:
    process = start_import(env, export, "crash", "--reconnect-seconds", "5")
    at = wait_for_quarter(cluster.url, "crash", listens, process)
    cluster.pg_ctl("stop", "-m", "immediate")
    crashed = time.monotonic()
    out, err = process.communicate(timeout=600)
    gave_up = time.monotonic() - crashed
    time.sleep(max(0.0, 12 - gave_up))
    cluster.pg_ctl("start")
    total, _ = counts(cluster.url, "crash")
    error = last_line(err)
    print(f"B. crash (pg_ctl stop -m immediate, down 12 s) at {at} stored listens:")
    print(f"   import exit {process.returncode} after {gave_up:.1f} s: {error}")
    print(f"   stored after recovery: {total} listens ({total / CHUNK:g} chunks of {CHUNK})")
    rerun = start_import(env, export, "crash")
    out, err = rerun.communicate(timeout=600)
    again, distinct = counts(cluster.url, "crash")
    print(f"   run again: exit {rerun.returncode}: {last_line(out) or last_line(err)}")
    print(f"   stored {again} listens, {distinct} distinct, of {listens} in the file")
    problems = []
    if process.returncode == 0 or "run the same import again" not in error:
        problems.append("B: the import did not stop with its one-line message")
    if total % CHUNK:
        problems.append(f"B: {total} stored is not whole chunks of {CHUNK}")
    if rerun.returncode != 0 or (again, distinct) != (listens, listens):
        problems.append(f"B: after the rerun {again} stored ({distinct} distinct), not {listens}")
    return problems


def main() -> None:
    args = parse_args()
    cluster = Cluster(args.port)
    try:
        cluster.create()
        env = site_env(cluster.folder, database_url=cluster.url, redis_url=None)
        database_reset(cluster.url)
        manage(env, "migrate", "--noinput", "-v0")
        for name in ("restart", "crash"):
            manage(env, "create_listener", name)
        export = cluster.folder / "export.jsonl"
        export_write(export, args.listens, start=1_500_000_000)
        print(f"own cluster on port {args.port}; {args.listens} listens, chunks of {CHUNK}")
        problems = scenario_restart(cluster, env, export, args.listens)
        problems += scenario_crash(cluster, env, export, args.listens)
    finally:
        cluster.destroy()
    for problem in problems:
        print("FAILED", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
