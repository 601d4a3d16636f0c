"""Locust scrobblers: each user is one listener submitting listens as a ListenBrainz client does.

Run by tests/bench/load_scrobblers.py (locust --headless), which gives it the listeners'
tokens (DW_LOAD_TOKENS, a JSON file) and where to write its ledger (DW_LOAD_LEDGER). A user
sends single listens, flushes small offline queues as `import`, says what is playing now, and
now and then gives up on a request before the answer (a client timeout: the request is sent
whole, the connection closed unread) and sends the same listens again. Every listen has its
own listened_at; the ledger says which were attempted and which accepted (answered 200), for
the runner to hold against what the database stored.
"""

import json
import os
import random
import socket
import time
from pathlib import Path

from locust import FastHttpUser, between, events, task

TOKENS: dict[str, str] = json.loads(Path(os.environ["DW_LOAD_TOKENS"]).read_text())
LEDGER = Path(os.environ["DW_LOAD_LEDGER"])
SUBMIT = "/1/submit-listens"
ARTISTS, SONGS = 300, 8  # a 2,400-track catalog, created by the scrobblers as they go
MAX_ATTEMPTS = 6  # a listen is sent at most this often (a 5xx, 429 or lost connection: again)
FIRST_TS = 1_650_000_000

_unclaimed = sorted(TOKENS)
ledger: dict[str, dict] = {}


def _metadata(rng: random.Random) -> dict:
    artist = rng.randrange(ARTISTS)
    info = {"duration_ms": 180_000 + 1000 * rng.randrange(120)}
    return {
        "artist_name": f"Load Artist {artist}",
        "track_name": f"Load Song {rng.randrange(SONGS)} of {artist}",
        "additional_info": info,
    }


class Scrobbler(FastHttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.username = _unclaimed.pop()
        self.token = TOKENS[self.username]
        self.headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        self.rng = random.Random(self.username)
        self.next_ts = FIRST_TS
        self.book = ledger[self.username] = {
            "attempted": [],
            "accepted": [],
            "abandoned": 0,
            "resent": 0,
            "gave_up": 0,
        }

    def _listens(self, n: int) -> list[dict]:
        listens = []
        for _ in range(n):
            listens.append({"listened_at": self.next_ts, "track_metadata": _metadata(self.rng)})
            self.next_ts += 1
        self.book["attempted"] += [listen["listened_at"] for listen in listens]
        return listens

    def _submit(self, listen_type: str, listens: list[dict], name: str) -> None:
        body = json.dumps({"listen_type": listen_type, "payload": listens})
        for attempt in range(MAX_ATTEMPTS):
            self.book["resent"] += attempt > 0
            with self.client.post(
                SUBMIT, data=body, headers=self.headers, name=name, catch_response=True
            ) as response:
                if response.status_code == 200:
                    self.book["accepted"] += [listen["listened_at"] for listen in listens]
                    return
                response.failure(f"{response.status_code}: {(response.text or '')[:120]}")
            time.sleep(float(response.headers.get("Retry-After") or 0.5))
        self.book["gave_up"] += len(listens)

    @task(10)
    def single(self) -> None:
        self._submit("single", self._listens(1), "single")

    @task(2)
    def offline_queue(self) -> None:
        self._submit("import", self._listens(self.rng.randint(5, 25)), "import (5-25)")

    @task(2)
    def playing_now(self) -> None:
        body = json.dumps(
            {"listen_type": "playing_now", "payload": [{"track_metadata": _metadata(self.rng)}]}
        )
        self.client.post(SUBMIT, data=body, headers=self.headers, name="playing_now")

    @task(1)
    def timed_out_then_resent(self) -> None:
        """The client gives up before the answer, then sends the same listen again."""
        listens = self._listens(1)
        self._abandon(json.dumps({"listen_type": "single", "payload": listens}).encode())
        self._submit("single", listens, "single, resent after a timeout")

    def _abandon(self, body: bytes) -> None:
        host, port = self.host.removeprefix("http://").split(":")
        head = (
            f"POST {SUBMIT} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {self.token}"
            f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        started = time.perf_counter()
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(head.encode() + body)  # whole, then closed without reading
        self.book["abandoned"] += 1
        events.request.fire(
            request_type="POST",
            name="single, abandoned (client timeout)",
            response_time=1000 * (time.perf_counter() - started),
            response_length=0,
            exception=None,
            context={},
        )


@events.quitting.add_listener
def _ledger_write(environment, **kwargs) -> None:
    LEDGER.write_text(json.dumps(ledger))
