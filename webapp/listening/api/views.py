"""The ListenBrainz-compatible endpoints, as one ninja Router.

Validated submissions in, handed to the listening services; reads answered from the
selectors as ListenBrainz-shaped JSON. Writes need `Authorization: Token <token>`; reads are
public, as on ListenBrainz (a listener's listens are public there too). `listener_or_404`
and ERRORS are for endpoints added later (a listener's weekly playlist, say).
"""

import datetime as dt
from typing import Annotated

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from webapp.listening import selectors
from webapp.listening.api.auth import TokenAuth, request_auth
from webapp.listening.api.errors import BAD_HEADER, NO_TOKEN, ApiError
from webapp.listening.api.examples import SUBMISSION_EXAMPLES
from webapp.listening.api.responses import (
    ErrorBody,
    ListenCountResponse,
    ListensResponse,
    PlayingNowResponse,
    Status,
    TokenValidation,
)
from webapp.listening.api.schemas import Submission
from webapp.listening.models import ListenSource
from webapp.listening.services import listens_store, playing_now_set

#: Listens returned by GET /1/user/<name>/listens without `count`, and at most (ListenBrainz's
#: DEFAULT_ITEMS_PER_GET and MAX_ITEMS_PER_GET).
DEFAULT_ITEMS_PER_GET = 25
MAX_ITEMS_PER_GET = 1000
_MAX_TS = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds

#: Error answers every endpoint may give (documented in the schema; bodies are ErrorBody).
ERRORS = {405: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody}
USER_ERRORS = {**ERRORS, 400: ErrorBody, 404: ErrorBody}

router = Router()


@router.post(
    "/submit-listens",
    auth=TokenAuth(),
    response={200: Status, 400: ErrorBody, 401: ErrorBody, **ERRORS},
    summary="Submit listens (single, import) or what is playing now",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {k: {"value": v} for k, v in SUBMISSION_EXAMPLES.items()}
                }
            }
        }
    },
)
def submit_listens(request: HttpRequest, submission: Submission) -> Status:
    """Every listen is stored (re-submitted ones once), or none."""
    listener = request.auth
    track = submission.playing_now_track()
    if track is not None:
        with transaction.atomic():  # the track it may create and the row, or neither
            playing_now_set(user_id=listener.id, track=track)
    else:
        listens_store(user_id=listener.id, records=submission.records(), source=ListenSource.API)
    return Status()


@router.get(
    "/validate-token",
    response={200: TokenValidation, 400: ErrorBody, 401: ErrorBody, **ERRORS},
    exclude_none=True,
    summary="Check a token (Authorization header, or ?token= for older clients)",
)
def validate_token(request: HttpRequest, token: str | None = None) -> TokenValidation:
    auth = request_auth(request)
    if auth.header == "malformed":
        raise ApiError(401, BAD_HEADER)
    if auth.header == "token":  # already looked up once, before the rate limit
        token, user_name = auth.token, auth.listener.username if auth.listener else None
    else:  # ListenBrainz still accepts ?token= for older clients
        found = selectors.listener_by_token(token=token) if token else None
        user_name = found[1] if found else None
    if not token:
        raise ApiError(400, NO_TOKEN)
    if user_name is None:
        return TokenValidation(message="Token invalid.", valid=False)
    return TokenValidation(message="Token valid.", valid=True, user_name=user_name)


def listener_or_404(user_name: str):
    """The listener named in a /1/user/<name>/... path, or ListenBrainz's 404."""
    user = selectors.listener_by_name(username=user_name)
    if user is None:
        raise ApiError(404, f"Cannot find user: {user_name}")
    return user


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _int_or_blank(**bounds: int) -> WithJsonSchema:
    return WithJsonSchema(
        {"anyOf": [{"type": "integer", **bounds}, {"type": "string", "maxLength": 0}]}
    )


