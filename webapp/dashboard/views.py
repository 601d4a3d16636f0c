"""Pages that combine the catalog, a listener's signals and the served models.

The artist page (a logged-in visit is recorded as a signal), the track page (player, similar
tracks, the audio analysis drawn), the private listener dashboard (this week's picks and why,
taste, cultural and audio profiles, past weeks) and curators' model version page. Only the
listener themself and staff see a dashboard; anyone else gets 404, so the page does not even
confirm that a username exists. Model pages are for staff only (404 for anyone else).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from webapp.catalog import selectors as catalog_selectors
from webapp.culture.selectors import artist_similar_cultural, artist_top_terms, track_top_terms
from webapp.dashboard.analysis import track_analysis_page
from webapp.dashboard.dashboard import listener_dashboard
from webapp.dashboard.selectors import track_similar
from webapp.dashboard.versions import model_version_page
from webapp.listening import selectors as listening_selectors
from webapp.listening.services import artist_visit_record
from webapp.playlists.selectors import playlist_items, weekly_playlist

User = get_user_model()
TRACKS_PER_PAGE = 25
SIMILAR_TRACKS = 10
TOP_TERMS = 15
SIMILAR_ARTISTS = 8
# ListenBrainz: a listen counts after half the track or 4 minutes, whichever is lower.
LISTEN_CAP_SECONDS = 240


def listen_cap_seconds() -> float:
    """The 4-minute cap of the listen rule; tests shorten it with PLAYER_LISTEN_CAP_SECONDS."""
    return float(getattr(settings, "PLAYER_LISTEN_CAP_SECONDS", LISTEN_CAP_SECONDS))


HOME_LIST_LENGTH = 10
WEEKLY_PREVIEW = 5


def home(request: HttpRequest) -> HttpResponse:
    """The listener's start page: this week's first picks, recent listens, saved tracks."""
    if not request.user.is_authenticated:
        return render(request, "listening/home_anonymous.html")
    user = request.user
    playlist = weekly_playlist(user=user)
    preview = list(playlist_items(playlist=playlist)[:WEEKLY_PREVIEW]) if playlist else []
    return render(
        request,
        "listening/home.html",
        {
            "weekly": playlist,
            "weekly_preview": preview,
            "recent_listens": listening_selectors.listener_recent_listens(
                user=user, limit=HOME_LIST_LENGTH
            ),
            "saved_tracks": listening_selectors.listener_saved_tracks(user=user)[:HOME_LIST_LENGTH],
            "listen_count": listening_selectors.listener_listen_count(user=user),
        },
    )


def artist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    artist = catalog_selectors.artist_get(artist_id=pk)
    if request.user.is_authenticated and "page" not in request.GET:  # paging is not a visit
        artist_visit_record(user=request.user, artist=artist)
    tracks = Paginator(catalog_selectors.artist_tracks(artist=artist), TRACKS_PER_PAGE)
    return render(
        request,
        "dashboard/artist_detail.html",
        {
            "artist": artist,
            "tracks": tracks.get_page(request.GET.get("page")),
            "top_terms": artist_top_terms(artist=artist, limit=TOP_TERMS),
            "similar_artists": artist_similar_cultural(artist=artist, limit=SIMILAR_ARTISTS),
        },
    )


def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    track = catalog_selectors.track_get(track_id=pk)
    context = {
        "track": track,
        "listen_cap_seconds": listen_cap_seconds(),
        "is_saved": False,
        "play_count": 0,
        "similar_tracks": track_similar(track=track, limit=SIMILAR_TRACKS),
        "top_terms": track_top_terms(track=track, limit=TOP_TERMS),
        **track_analysis_page(track=track),
    }
    if request.user.is_authenticated:
        saved = listening_selectors.listener_saved_track_ids(user=request.user, track_ids=[pk])
        context["is_saved"] = pk in saved
        context["play_count"] = listening_selectors.listener_track_play_count(
            user=request.user, track=track
        )
    return render(request, "dashboard/track_detail.html", context)


@login_required
def listener_detail(request: HttpRequest, username: str) -> HttpResponse:
    """The listener's dashboard: their own, or any listener's for staff."""
    if request.user.get_username() != username and not request.user.is_staff:
        raise Http404("No such listener page.")
    listener = get_object_or_404(User, username=username)
    context = {**listener_dashboard(listener=listener), "listen_cap_seconds": listen_cap_seconds()}
    return render(request, "dashboard/listener.html", context)


@login_required
def my_dashboard(request: HttpRequest) -> HttpResponse:
    return redirect("listener_detail", username=request.user.get_username())


@login_required
def model_version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A model version and how its kind's versions compare over time (staff only)."""
    if not request.user.is_staff:
        raise Http404("No such page.")
    return render(request, "dashboard/model_version.html", model_version_page(version_id=pk))
