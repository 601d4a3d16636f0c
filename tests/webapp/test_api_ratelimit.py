"""Rate limits: X-RateLimit-* headers on every answer, 429 past the budget, per token and per
IP, fixed windows counted in the shared cache."""

import pytest
from django.core.cache import cache

from tests.webapp.test_api_helpers import a_listen, make_listener, stored, submit
from webapp.listening.api import http, ratelimit

pytestmark = pytest.mark.django_db

NOW = 1_700_000_005  # 5 s into a 60 s window that ends at 1_700_000_040
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture
def small_limits(settings, monkeypatch):
    settings.RATELIMIT_PER_TOKEN = 3
    settings.RATELIMIT_PER_IP = 2
    settings.RATELIMIT_WINDOW = 60
    clock = {"now": float(NOW)}
    monkeypatch.setattr(ratelimit, "clock", lambda: clock["now"])
    return clock


def test_every_api_answer_carries_the_rate_limit_headers(client):
    _, token = make_listener("alice")
    responses = [
        submit(client, token, [a_listen()], "single"),
        submit(client, token, b"{", "single"),
        submit(client, "bad", [a_listen()], "single"),
        client.get("/1/user/nobody/listens"),
        client.get("/1/submit-listens"),
        client.get("/1/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [200, 400, 401, 404, 405, 200]
    for response in responses:
        for header in (*RATE_HEADERS, "X-RateLimit-Reset-In"):
            assert int(response[header]) >= 0


def test_a_token_past_its_budget_gets_429_and_nothing_is_stored(client, small_limits):
    _, token = make_listener("alice")
    for i, remaining in enumerate((2, 1, 0)):
        response = submit(client, token, [a_listen(1_700_000_000 + i)], "single")
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"] == str(remaining)
    before = stored()

    response = submit(client, token, [a_listen(1_600_000_000)], "single")

    assert response.status_code == 429
    assert response.json() == {"code": 429, "error": ratelimit.OVER_LIMIT_MESSAGE}
    assert response["X-RateLimit-Limit"] == "3"
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["X-RateLimit-Reset"] == "1700000040"
    assert response["X-RateLimit-Reset-In"] == "35"
    assert stored() == before


def test_anonymous_callers_are_limited_per_ip(client, small_limits):
    make_listener("alice")
    assert [client.get("/1/user/alice/listen-count").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    other_ip = client.get("/1/user/alice/listen-count", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200
    assert other_ip["X-RateLimit-Limit"] == "2"


def test_a_valid_token_has_its_own_budget_apart_from_its_ip(client, small_limits):
    _, token = make_listener("alice")
    for _ in range(2):
        client.get("/1/user/alice/listen-count")
    assert client.get("/1/user/alice/listen-count").status_code == 429

    with_token = client.get("/1/user/alice/listen-count", HTTP_AUTHORIZATION=f"Token {token}")

    assert with_token.status_code == 200
    assert with_token["X-RateLimit-Limit"] == "3"


def test_an_invalid_token_counts_against_the_ip(client, small_limits):
    make_listener("alice")
    for _ in range(2):
        submit(client, "made-up", [a_listen()], "single")

    response = client.get("/1/user/alice/listen-count")

    assert response.status_code == 429


def test_the_budget_returns_in_the_next_window(client, small_limits):
    make_listener("alice")
    for _ in range(3):
        client.get("/1/user/alice/listen-count")
    small_limits["now"] += 60

    response = client.get("/1/user/alice/listen-count")

    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "1"


def test_counts_live_in_the_cache_under_a_digest_of_the_token():
    token = "0123456789abcdef0123456789abcdef01234567"
    key = ratelimit.token_key(token)
    for _ in range(2):
        hit = ratelimit.ratelimit_hit(key=key, limit=5, window=10, now=NOW)

    assert token not in key
    assert hit.current == 2 and hit.remaining == 3 and not hit.over_limit
    assert cache.get(f"{ratelimit.CACHE_PREFIX}:{key}:{hit.reset}") == 2


def test_a_cache_outage_stores_the_listen_uncounted_and_logs_it(client, monkeypatch, caplog):
    """Issue 8: a listen must not need Redis. (A real Redis stopped: test_redis_outage.py.)"""
    _, token = make_listener("alice")

    def down(**kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(http, "ratelimit_hit", down)
    response = submit(client, token, [a_listen()], "single")

    assert response.status_code == 200
    assert "X-RateLimit-Remaining" not in response
    assert stored()["listens"] == 1
    assert "rate limit not counted" in caplog.text