#: Query integers that may also be left blank (`?min_ts=`), as ListenBrainz reads them.
OptionalInt = Annotated[int | None, BeforeValidator(_blank_is_none), _int_or_blank()]
OptionalCount = Annotated[int | None, BeforeValidator(_blank_is_none), _int_or_blank(minimum=0)]


class ListensQuery(BaseModel):
    min_ts: OptionalInt = Field(None, description="Only listens after this unix time.")
    max_ts: OptionalInt = Field(None, description="Only listens before this unix time.")
    count: OptionalCount = Field(
        None, ge=0, description=f"At most this many (default {DEFAULT_ITEMS_PER_GET}, max 1000)."
    )


@router.get(
    "/user/{user_name}/listens",
    response={200: ListensResponse, **USER_ERRORS},
    exclude_none=True,
    summary="A listener's listens, newest first",
)
def user_listens(request: HttpRequest, user_name: str, query: Query[ListensQuery]):
    """Listens with listened_at strictly between min_ts and max_ts."""
    user = listener_or_404(user_name)
    # ListenBrainz reads 0 as "not given" (`if min_ts`): ?min_ts=0&max_ts=0 is the newest page.
    min_ts, max_ts = query.min_ts or None, query.max_ts or None
    if min_ts and max_ts and max_ts < min_ts:
        raise ApiError(400, "max_ts should be greater than min_ts")
    count = min(DEFAULT_ITEMS_PER_GET if query.count is None else query.count, MAX_ITEMS_PER_GET)
    if min_ts and max_ts and min_ts >= max_ts:
        raise ApiError(400, "min_ts should be less than max_ts")
    rows = selectors.listener_listens_window(
        user_id=user.pk, min_ts=_clamp(min_ts), max_ts=_clamp(max_ts), count=count
    )
    oldest, newest = selectors.listener_listen_bounds(user_id=user.pk)
    listens = [
        {
            "inserted_at": _unix(row["inserted_at"]),
            "listened_at": _unix(row["listened_at"]),
            "track_metadata": _track_metadata(row),
            "user_name": user.username,
        }
        for row in rows
    ]
    return {
        "payload": {
            "count": len(listens),
            "latest_listen_ts": _unix(newest),
            "listens": listens,
            "oldest_listen_ts": _unix(oldest),
            "user_id": user.username,
        }
    }


@router.get(
    "/user/{user_name}/playing-now",
    response={200: PlayingNowResponse, **USER_ERRORS},
    exclude_none=True,
    summary="What the listener is playing, until the track would have ended",
)
def user_playing_now(request: HttpRequest, user_name: str):
    user = listener_or_404(user_name)
    row = selectors.listener_playing_now(user_id=user.pk, now=timezone.now())
    listens = []
    if row is not None:
        listens.append({"track_metadata": _track_metadata(row), "user_name": user.username})
    return {"payload": {"count": len(listens), "listens": listens, "user_id": user.username}}


@router.get(
    "/user/{user_name}/listen-count",
    response={200: ListenCountResponse, **USER_ERRORS},
    summary="How many listens the listener has",
)
def user_listen_count(request: HttpRequest, user_name: str):
    user = listener_or_404(user_name)
    return {"payload": {"count": selectors.listener_listen_count(user=user)}}


def _clamp(ts: int | None) -> int | None:
    return None if ts is None else min(max(ts, 0), _MAX_TS)


def _unix(moment: dt.datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def _track_metadata(row: dict) -> dict:
    info = {}
    if row["track__recording_mbid"] is not None:
        info["recording_mbid"] = str(row["track__recording_mbid"])
    if row["track__release_mbid"] is not None:
        info["release_mbid"] = str(row["track__release_mbid"])
    if row["track__artist__mbid"] is not None:
        info["artist_mbids"] = [str(row["track__artist__mbid"])]
    if row["track__duration_ms"] is not None:
        info["duration_ms"] = row["track__duration_ms"]
    metadata = {"artist_name": row["track__artist__name"], "track_name": row["track__title"]}
    if row["track__release_name"]:
        metadata["release_name"] = row["track__release_name"]
    metadata["additional_info"] = info
    return metadata
