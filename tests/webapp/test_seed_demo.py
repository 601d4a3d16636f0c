"""webapp.demo.world, seed_demo and demo_login: counts, determinism, idempotence."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from recommender.synthetic import generate_world
from webapp.catalog.models import Artist, Track
from webapp.demo.world import CLIP_SECONDS, MEAN_LISTENS_PER_LISTENER, MIN_DEMO_SAVES
from webapp.listening.models import ArtistVisit, Listen, ListenSource, Profile, SavedTrack, Skip
from webapp.listening.selectors import listener_by_token

pytestmark = pytest.mark.django_db
SMALL = ["--listeners", "20", "--tracks", "200", "--audio-clips", "3"]
User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[tuple]:
    listens = Listen.objects.values_list(
        "user__username", "track__artist__name", "track__title", "listened_at", "ms_played"
    )
    saves = SavedTrack.objects.values_list("user__username", "track__title", "saved_at")
    return sorted(listens) + sorted(saves)


def test_small_world_creates_the_expected_counts():
    out = seed()
    world = generate_world(
        n_listeners=21,
        n_tracks=200,
        mean_listens_per_listener=MEAN_LISTENS_PER_LISTENER,
        seed=7,
    )
    assert Profile.objects.filter(is_synthetic=True).count() == 20 + 2  # + demo and curator
    assert User.objects.filter(username__startswith="synth_listener_").count() == 20
    assert Artist.objects.filter(is_synthetic=True).count() == len(world.artist_names) == 20
    assert Track.objects.filter(is_synthetic=True).count() == 200
    assert Listen.objects.filter(source=ListenSource.SYNTHETIC).count() == len(world.plays)
    assert len(world.saves) <= SavedTrack.objects.count() <= len(world.saves) + MIN_DEMO_SAVES
    assert Skip.objects.count() == len(world.skips)
    assert ArtistVisit.objects.count() == len(world.visits)
    assert f"{len(world.plays)} listens" in out


def test_synthetic_listeners_have_profiles_and_cannot_log_in():
    seed()
    user = User.objects.get(username="synth_listener_00003")
    assert user.profile.is_synthetic and user.profile.token_hash is None
    assert not user.has_usable_password() and not user.is_staff


def test_seeding_is_deterministic_for_a_seed():
    seed()
    first = snapshot()
    seed("--reset")
    assert snapshot() == first
    seed("--reset", "--seed", "8")
    assert snapshot() != first


def test_running_twice_does_not_duplicate_anything():
    seed()
    counts = (Listen.objects.count(), Track.objects.count(), User.objects.count())
    out = seed()
    assert "already present" in out
    assert (Listen.objects.count(), Track.objects.count(), User.objects.count()) == counts


def test_reset_deletes_only_synthetic_rows():
    real = Artist.objects.create(name="Real Band", name_normalized="real band")
    track = Track.objects.create(artist=real, title="Real Song", title_normalized="real song")
    alice = User.objects.create_user("alice", password="x")
    Listen.objects.create(
        user=alice, track=track, listened_at="2024-01-01T00:00Z", source=ListenSource.API
    )
    seed("--allow-real-listeners")
    synthetic = Listen.objects.filter(source=ListenSource.SYNTHETIC).count()
    seed("--reset", "--allow-real-listeners")
    assert Listen.objects.filter(source=ListenSource.SYNTHETIC).count() == synthetic
    assert Listen.objects.filter(user=alice, track=track).count() == 1
    assert Artist.objects.filter(is_synthetic=False).get() == real
    assert User.objects.filter(username__startswith="synth_listener_").count() == 20


def test_demo_accounts_can_log_in_and_the_demo_listener_has_history():
    Group.objects.get_or_create(name="Curators")
    seed()
    demo = authenticate(username="demo", password="demo-listener")
    curator = authenticate(username="curator", password="demo-curator")
    assert demo is not None and not demo.is_staff and demo.profile.is_synthetic
    assert curator is not None and curator.is_staff
    assert curator.groups.filter(name="Curators").exists()
    assert Listen.objects.filter(user=demo).count() > 20
    assert SavedTrack.objects.filter(user=demo).count() >= MIN_DEMO_SAVES
    seed("--reset")
    demo = User.objects.get(username="demo")  # the demo accounts are re-made with the world
    assert Listen.objects.filter(user=demo).count() > 20


def test_audio_clips_are_written_under_media_root():
    seed()
    with_audio = Track.objects.exclude(audio="")
    assert with_audio.count() == 3
    for track in with_audio:
        assert re.fullmatch(rf"audio/{track.artist_id}/{track.pk}\.ogg", track.audio.name)
        path = Path(settings.MEDIA_ROOT) / track.audio.name
        info = sf.info(path)
        assert info.format == "OGG" and abs(info.duration - CLIP_SECONDS) < 0.1
        assert track.duration_ms == int(CLIP_SECONDS * 1000)  # the page shows what plays
    seed("--reset")
    files = sorted(Path(settings.MEDIA_ROOT).rglob("*.ogg"))
    assert len(files) == 3  # the previous clips were removed with their tracks
    assert np.isfinite(sf.read(files[0])[0]).all()


def test_demo_login_prints_the_logins_and_the_demo_token():
    seed()
    out = io.StringIO()
    call_command("demo_login", stdout=out)
    text = out.getvalue()
    token = text.split("API token: ")[1].split()[0]
    assert "http://127.0.0.1:8000/" in text
    assert "demo / demo-listener" in text and "curator / demo-curator" in text
    assert listener_by_token(token=token)[1] == "demo"


def test_seed_demo_refuses_a_database_with_real_listeners_unless_told():
    from django.core.management import CommandError

    from webapp.listening.services import listener_create

    listener_create(username="alice")
    with pytest.raises(CommandError, match="1 real listener"):
        seed()
    assert not Artist.objects.filter(is_synthetic=True).exists()
    assert not User.objects.filter(username="curator").exists()
    seed("--allow-real-listeners")
    assert Artist.objects.filter(is_synthetic=True).count() == 20


def test_demo_login_outside_a_demo_database_creates_no_known_password_account():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No demo world"):
        call_command("demo_login", stdout=io.StringIO())
    assert not User.objects.filter(username__in=["demo", "curator"]).exists()


def test_demo_artists_and_releases_have_names_that_read_like_music():
    seed()
    names = list(Artist.objects.filter(is_synthetic=True).values_list("name", flat=True))
    assert not any("Synth" in name or re.search(r"\d", name) for name in names)
    releases = set(Track.objects.filter(is_synthetic=True).values_list("release_name", flat=True))
    assert len(releases) > 20 and not any("Sessions" in r for r in releases)
