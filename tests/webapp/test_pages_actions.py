"""The pages' state-changing endpoints: login, POST and CSRF required; each records its signal."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from webapp.catalog.models import Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening.models import Listen, ListenSource, Profile, SavedTrack, Skip
from webapp.listening.selectors import listener_by_token
from webapp.listening.services import listener_create, listener_token_regenerate, track_save

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
TRACK_ENDPOINTS = ["track_play", "track_skip", "track_save", "track_unsave"]


@pytest.fixture
def track() -> Track:
    (track_id,) = tracks_resolve(refs=[TrackRef(artist_name="Portishead", track_name="Roads")])
    return Track.objects.get(pk=track_id)


def _urls(track: Track) -> list[str]:
    return [reverse(name, args=[track.pk]) for name in TRACK_ENDPOINTS] + [
        reverse("token_regenerate")
    ]


def test_endpoints_have_the_urls_the_player_posts_to(track):
    assert reverse("track_play", args=[track.pk]) == f"/tracks/{track.pk}/play"
    assert reverse("track_skip", args=[track.pk]) == f"/tracks/{track.pk}/skip"


def test_endpoints_refuse_get(listener_client, track):
    for url in _urls(track):
        assert listener_client.get(url).status_code == 405, url


def test_endpoints_send_anonymous_visitors_to_login(client, track):
    for url in _urls(track):
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    assert not Listen.objects.exists() and not SavedTrack.objects.exists()


def test_endpoints_reject_a_post_without_a_csrf_token(listener, track):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(listener)
    token_before = Profile.objects.get(user=listener).token_hash
    for url in _urls(track):
        assert strict.post(url, {"ms_played": 1000}).status_code == 403, url
    assert not Listen.objects.exists() and not Skip.objects.exists()
    assert not SavedTrack.objects.exists()
    assert Profile.objects.get(user=listener).token_hash == token_before


def test_endpoints_accept_a_post_with_the_csrf_token_from_the_page(listener, track):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(listener)
    strict.get(reverse("track_detail", args=[track.pk]))
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        reverse("track_play", args=[track.pk]), {"ms_played": 1000}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_play_records_a_browser_listen_with_ms_played(listener_client, listener, track):
    response = listener_client.post(reverse("track_play", args=[track.pk]), {"ms_played": 31500})
    assert response.status_code == 200
    listen = Listen.objects.get(user=listener, track=track)
    assert listen.source == ListenSource.BROWSER
    assert listen.ms_played == 31500
    assert response.json() == {"listen_id": listen.pk, "play_count": 1}


@pytest.mark.parametrize("bad", ["-5", "abc", str(10**12)])
def test_play_with_a_bad_ms_played_is_a_400_and_records_nothing(listener_client, track, bad):
    response = listener_client.post(reverse("track_play", args=[track.pk]), {"ms_played": bad})
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert not Listen.objects.exists()


def test_play_of_an_unknown_track_is_a_404(listener_client):
    assert listener_client.post(reverse("track_play", args=[999])).status_code == 404


def test_skip_records_a_skip(listener_client, listener, track):
    response = listener_client.post(reverse("track_skip", args=[track.pk]), {"ms_played": 4000})
    assert response.status_code == 200
    skip = Skip.objects.get(user=listener, track=track)
    assert skip.ms_played == 4000
    assert not Listen.objects.exists()


def test_save_without_js_redirects_back_to_the_page_it_was_on(listener_client, listener, track):
    response = listener_client.post(reverse("track_save", args=[track.pk]), {"next": "/library/"})
    assert response.status_code == 302 and response["Location"] == "/library/"
    assert SavedTrack.objects.filter(user=listener, track=track).exists()


def test_save_never_redirects_off_site(listener_client, track):
    response = listener_client.post(
        reverse("track_save", args=[track.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == track.get_absolute_url()


def test_save_and_unsave_with_js_answer_json_with_the_next_action(listener_client, listener, track):
    save_url = reverse("track_save", args=[track.pk])
    unsave_url = reverse("track_unsave", args=[track.pk])
    response = listener_client.post(save_url, **JSON)
    assert response.json() == {"saved": True, "action": unsave_url}
    assert SavedTrack.objects.filter(user=listener, track=track).count() == 1
    response = listener_client.post(unsave_url, **JSON)
    assert response.json() == {"saved": False, "action": save_url}
    assert not SavedTrack.objects.exists()


def test_unsave_touches_only_the_listeners_own_save(listener_client, track):
    other = listener_create(username="bob")
    track_save(user=other, track=track)
    listener_client.post(reverse("track_unsave", args=[track.pk]))
    assert SavedTrack.objects.filter(user=other, track=track).exists()


def test_a_new_token_is_shown_once_and_the_old_one_stops_working(listener_client, listener):
    old = listener_token_regenerate(user=listener)
    response = listener_client.post(reverse("token_regenerate"), follow=True)
    assert response.redirect_chain == [(reverse("profile"), 302)]
    new = response.context["new_api_token"]
    content = response.content.decode()
    assert new in content and old not in content
    assert listener_by_token(token=new) == (listener.pk, listener.username)
    assert listener_by_token(token=old) is None

    again = listener_client.get(reverse("profile")).content.decode()

    assert new not in again and f"{new[:4]}…" in again


def test_only_the_tokens_hash_is_stored(listener_client, listener):
    response = listener_client.post(reverse("token_regenerate"), follow=True)
    token = response.context["new_api_token"]
    profile = Profile.objects.get(user=listener)
    stored = [str(value) for value in Profile.objects.filter(pk=profile.pk).values().get().values()]
    assert token not in " ".join(stored)
    assert profile.token_hash == hashlib.sha256(token.encode()).hexdigest()
