"""Redis stopped (issue 8): listens are still stored and pages served; what could not be queued
while it was down is queued once it answers again.

A real redis-server of the test's own, on a free loopback port (never the shared one), is the
site's cache and Celery broker; the test stops it, uses the site, and starts it again.
tests/bench/fault_redis_down.py does the same to gunicorn with a real Celery worker.
"""

import base64
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from tests.webapp.test_api_helpers import a_listen, make_listener, submit
from webapp.catalog.models import Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.celery import app
from webapp.listening import outages
from webapp.listening.models import ArtistVisit, Listen
from webapp.training import tasks

pytestmark = [
    pytest.mark.django_db(transaction=True),  # listening is queued after a real commit
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.timeout(60),
]
REFRESH_TASK = "training.refresh_listener_cf"


class OwnRedis:
    """A redis-server this test starts and stops (SIGTERM to its own process only)."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.folder, self.process = folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self._answers():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queued_user_ids(self) -> list[int]:
        """The listeners of the re-solve tasks waiting in the broker's default queue."""
        client = redis.Redis.from_url(self.url)
        ids = []
        for raw in client.lrange("celery", 0, -1):
            message = json.loads(raw)  # kombu's envelope; the body is Celery's [args, kwargs, …]
            if message["headers"]["task"] == REFRESH_TASK:
                args, _, _ = json.loads(base64.b64decode(message["body"]))
                ids.append(args[0])
        client.close()
        return sorted(ids)


@pytest.fixture
def redis_site(settings, tmp_path, monkeypatch):
    """Our own Redis as the cache and the broker, tasks sent to it (not run eagerly); stopped."""
    redis = OwnRedis(tmp_path)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}
    }
    # The write URL, which wins over broker_url and over a CELERY_BROKER_URL in the environment.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", redis.url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.missed, "ids", set())
    monkeypatch.setattr(outages, "_last_report", {})  # each test sees its outage logged
    _pools_reset()
    redis.start()  # started and stopped once, so "stopped" is a server that was there
    redis.stop()
    try:
        yield redis
    finally:
        if redis.process.poll() is None:
            redis.stop()
        _pools_reset()


def _pools_reset() -> None:
    """Celery keeps its broker connection pool per app; forget it so the next send takes the
    pool for the broker in conf now (kombu keeps one per broker URL, open, for whoever next
    uses that URL)."""
    app._pool = None
    app.amqp._producer_pool = None


def test_with_redis_stopped_a_submitted_listen_is_stored(redis_site, client, caplog):
    ada, token = make_listener("ada")

    response = submit(client, token, [a_listen(1_700_000_000)], "single")

    assert response.status_code == 200, response.content
    assert Listen.objects.filter(user=ada).count() == 1
    assert "X-RateLimit-Remaining" not in response  # not counted while the cache is down
    assert "rate limit not counted" in caplog.text
    assert "CF re-solve not queued" in caplog.text


def test_with_redis_stopped_pages_are_served_and_a_visit_recorded(redis_site, client, caplog):
    ada, token = make_listener("ada")
    (track_id,) = tracks_resolve(refs=[TrackRef(artist_name="Dool", track_name="Vantablack")])
    track = Track.objects.get(pk=track_id)
    client.force_login(ada)

    for url in (reverse("home"), track.get_absolute_url(), f"/artists/{track.artist_id}/"):
        assert client.get(url).status_code == 200, url
    assert ArtistVisit.objects.filter(user=ada).count() == 1
    assert "CF re-solve not queued" in caplog.text


def test_re_solves_missed_while_redis_was_down_are_queued_when_it_returns(redis_site, client):
    ada, ada_token = make_listener("ada")
    bob, bob_token = make_listener("bob")
    assert submit(client, ada_token, [a_listen(1_700_000_000)], "single").status_code == 200

    redis_site.start()
    response = submit(client, bob_token, [a_listen(1_700_000_100)], "single")

    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"]  # counted again
    assert redis_site.queued_user_ids() == sorted([ada.pk, bob.pk])


def test_a_retrain_asked_for_while_redis_is_down_is_a_message_not_an_error(
    redis_site, curator_client
):
    response = curator_client.post(reverse("admin:training_modelversion_retrain"), follow=True)

    assert response.status_code == 200
    assert "task queue (Redis) cannot be reached" in response.text


def test_an_outage_is_logged_once_a_minute_with_how_often_it_happened(caplog, monkeypatch):
    monkeypatch.setattr(outages, "_last_report", {})
    seconds = (1000.0, 1001.0, 1030.0, 1061.0)

    logged = [
        outages.outage_log("test outage", OSError("refused"), clock=lambda t=t: t) for t in seconds
    ]

    assert logged == [True, False, False, True]
    assert "2 more times since the last report" in caplog.text
