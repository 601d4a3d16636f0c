"""Sign-up in each mode, invite codes used once, and deleting an account with all its data."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.webapp.cf_world import make_world
from webapp.listening.models import Invite, Listen, TrackSignal
from webapp.listening.services import track_save

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long enough password 42"


def _signup(client, username: str, code: str | None = None):
    data = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    if code is not None:
        data["invite_code"] = code
    return client.post(reverse("signup"), data)


def test_open_sign_up_creates_a_listener_and_logs_them_in(client, settings):
    settings.SIGNUP_MODE = "open"
    response = _signup(client, "newbie")
    assert response.status_code == 302 and response.url == reverse("profile")
    user = User.objects.get(username="newbie")
    assert not user.is_staff and user.profile is not None
    assert client.get(reverse("profile")).status_code == 200


def test_invite_only_sign_up_needs_a_valid_code_that_works_once(client, settings):
    settings.SIGNUP_MODE = "invite"
    assert _signup(client, "nocode").status_code == 200
    assert not User.objects.filter(username="nocode").exists()
    invite = Invite.objects.create(note="for a friend")
    assert _signup(client, "friend", invite.code).status_code == 302
    invite.refresh_from_db()
    assert invite.used_by.username == "friend" and invite.used_at is not None
    client.logout()
    response = _signup(client, "gatecrasher", invite.code)
    assert response.status_code == 200 and "not valid" in response.text
    assert not User.objects.filter(username="gatecrasher").exists()


def test_an_expired_invite_is_refused(client, settings):
    settings.SIGNUP_MODE = "invite"
    invite = Invite.objects.create(expires_at=timezone.now() - timezone.timedelta(days=1))
    assert _signup(client, "late", invite.code).status_code == 200
    assert not User.objects.filter(username="late").exists()


def test_closed_sign_up_refuses_everyone(client, settings):
    settings.SIGNUP_MODE = "closed"
    assert client.get(reverse("signup")).status_code == 403
    assert _signup(client, "nobody").status_code == 403
    assert not User.objects.filter(username="nobody").exists()


def test_deleting_an_account_needs_the_password_and_removes_every_signal(client):
    users, groups = make_world(n_users_per_group=2, n_tracks_per_group=5)
    user = users[0][0]
    user.set_password(PASSWORD)
    user.save()
    track_save(user=user, track=groups[0][0])
    client.force_login(user)
    assert client.post(reverse("account_delete"), {"password": "wrong"}).status_code == 200
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Listen.objects.filter(user_id=user.pk).exists()
    assert not TrackSignal.objects.filter(user_id=user.pk).exists()
    assert Listen.objects.filter(user=users[0][1]).exists()  # nobody else's
    assert client.get(reverse("profile")).status_code == 302  # logged out
