"""Weekly playlist writes: build listeners' playlists for a week from the served models.

Listener ids and a week (its Monday) in; each listener's WeeklyPlaylist for that week out,
built by `recommender.playlist.build_playlists` from whatever models serve now (CF, culture,
audio: a missing one contributes nothing) and written set-based. A listener's playlist for a
week is replaced whole in one transaction, so someone browsing sees the old one or the new
one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from recommender.cf_scorer import CFScorer
from recommender.cf_serving import CFServing
from recommender.culture.scorer import CultureScorer
from recommender.playlist import build_playlists
from recommender.playlist_types import Catalog, PlaylistBatch
from recommender.scoring import Scorer, render_reason
from webapp.audio.selectors import track_features_arrays
from webapp.audio.training import audio_scorer_active
from webapp.catalog.models import Artist, Track
from webapp.playlists.models import (
    CONTRIBUTION_KINDS,
    BlendSettings,
    ReplacedPick,
    WeeklyBuild,
    WeeklyBuildChunk,
    WeeklyPlaylist,
    WeeklyPlaylistItem,
)
from webapp.playlists.selectors import catalog_arrays, listener_batch, listener_controls
from webapp.training.models import ModelKind
from webapp.training.registry import registry

log = logging.getLogger(__name__)
User = get_user_model()
Progress = Callable[[float, str], None]
#: Listeners built and written together; also the size of one Celery chunk task.
CHUNK_LISTENERS = 2000


def week_start(day: dt.date | None = None) -> dt.date:
    """The Monday of the week holding `day` (default: today, UTC)."""
    day = day or timezone.now().date()
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Serving:
    """The models serving now, taken together once, so every listener of a build is scored by
    the same versions: scorers, the CF model their listener vectors come from, the catalog."""

    scorers: tuple[Scorer, ...]
    versions: dict[str, int]
    cf: CFServing | None
    catalog: Catalog
    weights: dict[str, float]


def serving_now() -> Serving:
    """Scorers for every model kind with an active, loadable version; missing ones are left out."""
    scorers: list[Scorer] = []
    versions: dict[str, int] = {}
    cf_snapshot = registry.snapshot(ModelKind.CF)
    cf = cf_snapshot.model if cf_snapshot is not None else None
    if cf is not None:
        scorers.append(
            CFScorer(
                cf.item_factors,
                cf.items,
                regularization=cf.params.regularization,
                alpha=cf.params.alpha,
                eps=cf.params.eps,
            )
        )
        versions[ModelKind.CF] = cf_snapshot.version_id
    culture = registry.snapshot(ModelKind.CULTURE)
    if culture is not None:
        scorers.append(CultureScorer(culture.model))
        versions[ModelKind.CULTURE] = culture.version_id
    audio_version, audio_scorer = audio_scorer_active()  # only while its CF version serves
    if audio_scorer is not None:
        scorers.append(audio_scorer)
        versions[ModelKind.AUDIO] = audio_version
    catalog = catalog_arrays(cf=cf, features=track_features_arrays())
    return Serving(tuple(scorers), versions, cf, catalog, blend_weights())


def blend_weights() -> dict[str, float]:
    """Curator override, else the fitted weights, else every model at weight 1."""
    settings = BlendSettings.objects.order_by("pk").first()
    return settings.effective() if settings is not None else {}


def playlists_build(
    *,
    week: dt.date,
    user_ids: Sequence[int],
    serving: Serving,
    build: WeeklyBuild | None = None,
) -> int:
    """Build and write these listeners' playlists for `week`; returns how many were written.

    Chunks of CHUNK_LISTENERS are built and written each in one transaction; listeners
    deleted meanwhile are skipped.
    """
    written = 0
    for lo in range(0, len(user_ids), CHUNK_LISTENERS):
        chunk = sorted(int(u) for u in user_ids[lo : lo + CHUNK_LISTENERS])
        computed_at = timezone.now()  # what the listeners' signals and controls said then
        listeners = listener_batch(user_ids=chunk, catalog=serving.catalog, cf=serving.cf)
        batch = build_playlists(
            listeners,
            serving.catalog,
            serving.scorers,
            serving.weights,
            listener_controls(user_ids=listeners.ids, week=week),
        )
        wrote = _write(batch, week=week, serving=serving, build=build, computed_at=computed_at)
        written += wrote
        if build is not None:
            _chunk_count(build, chunk, wrote)
    return written


def _chunk_count(build: WeeklyBuild, chunk: list[int], wrote: int) -> None:
    """Add a written chunk to the build's progress, once however often it was delivered."""
    with transaction.atomic():
        _, first_time = WeeklyBuildChunk.objects.get_or_create(
            build=build, first_listener_id=chunk[0]
        )
        progress = WeeklyBuild.objects.filter(pk=build.pk)
        if first_time:
            progress.update(
                listeners_done=F("listeners_done") + len(chunk),
                playlists_written=F("playlists_written") + wrote,
                heartbeat_at=timezone.now(),
            )
        else:
            progress.update(heartbeat_at=timezone.now())


