"""Around every endpoint: JSON 404 for unknown /1/ paths (issue 8, defect 11), HEAD, 503 when
the database is locked (defect 1), a clear 400 for an MBID conflict (issue 7)."""

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


def test_an_artist_mbid_that_conflicts_with_a_known_name_is_a_clear_400(client):
    _, token = make_listener()
    assert (
        submit(client, token, [a_listen(artist_mbids=[ARTIST_MBID])], "single").status_code == 200
    )
    before = stored()

    response = submit(
        client, token, [a_listen(1_700_000_400, title="Other", artist_mbids=[OTHER_MBID])], "single"
    )

    assert response.status_code == 400
    assert OTHER_MBID in response.json()["error"] and ARTIST_MBID in response.json()["error"]
    assert stored() == before
