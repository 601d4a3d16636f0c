"""Listener pages: what each page shows, to whom, and the signals a visit leaves."""

import pytest
from django.urls import reverse

from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening.models import ArtistVisit, Listen, ListenSource
from webapp.listening.services import (
    listener_create,
    listener_token_regenerate,
    track_play_record,
    track_save,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks() -> list[Track]:
    ids = tracks_resolve(
        refs=[
            TrackRef(artist_name="Björk", track_name="Jóga", release_name="Homogenic"),
            TrackRef(artist_name="Björk", track_name="Hunter", duration_ms=255000),
            TrackRef(artist_name="Massive Attack", track_name="Teardrop"),
        ]
    )
    by_id = Track.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids]


@pytest.mark.parametrize(
    "name,args",
    [("home", []), ("browse", []), ("library", []), ("profile", [])],
)
def test_each_page_renders_for_a_logged_in_listener(listener_client, tracks, name, args):
    response = listener_client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert b"Log out" in response.content


def test_artist_and_track_pages_render_for_a_logged_in_listener(listener_client, tracks):
    track = tracks[0]
    assert listener_client.get(reverse("artist_detail", args=[track.artist_id])).status_code == 200
    response = listener_client.get(reverse("track_detail", args=[track.pk]))
    assert response.status_code == 200
    assert b"J\xc3\xb3ga" in response.content and b"Homogenic" in response.content


@pytest.mark.parametrize("name", ["library", "profile"])
def test_private_pages_send_anonymous_visitors_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_home_for_anonymous_visitors_is_an_intro_with_a_login_link(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("login").encode() in response.content
    assert b"Recently played" not in response.content


def test_home_shows_recent_listens_and_saved_tracks(listener_client, listener, tracks):
    track_play_record(user=listener, track=tracks[2])
    track_save(user=listener, track=tracks[1])
    response = listener_client.get(reverse("home"))
    assert list(response.context["recent_listens"])[0].track == tracks[2]
    assert [saved.track for saved in response.context["saved_tracks"]] == [tracks[1]]
    assert b"Teardrop" in response.content and b"Hunter" in response.content


def test_library_lists_only_the_listeners_own_saved_tracks(listener_client, listener, tracks):
    other = listener_create(username="bob")
    track_save(user=listener, track=tracks[0])
    track_save(user=other, track=tracks[2])
    response = listener_client.get(reverse("library"))
    assert [saved.track for saved in response.context["saved"]] == [tracks[0]]


def test_login_page_renders_and_logs_in(client, listener):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "ada", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_is_a_post(listener_client):
    assert listener_client.get(reverse("logout")).status_code == 405
    assert listener_client.post(reverse("logout")).status_code == 302
    assert listener_client.get(reverse("profile")).status_code == 302


def test_search_finds_tracks_by_artist_name_ignoring_case_and_accents(client, tracks):
    response = client.get(reverse("browse"), {"q": "BJORK"})
    assert {t.title for t in response.context["tracks"]} == {"Jóga", "Hunter"}
    assert [a.name for a in response.context["artists"]] == ["Björk"]


def test_search_finds_tracks_by_title(client, tracks):
    response = client.get(reverse("browse"), {"q": "teardr"})
    assert [t.title for t in response.context["tracks"]] == ["Teardrop"]
    assert list(response.context["artists"]) == []


def test_browse_without_a_query_pages_through_the_whole_catalog(client, tracks):
    response = client.get(reverse("browse"))
    assert response.context["tracks"].paginator.count == 3
    assert response.context["artists"].paginator.count == 2


def test_browse_marks_tracks_that_have_audio(client, tracks):
    Track.objects.filter(pk=tracks[2].pk).update(audio="audio/1/teardrop.ogg")
    content = client.get(reverse("browse")).content.decode()
    assert content.count('class="badge"') == 1


def test_visiting_an_artist_page_logged_in_records_a_visit(listener_client, listener, tracks):
    artist = Artist.objects.get(name="Björk")
    response = listener_client.get(reverse("artist_detail", args=[artist.pk]))
    assert {t.title for t in response.context["tracks"]} == {"Jóga", "Hunter"}
    assert ArtistVisit.objects.filter(user=listener, artist=artist).count() == 1


def test_anonymous_artist_visit_records_nothing(client, tracks):
    assert client.get(reverse("artist_detail", args=[tracks[0].artist_id])).status_code == 200
    assert not ArtistVisit.objects.exists()


def test_unknown_artist_and_track_are_404(client):
    assert client.get(reverse("artist_detail", args=[999])).status_code == 404
    assert client.get(reverse("track_detail", args=[999])).status_code == 404


def test_track_page_shows_the_listeners_play_count_and_saved_state(
    listener_client, listener, tracks
):
    track = tracks[1]
    other = listener_create(username="bob")
    Listen.objects.create(
        user=other, track=track, listened_at="2024-01-01T00:00:00Z", source=ListenSource.API
    )
    track_play_record(user=listener, track=track)
    track_save(user=listener, track=track)
    response = listener_client.get(reverse("track_detail", args=[track.pk]))
    assert response.context["play_count"] == 1
    assert response.context["is_saved"] is True
    assert reverse("track_unsave", args=[track.pk]).encode() in response.content
    assert b"4:15" in response.content


def test_track_page_has_a_player_only_when_the_track_has_audio(listener_client, tracks):
    track = tracks[0]
    url = reverse("track_detail", args=[track.pk])
    assert b"<audio" not in listener_client.get(url).content
    Track.objects.filter(pk=track.pk).update(audio="audio/1/joga.ogg")
    content = listener_client.get(url).content
    assert b"<audio" in content and b"/media/audio/1/joga.ogg" in content
    assert reverse("track_play", args=[track.pk]).encode() in content


def test_track_page_tells_the_player_the_listen_rule_cap(listener_client, tracks, settings):
    url = reverse("track_detail", args=[tracks[0].pk])
    assert b'data-listen-cap-seconds="240"' in listener_client.get(url).content
    settings.PLAYER_LISTEN_CAP_SECONDS = 1.5
    assert b'data-listen-cap-seconds="1.5"' in listener_client.get(url).content


def test_profile_shows_the_token_prefix_and_scrobbler_urls_but_never_a_token(
    listener_client, listener
):
    own = listener_token_regenerate(user=listener)
    other = listener_token_regenerate(user=listener_create(username="bob"))
    response = listener_client.get(reverse("profile"))
    content = response.content.decode()
    assert f"{own[:4]}…" in content
    assert own not in content and other not in content
    assert "http://testserver/1/" in content
    assert response.context["listen_count"] == 0


def test_browse_pages_keep_the_query(client):
    refs = [TrackRef(artist_name="Can", track_name=f"Vitamin {i:02d}") for i in range(30)]
    tracks_resolve(refs=refs)
    response = client.get(reverse("browse"), {"q": "vitamin", "page": 2})
    page = response.context["tracks"]
    assert page.number == 2 and len(page) == 5
    assert 'href="?q=vitamin&amp;page=1"' in response.content.decode()


def test_paging_through_an_artist_is_one_visit_not_one_per_page(listener_client, listener, tracks):
    artist = Artist.objects.get(name="Björk")
    url = reverse("artist_detail", args=[artist.pk])
    listener_client.get(url)
    listener_client.get(url, {"page": 2})
    listener_client.get(url, {"page": 3})
    assert ArtistVisit.objects.filter(user=listener, artist=artist).count() == 1
