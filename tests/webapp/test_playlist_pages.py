"""The Discover Weekly page, its controls, the JSPF and M3U exports, and the API endpoint."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.webapp.cf_world import make_world
from webapp.listening.models import Listen, SavedTrack, Skip, TrackRefusal
from webapp.listening.services import listener_token_regenerate
from webapp.playlists.models import HiddenArtist, PlaylistSettings, WeeklyPlaylist
from webapp.playlists.services import week_start
from webapp.playlists.weekly import week_run
from webapp.training import services as training

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]


@pytest.fixture
def built():
    users, groups = make_world(n_users_per_group=10, n_tracks_per_group=40, n_artists_per_group=20)
    training.cf_retrain()
    week = week_start()
    week_run(week=week, playlists_only=True)
    return users, week


def test_the_weekly_page_lists_the_listeners_picks_with_reasons_and_contributions(client, built):
    users, week = built
    owner = users[0][0]
    client.force_login(owner)
    response = client.get(reverse("weekly"))
    assert response.status_code == 200
    playlist = WeeklyPlaylist.objects.get(user=owner, week=week)
    items = response.context["items"]
    assert [i.pk for i in items] == list(
        playlist.items.order_by("position").values_list("pk", flat=True)
    )
    assert response.text.count("data-reason") == len(items)
    assert response.text.count("data-contributions") == len(items)
    assert 'data-source="weekly"' in response.text
    other = WeeklyPlaylist.objects.get(user=users[1][0], week=week)
    other_tracks = set(other.items.values_list("track__title", flat=True))
    own_tracks = {i.track.title for i in items}
    assert not (other_tracks - own_tracks) & set(response.text.split(">"))  # only their own


def test_past_weeks_are_reachable_and_an_unknown_week_is_404(client, built):
    users, week = built
    owner = users[0][0]
    earlier = week - dt.timedelta(days=7)
    week_run(week=earlier, user_ids=[owner.pk], playlists_only=True)
    client.force_login(owner)
    page = client.get(reverse("weekly"))
    assert reverse("weekly_week", args=[earlier.isoformat()]) in page.text
    assert client.get(reverse("weekly_week", args=[earlier.isoformat()])).status_code == 200
    assert client.get(reverse("weekly_week", args=["2001-01-01"])).status_code == 404
    assert client.get(reverse("weekly_week", args=["not-a-date"])).status_code == 404


def test_a_listener_without_a_playlist_sees_how_to_get_one(client, built):
    from webapp.listening.services import listener_create

    client.force_login(listener_create(username="fresh"))
    response = client.get(reverse("weekly"))
    assert response.status_code == 200 and "data-no-playlist" in response.text


def test_jspf_and_m3u_downloads(client, built):
    users, week = built
    client.force_login(users[0][0])
    jspf = client.get(reverse("weekly_jspf", args=[week.isoformat()]))
    assert jspf.status_code == 200 and "attachment" in jspf["Content-Disposition"]
    playlist = json.loads(jspf.content)["playlist"]
    assert playlist["creator"] == users[0][0].username and playlist["title"].startswith(
        "Discover Weekly"
    )
    first = playlist["track"][0]
    assert {"title", "creator", "identifier"} <= set(first)
    assert first["identifier"][0].startswith("http://testserver/tracks/")
    m3u = client.get(reverse("weekly_m3u", args=[week.isoformat()])).content.decode()
    assert m3u.startswith("#EXTM3U") and m3u.count("#EXTINF:") == len(playlist["track"])


def test_the_api_gives_the_playlist_as_jspf_to_its_listener_only(client, built):
    users, week = built
    owner, other = users[0][0], users[1][0]
    mine, theirs = listener_token_regenerate(user=owner), listener_token_regenerate(user=other)
    url = f"/1/user/{owner.username}/weekly-playlist"
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {mine}")
    assert response.status_code == 200
    tracks = response.json()["playlist"]["track"]
    assert len(tracks) == WeeklyPlaylist.objects.get(user=owner, week=week).items.count()
    refused = client.get(url, HTTP_AUTHORIZATION=f"Token {theirs}")
    assert refused.status_code == 403 and "playlist" not in refused.json()
    assert client.get(url).status_code == 401
    old = client.get(f"{url}?week=2001-01-01", HTTP_AUTHORIZATION=f"Token {mine}")
    assert old.status_code == 404 and old.json()["code"] == 404
    bad = client.get(f"{url}?week=soon", HTTP_AUTHORIZATION=f"Token {mine}")
    assert bad.status_code == 400
    schema = client.get("/1/openapi.json").json()
    assert "/1/user/{user_name}/weekly-playlist" in schema["paths"]


def test_controls_record_refusals_hidden_artists_and_the_discovery_setting(client, built):
    users, week = built
    owner = users[0][0]
    client.force_login(owner)
    item = WeeklyPlaylist.objects.get(user=owner, week=week).items.select_related("track").first()
    client.post(reverse("weekly_refuse", args=[item.track_id]))
    refusal = TrackRefusal.objects.get(user=owner, track=item.track)
    assert refusal.source == "weekly"
    client.post(reverse("weekly_hide_artist", args=[item.track.artist_id]))
    assert HiddenArtist.objects.filter(user=owner, artist_id=item.track.artist_id).exists()
    client.post(reverse("weekly_unhide_artist", args=[item.track.artist_id]))
    assert not HiddenArtist.objects.filter(user=owner).exists()
    client.post(reverse("weekly_discovery"), {"discovery": "0.75"})
    assert PlaylistSettings.objects.get(user=owner).discovery == 0.75
    assert client.post(reverse("weekly_discovery"), {"discovery": "7"}).status_code == 400


def test_rebuild_now_applies_controls_at_once_and_is_rate_limited(client, built):
    users, week = built
    owner = users[0][0]
    client.force_login(owner)
    playlist = WeeklyPlaylist.objects.get(user=owner, week=week)
    refused = playlist.items.first().track
    client.post(reverse("weekly_refuse", args=[refused.pk]))
    client.post(reverse("weekly_rebuild"))
    rebuilt = WeeklyPlaylist.objects.get(user=owner, week=week)
    assert rebuilt.pk != playlist.pk
    assert not rebuilt.items.filter(track=refused).exists()
    response = client.post(reverse("weekly_rebuild"), follow=True)
    assert "once every" in response.text
    assert WeeklyPlaylist.objects.get(user=owner, week=week).pk == rebuilt.pk


def test_play_save_and_skip_from_the_playlist_are_recorded_with_their_source(client, built):
    users, week = built
    owner = users[0][0]
    client.force_login(owner)
    first, second = WeeklyPlaylist.objects.get(user=owner, week=week).items.all()[:2]
    client.post(
        reverse("track_play", args=[first.track_id]), {"source": "weekly", "ms_played": 9000}
    )
    client.post(reverse("track_save", args=[first.track_id]), {"source": "weekly"})
    client.post(reverse("track_skip", args=[second.track_id]), {"source": "weekly"})
    assert Listen.objects.get(user=owner, track_id=first.track_id).source == "weekly"
    assert SavedTrack.objects.get(user=owner, track_id=first.track_id).source == "weekly"
    assert Skip.objects.get(user=owner, track_id=second.track_id).source == "weekly"
    bad = client.post(reverse("track_play", args=[first.track_id]), {"source": "radio"})
    assert bad.status_code == 400


def test_the_home_page_shows_the_first_picks_of_the_week(client, built):
    users, week = built
    owner = users[0][0]
    client.force_login(owner)
    response = client.get("/")
    first = WeeklyPlaylist.objects.get(user=owner, week=week).items.order_by("position").first()
    assert "data-weekly-preview" in response.text and first.track.title in response.text
