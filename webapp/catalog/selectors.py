"""Catalog reads for the pages: search, one artist with its tracks, one track.

A query string in, querysets out (lazy, so the views paginate them). Search matches the
normalized artist name and title, so case, accents and punctuation do not matter.
"""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name


def tracks_search(*, query: str = "") -> QuerySet[Track]:
    """Tracks whose title or artist name contains the query (all tracks for an empty one)."""
    tracks = Track.objects.select_related("artist").order_by("artist__name", "title", "pk")
    key = normalize_name(query)
    if not key:
        return tracks
    return tracks.filter(title_normalized__icontains=key) | tracks.filter(
        artist__name_normalized__icontains=key
    )


def artists_search(*, query: str = "") -> QuerySet[Artist]:
    """Artists whose name contains the query, with their track count as `track_count`."""
    artists = Artist.objects.annotate(track_count=Count("tracks")).order_by("name", "pk")
    key = normalize_name(query)
    if not key:
        return artists
    return artists.filter(name_normalized__icontains=key)


def artist_get(*, artist_id: int) -> Artist:
    """One artist or 404."""
    return get_object_or_404(Artist, pk=artist_id)


def artist_tracks(*, artist: Artist) -> QuerySet[Track]:
    """The artist's tracks, by title."""
    return Track.objects.filter(artist=artist).select_related("artist").order_by("title", "pk")


def track_get(*, track_id: int) -> Track:
    """One track with its artist, or 404."""
    return get_object_or_404(Track.objects.select_related("artist"), pk=track_id)
