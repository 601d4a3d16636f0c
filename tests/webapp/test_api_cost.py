"""The cost of one submission is bounded (issue 8, defect 2): names are cut to the catalog's
length before any work and each distinct name is normalized once per request. The CPU time
of a hostile 1000-listen import is measured in tests/bench/bench_hostile_names.py."""

import json

import pytest

from tests.webapp.test_api_helpers import TS, a_listen, import_listens, make_listener, submit
from webapp.catalog import services
from webapp.catalog.inputs import NAME_MAX_LENGTH
from webapp.catalog.models import Artist, Track

pytestmark = pytest.mark.django_db
WIDE = "\ufdfa"  # one character that NFKD expands to eighteen


@pytest.fixture
def normalized(monkeypatch) -> list[str]:
    calls: list[str] = []
    normalize = services.normalize_name

    def counting(name: str) -> str:
        calls.append(name)
        return normalize(name)

    monkeypatch.setattr(services, "normalize_name", counting)
    return calls


def test_a_hostile_import_normalizes_each_distinct_clipped_name_once(client, normalized):
    _, token = make_listener()
    listens = [
        a_listen(TS + i, artist=WIDE * 3200 + str(i % 10), title=f"{i % 50} " + WIDE * 100)
        for i in range(1000)
    ]  # 3 bytes a character: each listen just under ListenBrainz's 10240 bytes

    response = submit(
        client,
        token,
        json.dumps({"listen_type": "import", "payload": listens}, ensure_ascii=False).encode(),
    )

    assert response.status_code == 200, response.content

    assert len(normalized) == len(set(normalized)) <= 10 + 50
    assert max(len(name) for name in normalized) <= NAME_MAX_LENGTH
    assert Artist.objects.count() == 1  # the artists differ only past 300 characters
    assert Track.objects.count() == 50


def test_names_longer_than_the_catalog_keeps_are_stored_cut(client):
    _, token = make_listener()

    import_listens(client, token, [a_listen(artist="A" * 5000, title="T" * 301, release="R" * 999)])

    track = Track.objects.select_related("artist").get()
    assert (len(track.artist.name), len(track.title), len(track.release_name)) == (300, 300, 300)
