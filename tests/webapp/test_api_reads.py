"""The public reads (listens, playing-now, listen-count), validate-token, and that no API answer
ever shows a token."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.webapp.test_api_helpers import (
    RECORDING_MBID,
    TS,
    a_listen,
    import_listens,
    make_listener,
    submit,
)
from webapp.listening import selectors
from webapp.listening.api import views

pytestmark = pytest.mark.django_db


def _listens(client, name="alice", **params):
    response = client.get(f"/1/user/{name}/listens", params)
    assert response.status_code == 200, response.content
    return response.json()["payload"]


@pytest.fixture
def ten_listens(client):
    """alice with listens at TS, TS+100, ..., TS+900 (titles 0..9)."""
    _, token = make_listener("alice")
    import_listens(client, token, [a_listen(TS + 100 * i, title=str(i)) for i in range(10)])
    return token


def test_listens_come_newest_first_in_listenbrainz_shape(client, ten_listens):
    payload = _listens(client)

    assert payload["count"] == 10
    assert payload["user_id"] == "alice"
    assert payload["latest_listen_ts"] == TS + 900
    assert payload["oldest_listen_ts"] == TS
    first = payload["listens"][0]
    assert set(first) == {"inserted_at", "listened_at", "track_metadata", "user_name"}
    assert first["listened_at"] == TS + 900
    assert first["user_name"] == "alice"
    assert first["track_metadata"] == {
        "artist_name": "Dool",
        "track_name": "9",
        "additional_info": {},
    }
    assert [listen["listened_at"] for listen in payload["listens"]] == [
        TS + 100 * i for i in range(9, -1, -1)
    ]


def test_count_limits_the_listens_returned(client, ten_listens):
    assert _listens(client)["count"] == 10
    assert [item["listened_at"] for item in _listens(client, count=3)["listens"]] == [
        TS + 900,
        TS + 800,
        TS + 700,
    ]


def test_max_ts_returns_the_newest_listens_strictly_before_it(client, ten_listens):
    listens = _listens(client, max_ts=TS + 500, count=2)["listens"]

    assert [item["listened_at"] for item in listens] == [TS + 400, TS + 300]


def test_min_ts_returns_the_listens_right_after_it_newest_first(client, ten_listens):
    listens = _listens(client, min_ts=TS + 500, count=2)["listens"]

    assert [item["listened_at"] for item in listens] == [TS + 700, TS + 600]


def test_min_ts_and_max_ts_together_bound_both_sides(client, ten_listens):
    listens = _listens(client, min_ts=TS + 200, max_ts=TS + 600)["listens"]

    assert [item["listened_at"] for item in listens] == [TS + 500, TS + 400, TS + 300]


def test_with_min_ts_and_max_ts_the_page_starts_right_after_min_ts(client, ten_listens):
    """As ListenBrainz: a client paging forward from min_ts with max_ts=now gets the listens
    right after min_ts, not the newest (which skipped everything in between)."""
    listens = _listens(client, min_ts=TS - 1, max_ts=TS + 10_000, count=3)["listens"]

    assert [item["listened_at"] for item in listens] == [TS + 200, TS + 100, TS]


def test_a_zero_min_ts_or_max_ts_is_not_given_as_listenbrainz_reads_it(client, ten_listens):
    newest = [TS + 900, TS + 800, TS + 700]
    for bounds in ({"min_ts": 0, "max_ts": 0}, {"max_ts": 0}, {"min_ts": 0}):
        listens = _listens(client, count=3, **bounds)["listens"]
        assert [item["listened_at"] for item in listens] == newest, bounds


def test_user_names_in_paths_ignore_case_as_listenbrainz_does(client, ten_listens):
    assert _listens(client, name="Alice")["user_id"] == "alice"
    assert client.get("/1/user/ALICE/listen-count").json()["payload"]["count"] == 10
    make_listener("Alice")  # a name differing only in case: the exact one wins
    assert _listens(client, name="Alice")["count"] == 0


def test_a_nul_in_a_user_name_is_no_such_user(client, ten_listens):
    response = client.get("/1/user/al%00ice/listens")

    assert response.status_code == 404
    assert response.json()["code"] == 404


def test_more_query_arguments_than_django_reads_is_a_json_400(client, ten_listens, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    query = "&".join(f"p{i}=1" for i in range(30))

    response = client.get(f"/1/user/alice/listens?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == 400 and response.json()["error"]


def test_count_is_capped_at_1000(client, ten_listens, monkeypatch):
    asked = []
    window = selectors.listener_listens_window

    def spy(**kwargs):
        asked.append(kwargs["count"])
        return window(**kwargs)

    monkeypatch.setattr(selectors, "listener_listens_window", spy)

    assert _listens(client, count=50_000)["count"] == 10
    assert asked == [1000]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"count": "ten"}, "Invalid count argument: ten"),
        ({"min_ts": "soon"}, "Invalid min_ts argument: soon"),
        ({"count": "-1"}, "Number of items requested should be positive"),
        ({"min_ts": TS + 10, "max_ts": TS}, "max_ts should be greater than min_ts"),
        ({"min_ts": TS, "max_ts": TS}, "min_ts should be less than max_ts"),
    ],
)
def test_bad_listens_parameters_are_400(client, ten_listens, params, error):
    response = client.get("/1/user/alice/listens", params)

    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": error}


def test_listens_carry_the_tracks_mbids(client):
    _, token = make_listener("alice")
    import_listens(client, token, [a_listen(release="R", recording_mbid=RECORDING_MBID)])

    metadata = _listens(client)["listens"][0]["track_metadata"]

    assert metadata["release_name"] == "R"
    assert metadata["additional_info"] == {"recording_mbid": RECORDING_MBID}


def test_listen_count_counts_the_listeners_listens(client, ten_listens):
    make_listener("bob")

    assert client.get("/1/user/alice/listen-count").json() == {"payload": {"count": 10}}
    assert client.get("/1/user/bob/listen-count").json() == {"payload": {"count": 0}}


def test_playing_now_shows_the_track_until_it_would_have_ended(client, monkeypatch):
    _, token = make_listener("alice")
    listen = a_listen(ts=None, duration=180, recording_mbid=RECORDING_MBID)
    assert submit(client, token, [listen], "playing_now").status_code == 200

    payload = client.get("/1/user/alice/playing-now").json()["payload"]
    assert payload["count"] == 1
    assert payload["playing_now"] is True
    assert payload["user_id"] == "alice"
    (playing,) = payload["listens"]
    assert playing["playing_now"] is True
    assert "listened_at" not in playing
    assert playing["track_metadata"]["track_name"] == "Vantablack"
    assert playing["track_metadata"]["additional_info"]["duration_ms"] == 180_000

    later = timezone.now() + dt.timedelta(seconds=181)
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: later))
    payload = client.get("/1/user/alice/playing-now").json()["payload"]
    assert payload == {"count": 0, "listens": [], "playing_now": True, "user_id": "alice"}


def test_playing_now_replaces_the_previous_track(client):
    _, token = make_listener("alice")
    submit(client, token, [a_listen(ts=None, title="One")], "playing_now")
    submit(client, token, [a_listen(ts=None, title="Two")], "playing_now")

    (playing,) = client.get("/1/user/alice/playing-now").json()["payload"]["listens"]
    assert playing["track_metadata"]["track_name"] == "Two"


def test_validate_token_names_the_tokens_listener(client):
    _, token = make_listener("alice")

    by_header = client.get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {token}")
    by_query = client.get("/1/validate-token", {"token": token})

    expected = {"code": 200, "message": "Token valid.", "valid": True, "user_name": "alice"}
    assert by_header.json() == expected
    assert by_query.json() == expected


def test_validate_token_says_an_unknown_token_is_invalid(client):
    make_listener("alice")

    response = client.get("/1/validate-token", {"token": "nope"})

    assert response.status_code == 200
    assert response.json() == {"code": 200, "message": "Token invalid.", "valid": False}
    by_header = client.get("/1/validate-token", HTTP_AUTHORIZATION="Token nope")
    assert by_header.json()["valid"] is False


def test_validate_token_without_a_token_is_400(client):
    response = client.get("/1/validate-token")

    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": "You need to provide an Authorization token."}


def test_no_api_answer_shows_a_token(client):
    _, alice_token = make_listener("alice")
    _, bob_token = make_listener("bob")
    submit(client, alice_token, [a_listen()], "single")
    submit(client, alice_token, [a_listen(ts=None)], "playing_now")
    as_bob = {"HTTP_AUTHORIZATION": f"Token {bob_token}"}
    responses = [
        submit(client, alice_token, [a_listen(TS + 1)], "single"),
        submit(client, alice_token, {"listen_type": "single"}),
        submit(client, "wrong", [a_listen()], "single"),
        client.get("/1/validate-token", {"token": alice_token}),
        client.get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {alice_token}"),
        client.get("/1/openapi.json"),
    ]
    for path in ("listens", "playing-now", "listen-count"):
        responses.append(client.get(f"/1/user/alice/{path}", **as_bob))
        responses.append(client.get(f"/1/user/bob/{path}", HTTP_AUTHORIZATION=alice_token))

    for response in responses:
        visible = response.content.decode() + repr(sorted(response.items()))
        assert alice_token not in visible
        assert bob_token not in visible
