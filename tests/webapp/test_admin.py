"""Curator admin: the Curators group's permissions, the changelists, audio upload, MBID search."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.dashboard.curators import GRANTS
from webapp.listening.models import PlayingNow, api_token_hash
from webapp.listening.selectors import listener_by_token
from webapp.listening.services import (
    artist_visit_record,
    listener_create,
    listener_token_regenerate,
    track_play_record,
    track_save,
    track_skip_record,
)

pytestmark = pytest.mark.django_db
MBID = uuid.UUID("8f3471b5-7e6a-48da-86a9-c1c07a0f47ae")
CURATED_MODELS = [
    ("catalog", "artist"),
    ("catalog", "track"),
    ("listening", "profile"),
    ("listening", "listen"),
    ("listening", "savedtrack"),
    ("listening", "artistvisit"),
    ("listening", "skip"),
    ("listening", "playingnow"),
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "crontabschedule"),
    ("django_celery_beat", "intervalschedule"),
]


@pytest.fixture
def signals():
    """One row in every signal table, so each changelist renders its columns."""
    listener = listener_create(username="ada")
    (track_id,) = tracks_resolve(
        refs=[TrackRef(artist_name="Air", track_name="La femme d'argent", recording_mbid=str(MBID))]
    )
    track = Track.objects.get(pk=track_id)
    track_play_record(user=listener, track=track, ms_played=60000)
    track_save(user=listener, track=track)
    track_skip_record(user=listener, track=track, ms_played=2000)
    artist_visit_record(user=listener, artist=track.artist)
    now = timezone.now()
    PlayingNow.objects.create(
        user=listener, track=track, started_at=now, expires_at=now + dt.timedelta(minutes=3)
    )
    return listener, track


def test_curators_group_has_the_expected_permissions():
    perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Curators").permissions.select_related("content_type")
    }
    crud = {"view", "add", "change", "delete"}
    expected = {f"catalog.{a}_{m}" for a in crud for m in ("artist", "track")}
    expected |= {
        f"django_celery_beat.{a}_{m}"
        for a in crud
        for m in ("periodictask", "crontabschedule", "intervalschedule")
    }
    expected |= {
        f"listening.view_{m}"
        for m in (
            "listen",
            "savedtrack",
            "artistvisit",
            "skip",
            "trackrefusal",
            "tracksignal",
            "artistsignal",
            "profile",
            "playingnow",
        )
    }
    expected |= {"training.view_modelversion", "training.change_modelversion"}
    expected |= {"audio.view_trackanalysis", "audio.change_trackanalysis"}
    expected |= {
        f"culture.{a}_{m}" for a in crud for m in ("crawlsource", "manualtag", "artistalias")
    }
    expected |= {f"culture.view_{m}" for m in ("crawlrun", "document", "mention")}
    granted = {f"{app}.{a}_{model}" for (app, model), acts in GRANTS.items() for a in acts}
    assert expected <= perms <= granted  # the one list, for every model installed here
    signals = {p for p in perms if p.startswith("listening.") and not p.endswith("_invite")}
    assert all(p.startswith("listening.view_") for p in signals)  # curators only read them


def test_curators_only_read_listening_signals(curator):
    assert curator.has_perm("listening.view_listen")
    assert not curator.has_perm("listening.change_listen")
    assert not curator.has_perm("listening.delete_profile")
    assert not curator.has_perm("auth.view_user")


@pytest.mark.parametrize("app_label,model", CURATED_MODELS)
def test_a_curator_can_open_each_changelist(curator_client, signals, app_label, model):
    response = curator_client.get(reverse(f"admin:{app_label}_{model}_changelist"))
    assert response.status_code == 200


def test_a_curator_can_open_the_model_version_changelist(curator_client):
    response = curator_client.get(reverse("admin:training_modelversion_changelist"))
    assert response.status_code == 200


def test_a_curator_can_open_a_track_and_a_listen(curator_client, signals):
    listener, track = signals
    listen = listener.listen_set.get()
    for url in [
        reverse("admin:catalog_track_change", args=[track.pk]),
        reverse("admin:listening_listen_change", args=[listen.pk]),
    ]:
        assert curator_client.get(url).status_code == 200, url


def test_changelists_filter_by_date_source_and_audio(curator_client, signals):
    _, track = signals
    url = reverse("admin:listening_listen_changelist")
    assert curator_client.get(url, {"source__exact": "browser"}).status_code == 200
    assert curator_client.get(url, {"listened_at__year": track.created_at.year}).status_code == 200
    response = curator_client.get(reverse("admin:catalog_track_changelist"), {"has_audio": "no"})
    assert list(response.context["cl"].result_list) == [track]
    response = curator_client.get(reverse("admin:catalog_track_changelist"), {"has_audio": "yes"})
    assert list(response.context["cl"].result_list) == []


def test_artist_changelist_counts_tracks(curator_client, signals):
    response = curator_client.get(reverse("admin:catalog_artist_changelist"))
    (artist,) = response.context["cl"].result_list
    assert artist.track_count == 1


def test_track_search_matches_title_artist_and_mbid(curator_client, signals):
    _, track = signals
    url = reverse("admin:catalog_track_changelist")
    for term in ["femme", "air", str(MBID), MBID.hex]:
        response = curator_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [track], term


def test_a_curator_can_upload_audio_for_a_new_track(curator_client, settings):
    artist = Artist.objects.create(name="Stereolab", name_normalized="stereolab")
    upload = SimpleUploadedFile("french-disko.ogg", b"OggS fake", content_type="audio/ogg")
    response = curator_client.post(
        reverse("admin:catalog_track_add"),
        {"artist": artist.pk, "title": "French Disko", "audio": upload},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    track = Track.objects.get(title="French Disko")
    assert track.title_normalized == "french disko"
    assert track.audio.name.startswith(f"audio/{artist.pk}/")
    assert (settings.MEDIA_ROOT / track.audio.name).exists()


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.js"])
def test_a_file_that_is_not_audio_is_refused_as_a_track_upload(curator_client, name):
    artist = Artist.objects.create(name="Stereolab", name_normalized="stereolab")
    upload = SimpleUploadedFile(name, b"<script>alert(1)</script>", content_type="text/html")
    response = curator_client.post(
        reverse("admin:catalog_track_add"),
        {"artist": artist.pk, "title": "Not Audio", "audio": upload},
    )
    assert response.status_code == 200
    assert "audio" in response.context["adminform"].form.errors
    assert not Track.objects.filter(title="Not Audio").exists()


def test_a_duplicate_artist_is_a_form_error_not_a_crash(curator_client):
    Artist.objects.create(name="Stereolab", name_normalized="stereolab")
    response = curator_client.post(reverse("admin:catalog_artist_add"), {"name": "STEREOLAB"})
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)


def test_the_second_artist_of_a_shared_name_can_be_edited(curator_client):
    from webapp.catalog.services import artists_resolve

    us, uk = artists_resolve(
        refs=[
            TrackRef("Nirvana", "a", artist_mbid="24412926-c7bd-48e8-afad-8a285b42e131"),
            TrackRef("Nirvana", "b", artist_mbid="5b11f4ce-a62d-471e-81fc-a69a8278c7da"),
        ]
    )
    second = Artist.objects.get(pk=uk)
    url = reverse("admin:catalog_artist_change", args=[uk])
    response = curator_client.post(
        url, {"name": "Nirvana", "mbid": str(second.mbid), "is_synthetic": ""}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Artist.objects.get(pk=uk).name_normalized == second.name_normalized != "nirvana"
    same = curator_client.post(
        reverse("admin:catalog_artist_change", args=[us]),
        {"name": "Nirvana", "mbid": "24412926-c7bd-48e8-afad-8a285b42e131", "is_synthetic": ""},
    )
    assert same.status_code == 302


def test_the_admin_shows_a_tokens_prefix_only_even_to_superusers(client, curator, signals):
    listener, _ = signals
    token = listener_token_regenerate(user=listener)
    url = reverse("admin:listening_profile_change", args=[listener.profile.pk])
    admin_user = listener_create(username="root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    for user in (curator, admin_user):
        client.force_login(user)
        content = client.get(url).content.decode()
        assert token not in content and api_token_hash(token) not in content
        assert f"{token[:4]}…" in content


def test_revoking_a_token_in_the_admin_stops_it(client, signals):
    listener, _ = signals
    token = listener_token_regenerate(user=listener)
    admin_user = listener_create(username="root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:listening_profile_changelist"),
        {"action": "revoke_tokens", "_selected_action": [listener.profile.pk]},
    )
    assert response.status_code == 302
    assert listener_by_token(token=token) is None


def test_a_listener_cannot_open_the_admin(client):
    listener = listener_create(username="ada")
    assert not listener.is_staff
    client.force_login(listener)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.get(reverse("admin:listening_listen_changelist"))
    assert response.status_code == 302


def test_signal_rows_are_never_edited_in_admin_only_added_or_deleted(admin_client):
    """The signal triggers follow inserts and deletes: an edit would leave them stale."""
    from django.contrib.auth import get_user_model

    from webapp.listening.models import Listen

    user = get_user_model().objects.create(username="edited")
    first, second = tracks_resolve(refs=[TrackRef("A", "one"), TrackRef("A", "two")])
    listen = Listen.objects.create(user=user, track_id=first, listened_at=timezone.now())
    url = f"/admin/listening/listen/{listen.pk}/change/"

    page = admin_client.get(url)
    changed = admin_client.post(url, {"user": user.pk, "track": second, "source": ""})

    assert page.status_code == 200 and b'name="_save"' not in page.content  # view only
    assert changed.status_code == 403
    listen.refresh_from_db()
    assert listen.track_id == first
