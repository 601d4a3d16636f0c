"""GET /1/user/<name>/weekly-playlist: a listener's weekly playlist as JSPF, for their token only.

Mounted with the ListenBrainz-compatible API (webapp.api_urls). Another listener's token gets
403 and never the playlist; a week without a playlist is 404.
"""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Router
from pydantic import WithJsonSchema

from webapp.listening.api.auth import TokenAuth
from webapp.listening.api.errors import ApiError
from webapp.listening.api.responses import ErrorBody
from webapp.listening.api.views import USER_ERRORS, listener_or_404
from webapp.playlists.exports import playlist_jspf
from webapp.playlists.selectors import playlist_items, weekly_playlist
from webapp.playlists.services import week_start

router = Router()
#: Any day of the week wanted (YYYY-MM-DD); its Monday's playlist is answered.
WeekParam = Annotated[str | None, WithJsonSchema({"type": "string", "format": "date"})]


@router.get(
    "/user/{user_name}/weekly-playlist",
    auth=TokenAuth(),
    response={200: dict, 401: ErrorBody, 403: ErrorBody, **USER_ERRORS},
    summary="A listener's Discover Weekly playlist as JSPF (their own token only)",
)
def user_weekly_playlist(request: HttpRequest, user_name: str, week: WeekParam = None) -> dict:
    """This week's playlist, or the week holding `week` (YYYY-MM-DD)."""
    user = listener_or_404(user_name)
    if request.auth.id != user.pk:
        raise ApiError(403, "You can only read your own weekly playlist.")
    monday = None
    if week:
        try:
            monday = week_start(dt.date.fromisoformat(week))
        except ValueError:
            raise ApiError(400, f"Invalid week argument: {week}") from None
    playlist = weekly_playlist(user=user, week=monday)
    if playlist is None:
        raise ApiError(404, "No weekly playlist for that week yet.")
    base_url = request.build_absolute_uri("/")
    return playlist_jspf(playlist, playlist_items(playlist=playlist), base_url=base_url)
