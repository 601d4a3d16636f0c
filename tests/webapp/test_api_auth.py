"""The Authorization header is read the same way by every endpoint (issue 8, defect 8):
`Token <t>` and `Bearer <t>` are accepted, any other scheme word is a malformed header."""

import pytest

from tests.webapp.test_api_helpers import a_listen, make_listener, stored, submit
from webapp.listening.api.errors import BAD_HEADER

pytestmark = pytest.mark.django_db

OTHER_SCHEMES = ["Basic {t}", "xyz {t}", "{t}", "Token", "Token {t} extra"]


@pytest.mark.parametrize("scheme", ["Token", "token", "Bearer", "BEARER"])
def test_token_and_bearer_are_accepted_on_every_endpoint_that_reads_a_token(client, scheme):
    _, token = make_listener()
    header = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}

    assert submit(client, None, [a_listen()], "single", **header).status_code == 200
    validated = client.get("/1/validate-token", **header).json()
    assert validated["valid"] is True and validated["user_name"] == "alice"


@pytest.mark.parametrize("form", OTHER_SCHEMES)
def test_another_scheme_word_is_refused_alike_on_submit_and_validate_token(client, form):
    _, token = make_listener()
    header = {"HTTP_AUTHORIZATION": form.format(t=token)}

    submitted = submit(client, None, [a_listen()], "single", **header)
    validated = client.get("/1/validate-token", **header)

    for response in (submitted, validated):
        assert response.status_code == 401
        assert response.json() == {"code": 401, "error": BAD_HEADER}
    assert stored()["listens"] == 0


def test_a_malformed_header_does_not_block_a_public_read(client):
    make_listener()

    response = client.get("/1/user/alice/listen-count", HTTP_AUTHORIZATION="Basic abc")

    assert response.status_code == 200


def test_an_unauthenticated_oversized_body_is_refused_for_its_token_first(client, settings):
    settings.LISTENBRAINZ_MAX_BODY_BYTES = 100
    _, token = make_listener()
    body = {"listen_type": "import", "payload": [a_listen(1_700_000_000 + i) for i in range(20)]}

    assert submit(client, "made-up", body).status_code == 401
    assert submit(client, token, body).status_code == 400
