"""Catalog writes: resolve submitted (artist, title, MBIDs) to track ids, creating what is new.

Set-based: a batch of any size costs a constant number of queries (look up by MBID, then by
normalized artist + title, bulk-create the rest, read back), so API submissions and bulk
imports never do per-listen queries. Each distinct name is normalized once per batch.

An artist is identified by its MusicBrainz id when the submission gives one, by its name
otherwise; a known artist without an id takes the first one submitted for it. Two artists may
share a name (Nirvana, the US band and the UK band): a name held by an artist with another id
makes a second artist of that name, keyed by name and id (`same_name_key`), and a listen
that gives only the name goes to the first. ListenBrainz accepts such listens; refusing them
made scrobblers drop whole batches.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from webapp.catalog.inputs import mbid_parse, name_clip
from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name

#: Create-and-look-again rounds for a batch's new artists (see artists_resolve).
CREATE_PASSES = 3


class CatalogConflict(ValueError):
    """A submission contradicts the catalog; the message says how, in words for the sender."""


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


class _Names:
    """normalize_name with a memory: a batch's names repeat, each is normalized once."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = normalize_name(name)
        return key


@dataclass(frozen=True)
class _ArtistKey:
    name_normalized: str
    mbid: uuid.UUID | None


def artists_resolve(*, refs: Sequence[TrackRef], names: _Names | None = None) -> list[int]:
    """Artist ids for refs, in order, creating missing artists; raises CatalogConflict."""
    names = names or _Names()
    keys = [_ArtistKey(names(ref.artist_name), mbid_parse(ref.artist_mbid)) for ref in refs]
    wanted: dict[_ArtistKey, TrackRef] = {}  # the first ref of each key gives the raw name
    for key, ref in zip(keys, refs, strict=True):
        wanted.setdefault(key, ref)
    by_mbid, by_name = _artists_known(wanted)
    # A batch that commits the same names between this one's read and its insert makes the
    # insert skip them (ignore_conflicts), and one of them may name another MBID: look again
    # at what is stored now and create what is still missing, under the same rules.
    for _ in range(CREATE_PASSES):
        claimed = _claimed(wanted, by_mbid, by_name)
        missing = {key: ref for key, ref in wanted.items() if _known(key, by_mbid, claimed) is None}
        if missing:
            _artists_create(missing, by_mbid, claimed)
            by_mbid, by_name = _artists_known(missing, by_mbid, by_name)
        ids = {key: _known(key, by_mbid, by_name) for key in wanted}
        lost = [key for key, found in ids.items() if found is None]
        if not lost:
            break
    else:
        raise CatalogConflict(f"Could not store the artist {wanted[lost[0]].artist_name!r}.")
    _mbids_adopt({key: ids[key] for key in wanted if key.mbid is not None}, by_name)
    return [ids[key] for key in keys]


def _artists_known(keys: Iterable[_ArtistKey], by_mbid=None, by_name=None):
    """({mbid: id}, {normalized name: (id, mbid)}) of the artists these keys name."""
    by_mbid, by_name = dict(by_mbid or {}), dict(by_name or {})
    if mbids := {key.mbid for key in keys if key.mbid is not None}:  # no query for none
        by_mbid.update(Artist.objects.filter(mbid__in=mbids).values_list("mbid", "id"))
    if names := {key.name_normalized for key in keys if key.mbid not in by_mbid}:
        rows = Artist.objects.filter(name_normalized__in=names)
        by_name.update(
            (name, (pk, mbid))
            for name, pk, mbid in rows.values_list("name_normalized", "id", "mbid")
        )
    return by_mbid, by_name


def _claimed(wanted: Iterable[_ArtistKey], by_mbid: dict, by_name: dict) -> dict:
    """`by_name` as this batch will leave it: an artist known by name only takes the first
    MBID the batch gives it, so a second MBID for that name is another artist of the name."""
    claimed = dict(by_name)
    for key in wanted:
        if key.mbid is None or key.mbid in by_mbid or key.name_normalized not in claimed:
            continue
        artist_id, held = claimed[key.name_normalized]
        if held is None:
            claimed[key.name_normalized] = (artist_id, key.mbid)
    return claimed


def _known(key: _ArtistKey, by_mbid: dict, by_name: dict) -> int | None:
    """The artist id for key, None when it is new (also when its name is held by an artist
    with another MBID: a different artist of the same name)."""
    if key.mbid is not None and key.mbid in by_mbid:
        return by_mbid[key.mbid]
    if key.name_normalized not in by_name:
        return None
    artist_id, held = by_name[key.name_normalized]
    if key.mbid is not None and held is not None and held != key.mbid:
        return None
    return artist_id


