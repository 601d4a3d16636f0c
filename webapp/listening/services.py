"""Listening writes: listeners, hashed tokens, listens (batched), playing-now, saves, visits, skips.

Listens are stored set-based: one bulk insert per batch that ignores rows already stored, so a
re-submitted or re-imported listen is stored once.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
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
    api_token_hash,
    new_api_token,
)

User = get_user_model()
INSERT_BATCH_SIZE = 5000
#: From this many listens, COPY (listens_insert) beats one INSERT built by bulk_create, whose
#: per-object preparation costs ~25 us a listen; below it COPY's extra statements cost more.
COPY_MIN_ROWS = 32
PLAYING_NOW_DEFAULT_SECONDS = 8 * 60


@dataclass(frozen=True)
class ListenRecord:
    """One listen on its way into the database, before its track is resolved."""

    track: TrackRef
    listened_at: dt.datetime
    ms_played: int | None = None


def listener_create(*, username: str, password: str | None = None) -> User:
    """Create a listener (a non-staff user with a profile, no API token yet), or return it."""
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
    """Issue the listener a new API token and return it: the only time it can be read.

    Only its hash is stored; the previous token stops working at once.
    """
    token = new_api_token()
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.token_hash = api_token_hash(token)
    profile.token_prefix = token[: Profile.TOKEN_PREFIX_LENGTH]
    profile.save(update_fields=["token_hash", "token_prefix"])
    return token


def listener_token_revoke(*, user: User) -> None:
    """The listener's API token stops working; they can issue a new one on their profile."""
    Profile.objects.filter(user=user).update(token_hash=None, token_prefix="")


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
    refs = [record.track for record in records]
    # A history repeats tracks: resolve each once. In a fixed order, so that concurrent
    # submissions creating the same artists and tracks lock their rows in the same order
    # instead of deadlocking.
    distinct = sorted(dict.fromkeys(refs), key=_creation_order)
    with transaction.atomic():
        ids = dict(zip(distinct, tracks_resolve(refs=distinct), strict=True))
        track_ids = [ids[ref] for ref in refs]
        if (
            connection.vendor == "postgresql"
            and len(records) >= COPY_MIN_ROWS
            and not any(record.listened_at.microsecond for record in records)  # COPY: seconds
        ):
            listens_insert(
                user_ids=[user_id] * len(records),
                track_ids=track_ids,
                listened_at_unix=[int(record.listened_at.timestamp()) for record in records],
                ms_played=[record.ms_played for record in records],
                source=source,
            )
            return len(records)
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


def _creation_order(ref: TrackRef) -> tuple[str, str]:
    return ref.artist_name.casefold(), ref.track_name.casefold()


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


def listens_insert(
    *,
    user_ids: Sequence[int],
    track_ids: Sequence[int],
    listened_at_unix: Sequence[int],
    source: str,
    ms_played: Sequence[int | None] | None = None,
) -> int:
    """Insert listens whose tracks are already resolved; returns how many were new.

    Rows already stored (same listener, track and listened_at) are skipped. On PostgreSQL the
    rows are COPYed into a temporary table and moved with INSERT ... ON CONFLICT DO NOTHING;
    elsewhere they go through bulk_create. Call it inside a transaction for atomic batches.
    """
    if not track_ids:
        return 0
    ms = ms_played if ms_played is not None else [None] * len(track_ids)
    if connection.vendor == "postgresql":
        return _listens_copy(user_ids, track_ids, listened_at_unix, ms, source)
    # Otherwise SQLite, the only other backend this project runs on. Its total_changes() counts
    # this connection's writes only, so listens another connection stores meanwhile are not
    # taken for new ones here, as counting the table before and after would.
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        (before,) = cursor.fetchone()
        listens_bulk_insert(
            Listen(
                user_id=user_id,
                track_id=track_id,
                listened_at=dt.datetime.fromtimestamp(when, tz=dt.UTC),
                ms_played=played,
                source=source,
            )
            for user_id, track_id, when, played in zip(
                user_ids, track_ids, listened_at_unix, ms, strict=True
            )
        )
        cursor.execute("SELECT total_changes()")
        (after,) = cursor.fetchone()
    return after - before


def _listens_copy(user_ids, track_ids, listened_at_unix, ms_played, source: str) -> int:
    table = connection.ops.quote_name(Listen._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS listen_insert_tmp (user_id bigint, track_id bigint,"
            " listened_at bigint, ms_played integer) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE listen_insert_tmp")
        with cursor.copy(
            "COPY listen_insert_tmp (user_id, track_id, listened_at, ms_played) FROM STDIN"
        ) as copy:
            for row in zip(user_ids, track_ids, listened_at_unix, ms_played, strict=True):
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (user_id, track_id, listened_at, ms_played, source, inserted_at)"
            " SELECT user_id, track_id, to_timestamp(listened_at), ms_played, %s, now()"
            " FROM listen_insert_tmp ON CONFLICT DO NOTHING",
            [source],
        )
        return cursor.rowcount
