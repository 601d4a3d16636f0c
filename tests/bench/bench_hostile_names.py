"""CPU time of one hostile POST /1/submit-listens (issue 8, defect 2); run by hand.

A fresh SQLite file (or DATABASE_URL, whose name must contain "bench") in; the CPU seconds
of one 1000-listen import out, for artist names of 3,300 copies of U+FDFD (a character that
NFKD expands to eighteen; 9.9 KB of UTF-8, just inside ListenBrainz's 10,240 bytes a listen),
repeated or all distinct, next to ordinary names. The promise: under one second of CPU.
Measured in-process through Django's test client, so the figure is the app's own work.

    .venv/bin/python tests/bench/bench_hostile_names.py [--repeat 3]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDE = "\ufdfa"
LISTENS = 1000
BUDGET_SECONDS = 1.0


def payloads() -> dict[str, bytes]:
    def body(artist) -> bytes:
        listens = [
            {"listened_at": 1_600_000_000 + i, "track_metadata": {"artist_name": artist(i),
             "track_name": f"Title {i % 50}"}}
            for i in range(LISTENS)
        ]  # fmt: skip
        return json.dumps(
            {"listen_type": "import", "payload": listens}, ensure_ascii=False
        ).encode()

    return {
        "ordinary names": body(lambda i: f"Artist {i % 50}"),
        "one hostile name, repeated": body(lambda i: WIDE * 3300),
        "1000 distinct hostile names": body(lambda i: f"{i:04d}" + WIDE * 3300),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="requests per kind (best is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{var}/bench.sqlite3")
        if "bench" not in os.environ["DATABASE_URL"]:
            sys.exit("DATABASE_URL must name a database containing 'bench'")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
        os.environ.update(DW_VAR_DIR=var, RATELIMIT_PER_TOKEN="1000000")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        run(args.repeat)


def run(repeat: int) -> None:
    from django.core.management import call_command
    from django.test import Client

    from webapp.listening.services import listener_create, listener_token_regenerate

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    for n, (label, body) in enumerate(payloads().items()):
        best = float("inf")
        for attempt in range(repeat):
            token = listener_token_regenerate(user=listener_create(username=f"b{n}-{attempt}"))
            started = time.process_time()
            response = client.post(
                "/1/submit-listens",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
            best = min(best, time.process_time() - started)
            assert response.status_code == 200, response.content[:300]
        verdict = "ok" if best < BUDGET_SECONDS else "OVER BUDGET"
        print(f"{label:30s} {len(body) / 1e6:5.1f} MB body: {best:.3f} s CPU [{verdict}]")


if __name__ == "__main__":
    main()
