"""`manage.py create_listener`: a listener in, an API token that the API accepts out, once."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("create_listener", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def valid(client, token: str) -> bool:
    response = client.get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    return response.json()["valid"]


def test_create_listener_prints_a_token_the_api_validates(client):
    token = create("alice")
    response = client.get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["valid"] is True and response.json()["user_name"] == "alice"
    user = get_user_model().objects.get(username="alice")
    assert not user.is_staff and not user.has_usable_password()


def test_rerunning_prints_no_token_keeps_the_old_one_and_sets_the_password(client):
    token = create("bob")
    assert create("bob", "--password", "s3cret-pass") == ""
    assert valid(client, token)
    assert authenticate(username="bob", password="s3cret-pass") is not None
    assert get_user_model().objects.filter(username="bob").count() == 1


def test_new_token_replaces_the_old_one(client):
    old = create("carol")
    new = create("carol", "--new-token")
    assert new and new != old
    assert valid(client, new) and not valid(client, old)
