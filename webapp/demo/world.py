"""Demo data: the SYNTHETIC world of `recommender.synthetic` written into the database.

Sizes and a seed in; synthetic artists, tracks (some with synthesized OGG audio), listeners
with profiles, and their listens, saves, artist-page visits and skips out, all set-based,
plus the `demo` listener and `curator` accounts. Every synthetic row has is_synthetic=True
(or hangs off one), so `demo_world_delete` removes exactly the demo and nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from tqdm import tqdm

from recommender.audio.demo import write_clips
from recommender.audio.synth import WORLD_CLIP_SECONDS
from recommender.synthetic import World, generate_world
from webapp.catalog.models import Artist, Track, track_audio_path
from webapp.catalog.normalize import normalize_name
from webapp.dashboard.curators import CURATORS as CURATORS_GROUP
from webapp.listening.models import ArtistVisit, Listen, ListenSource, Profile, SavedTrack, Skip
from webapp.listening.services import listens_insert

User = get_user_model()
DEMO_USERNAME, DEMO_PASSWORD = "demo", "demo-listener"
CURATOR_USERNAME, CURATOR_PASSWORD = "curator", "demo-curator"
SYNTHETIC_PREFIX = "synth_listener_"
MEAN_LISTENS_PER_LISTENER = 200
CLIP_SECONDS = WORLD_CLIP_SECONDS
#: The default demo world: big enough for the models to learn, small enough that `make demo`
#: synthesizes, analyses and trains on every track's clip in a few minutes on 2 cores.
DEMO_TRACKS = 1500
AUDIO_WORKERS = min(4, os.cpu_count() or 1)
BATCH_SIZE = 5000
LISTEN_CHUNK = 50_000
MIN_DEMO_SAVES = 3


@dataclass
class SeedReport:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        verb = "seeded" if self.created else "already present (use --reset to rebuild)"
        return f"synthetic world {verb}: {parts} ({self.seconds:.1f} s)"


class DemoRefused(Exception):
    """The database holds real listeners: a demo world with known passwords does not belong."""


def real_listener_count() -> int:
    """Listeners who are not part of a demo world (their profiles are not synthetic)."""
    return Profile.objects.filter(is_synthetic=False).count()


def demo_accounts_ensure() -> tuple[User, User]:
    """The `demo` listener and the `curator` (staff, in Curators if that group exists).

    Both have known passwords, so they exist only beside a demo world: their profiles are
    marked synthetic, and `demo_world_delete` removes them with it.
    """
    demo = User.objects.filter(username=DEMO_USERNAME).first()
    if demo is None:
        demo = User.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
    curator = User.objects.filter(username=CURATOR_USERNAME).first()
    if curator is None:
        curator = User.objects.create_user(
            CURATOR_USERNAME, password=CURATOR_PASSWORD, is_staff=True
        )
    elif not curator.is_staff:
        curator.is_staff = True
        curator.save(update_fields=["is_staff"])
    curator.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    for user in (demo, curator):
        Profile.objects.update_or_create(user=user, defaults={"is_synthetic": True})
    return demo, curator


def demo_world_counts() -> dict[str, int]:
    return {
        "listeners": Profile.objects.filter(is_synthetic=True)
        .exclude(user__username__in=[DEMO_USERNAME, CURATOR_USERNAME])
        .count(),
        "artists": Artist.objects.filter(is_synthetic=True).count(),
        "tracks": Track.objects.filter(is_synthetic=True).count(),
        "audio clips": Track.objects.filter(is_synthetic=True).exclude(audio="").count(),
        "listens": Listen.objects.filter(source=ListenSource.SYNTHETIC).count(),
        "saves": SavedTrack.objects.filter(track__is_synthetic=True).count(),
        "artist visits": ArtistVisit.objects.filter(artist__is_synthetic=True).count(),
        "skips": Skip.objects.filter(track__is_synthetic=True).count(),
    }


def demo_world_exists() -> bool:
    return (
        Artist.objects.filter(is_synthetic=True).exists()
        or Profile.objects.filter(is_synthetic=True).exists()
    )


def demo_world_delete() -> None:
    """Delete every is_synthetic row (and what hangs off it) and the synthetic audio files."""
    media = Path(settings.MEDIA_ROOT)
    files = [
        media / name
        for name in Track.objects.filter(is_synthetic=True)
        .exclude(audio="")
        .values_list("audio", flat=True)
    ]
    with transaction.atomic():
        synthetic_user = {"user__profile__is_synthetic": True}
        for model, on_synthetic in (
            (Listen, {"track__is_synthetic": True}),
            (SavedTrack, {"track__is_synthetic": True}),
            (Skip, {"track__is_synthetic": True}),
            (ArtistVisit, {"artist__is_synthetic": True}),
        ):
            model.objects.filter(**on_synthetic).delete()
            model.objects.filter(**synthetic_user).delete()
        Track.objects.filter(is_synthetic=True).delete()
        Artist.objects.filter(is_synthetic=True).delete()
        User.objects.filter(profile__is_synthetic=True).delete()
    for path in files:
        path.unlink(missing_ok=True)
        if path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()


def demo_seed(
    *,
    listeners: int = 300,
    tracks: int = DEMO_TRACKS,
    seed: int = 7,
    audio_clips: int | None = None,
    mean_listens: float = MEAN_LISTENS_PER_LISTENER,
    reset: bool = False,
    end_time: int | None = None,
    progress: bool = False,
    allow_real_listeners: bool = False,
) -> SeedReport:
    """Write a synthetic world of `listeners` + the demo listener; a no-op if one exists.

    end_time (unix seconds) defaults to today's midnight UTC: listens fall in the 26 weeks
    before it, and the same seed on the same day writes the same rows. Every track gets a
    synthesized clip that sounds like its genre and taste (`audio_clips` limits it to the most
    popular ones). Refuses (DemoRefused) on a database that holds real listeners unless
    `allow_real_listeners`.
    """
    started = time.perf_counter()
    real = real_listener_count()
    if real and not allow_real_listeners:
        raise DemoRefused(
            f"This database holds {real} real listener(s). seed_demo adds a synthetic world "
            "and demo accounts with known passwords; pass --allow-real-listeners to do it "
            "anyway."
        )
    if reset:
        demo_world_delete()
    elif demo_world_exists():
        demo_accounts_ensure()
        return SeedReport(False, demo_world_counts(), time.perf_counter() - started)
    end_time = end_time or int(time.time()) // 86400 * 86400
    world_args = {
        "n_listeners": listeners + 1,  # the last one's history becomes the demo listener's
        "n_tracks": tracks,
        "mean_listens_per_listener": mean_listens,
        "seed": seed,
        "end_time": end_time,
    }
    world = generate_world(**world_args)
    with transaction.atomic():
        demo, _ = demo_accounts_ensure()
        artist_ids = _artists_write(world)
        track_ids = _tracks_write(world, artist_ids)
        user_ids = _listeners_write(world, demo.pk)
        _listens_write(world, user_ids, track_ids, progress)
        _signals_write(world, user_ids, track_ids, artist_ids)
        _audio_write(world_args, world, track_ids, artist_ids, audio_clips, progress)
    return SeedReport(True, demo_world_counts(), time.perf_counter() - started)


def _artists_write(world: World) -> np.ndarray:
    keys = [normalize_name(name) for name in world.artist_names]
    Artist.objects.bulk_create(
        [
            Artist(name=name, name_normalized=key, is_synthetic=True)
            for name, key in zip(world.artist_names, keys, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    ids = dict(Artist.objects.filter(is_synthetic=True).values_list("name_normalized", "id"))
    return np.array([ids[key] for key in keys], dtype=np.int64)


def _tracks_write(world: World, artist_ids: np.ndarray) -> np.ndarray:
    artist_of = artist_ids[world.track_artist].tolist()
    keys = [normalize_name(title) for title in world.track_title]
    Track.objects.bulk_create(
        [
            Track(
                artist_id=artist_id,
                title=title,
                title_normalized=key,
                release_name=release,
                duration_ms=duration,
                is_synthetic=True,
            )
            for artist_id, title, key, release, duration in zip(
                artist_of,
                world.track_title,
                keys,
                world.track_release,
                world.track_duration_ms.tolist(),
                strict=True,
            )
        ],
        batch_size=BATCH_SIZE,
    )
    rows = Track.objects.filter(is_synthetic=True).values_list(
        "artist_id", "title_normalized", "id"
    )
    ids = {(artist_id, key): pk for artist_id, key, pk in rows}
    return np.array([ids[pair] for pair in zip(artist_of, keys, strict=True)], dtype=np.int64)


def _listeners_write(world: World, demo_id: int) -> np.ndarray:
    """Users + profiles for all but the last listener (who is `demo`); returns user ids."""
    names = world.listener_names[:-1]
    unusable = make_password(None)  # one hash for all: nobody logs in as a synthetic listener
    User.objects.bulk_create(
        [User(username=name, password=unusable) for name in names], batch_size=BATCH_SIZE
    )
    ids = dict(
        User.objects.filter(username__startswith=SYNTHETIC_PREFIX).values_list("username", "id")
    )
    user_ids = [ids[name] for name in names]
    # bulk_create sends no post_save, so the profiles are created here, in bulk.
    Profile.objects.bulk_create(
        [Profile(user_id=user_id, is_synthetic=True) for user_id in user_ids],
        batch_size=BATCH_SIZE,
    )
    return np.array([*user_ids, demo_id], dtype=np.int64)


def _listens_write(world: World, user_ids, track_ids, progress: bool) -> None:
    plays = world.plays
    with tqdm(total=len(plays), desc="listens", unit="listen", **_bar(progress)) as bar:
        for lo in range(0, len(plays), LISTEN_CHUNK):
            part = slice(lo, lo + LISTEN_CHUNK)
            listens_insert(
                user_ids=user_ids[plays.listener[part]].tolist(),
                track_ids=track_ids[plays.item[part]].tolist(),
                listened_at_unix=plays.timestamp[part].tolist(),
                ms_played=plays.ms_played[part].tolist(),
                source=ListenSource.SYNTHETIC,
            )
            bar.update(len(plays.listener[part]))


def _signals_write(world: World, user_ids, track_ids, artist_ids) -> None:
    skips, visits = world.skips, world.visits
    s_user, s_track, s_time = _demo_saves(world, user_ids)
    SavedTrack.objects.bulk_create(
        (
            SavedTrack(user_id=u, track_id=t, saved_at=_when(ts))
            for u, t, ts in zip(s_user, track_ids[s_track].tolist(), s_time, strict=True)
        ),
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    Skip.objects.bulk_create(
        (
            Skip(user_id=u, track_id=t, skipped_at=_when(ts), ms_played=ms)
            for u, t, ts, ms in zip(
                user_ids[skips.listener].tolist(),
                track_ids[skips.item].tolist(),
                skips.timestamp.tolist(),
                skips.ms_played.tolist(),
                strict=True,
            )
        ),
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    ArtistVisit.objects.bulk_create(
        (
            ArtistVisit(user_id=u, artist_id=a, visited_at=_when(ts))
            for u, a, ts in zip(
                user_ids[visits.listener].tolist(),
                artist_ids[visits.item].tolist(),
                visits.timestamp.tolist(),
                strict=True,
            )
        ),
        batch_size=BATCH_SIZE,
    )


def _demo_saves(world: World, user_ids: np.ndarray) -> tuple[list, np.ndarray, list]:
    """The world's saves, plus the demo listener's most-played tracks if it saved too few."""
    saves, plays, demo = world.saves, world.plays, world.n_listeners - 1
    listener, track, when = saves.listener, saves.item, saves.timestamp
    if (listener == demo).sum() < MIN_DEMO_SAVES:
        mine = plays.listener == demo
        counts = np.bincount(plays.item[mine], minlength=world.n_tracks)
        top = np.argsort(-counts, kind="stable")[:MIN_DEMO_SAVES]
        top = top[counts[top] > 0]
        listener = np.r_[listener, np.full(len(top), demo)]
        track = np.r_[track, top]
        when = np.r_[when, np.full(len(top), world.end_time - 3600)]
    return user_ids[listener].tolist(), track, when.tolist()


def _audio_write(world_args, world, track_ids, artist_ids, n_clips, progress: bool) -> None:
    """A synthesized OGG clip per track (its genre's sound, its own tempo and key), or for the
    `n_clips` most popular tracks; the track's length is its clip's, so pages show what plays."""
    order = np.argsort(-world.track_popularity, kind="stable")
    chosen = order if n_clips is None else order[: max(0, n_clips)]
    media = Path(settings.MEDIA_ROOT)
    tracks = []
    for index in sorted(chosen.tolist()):
        track = Track(
            pk=int(track_ids[index]),
            artist_id=int(artist_ids[world.track_artist[index]]),
            duration_ms=int(CLIP_SECONDS * 1000),
        )
        track.audio.name = track_audio_path(track, f"{track.pk}.ogg")
        tracks.append((index, track))
    with tqdm(total=len(tracks), desc="audio", unit="clip", **_bar(progress)) as bar:
        write_clips(
            world_args,
            [(index, media / track.audio.name) for index, track in tracks],
            seconds=CLIP_SECONDS,
            workers=AUDIO_WORKERS,
            progress=lambda done, total: bar.update(done - bar.n),
        )
    Track.objects.bulk_update(
        [track for _, track in tracks], ["audio", "duration_ms"], batch_size=BATCH_SIZE
    )


def _when(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC)


def _bar(progress: bool) -> dict:
    """tqdm options: on stderr, and only when asked for and stderr is a terminal."""
    return {"file": sys.stderr, "disable": None if progress else True, "leave": False}
