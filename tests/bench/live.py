"""A live site for the hand-run scripts: a fresh database, listeners with tokens, gunicorn.

Settings in (a PostgreSQL URL or an embedded SQLite file, a Redis URL or none, more
environment); out a running gunicorn (gthread workers) on loopback with its URL, the
listeners' tokens and the environment it runs with, stopped (and its database dropped) on
exit. Used by fuzz_api.py, load_scrobblers.py and the fault scripts; not a benchmark itself.
"""

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
#: Scripts may only drop databases whose name says they are theirs to drop.
DROPPABLE = re.compile(r"^dw_reliab\w*$|bench")
SERVER_START_SECONDS = 60


@dataclass
class LiveSite:
    url: str
    port: int
    env: dict[str, str]
    tokens: dict[str, str]
    var_dir: Path
    server: subprocess.Popen | None = None
    log: Path = field(default_factory=Path)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return manage(self.env, *args, check=check)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check and done.returncode:
        sys.exit(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def _admin_url(url: str) -> tuple[str, str]:
    name = urlparse(url).path.lstrip("/")
    if not DROPPABLE.search(name):
        sys.exit(f"refusing to drop {name!r}: use a database named dw_reliab_* (or *bench*)")
    return name, urlparse(url)._replace(path="/postgres").geturl()


def database_reset(url: str) -> None:
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_LISTENERS_CREATE = (
    "import json, os; from webapp.listening.services import listener_create, "
    "listener_token_regenerate as issue; print(json.dumps({name: issue(user=listener_create("
    "username=name)) for name in os.environ['DW_LISTENERS'].split(',')}))"
)


def listeners_create(env: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    """Create these listeners in one process; their new API tokens by name."""
    if not names:
        return {}
    done = manage({**env, "DW_LISTENERS": ",".join(names)}, "shell", "-c", _LISTENERS_CREATE)
    return json.loads(done.stdout.strip().splitlines()[-1])


def site_env(
    var_dir: Path,
    *,
    database_url: str | None,
    redis_url: str | None,
    broker_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Production settings (DEBUG off) on loopback, nothing inherited that would point the
    site at another database, cache or broker."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DW_VAR_DIR=str(var_dir),
        DEBUG="0",
        SECRET_KEY="live-script-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(extra or {})
    return env


def server_start(site: LiveSite, *, workers: int, threads: int, timeout: int = 30) -> None:
    site.log = site.var_dir / "gunicorn.log"
    site.server = subprocess.Popen(
        [
            GUNICORN,
            "webapp.wsgi",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{site.port}",
            f"--timeout={timeout}",
            "--keep-alive=30",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=site.env,
        stdout=site.log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if site.server.poll() is not None:
            sys.exit(f"gunicorn exited with {site.server.returncode}; see {site.log}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=2)
            conn.request("GET", "/1/openapi.json")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.2)
    server_stop(site)
    sys.exit(f"gunicorn did not answer within {SERVER_START_SECONDS} s; see {site.log}")


def server_stop(site: LiveSite) -> None:
    if site.server is None or site.server.poll() is not None:
        return
    site.server.send_signal(signal.SIGTERM)
    try:
        site.server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        site.server.kill()
        site.server.wait()


@contextlib.contextmanager
def live_site(
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    broker_url: str | None = None,
    listeners: Sequence[str] = ("fuzzer",),
    workers: int = 2,
    threads: int = 4,
    extra_env: dict[str, str] | None = None,
    keep: bool = False,
) -> Iterator[LiveSite]:
    """A migrated site with these listeners, served by gunicorn until the block ends."""
    with tempfile.TemporaryDirectory(prefix="dw-live-") as tmp:
        var_dir = Path(tmp)
        env = site_env(
            var_dir,
            database_url=database_url,
            redis_url=redis_url,
            broker_url=broker_url,
            extra=extra_env,
        )
        if database_url:
            database_reset(database_url)
        manage(env, "migrate", "--noinput", "-v0")
        tokens = listeners_create(env, listeners)
        port = free_port()
        site = LiveSite(f"http://127.0.0.1:{port}", port, env, tokens, var_dir)
        try:
            server_start(site, workers=workers, threads=threads)
            yield site
        finally:
            server_stop(site)
            if database_url and not keep:
                database_drop(database_url)
