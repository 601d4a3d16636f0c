"""The listener's Discover Weekly pages: this week's 30 tracks, past weeks, controls, exports.

A logged-in listener sees and changes only their own playlists. Controls are POSTs (login and
CSRF) that call one control service each and redirect back (or answer JSON to fetch).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from webapp.catalog.models import Artist, Track
from webapp.playlists import controls
from webapp.playlists.exports import playlist_jspf, playlist_m3u, playlist_title
from webapp.playlists.models import CONTRIBUTION_KINDS, DEFAULT_DISCOVERY
from webapp.playlists.selectors import listener_weeks, playlist_items, weekly_playlist
from webapp.playlists.services import week_start
from webapp.playlists.tasks import rebuild_listener

DISCOVERY_CHOICES = (
    (0.0, "Familiar"),
    (0.25, "Mostly familiar"),
    (0.5, "Balanced"),
    (0.75, "Mostly new"),
    (1.0, "Discover"),
)


def _week(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return week_start(dt.date.fromisoformat(value))
    except ValueError:
        raise Http404("No such week.") from None


@login_required
def weekly(request: HttpRequest, week: str | None = None) -> HttpResponse:
    playlist = weekly_playlist(user=request.user, week=_week(week))
    if week is not None and playlist is None:
        raise Http404("No playlist for that week.")
    items = list(playlist_items(playlist=playlist)) if playlist else []
    for item in items:
        item.bars = _bars(item)
    discovery = controls.discovery_of(user=request.user)
    return render(
        request,
        "playlists/weekly.html",
        {
            "playlist": playlist,
            "title": playlist_title(playlist) if playlist else "Discover Weekly",
            "items": items,
            "weeks": listener_weeks(user=request.user),
            "hidden_artists": controls.hidden_artists(user=request.user),
            "discovery": DEFAULT_DISCOVERY if discovery is None else discovery,
            "discovery_choices": DISCOVERY_CHOICES,
            "kinds": CONTRIBUTION_KINDS,
        },
    )


def _bars(item) -> list[tuple[str, float, float]]:
    """(model, contribution, width %) of the positive contributions, for the small bar."""
    parts = [(kind, value) for kind, value in item.contributions().items() if value > 0]
    total = sum(value for _, value in parts) or 1.0
    return [(kind, value, 100 * value / total) for kind, value in parts]


def _own_playlist(request: HttpRequest, week: str):
    playlist = weekly_playlist(user=request.user, week=_week(week))
    if playlist is None:
        raise Http404("No playlist for that week.")
    return playlist


@login_required
def weekly_jspf(request: HttpRequest, week: str) -> HttpResponse:
    playlist = _own_playlist(request, week)
    data = playlist_jspf(
        playlist, playlist_items(playlist=playlist), base_url=request.build_absolute_uri("/")
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="discover-weekly-{week}.jspf"'
    return response


@login_required
def weekly_m3u(request: HttpRequest, week: str) -> HttpResponse:
    playlist = _own_playlist(request, week)
    text = playlist_m3u(
        playlist, playlist_items(playlist=playlist), base_url=request.build_absolute_uri("/")
    )
    response = HttpResponse(text, content_type="audio/x-mpegurl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="discover-weekly-{week}.m3u"'
    return response


def _back(request: HttpRequest, message: str) -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": True, "message": message})
    messages.success(request, message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "weekly"  # never off-site: only this site's own pages
    return redirect(target)


@login_required
@require_POST
def pick_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    track = get_object_or_404(Track.objects.select_related("artist"), pk=pk)
    controls.pick_refuse(user=request.user, track=track)
    return _back(request, f"“{track.title}” will not come back; fewer picks by {track.artist}.")


@login_required
@require_POST
def artist_hide(request: HttpRequest, pk: int) -> HttpResponse:
    artist = get_object_or_404(Artist, pk=pk)
    controls.artist_hide(user=request.user, artist=artist)
    return _back(request, f"{artist} will not be recommended to you again.")


@login_required
@require_POST
def artist_unhide(request: HttpRequest, pk: int) -> HttpResponse:
    artist = get_object_or_404(Artist, pk=pk)
    controls.artist_unhide(user=request.user, artist=artist)
    return _back(request, f"{artist} may be recommended again.")


@login_required
@require_POST
def discovery_set(request: HttpRequest) -> HttpResponse:
    try:
        value = float(request.POST.get("discovery", ""))
        controls.discovery_set(user=request.user, discovery=value)
    except ValueError:
        return JsonResponse({"code": 400, "error": "discovery must be 0..1"}, status=400)
    return _back(request, "Saved: your next playlist follows this setting.")


@login_required
@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    if not controls.rebuild_allowed(user=request.user):
        minutes = controls.REBUILD_EVERY_SECONDS // 60
        messages.error(request, f"You can rebuild your playlist once every {minutes} minutes.")
        return redirect("weekly")
    rebuild_listener.delay(request.user.pk)
    return _back(request, "Your playlist is being rebuilt with your latest settings.")
