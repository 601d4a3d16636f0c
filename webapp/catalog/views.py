"""Catalog pages: browse/search, an artist with its tracks, a track with its player.

GET requests in, rendered templates out. A logged-in visit to an artist page is recorded as
a signal; the track page tells the player when a play counts as a listen.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from webapp.catalog import selectors
from webapp.listening import selectors as listening_selectors
from webapp.listening.services import artist_visit_record
from webapp.training.serving import track_similar

TRACKS_PER_PAGE = 25
ARTISTS_PER_PAGE = 20
SIMILAR_TRACKS = 10
# ListenBrainz: a listen counts after half the track or 4 minutes, whichever is lower.
LISTEN_CAP_SECONDS = 240


def listen_cap_seconds() -> float:
    """The 4-minute cap of the listen rule; tests shorten it with PLAYER_LISTEN_CAP_SECONDS."""
    return float(getattr(settings, "PLAYER_LISTEN_CAP_SECONDS", LISTEN_CAP_SECONDS))


def browse(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    tracks = Paginator(selectors.tracks_search(query=query), TRACKS_PER_PAGE)
    artists = Paginator(selectors.artists_search(query=query), ARTISTS_PER_PAGE)
    return render(
        request,
        "catalog/browse.html",
        {
            "query": query,
            "tracks": tracks.get_page(request.GET.get("page")),
            "artists": artists.get_page(request.GET.get("artist_page")),
        },
    )


def artist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    artist = selectors.artist_get(artist_id=pk)
    if request.user.is_authenticated and "page" not in request.GET:  # paging is not a visit
        artist_visit_record(user=request.user, artist=artist)
    tracks = Paginator(selectors.artist_tracks(artist=artist), TRACKS_PER_PAGE)
    return render(
        request,
        "catalog/artist_detail.html",
        {"artist": artist, "tracks": tracks.get_page(request.GET.get("page"))},
    )


def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.track_get(track_id=pk)
    context = {
        "track": track,
        "listen_cap_seconds": listen_cap_seconds(),
        "is_saved": False,
        "play_count": 0,
        "similar_tracks": track_similar(track=track, limit=SIMILAR_TRACKS),
    }
    if request.user.is_authenticated:
        saved = listening_selectors.listener_saved_track_ids(user=request.user, track_ids=[pk])
        context["is_saved"] = pk in saved
        context["play_count"] = listening_selectors.listener_track_play_count(
            user=request.user, track=track
        )
    return render(request, "catalog/track_detail.html", context)
