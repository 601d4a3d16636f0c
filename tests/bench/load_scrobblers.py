"""50 scrobblers for 2 minutes against gunicorn + PostgreSQL + Redis (run by hand; issue 8).

A fresh dw_reliab_* database, one listener per scrobbler, gunicorn (gthread) on loopback with
the shared Redis as its cache on this branch's own db index (14; emptied before and after),
then locust (tests/bench/locustfile_scrobblers.py) headless for --seconds. It prints requests,
errors and p50/p99 latency per kind of request, and holds the scrobblers' ledger against the
database: every accepted listen stored exactly once, every listen resent after a client
timeout stored once, nothing stored that was never sent. Stops by itself; exits non-zero if a
check fails.

    .venv/bin/python tests/bench/load_scrobblers.py [--users 50] [--seconds 120]

Rate limits are lifted (RATELIMIT_PER_TOKEN/IP) so the figures are the server's, not the
budget's.
"""

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.live import ROOT, live_site  # noqa: E402

LOCUST = str(Path(sys.executable).parent / "locust")
LOCUSTFILE = Path(__file__).with_name("locustfile_scrobblers.py")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dw_reliab_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"  # this branch's own index on the shared Redis
#: Listens a scrobbler may have had in flight when locust stopped it: sent, maybe stored,
#: never answered. At most one request each.
IN_FLIGHT_ALLOWANCE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent scrobblers")
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    return parser.parse_args()


def redis_empty(url: str) -> None:
    """Empty the cache's db: only this branch's index 14 on the shared Redis, or one of ours."""
    import redis

    client = redis.Redis.from_url(url)
    shared = client.connection_pool.connection_kwargs.get("port") == 6379
    if shared and client.connection_pool.connection_kwargs.get("db") != 14:
        print(f"note: {url} is not this branch's db index on the shared Redis; not emptied")
    else:
        client.flushdb()
    client.close()


def locust_run(site, args, folder: Path) -> tuple[list[dict], dict]:
    tokens, ledger = folder / "tokens.json", folder / "ledger.json"
    tokens.write_text(json.dumps(site.tokens))
    env = {**site.env, "DW_LOAD_TOKENS": str(tokens), "DW_LOAD_LEDGER": str(ledger)}
    command = [
        LOCUST, "-f", str(LOCUSTFILE), "--headless", "--host", site.url,
        "--users", str(args.users), "--spawn-rate", str(args.users),
        "--run-time", f"{args.seconds}s", "--stop-timeout", "10",
        "--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    output = folder / "locust.out"
    with output.open("w") as out:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            timeout=args.seconds + 120,
        )  # fmt: skip
    if done.returncode or not ledger.exists():
        sys.exit(f"locust exited {done.returncode}:\n{output.read_text()[-4000:]}")
    with (folder / "load_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    return rows, json.loads(ledger.read_text())


def stored_listens(url: str) -> dict[str, list[int]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT u.username, extract(epoch FROM l.listened_at)::bigint FROM listening_listen l"
            " JOIN auth_user u ON u.id = l.user_id"
        ).fetchall()
    stored: dict[str, list[int]] = {}
    for username, when in rows:
        stored.setdefault(username, []).append(when)
    return stored


def ledger_check(ledger: dict, stored: dict[str, list[int]]) -> tuple[dict, list[str]]:
    totals = dict.fromkeys(("attempted", "accepted", "stored", "in_flight"), 0)
    totals |= dict.fromkeys(("abandoned", "resent", "gave_up"), 0)
    problems = []
    for name, book in ledger.items():
        rows = stored.get(name, [])
        attempted, accepted, kept = set(book["attempted"]), set(book["accepted"]), set(rows)
        if len(rows) != len(kept):
            problems.append(f"{name}: {len(rows) - len(kept)} listens stored twice")
        if accepted - kept:
            problems.append(f"{name}: {len(accepted - kept)} accepted listens not stored")
        if kept - attempted:
            problems.append(f"{name}: {len(kept - attempted)} stored listens never sent")
        totals["in_flight"] += len(kept - accepted)
        for key, count in (("attempted", attempted), ("accepted", accepted), ("stored", rows)):
            totals[key] += len(count)
        for key in ("abandoned", "resent", "gave_up"):
            totals[key] += book[key]
    if totals["in_flight"] > IN_FLIGHT_ALLOWANCE:
        problems.append(f"{totals['in_flight']} stored but unanswered listens: more than in flight")
    return totals, problems


def report(rows: list[dict], totals: dict, seconds: int, args) -> None:
    print(f"{args.users} scrobblers, {seconds} s, gunicorn {args.workers} gthread workers x "
          f"{args.threads} threads, PostgreSQL, Redis cache ({args.redis_url})")  # fmt: skip
    print(f"{'request':38} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['Name'][:38]:38} {row['Request Count']:>7} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>7} {row['99%']:>7}"
        )
    print(
        f"listens: {totals['attempted']} sent, {totals['accepted']} accepted, "
        f"{totals['stored']} stored; {totals['attempted'] - totals['accepted']} were in flight "
        f"when locust stopped, {totals['in_flight']} of them stored; "
        f"{totals['abandoned']} abandoned by the client and resent, {totals['resent']} requests "
        f"retried after an error, {totals['gave_up']} listens given up"
    )


def main() -> None:
    args = parse_args()
    limits = {"RATELIMIT_PER_TOKEN": "1000000000", "RATELIMIT_PER_IP": "1000000000"}
    names = [f"scrobbler{i:03d}" for i in range(args.users)]
    redis_empty(args.redis_url)
    try:
        with live_site(
            database_url=args.database_url,
            redis_url=args.redis_url,
            listeners=names,
            workers=args.workers,
            threads=args.threads,
            extra_env=limits,
        ) as site:
            started = time.monotonic()
            rows, ledger = locust_run(site, args, site.var_dir)
            seconds = round(time.monotonic() - started)
            totals, problems = ledger_check(ledger, stored_listens(args.database_url))
            tracebacks = site.log.read_text().count("Traceback")
    finally:
        redis_empty(args.redis_url)
    report(rows, totals, seconds, args)
    if tracebacks:
        problems.append(f"the server logged {tracebacks} tracebacks")
    for problem in problems:
        print("FAILED", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