def _write(
    batch: PlaylistBatch,
    *,
    week: dt.date,
    serving: Serving,
    build,
    computed_at: dt.datetime | None = None,
) -> int:
    """Replace the batch's listeners' playlists for the week, in one transaction.

    A playlist's `created_at` is when its inputs were read (`computed_at`, else now). A
    listener whose playlist for the week was made from later inputs keeps it: it is newer than
    this one (a "rebuild now" after hiding an artist, while the Monday chunk holding them was
    still computing), whichever of the two transactions gets the listener's lock first.
    """
    now = computed_at or timezone.now()
    names = _reason_names(batch)
    kinds = list(batch.kinds)
    columns = [kinds.index(kind) if kind in kinds else -1 for kind in CONTRIBUTION_KINDS]
    with transaction.atomic():
        ids = batch.listener_ids.tolist()
        # The listeners' rows locked in id order: a listener's "rebuild now" and the Monday
        # chunk that holds them replace the same week one after the other (without the lock
        # the later insert broke the unique week and rolled back all 2,000 of its chunk).
        alive = set(
            User.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if computed_at is not None and alive:
            alive -= set(
                WeeklyPlaylist.objects.filter(
                    week=week, user_id__in=alive, created_at__gt=computed_at
                ).values_list("user_id", flat=True)
            )
        rows = [row for row, user_id in enumerate(ids) if user_id in alive]
        replaced = _week_delete(alive, week)
        _dropped_picks_record(batch, rows, week, replaced)
        playlists = WeeklyPlaylist.objects.bulk_create(
            [_playlist(batch, row, week, serving, build, now) for row in rows]
        )
        items = []
        for row, playlist in zip(rows, playlists, strict=True):
            for position, track_id in enumerate(batch.track_ids[row].tolist()):
                if track_id < 0:
                    break
                share = batch.contributions[row, position]
                reason = batch.reasons[row][position]
                items.append(
                    (
                        playlist.pk,
                        position + 1,
                        track_id,
                        float(batch.scores[row, position]),
                        *(float(share[c]) if c >= 0 else 0.0 for c in columns),
                        _reason_text(reason, names, bool(batch.new_artist[row, position])),
                        batch.reason_kinds[row][position] or "",
                        bool(batch.new_artist[row, position]),
                    )
                )
        _items_insert(items)
    return len(playlists)


def _dropped_picks_record(
    batch: PlaylistBatch, rows: list[int], week: dt.date, replaced: tuple[np.ndarray, np.ndarray]
) -> None:
    """Keep the picks of the replaced playlists (`replaced`: listener ids, track ids) that the
    new ones leave out.

    The listener may have seen them (a "rebuild now" usually follows a look at the page), so
    later weeks leave them out like the picks that stay. Picks the new playlist keeps need no
    row: the playlist itself holds them. A re-run with the same models drops almost nothing,
    so replacing 100,000 playlists writes almost no rows here.
    """
    old_users, old_tracks = replaced
    if old_users.size == 0:
        return
    users = batch.listener_ids[rows].astype(np.int64)  # keys below reach user x track
    new_tracks = batch.track_ids[rows].astype(np.int64)
    new_users = np.repeat(users, new_tracks.shape[1])
    picked = new_tracks.ravel() >= 0
    span = int(max(old_tracks.max(), new_tracks.max(initial=0))) + 1
    kept = np.isin(
        old_users * span + old_tracks, new_users[picked] * span + new_tracks.ravel()[picked]
    )
    ReplacedPick.objects.bulk_create(
        [
            ReplacedPick(user_id=user_id, track_id=track_id, week=week)
            for user_id, track_id in zip(
                old_users[~kept].tolist(), old_tracks[~kept].tolist(), strict=True
            )
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )


def _week_delete(user_ids, week: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Delete these listeners' playlists for the week and their items, set-based (Django's
    cascade would load every item into memory first); returns the deleted picks as (listener
    ids, track ids), from the items delete itself (RETURNING), with the owners of the
    playlists read first so that both deletes name them."""
    none = np.zeros(0, np.int64)
    if not user_ids:
        return none, none
    playlists = WeeklyPlaylist._meta.db_table
    items = WeeklyPlaylistItem._meta.db_table
    users = ", ".join(str(int(u)) for u in user_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, user_id FROM {playlists} WHERE week = %s AND user_id IN ({users})",
            [week],
        )
        owners = dict(cursor.fetchall())
        if not owners:
            return none, none
        chosen = ", ".join(str(int(pk)) for pk in owners)
        cursor.execute(
            f"DELETE FROM {items} WHERE playlist_id IN ({chosen}) RETURNING playlist_id, track_id"
        )
        deleted = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute(f"DELETE FROM {playlists} WHERE id IN ({chosen})")
    playlist_ids = np.fromiter(owners, dtype=np.int64, count=len(owners))
    listener_ids = np.fromiter(owners.values(), dtype=np.int64, count=len(owners))
    order = np.argsort(playlist_ids)
    at = order[np.searchsorted(playlist_ids, deleted[:, 0], sorter=order)]
    return listener_ids[at], deleted[:, 1].copy()


def _playlist(batch, row, week, serving, build, now) -> WeeklyPlaylist:
    shortfall = batch.shortfalls[row]
    return WeeklyPlaylist(
        user_id=int(batch.listener_ids[row]),
        week=week,
        build=build,
        cf_version_id=serving.versions.get(ModelKind.CF),
        culture_version_id=serving.versions.get(ModelKind.CULTURE),
        audio_version_id=serving.versions.get(ModelKind.AUDIO),
        weights=serving.weights,
        cold_start=bool(batch.cold_start[row]),
        shortfall_code=shortfall.code if shortfall else "",
        shortfall_message=shortfall.message[:300] if shortfall else "",
        created_at=now,
    )


def _reason_text(reason, names: dict, new_artist: bool) -> str:
    """The strongest model's reason; a pick no model argued for was chosen for variety."""
    if reason is not None:
        return render_reason(reason, **names)[:300]
    return "something different: an artist new to you" if new_artist else "for variety"


_ITEM_COLUMNS = (
    "playlist_id", "position", "track_id", "score", *CONTRIBUTION_KINDS, "reason",
    "reason_kind", "new_artist",
)  # fmt: skip


def _items_insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL (millions of items a week), INSERT batches elsewhere."""
    if not rows:
        return
    table = WeeklyPlaylistItem._meta.db_table
    columns = ", ".join(_ITEM_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(_ITEM_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _reason_names(batch: PlaylistBatch) -> dict:
    """Titles and artist names of every track and artist the batch's reasons name."""
    track_ids: set[int] = set()
    artist_ids: set[int] = set()
    for reasons in batch.reasons:
        for reason in reasons:
            if reason is not None:
                track_ids.update(int(t) for t in reason.evidence.get("track_ids", ())[:1])
                artist_ids.update(int(a) for a in reason.evidence.get("artist_ids", ())[:1])
    rows = Track.objects.filter(pk__in=track_ids).values_list("pk", "title", "artist__name")
    return {
        "track_titles": {pk: title for pk, title, _ in rows},
        "track_artist_names": {pk: artist for pk, _, artist in rows},
        "artist_names": dict(Artist.objects.filter(pk__in=artist_ids).values_list("pk", "name")),
    }
