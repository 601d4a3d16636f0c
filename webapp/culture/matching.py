"""The catalog as the culture library needs it: name matchers, rebuilt when the catalog changes.

Artists (with their aliases) and tracks in, an `ArtistMatcher` and a `TrackMatcher` out,
cached per process and keyed by a cheap catalog version string, so a crawl builds them once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max

from recommender.culture.mentions import ArtistMatcher, TrackMatcher
from webapp.catalog.models import Artist, Track
from webapp.culture.models import ArtistAlias


@dataclass(frozen=True)
class Matchers:
    version: str
    artists: ArtistMatcher
    tracks: TrackMatcher


_cache: dict[str, Matchers] = {}


def catalog_version() -> str:
    """Changes whenever an artist, track or alias is added or removed (counts and max ids)."""
    parts = []
    for model in (Artist, Track, ArtistAlias):
        stats = model.objects.aggregate(n=Count("pk"), top=Max("pk"))
        parts.append(f"{stats['n']}.{stats['top'] or 0}")
    return ":".join(parts)


def matchers_current() -> Matchers:
    """Matchers over the whole catalog as it is now (built once per catalog version)."""
    version = catalog_version()
    found = _cache.get(version)
    if found is not None:
        return found
    artist_rows = list(Artist.objects.order_by("pk").values_list("pk", "name"))
    aliases: dict[int, list[str]] = defaultdict(list)
    for artist_id, alias in ArtistAlias.objects.values_list("artist_id", "alias"):
        aliases[artist_id].append(alias)
    track_rows = list(Track.objects.order_by("pk").values_list("pk", "title", "artist_id"))
    found = Matchers(
        version=version,
        artists=ArtistMatcher(
            [pk for pk, _ in artist_rows], [name for _, name in artist_rows], aliases
        ),
        tracks=TrackMatcher(
            [pk for pk, _, _ in track_rows],
            [title for _, title, _ in track_rows],
            {pk: artist for pk, _, artist in track_rows},
        ),
    )
    _cache.clear()
    _cache[version] = found
    return found
