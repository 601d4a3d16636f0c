"""Listening writes: listeners and tokens, listens (batched), playing-now, saves, visits, skips.

Listens are stored set-based: one bulk insert per batch that ignores rows already stored, so a
re-submitted or re-imported listen is stored once.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening.models import (
    ArtistVisit,
    Listen,
    ListenSource,
    PlayingNow,
    Profile,
    SavedTrack,
    Skip,
    new_api_token,
)

User = get_user_model()
INSERT_BATCH_SIZE = 5000
PLAYING_NOW_DEFAULT_SECONDS = 8 * 60


@dataclass(frozen=True)
class ListenRecord:
    """One listen on its way into the database, before its track is resolved."""

    track: TrackRef
    listened_at: dt.datetime
    ms_played: int | None = None


def listener_create(*, username: str, password: str | None = None) -> User:
    """Create a listener (a non-staff user with a profile and API token), or return it."""
    user, created = User.objects.get_or_create(username=username)
    if created or password:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Profile.objects.get_or_create(user=user)
    return user


def listener_token_regenerate(*, user: User) -> str:
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.api_token = new_api_token()
    profile.save(update_fields=["api_token"])
    return profile.api_token


def listens_store(
    *,
    user_id: int,
    records: Sequence[ListenRecord],
    source: str,
    batch_size: int = INSERT_BATCH_SIZE,
) -> int:
    """Resolve tracks and store listens in one transaction; returns how many were submitted.

    Listens already stored (same listener, track and listened_at) are skipped, so this is
    idempotent.
    """
    if not records:
        return 0
    with transaction.atomic():
        track_ids = tracks_resolve(refs=[record.track for record in records])
        listens_bulk_insert(
            (
                Listen(
                    user_id=user_id,
                    track_id=track_id,
                    listened_at=record.listened_at,
                    ms_played=record.ms_played,
                    source=source,
                )
                for record, track_id in zip(records, track_ids, strict=True)
            ),
            batch_size=batch_size,
        )
    return len(records)


def listens_bulk_insert(listens: Iterable[Listen], *, batch_size: int = INSERT_BATCH_SIZE) -> None:
    Listen.objects.bulk_create(listens, batch_size=batch_size, ignore_conflicts=True)


def playing_now_set(*, user_id: int, track: TrackRef) -> None:
    (track_id,) = tracks_resolve(refs=[track])
    now = timezone.now()
    seconds = (track.duration_ms or PLAYING_NOW_DEFAULT_SECONDS * 1000) / 1000
    PlayingNow.objects.update_or_create(
        user_id=user_id,
        defaults={
            "track_id": track_id,
            "started_at": now,
            "expires_at": now + dt.timedelta(seconds=seconds),
        },
    )


def track_play_record(*, user: User, track: Track, ms_played: int | None = None) -> Listen:
    """A play in the browser player: a listen now, with source=browser."""
    listen, _ = Listen.objects.get_or_create(
        user=user,
        track=track,
        listened_at=timezone.now().replace(microsecond=0),
        defaults={"source": ListenSource.BROWSER, "ms_played": ms_played},
    )
    return listen


def track_save(*, user: User, track: Track) -> None:
    SavedTrack.objects.get_or_create(user=user, track=track, defaults={"saved_at": timezone.now()})


def track_unsave(*, user: User, track: Track) -> None:
    SavedTrack.objects.filter(user=user, track=track).delete()


def track_skip_record(*, user: User, track: Track, ms_played: int | None = None) -> Skip:
    return Skip.objects.create(
        user=user, track=track, skipped_at=timezone.now(), ms_played=ms_played
    )


def artist_visit_record(*, user: User, artist: Artist) -> ArtistVisit:
    return ArtistVisit.objects.create(user=user, artist=artist, visited_at=timezone.now())
