"""Every way a submission can be refused: the status, the ListenBrainz {"code", "error"} body,
and that nothing at all was written."""

import pytest

from tests.webapp.test_api_helpers import (
    SUBMIT_URL,
    a_listen,
    make_listener,
    now_ts,
    stored,
    submit,
)
from webapp.listening.limits import LISTEN_MINIMUM_TS

pytestmark = pytest.mark.django_db


def _with(change) -> dict:
    body = {"listen_type": "single", "payload": [a_listen()]}
    change(body)
    return body


def _metadata(**changes):
    def change(body):
        body["payload"][0]["track_metadata"].update(changes)

    return change


def _info(**info):
    return _metadata(additional_info=info)


BAD_BODIES = [
    ("not json", b"{listen_type: single", "Cannot parse JSON document: "),
    ("not utf-8", b'{"listen_type": "\xff"}', "Cannot parse JSON document: "),
    ("NaN", b'{"listen_type": "single", "payload": NaN}', "Cannot parse JSON document: "),
    ("nested too deeply", b"[" * 100_000, "Cannot parse JSON document: "),
    (
        "nested too deeply inside a listen",
        b'{"listen_type": "single", "payload": [' + b"[" * 100_000,
        "Cannot parse JSON document: ",
    ),
    (
        "top level not an object",
        b"[1, 2]",
        "Invalid JSON document submitted. Top level of JSON document should be a json object.",
    ),
    ("no payload", {"listen_type": "single"}, "Invalid JSON document submitted."),
    (
        "payload not a list",
        {"listen_type": "single", "payload": {"listened_at": 1}},
        "The payload in the JSON document should be a list of listens.",
    ),
    (
        "empty payload",
        {"listen_type": "import", "payload": []},
        "JSON document does not contain any listens",
    ),
    ("no listen_type", {"payload": [a_listen()]}, "Invalid JSON document submitted."),
    (
        "unknown listen_type",
        {"listen_type": "scrobble", "payload": [a_listen()]},
        "JSON document requires a valid listen_type key.",
    ),
    (
        "two listens for single",
        {"listen_type": "single", "payload": [a_listen(), a_listen(1_700_000_100)]},
        "JSON document contains more than listen for a single/playing_now. "
        "It should contain only one.",
    ),
    ("null listen", _with(lambda b: b["payload"].__setitem__(0, None)), "Listen is empty"),
    (
        "no listened_at",
        _with(lambda b: b["payload"][0].pop("listened_at")),
        "JSON document must contain the key listened_at at the top level.",
    ),
    (
        "listened_at not an int",
        _with(lambda b: b["payload"][0].update(listened_at="last tuesday")),
        "JSON document must contain an int value for listened_at.",
    ),
    (
        "listened_at a boolean",
        _with(lambda b: b["payload"][0].update(listened_at=True)),
        "JSON document must contain an int value for listened_at.",
    ),
    (
        "negative listened_at",
        _with(lambda b: b["payload"][0].update(listened_at=-5)),
        "Value for key listened_at is too low.",
    ),
    (
        "listened_at before 2002-10-01",
        _with(lambda b: b["payload"][0].update(listened_at=LISTEN_MINIMUM_TS - 1)),
        "Value for key listened_at is too low.",
    ),
    (
        "listened_at in the future",
        _with(lambda b: b["payload"][0].update(listened_at=now_ts() + 2 * 3600)),
        "Value for key listened_at is too high.",
    ),
    (
        "no track_metadata",
        _with(lambda b: b["payload"][0].pop("track_metadata")),
        "JSON document must contain the key track_metadata at the top level.",
    ),
    (
        "extra top-level key",
        _with(lambda b: b["payload"][0].update(user="bob")),
        "JSON document may only contain listened_at and track_metadata top level keys",
    ),
    (
        "null track_metadata",
        _with(lambda b: b["payload"][0].update(track_metadata=None)),
        "JSON document may not have track_metadata with null value.",
    ),
    (
        "no track_name",
        _with(lambda b: b["payload"][0]["track_metadata"].pop("track_name")),
        "JSON document does not contain required field track_metadata.track_name.",
    ),
    ("blank artist_name", _with(_metadata(artist_name="   ")), "field track_metadata.artist_name"),
    (
        "release_name a number",
        _with(_metadata(release_name=1999)),
        "track_metadata.release_name must be a single string.",
    ),
    (
        "artist_name a list",
        _with(_metadata(artist_name=["A", "B"])),
        "track_metadata.artist_name must be a single string.",
    ),
    (
        "invalid recording_mbid",
        _with(_info(recording_mbid="not-a-uuid")),
        "recording_mbid MBID format invalid.",
    ),
    (
        "artist_mbids a string",
        _with(_info(artist_mbids="24412926-c7bd-48e8-afad-8a285b42e131")),
        "artist_mbids MBID format invalid.",
    ),
    (
        "duration and duration_ms",
        _with(_info(duration=10, duration_ms=10_000)),
        "JSON document should not contain both duration and duration_ms.",
    ),
    (
        "negative duration",
        _with(_info(duration_ms=-1)),
        "Value for duration_ms is invalid, should be a positive integer.",
    ),
    ("too many tags", _with(_info(tags=["x"] * 51)), "JSON document may not contain more than 50"),
    (
        "a tag too long",
        _with(_info(tags=["x" * 65])),
        "JSON document may not contain track_metadata.additional_info.tags longer than 64 "
        "characters.",
    ),
    (
        "tags not a list",
        _with(_info(tags="doom")),
        "track_metadata.additional_info.tags must be a list of strings.",
    ),
    (
        "additional_info not an object",
        _with(_metadata(additional_info="none")),
        "track_metadata.additional_info must be a JSON object.",
    ),
    (
        "track_metadata not an object",
        _with(lambda b: b["payload"][0].update(track_metadata=["Dool"])),
        "track_metadata must be a JSON object.",
    ),
    (
        "a listen that is no object",
        _with(lambda b: b["payload"].__setitem__(0, 17)),
        "Each listen in the payload must be a JSON object.",
    ),
    (
        "duration too large",
        _with(_info(duration=10**9)),
        "Value for duration is too large, max permitted value is 2073600",
    ),
    (
        "an invalid work_mbid",
        _with(_info(work_mbids=["nope"])),
        "work_mbids MBID format invalid.",
    ),
    ("unicode null", _with(_metadata(track_name="Vanta\x00black")), "contains a unicode null"),
    ("lone surrogate", _with(_metadata(artist_name="Dool\ud800")), "lone UTF-16 surrogate"),
    (
        "listened_at in playing_now",
        {"listen_type": "playing_now", "payload": [a_listen()]},
        "JSON document must not contain listened_at while submitting playing_now.",
    ),
]


