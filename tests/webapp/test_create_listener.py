"""`manage.py create_listener`: a listener in, an API token that the API accepts out."""

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


def test_create_listener_prints_a_token_the_api_validates(client):
    token = create("alice")
    response = client.get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["valid"] is True and response.json()["user_name"] == "alice"
    user = get_user_model().objects.get(username="alice")
    assert not user.is_staff and not user.has_usable_password()


def test_rerunning_prints_the_same_token_and_sets_the_password():
    token = create("bob")
    assert create("bob", "--password", "s3cret-pass") == token
    assert authenticate(username="bob", password="s3cret-pass") is not None
    assert get_user_model().objects.filter(username="bob").count() == 1
