"""One server process, many threads (as gunicorn's gthread workers run it): listens submitted
while listener vectors are re-solved and pages read the served model. Nothing is lost, nothing
answers 500, and the model every thread serves ends equal to what was stored."""

import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from django.db import connection, connections

from tests.webapp.cf_world import make_world
from webapp.listening.models import Listen
from webapp.listening.services import listener_token_regenerate
from webapp.training import services
from webapp.training.models import ListenerVector
from webapp.training.registry import registry

pytestmark = [
    pytest.mark.usefixtures("small_cf"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database that takes concurrent writers"
    ),
]
TS = 1_700_000_000


def _post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_threads_submitting_and_re_solving_against_one_server_lose_nothing(live_server):
    users, groups = make_world(n_users_per_group=6, n_tracks_per_group=8)
    version = services.cf_retrain()
    listeners = users[0]
    tokens = {user.pk: listener_token_regenerate(user=user) for user in listeners}
    before = {user.pk: Listen.objects.filter(user=user).count() for user in listeners}
    other_group = [(t.artist.name, t.title) for t in groups[1]]
    statuses: list[int] = []

    def scrobbler(user_id: int, offset: int) -> None:
        try:
            for batch in range(4):
                payload = [
                    {
                        "listened_at": TS + offset * 1000 + batch * 100 + i,
                        "track_metadata": {"artist_name": artist, "track_name": title},
                    }
                    for i, (artist, title) in enumerate(other_group)
                ]
                body = {"listen_type": "import", "payload": payload}
                statuses.append(_post(f"{live_server.url}/1/submit-listens", tokens[user_id], body))
                statuses.append(_get(f"{live_server.url}{groups[1][batch].get_absolute_url()}"))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=scrobbler, args=(user.pk, n)) for n, user in enumerate(listeners)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses and set(statuses) == {200}
    for user in listeners:  # every accepted listen stored exactly once
        assert Listen.objects.filter(user=user).count() == before[user.pk] + 4 * len(other_group)
    solved = dict(ListenerVector.objects.filter(version=version).values_list("user_id", "factors"))
    assert set(solved) == set(tokens)  # every listener was re-solved after their listens
    served = registry.snapshot("cf")
    for user_id, stored in solved.items():
        np.testing.assert_array_equal(
            served.model.user_vectors([user_id])[0], np.frombuffer(bytes(stored), dtype="<f4")
        )
