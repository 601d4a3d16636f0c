"""Logins are throttled per username and per IP in the shared cache (issue 8, defect 6): past
the limit the password is not even checked, and the message says when to try again."""

import pytest
from django.contrib.auth import forms as auth_forms
from django.urls import reverse

from webapp.listening import login_throttle
from webapp.listening.login_throttle import (
    LOGIN_FAILURES_PER_IP,
    LOGIN_FAILURES_PER_USERNAME,
    LOGIN_THROTTLE_WINDOW_SECONDS,
)
from webapp.listening.services import listener_create

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
NOW = 1_700_000_100.0


@pytest.fixture
def checks(settings, monkeypatch) -> dict:
    """Fast hashing, a pinned clock, and a count of the password checks made."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    state = {"now": NOW, "authenticate": 0}
    monkeypatch.setattr(login_throttle, "clock", lambda: state["now"])
    authenticate = auth_forms.authenticate

    def counting(*args, **kwargs):
        state["authenticate"] += 1
        return authenticate(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", counting)
    return state


def login(client, username: str, password: str, url: str = "/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_forty_wrong_passwords_cost_five_password_checks(client, checks):
    listener_create(username="ada", password=PASSWORD)

    responses = [login(client, "ada", f"guess {i}") for i in range(40)]

    assert all(r.status_code == 200 for r in responses)  # the form again, never a login
    assert checks["authenticate"] == LOGIN_FAILURES_PER_USERNAME
    assert "Too many failed logins" in responses[-1].content.decode()
    assert "try again in 15 minutes" in responses[-1].content.decode()


def test_the_right_password_waits_out_the_window_too(client, checks):
    listener_create(username="ada", password=PASSWORD)
    for i in range(LOGIN_FAILURES_PER_USERNAME):
        login(client, "ADA", f"guess {i}")  # the name's case does not buy more guesses

    refused = login(client, "ada", PASSWORD)
    checks["now"] += LOGIN_THROTTLE_WINDOW_SECONDS
    accepted = login(client, "ada", PASSWORD)

    assert refused.status_code == 200 and "Too many failed logins" in refused.content.decode()
    assert accepted.status_code == 302


def test_one_address_guessing_many_names_is_throttled_but_not_other_addresses(client, checks):
    listener_create(username="ada", password=PASSWORD)
    for i in range(LOGIN_FAILURES_PER_IP):
        login(client, f"name{i}", "guess")

    from_same_ip = login(client, "ada", PASSWORD)
    from_another_ip = login(client, "ada", PASSWORD, REMOTE_ADDR="10.0.0.9")

    assert "Too many failed logins" in from_same_ip.content.decode()
    assert from_another_ip.status_code == 302


def test_the_admin_login_is_throttled_too(client, checks):
    curator = listener_create(username="cleo", password=PASSWORD)
    curator.is_staff = True
    curator.save()
    url = reverse("admin:login")
    for i in range(LOGIN_FAILURES_PER_USERNAME):
        login(client, "cleo", f"guess {i}", url=url)

    response = login(client, "cleo", PASSWORD, url=url)

    assert "Too many failed logins" in response.content.decode()
    assert checks["authenticate"] == LOGIN_FAILURES_PER_USERNAME


def test_without_a_reachable_cache_logins_go_on_unthrottled(client, checks, monkeypatch):
    listener_create(username="ada", password=PASSWORD)

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(login_throttle, "window_count", down)
    monkeypatch.setattr(login_throttle, "window_hit", down)

    assert login(client, "ada", "wrong").status_code == 200
    assert login(client, "ada", PASSWORD).status_code == 302
