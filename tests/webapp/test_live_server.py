"""The embedded default under real concurrency: gunicorn (2 workers x 10 threads) on loopback
over a SQLite file, driven by client threads and by the real ListenBrainz client library.

- 20 threads submitting at once get no 500 and every listen is stored (issue 8, defect 1);
- the two worker processes share one rate-limit budget in the database cache (defect 5);
- liblistenbrainz submits single, import and playing_now listens, validates its token and
  reads the listens back (issue 7).

The server runs with its own environment (no DATABASE_URL, REDIS_URL or broker from the
test run), so this always tests the embedded default.
"""

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import liblistenbrainz
import pytest
from liblistenbrainz import errors as lb_errors

ROOT = Path(__file__).resolve().parents[2]
PER_IP_LIMIT = 20
T0 = 1_700_000_000
pytestmark = pytest.mark.timeout(180)


class Server:
    def __init__(self, port: int, db: Path, tokens: dict[str, str]) -> None:
        self.port, self.db, self.tokens = port, db, tokens
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method, path, body=None, token=None, source="127.0.0.1"):
        """(status, headers, body) of one request on a fresh connection from `source`."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(source, 0)
        )
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def listens_stored(self, username: str) -> int:
        with sqlite3.connect(self.db) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM listening_listen l JOIN auth_user u ON u.id = l.user_id"
                " WHERE u.username = ?",
                [username],
            ).fetchone()
        return count


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("live")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DW_VAR_DIR=str(var),
        DEBUG="0",
        SECRET_KEY="live-server-test-only",
        ALLOWED_HOSTS="127.0.0.1",
        RATELIMIT_PER_TOKEN="100000",
        RATELIMIT_PER_IP=str(PER_IP_LIMIT),
        RATELIMIT_WINDOW="3600",  # one window for the whole module
    )
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "createcachetable")
    tokens = {name: _manage(env, "create_listener", name) for name in ("writer", "client")}
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "webapp.wsgi",
            "--workers=2",
            "--worker-class=gthread",
            "--threads=10",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    live = Server(port, var / "db.sqlite3", tokens)
    try:
        _wait_until_up(live, process)
        yield live
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(live: Server, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            if live.request("GET", "/1/user/writer/listen-count", token=live.tokens["writer"])[0]:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not come up")


def _submit(live: Server, body: dict, statuses: list) -> None:
    statuses.append(live.request("POST", "/1/submit-listens", body, token=live.tokens["writer"])[0])


def test_twenty_threads_submitting_at_once_all_succeed_and_every_listen_is_stored(server):
    """Writers wait their turn (WAL, IMMEDIATE, busy timeout): not even a 503 to retry."""
    statuses: list[int] = []
    start = threading.Barrier(20)

    def scrobbler(n: int) -> None:
        start.wait()
        single = [{"listened_at": T0 + n, "track_metadata": _metadata(n, 0)}]
        _submit(server, {"listen_type": "single", "payload": single}, statuses)
        batch = [
            {"listened_at": T0 + 1000 * (n + 1) + i, "track_metadata": _metadata(n, i)}
            for i in range(50)
        ]
        _submit(server, {"listen_type": "import", "payload": batch}, statuses)

    threads = [threading.Thread(target=scrobbler, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 40
    assert server.listens_stored("writer") == 20 * 51


def _metadata(n: int, i: int) -> dict:
    return {"artist_name": f"Band {n} {i % 5}", "track_name": f"Song {i}", "release_name": "R"}


def test_two_worker_processes_share_one_rate_limit(server):
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def reader() -> None:
        for _ in range(5):
            status, headers, _ = server.request(
                "GET", "/1/user/writer/listen-count", source="127.0.0.2"
            )
            with lock:
                answers.append((status, headers["X-RateLimit-Remaining"]))

    threads = [threading.Thread(target=reader) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    accepted = sorted(int(remaining) for status, remaining in answers if status == 200)
    assert accepted == list(range(PER_IP_LIMIT))  # each remaining count given out once
    assert sum(status == 429 for status, _ in answers) == 50 - PER_IP_LIMIT


def test_the_listenbrainz_client_library_submits_validates_and_reads_back(server):
    client = liblistenbrainz.ListenBrainz(api_base_url=server.url)
    with pytest.raises(lb_errors.InvalidAuthTokenException):
        client.set_auth_token("not-a-token")
    client.set_auth_token(server.tokens["client"])  # validates it

    mbid = "e225fb84-dc9a-419e-adcd-9890f59ec432"
    client.submit_single_listen(
        liblistenbrainz.Listen(
            track_name="Vantablack",
            artist_name="Dool",
            listened_at=T0,
            release_name="Here Now, There Then",
            recording_mbid=mbid,
            tags=["doom"],
            listening_from="liblistenbrainz",
        )
    )
    client.submit_multiple_listens(
        [
            liblistenbrainz.Listen(track_name=f"Song {i}", artist_name="Dool", listened_at=T0 + i)
            for i in range(1, 4)
        ]
    )
    client.submit_playing_now(liblistenbrainz.Listen(track_name="The Alpha", artist_name="Dool"))

    listens = client.get_listens("client", count=10)
    assert [listen.track_name for listen in listens] == ["Song 3", "Song 2", "Song 1", "Vantablack"]
    assert listens[-1].recording_mbid == mbid and listens[-1].release_name == "Here Now, There Then"
    assert client.get_user_listen_count("client") == 4
    assert client.get_playing_now("client").track_name == "The Alpha"
    assert client.remaining_requests is not None  # it read the X-RateLimit-* headers
