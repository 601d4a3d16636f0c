"""Listening writes: listeners, hashed tokens, listens (batched), playing-now, saves, visits,
skips, refusals.

Listens are stored set-based: one bulk insert per batch that ignores rows already stored, so a
re-submitted or re-imported listen is stored once. Every write updates the signal tables in
its own statement (database triggers) and, once committed, tells `signals_changed` whose
signals moved.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from webapp.catalog.models import Artist, Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening import signal_sql
from webapp.listening.models import (
    ArtistSignal,
    ArtistVisit,
    Listen,
    ListenSource,
    PlayingNow,
    Profile,
    SavedTrack,
    Skip,
    TrackRefusal,
    TrackSignal,
    TrackUnsave,
    api_token_hash,
    new_api_token,
)
from webapp.listening.signals import signals_changed_on_commit

User = get_user_model()
#: From this many listens, COPY beats a parameterized INSERT on PostgreSQL; below it COPY's
#: extra statements cost more.
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
) -> int:
    """Resolve tracks and store listens in one transaction; returns how many were submitted.

    Listens already stored (same listener, track and listened_at) are skipped, so this is
    idempotent. Listens are whole seconds, as ListenBrainz stores them.
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
        listens_insert(
            user_ids=[user_id] * len(records),
            track_ids=[ids[ref] for ref in refs],
            listened_at_unix=[int(record.listened_at.timestamp()) for record in records],
            ms_played=[record.ms_played for record in records],
            source=source,
        )
    return len(records)


def _creation_order(ref: TrackRef) -> tuple[str, str]:
    return ref.artist_name.casefold(), ref.track_name.casefold()


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


def track_play_record(
    *,
    user: User,
    track: Track,
    ms_played: int | None = None,
    source: str = ListenSource.BROWSER,
) -> Listen:
    """A play in the browser player (or a weekly playlist's): a listen now."""
    with transaction.atomic():
        listen, _ = Listen.objects.get_or_create(
            user=user,
            track=track,
            listened_at=timezone.now().replace(microsecond=0),
            defaults={"source": source, "ms_played": ms_played},
        )
        signals_changed_on_commit([user.pk])
    return listen


def track_save(*, user: User, track: Track, source: str = ListenSource.BROWSER) -> None:
    with transaction.atomic():
        SavedTrack.objects.get_or_create(
            user=user, track=track, defaults={"saved_at": timezone.now(), "source": source}
        )
        signals_changed_on_commit([user.pk])


def track_unsave(*, user: User, track: Track) -> None:
    """Take the track out of the library. It was saved, so the listener has had it: an
    unsave is recorded and the track stays out of their picks (CF no longer counts the save)."""
    with transaction.atomic():
        deleted, _ = SavedTrack.objects.filter(user=user, track=track).delete()
        if deleted:
            TrackUnsave.objects.create(user=user, track=track, unsaved_at=timezone.now())
        signals_changed_on_commit([user.pk])


def track_skip_record(
    *,
    user: User,
    track: Track,
    ms_played: int | None = None,
    source: str = ListenSource.BROWSER,
) -> Skip:
    """The listener skipped the track early: they have had it (it is never recommended
    again), but CF reads no dislike into it."""
    with transaction.atomic():
        skip = Skip.objects.create(
            user=user, track=track, skipped_at=timezone.now(), ms_played=ms_played, source=source
        )
        signals_changed_on_commit([user.pk])
    return skip


def track_refuse(*, user: User, track: Track, source: str = ListenSource.WEEKLY) -> None:
    """ "Not for me": the track is never recommended to this listener again."""
    with transaction.atomic():
        TrackRefusal.objects.get_or_create(
            user=user, track=track, defaults={"refused_at": timezone.now(), "source": source}
        )
        signals_changed_on_commit([user.pk])


def track_unrefuse(*, user: User, track: Track) -> None:
    with transaction.atomic():
        TrackRefusal.objects.filter(user=user, track=track).delete()
        signals_changed_on_commit([user.pk])


def artist_visit_record(*, user: User, artist: Artist) -> ArtistVisit:
    """A visit to the artist's page: interest in the artist, never a play of its tracks."""
    with transaction.atomic():
        visit = ArtistVisit.objects.create(user=user, artist=artist, visited_at=timezone.now())
        signals_changed_on_commit([user.pk])
    return visit


def listens_insert(
    *,
    user_ids: Sequence[int],
    track_ids: Sequence[int],
    listened_at_unix: Sequence[int],
    source: str,
    ms_played: Sequence[int | None] | None = None,
) -> int:
    """Insert listens whose tracks are already resolved; returns how many were new.

    The one path every listen takes into the database (API, imports, the demo). Rows already
    stored (same listener, track and listened_at) are skipped. On PostgreSQL a batch of
    COPY_MIN_ROWS or more is COPYed into a temporary table and moved with INSERT ... ON
    CONFLICT DO NOTHING; smaller ones and SQLite go through bulk_create. Either way the
    signal table is updated by its trigger in the same statement, and listeners' CF vectors
    are re-solved after commit. Call it inside a transaction for atomic batches.
    """
    if not track_ids:
        return 0
    ms = ms_played if ms_played is not None else [None] * len(track_ids)
    signals_changed_on_commit(user_ids)
    if connection.vendor == "postgresql" and len(track_ids) >= COPY_MIN_ROWS:
        return _listens_copy(user_ids, track_ids, listened_at_unix, ms, source)
    return _listens_values(user_ids, track_ids, listened_at_unix, ms, source)


def _listens_values(user_ids, track_ids, listened_at_unix, ms_played, source: str) -> int:
    """INSERT ... ON CONFLICT DO NOTHING, one parameter row per listen; returns rows inserted.

    The cursor's row count is what the statement itself inserted (SQLite leaves out rows its
    triggers wrote), so listens another connection stores meanwhile are not counted here.
    """
    table = connection.ops.quote_name(Listen._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    rows = [
        (user_id, track_id, adapt(dt.datetime.fromtimestamp(when, tz=dt.UTC)), played, source, now)
        for user_id, track_id, when, played in zip(
            user_ids, track_ids, listened_at_unix, ms_played, strict=True
        )
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (user_id, track_id, listened_at, ms_played, source, inserted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            rows,
        )
        return max(cursor.rowcount, 0)


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


def signal_tables_rebuild() -> dict[str, int]:
    """Recompute both signal tables from the raw rows, writers waiting meanwhile.

    The triggers keep the tables current; this is for repairs (a restore of raw rows, an
    edit made with the triggers off). Returns the rows in each table afterwards.
    """
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(signal_sql.REBUILD_LOCK)
        for statement in signal_sql.rebuild_sql(vendor):
            cursor.execute(statement)
    return {
        "track signals": TrackSignal.objects.count(),
        "artist signals": ArtistSignal.objects.count(),
    }
