"""Catalog writes: resolve submitted (artist, title, MBIDs) to track ids, creating what is new.

Set-based: a batch of any size costs a constant number of queries (look up by MBID, then by
normalized artist + title, bulk-create the rest, read back), so API submissions and bulk
imports never do per-listen queries.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name


@dataclass(frozen=True)
class TrackRef:
    """What a listen says about its track (ListenBrainz `track_metadata`, a CSV row...)."""

    artist_name: str
    track_name: str
    release_name: str = ""
    recording_mbid: str | None = None
    artist_mbid: str | None = None
    release_mbid: str | None = None
    duration_ms: int | None = None


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def artists_resolve(*, refs: Sequence[TrackRef]) -> dict[str, int]:
    """Map normalized artist name -> artist id, creating missing artists."""
    wanted: dict[str, TrackRef] = {}
    for ref in refs:
        wanted.setdefault(normalize_name(ref.artist_name), ref)
    found = dict(
        Artist.objects.filter(name_normalized__in=list(wanted)).values_list("name_normalized", "id")
    )
    missing = {key: ref for key, ref in wanted.items() if key not in found}
    if missing:
        mbids = {_uuid_or_none(ref.artist_mbid) for ref in missing.values()} - {None}
        taken = set(Artist.objects.filter(mbid__in=mbids).values_list("mbid", flat=True))
        new = []
        for key, ref in missing.items():
            mbid = _uuid_or_none(ref.artist_mbid)
            if mbid in taken:
                mbid = None
            taken.add(mbid)
            new.append(Artist(name=ref.artist_name.strip()[:300], name_normalized=key, mbid=mbid))
        # Sorted, so concurrent batches creating the same rows lock them in one order.
        new.sort(key=lambda artist: artist.name_normalized)
        Artist.objects.bulk_create(new, ignore_conflicts=True)
        found.update(
            Artist.objects.filter(name_normalized__in=list(missing)).values_list(
                "name_normalized", "id"
            )
        )
    return found


def tracks_resolve(*, refs: Sequence[TrackRef]) -> list[int]:
    """Track ids for refs, in order: matched by recording MBID first, else by normalized
    artist + title; unknown artists and tracks are created."""
    mbids = {_uuid_or_none(ref.recording_mbid) for ref in refs} - {None}
    by_mbid = dict(
        Track.objects.filter(recording_mbid__in=mbids).values_list("recording_mbid", "id")
    )
    by_name_refs = [ref for ref in refs if _uuid_or_none(ref.recording_mbid) not in by_mbid]
    artist_ids = artists_resolve(refs=by_name_refs) if by_name_refs else {}

    def name_key(ref: TrackRef) -> tuple[int, str]:
        return artist_ids[normalize_name(ref.artist_name)], normalize_name(ref.track_name)

    wanted = {name_key(ref): ref for ref in by_name_refs}
    by_name = _tracks_by_name(wanted)
    missing = {key: ref for key, ref in wanted.items() if key not in by_name}
    if missing:
        new, used = [], set(by_mbid)
        for (artist_id, title_key), ref in missing.items():
            mbid = _uuid_or_none(ref.recording_mbid)
            if mbid in used:
                mbid = None
            used.add(mbid)
            new.append(
                Track(
                    artist_id=artist_id,
                    title=ref.track_name.strip()[:300],
                    title_normalized=title_key,
                    release_name=(ref.release_name or "").strip()[:300],
                    recording_mbid=mbid,
                    release_mbid=_uuid_or_none(ref.release_mbid),
                    duration_ms=ref.duration_ms,
                )
            )
        new.sort(key=lambda track: (track.artist_id, track.title_normalized))
        Track.objects.bulk_create(new, ignore_conflicts=True)
        by_name.update(_tracks_by_name(missing))
    return [
        by_mbid[mbid]
        if (mbid := _uuid_or_none(ref.recording_mbid)) in by_mbid
        else by_name[name_key(ref)]
        for ref in refs
    ]


def _tracks_by_name(keys) -> dict[tuple[int, str], int]:
    if not keys:
        return {}
    artist_ids = {artist_id for artist_id, _ in keys}
    titles = {title for _, title in keys}
    rows = Track.objects.filter(artist_id__in=artist_ids, title_normalized__in=titles).values_list(
        "artist_id", "title_normalized", "id"
    )
    return {(a, t): pk for a, t, pk in rows if (a, t) in keys}
