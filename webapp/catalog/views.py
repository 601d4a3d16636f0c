"""Catalog pages: browse and search artists and tracks.

GET requests in, rendered templates out. Pages that combine the catalog with listening and
the models (artist, track and listener pages) live in webapp.dashboard.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from webapp.catalog import selectors

TRACKS_PER_PAGE = 25
ARTISTS_PER_PAGE = 20


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