def same_name_key(name_normalized: str, mbid: uuid.UUID) -> str:
    """The unique name key of a second artist with this name, told apart by its MBID."""
    suffix = f" #{mbid}"
    return name_normalized[: Artist._meta.get_field("name_normalized").max_length - len(suffix)] + (
        suffix
    )


def _artists_create(missing: dict[_ArtistKey, TrackRef], by_mbid: dict, by_name: dict) -> None:
    new, mbids_taken = [], set(by_mbid)
    holders = {name: held for name, (_, held) in by_name.items()}  # name -> its artist's MBID
    for key, ref in missing.items():
        if key.mbid in mbids_taken:
            continue  # one MusicBrainz artist under two spellings
        name_key = key.name_normalized
        if name_key in holders:
            held = holders[name_key]
            if key.mbid is None or held is None:
                continue  # the artist of that name, which takes this MBID if it has none
            name_key = same_name_key(name_key, key.mbid)  # another artist of the same name
        else:
            holders[name_key] = key.mbid
        if key.mbid is not None:
            mbids_taken.add(key.mbid)
        new.append(Artist(name=name_clip(ref.artist_name), name_normalized=name_key, mbid=key.mbid))
    # Sorted, so concurrent batches creating the same rows lock them in one order.
    new.sort(key=lambda artist: artist.name_normalized)
    Artist.objects.bulk_create(new, ignore_conflicts=True)


def _mbids_adopt(ids: dict[_ArtistKey, int], by_name: dict) -> None:
    """Give artists known only by name the MBID a submission names them with."""
    for key, artist_id in ids.items():
        if by_name.get(key.name_normalized, (None, key.mbid))[1] is not None:
            continue
        try:
            with transaction.atomic():
                Artist.objects.filter(pk=artist_id, mbid__isnull=True).update(mbid=key.mbid)
        except IntegrityError:  # another artist took this MBID meanwhile: leave it there
            pass


def tracks_resolve(*, refs: Sequence[TrackRef]) -> list[int]:
    """Track ids for refs, in order: matched by recording MBID first, else by artist (see
    artists_resolve) + normalized title; unknown artists and tracks are created. Raises
    CatalogConflict."""
    names = _Names()
    recordings = [mbid_parse(ref.recording_mbid) for ref in refs]
    by_mbid = {}
    if wanted_mbids := set(recordings) - {None}:
        by_mbid = dict(
            Track.objects.filter(recording_mbid__in=wanted_mbids).values_list(
                "recording_mbid", "id"
            )
        )
    by_name_refs = [ref for ref, mbid in zip(refs, recordings, strict=True) if mbid not in by_mbid]
    artist_ids = artists_resolve(refs=by_name_refs, names=names) if by_name_refs else []
    keys = {
        ref: (artist_id, names(ref.track_name))
        for ref, artist_id in zip(by_name_refs, artist_ids, strict=True)
    }
    wanted = {key: ref for ref, key in keys.items()}
    by_name = _tracks_by_name(wanted)
    missing = {key: ref for key, ref in wanted.items() if key not in by_name}
    if missing:
        _tracks_create(missing, used=set(by_mbid))
        by_name.update(_tracks_by_name(missing))
    return [
        by_mbid[mbid] if mbid in by_mbid else by_name[keys[ref]]
        for ref, mbid in zip(refs, recordings, strict=True)
    ]


def _tracks_create(missing: dict[tuple[int, str], TrackRef], *, used: set) -> None:
    new = []
    for (artist_id, title_key), ref in missing.items():
        mbid = mbid_parse(ref.recording_mbid)
        if mbid in used:
            mbid = None
        used.add(mbid)
        new.append(
            Track(
                artist_id=artist_id,
                title=name_clip(ref.track_name),
                title_normalized=title_key,
                release_name=name_clip(ref.release_name or ""),
                recording_mbid=mbid,
                release_mbid=mbid_parse(ref.release_mbid),
                duration_ms=ref.duration_ms,
            )
        )
    new.sort(key=lambda track: (track.artist_id, track.title_normalized))
    Track.objects.bulk_create(new, ignore_conflicts=True)


def _tracks_by_name(keys) -> dict[tuple[int, str], int]:
    if not keys:
        return {}
    artist_ids = {artist_id for artist_id, _ in keys}
    titles = {title for _, title in keys}
    rows = Track.objects.filter(artist_id__in=artist_ids, title_normalized__in=titles).values_list(
        "artist_id", "title_normalized", "id"
    )
    return {(a, t): pk for a, t, pk in rows if (a, t) in keys}
