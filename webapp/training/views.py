"""The listener page: their taste neighbours and what the CF model would pick for them.

Private: only the listener themself and staff see it; anyone else gets 404, so the page does
not even confirm that a username exists.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from webapp.training.services import cf_listener_refresh_if_changed
from webapp.training.serving import listener_recommend, listener_similar

User = get_user_model()
SIMILAR_LISTENERS = 10
CF_PICKS = 15


@login_required
def listener_detail(request: HttpRequest, username: str) -> HttpResponse:
    if request.user.get_username() != username and not request.user.is_staff:
        raise Http404("No such listener page.")
    listener = get_object_or_404(User, username=username)
    if listener == request.user:  # this week's listening shows without waiting for a retrain
        cf_listener_refresh_if_changed(user_id=listener.pk)
    return render(
        request,
        "training/listener.html",
        {
            "listener": listener,
            "similar_listeners": listener_similar(user=listener, limit=SIMILAR_LISTENERS),
            "picks": listener_recommend(user=listener, limit=CF_PICKS),
        },
    )
