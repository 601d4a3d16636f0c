"""The ListenBrainz-compatible endpoints.

Requests in; validated submissions handed to the listening services, reads answered from the
selectors, ListenBrainz-shaped JSON out. Writes need `Authorization: Token <token>`; reads are
public, as on ListenBrainz (a listener's listens are public there too).
"""

import datetime as dt
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from webapp.listening import selectors
from webapp.listening.api.errors import ApiError
from webapp.listening.api.http import api_view, header_token, require_listener
from webapp.listening.api.openapi import openapi_schema
from webapp.listening.api.validation import Limits, body_too_large, submission_parse
from webapp.listening.models import ListenSource
from webapp.listening.services import listens_store, playing_now_set

#: Listens returned by GET /1/user/<name>/listens without `count`, and at most (ListenBrainz's
#: DEFAULT_ITEMS_PER_GET and MAX_ITEMS_PER_GET).
DEFAULT_ITEMS_PER_GET = 25
MAX_ITEMS_PER_GET = 1000
_MAX_TS = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds


def submission_limits() -> Limits:
    return Limits(
        max_listens=settings.LISTENBRAINZ_MAX_LISTENS_PER_REQUEST,
        max_body_bytes=settings.LISTENBRAINZ_MAX_BODY_BYTES,
        max_listen_size=settings.LISTENBRAINZ_MAX_LISTEN_SIZE,
        max_future_seconds=settings.LISTENBRAINZ_MAX_FUTURE_SECONDS,
    )


def _read_body(request: HttpRequest, max_bytes: int) -> bytes:
    """The raw body, refusing more than max_bytes before reading it where the length is known.

    Read directly rather than through request.body, whose DATA_UPLOAD_MAX_MEMORY_SIZE guard is
    meant for forms; this endpoint has its own, ListenBrainz-sized bound.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise body_too_large(max_bytes)
    if hasattr(request, "_body"):
        return request._body
    return request.read(max_bytes + 1)


@api_view("POST")
def submit_listens(request: HttpRequest) -> dict:
    listener = require_listener(request)
    limits = submission_limits()
    body = _read_body(request, limits.max_body_bytes)
    submission = submission_parse(body, now=int(time.time()), limits=limits)
    if submission.playing_now is not None:
        with transaction.atomic():  # the track it may create and the row, or neither
            playing_now_set(user_id=listener.id, track=submission.playing_now)
    else:
        listens_store(user_id=listener.id, records=submission.records, source=ListenSource.API)
    return {"status": "ok"}


@api_view("GET")
def validate_token(request: HttpRequest) -> dict:
    if request.headers.get("Authorization", "").lower().startswith("token "):
        token, _ = header_token(request)
        listener = request.api_auth.listener  # already looked up once by api_view
        user_name = listener.username if listener else None
    else:  # ListenBrainz still accepts ?token= for older clients
        token = request.GET.get("token", "")
        found = selectors.listener_by_token(token=token) if token else None
        user_name = found[1] if found else None
    if not token:
        raise ApiError(400, "You need to provide an Authorization token.")
    if user_name is None:
        return {"code": 200, "message": "Token invalid.", "valid": False}
    return {"code": 200, "message": "Token valid.", "valid": True, "user_name": user_name}


def _listener_or_404(user_name: str):
    user = selectors.listener_by_name(username=user_name)
    if user is None:
        raise ApiError(404, f"Cannot find user: {user_name}")
    return user


def _int_arg(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = request.GET.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid {name} argument: {value}") from None


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


@api_view("GET")
def user_listens(request: HttpRequest, user_name: str) -> dict:
    user = _listener_or_404(user_name)
    min_ts, max_ts = _int_arg(request, "min_ts"), _int_arg(request, "max_ts")
    if min_ts and max_ts and max_ts < min_ts:
        raise ApiError(400, "max_ts should be greater than min_ts")
    count = min(_int_arg(request, "count", DEFAULT_ITEMS_PER_GET), MAX_ITEMS_PER_GET)
    if count < 0:
        raise ApiError(400, "Number of items requested should be positive")
    if min_ts and max_ts and min_ts >= max_ts:
        raise ApiError(400, "min_ts should be less than max_ts")
    rows = selectors.listener_listens_window(
        user_id=user.pk,
        min_ts=_clamp(min_ts),
        max_ts=_clamp(max_ts),
        count=count,
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


@api_view("GET")
def user_playing_now(request: HttpRequest, user_name: str) -> dict:
    user = _listener_or_404(user_name)
    row = selectors.listener_playing_now(user_id=user.pk, now=timezone.now())
    listens = []
    if row is not None:
        listens.append(
            {
                "playing_now": True,
                "track_metadata": _track_metadata(row),
                "user_name": user.username,
            }
        )
    return {
        "payload": {
            "count": len(listens),
            "listens": listens,
            "playing_now": True,
            "user_id": user.username,
        }
    }


@api_view("GET")
def user_listen_count(request: HttpRequest, user_name: str) -> dict:
    user = _listener_or_404(user_name)
    return {"payload": {"count": selectors.listener_listen_count(user=user)}}


@api_view("GET")
def openapi(request: HttpRequest) -> dict:
    return openapi_schema()