@pytest.mark.parametrize(
    ("body", "error"),
    [pytest.param(body, error, id=name) for name, body, error in BAD_BODIES],
)
def test_an_invalid_submission_is_refused_with_400_and_stores_nothing(client, body, error):
    _, token = make_listener()
    before = stored()

    response = submit(client, token, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"code", "error"}
    assert payload["code"] == 400
    assert error in payload["error"]
    assert stored() == before


def test_more_than_1000_listens_are_refused(client):
    _, token = make_listener()
    listens = [a_listen(1_700_000_000 + i) for i in range(1001)]

    response = submit(client, token, listens, "import")

    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "error": "Too many listens. You may not submit more than 1000 listens at once.",
    }
    assert stored()["listens"] == 0


def test_a_body_over_the_size_limit_is_a_400_with_listenbrainz_words(client, settings):
    settings.LISTENBRAINZ_MAX_BODY_BYTES = 2000
    _, token = make_listener()
    listens = [a_listen(1_700_000_000 + i) for i in range(40)]

    response = submit(client, token, listens, "import")

    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "error": "Payload too large. Payload cannot exceed 2000 bytes",
    }
    assert stored()["listens"] == 0


def test_a_listen_over_the_per_listen_size_is_refused(client, settings):
    settings.LISTENBRAINZ_MAX_LISTEN_SIZE = 300
    _, token = make_listener()
    listen = a_listen(comment="x" * 400)

    response = submit(client, token, [listen], "single")

    assert response.status_code == 400
    assert response.json()["error"] == (
        "JSON document is too large. Each listens may not be larger than 300 bytes."
    )
    assert stored()["listens"] == 0


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (None, "You need to provide an Authorization header."),
        ("Token", "Provided Authorization header is invalid."),
        ("Token not-a-real-token", "Invalid authorization token."),
    ],
)
def test_a_submission_without_a_valid_token_is_refused_with_401(client, header, error):
    make_listener()
    headers = {"HTTP_AUTHORIZATION": header} if header else {}

    response = submit(client, None, [a_listen()], "single", **headers)

    assert response.status_code == 401
    assert response.json() == {"code": 401, "error": error}
    assert stored()["listens"] == 0


def test_an_inactive_listeners_token_is_refused(client):
    user, token = make_listener()
    user.is_active = False
    user.save()

    response = submit(client, token, [a_listen()], "single")

    assert response.status_code == 401
    assert stored()["listens"] == 0


def test_the_wrong_method_gets_a_json_405(client):
    response = client.get(SUBMIT_URL)

    assert response.status_code == 405
    assert response.json() == {
        "code": 405,
        "error": "The method is not allowed for the requested URL.",
    }
    assert "POST" in response["Allow"]
    assert client.post("/1/user/alice/listens").status_code == 405


def test_submitting_needs_no_csrf_token(client):
    from django.test import Client

    _, token = make_listener()
    strict = Client(enforce_csrf_checks=True)

    assert submit(strict, token, [a_listen()], "single").status_code == 200


def test_a_cors_preflight_is_answered(client):
    response = client.options(SUBMIT_URL)

    assert response.status_code == 200
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_read_for_an_unknown_listener_is_404(client):
    for suffix in ("listens", "playing-now", "listen-count"):
        response = client.get(f"/1/user/nobody/{suffix}")
        assert response.status_code == 404
        assert response.json() == {"code": 404, "error": "Cannot find user: nobody"}
