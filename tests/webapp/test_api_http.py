"""Around every endpoint: JSON 404 for unknown /1/ paths (issue 8, defect 11), HEAD, 503 when
the database is locked (defect 1), same-name artists told apart by MBID (as ListenBrainz)."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.webapp.test_api_helpers import ARTIST_MBID, a_listen, make_listener, stored, submit
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening import services
from webapp.listening.api import views
from webapp.listening.api.errors import NOT_FOUND

pytestmark = pytest.mark.django_db
OTHER_MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


@pytest.mark.parametrize(
    "path", ["/1/", "/1/nope", "/1/user/alice/nope", "/1/submit-listens/extra", "/1/openapi"]
)
@pytest.mark.parametrize("method", ["get", "post", "options", "delete"])
def test_an_unknown_api_path_is_a_json_404(client, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": 404, "error": NOT_FOUND}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_head_answers_a_read_with_its_headers_and_no_body(client):
    make_listener()

    response = client.head("/1/user/alice/listen-count")

    assert response.status_code == 200
    assert response.content == b""
    assert int(response["X-RateLimit-Remaining"]) >= 0


def test_a_locked_database_is_503_with_retry_after_and_nothing_stored(client, monkeypatch):
    _, token = make_listener()

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "listens_store", locked)

    response = submit(client, token, [a_listen()], "single")

    assert response.status_code == 503
    assert response.json()["code"] == 503
    assert int(response["Retry-After"]) > 0
    assert stored()["listens"] == 0


def test_a_locked_database_on_a_page_is_503_not_500(client, listener, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "track_save", locked)
    (track_id,) = tracks_resolve(refs=[TrackRef("Portishead", "Roads")])
    client.force_login(listener)
    client.raise_request_exception = False

    response = client.post(reverse("track_save", args=[track_id]))

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0


def test_two_artists_of_one_name_are_both_stored_and_told_apart_by_mbid(client):
    """Nirvana (US) and Nirvana (UK) in one import: 200 and both listens stored, each under
    its own artist (this answered 400 and lost the batch, where ListenBrainz accepts it)."""
    from webapp.catalog.models import Artist
    from webapp.listening.models import Listen

    _, token = make_listener()
    assert (
        submit(client, token, [a_listen(artist_mbids=[ARTIST_MBID])], "single").status_code == 200
    )
    before = stored()

    response = submit(
        client,
        token,
        [
            a_listen(1_700_000_400, title="Other", artist_mbids=[OTHER_MBID]),
            a_listen(1_700_000_500, title="Plain"),
        ],
        "import",
    )

    assert response.status_code == 200
    assert stored()["listens"] == before["listens"] + 2
    assert stored()["artists"] == before["artists"] + 1
    artists = {str(a.mbid): a for a in Artist.objects.filter(mbid__isnull=False)}
    assert set(artists) == {ARTIST_MBID, OTHER_MBID}
    assert artists[ARTIST_MBID].name == artists[OTHER_MBID].name
    other = Listen.objects.get(track__title="Other")
    assert other.track.artist_id == artists[OTHER_MBID].pk
    assert Listen.objects.get(track__title="Plain").track.artist_id == artists[ARTIST_MBID].pk
