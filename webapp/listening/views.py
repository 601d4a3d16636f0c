"""Listener pages and the player's endpoints: home, library, profile, play/skip/save/unsave.

Pages render a logged-in listener's own data only. The POST endpoints (login + CSRF) call
one listening service each and answer JSON to the player's fetch, or redirect back for a
plain form post, so saving works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from webapp.catalog.models import Track
from webapp.catalog.selectors import track_get
from webapp.listening import selectors, services
from webapp.listening.forms import PlayForm

HOME_LIST_LENGTH = 10
SAVED_PER_PAGE = 25
NEW_TOKEN_SESSION_KEY = "listening:new-api-token"


@login_required
def library(request: HttpRequest) -> HttpResponse:
    saved = Paginator(selectors.listener_saved_tracks(user=request.user), SAVED_PER_PAGE)
    return render(
        request, "listening/library.html", {"saved": saved.get_page(request.GET.get("page"))}
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "listening/profile.html",
        {
            # A token just issued is in the session for this one page view, then gone: only
            # its hash is stored, so this is the only time the listener can read it.
            "new_api_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "token_prefix": selectors.listener_token_prefix(user=request.user),
            "listen_count": selectors.listener_listen_count(user=request.user),
            "server_root": request.build_absolute_uri("/"),
            "api_root": request.build_absolute_uri("/1/"),
        },
    )


@login_required
@require_POST
def token_regenerate(request: HttpRequest) -> HttpResponse:
    request.session[NEW_TOKEN_SESSION_KEY] = services.listener_token_regenerate(user=request.user)
    messages.success(request, "A new API token was issued; any old one no longer works.")
    return redirect("profile")


@login_required
@require_POST
def track_play(request: HttpRequest, pk: int) -> HttpResponse:
    form = PlayForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"code": 400, "error": form.errors.as_text()}, status=400)
    track = track_get(track_id=pk)
    listen = services.track_play_record(
        user=request.user,
        track=track,
        ms_played=form.cleaned_data["ms_played"],
        source=form.cleaned_data["source"],
    )
    play_count = selectors.listener_track_play_count(user=request.user, track=track)
    return JsonResponse({"listen_id": listen.pk, "play_count": play_count})


@login_required
@require_POST
def track_skip(request: HttpRequest, pk: int) -> HttpResponse:
    form = PlayForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"code": 400, "error": form.errors.as_text()}, status=400)
    track = track_get(track_id=pk)
    skip = services.track_skip_record(
        user=request.user,
        track=track,
        ms_played=form.cleaned_data["ms_played"],
        source=form.cleaned_data["source"],
    )
    return JsonResponse({"skip_id": skip.pk})


@login_required
@require_POST
def track_save(request: HttpRequest, pk: int) -> HttpResponse:
    track = track_get(track_id=pk)
    form = PlayForm(request.POST)
    source = form.cleaned_data["source"] if form.is_valid() else "browser"
    services.track_save(user=request.user, track=track, source=source)
    return _saved_response(request, track, saved=True)


@login_required
@require_POST
def track_unsave(request: HttpRequest, pk: int) -> HttpResponse:
    track = track_get(track_id=pk)
    services.track_unsave(user=request.user, track=track)
    return _saved_response(request, track, saved=False)


def _saved_response(request: HttpRequest, track: Track, *, saved: bool) -> HttpResponse:
    """JSON for the player's fetch; otherwise back to the page the form was on."""
    if "application/json" in request.headers.get("Accept", ""):
        action = "track_unsave" if saved else "track_save"
        return JsonResponse({"saved": saved, "action": reverse(action, args=[track.pk])})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = track.get_absolute_url()
    return redirect(target)
