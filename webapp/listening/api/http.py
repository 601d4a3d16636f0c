"""Plumbing every API endpoint shares: methods, CORS, token auth, rate limits and JSON errors.

A Django request in; the wrapped view's dict (or the ApiError it raised) out as JSON, with the
X-RateLimit-* headers on every answer. A valid `Authorization: Token <token>` is looked up once
(one query) and gives the per-token budget; anything else is counted per client IP.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from webapp.listening import selectors
from webapp.listening.api.errors import ApiError
from webapp.listening.api.ratelimit import OVER_LIMIT_MESSAGE, ip_key, ratelimit_hit, token_key

logger = logging.getLogger(__name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "X-RateLimit-Remaining,X-RateLimit-Limit,X-RateLimit-Reset,X-RateLimit-Reset-In"
    ),
}
NO_HEADER = "You need to provide an Authorization header."
BAD_HEADER = "Provided Authorization header is invalid."
BAD_TOKEN = "Invalid authorization token."


@dataclass(frozen=True, slots=True)
class ApiListener:
    """The caller a valid token identifies. Never carries the token itself."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class ApiAuth:
    listener: ApiListener | None
    problem: str | None  # why there is no listener, in ListenBrainz's words


def json_response(data: dict, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type="application/json")


def error_response(status: int, message: str) -> HttpResponse:
    return json_response({"code": status, "error": message}, status=status)


def header_token(request: HttpRequest) -> tuple[str | None, str | None]:
    """(token, problem) from `Authorization: Token <token>`, the way ListenBrainz reads it."""
    header = request.headers.get("Authorization")
    if not header:
        return None, NO_HEADER
    parts = header.split(" ")
    if len(parts) < 2 or not parts[1]:
        return None, BAD_HEADER
    return parts[1], None


def authenticate(request: HttpRequest) -> tuple[ApiAuth, str | None]:
    """Who the Authorization header says the caller is, and the token when it is valid."""
    token, problem = header_token(request)
    if token is None:
        return ApiAuth(listener=None, problem=problem), None
    found = selectors.listener_by_token(token=token)
    if found is None:
        return ApiAuth(listener=None, problem=BAD_TOKEN), None
    return ApiAuth(listener=ApiListener(id=found[0], username=found[1]), problem=None), token


def require_listener(request: HttpRequest) -> ApiListener:
    auth: ApiAuth = request.api_auth
    if auth.listener is None:
        raise ApiError(401, auth.problem or BAD_TOKEN)
    return auth.listener


def _preflight(allowed: str) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Allow"] = allowed
    response["Access-Control-Allow-Methods"] = allowed
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _rate_limit(request: HttpRequest, token: str | None):
    if token is not None:
        key, limit = token_key(token), settings.RATELIMIT_PER_TOKEN
    else:
        key, limit = ip_key(request.META.get("REMOTE_ADDR") or "unknown"), settings.RATELIMIT_PER_IP
    return ratelimit_hit(key=key, limit=limit, window=settings.RATELIMIT_WINDOW)


def api_view(*methods: str) -> Callable:
    """Make a view an API endpoint answering `methods` (HEAD goes with GET, OPTIONS always).

    The view takes the request (with request.api_auth set) and URL kwargs and returns a dict
    (200 JSON) or an HttpResponse, or raises ApiError.
    """
    accepted = set(methods) | ({"HEAD"} if "GET" in methods else set())
    allowed = ", ".join(sorted(accepted | {"OPTIONS"}))

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "OPTIONS":
                response = _preflight(allowed)
            else:
                response = _serve(view, request, accepted, allowed, args, kwargs)
            for name, value in CORS_HEADERS.items():
                response[name] = value
            return response

        endpoint.api_methods = tuple(sorted(accepted))
        return endpoint

    return decorator


def _serve(view, request, accepted, allowed, args, kwargs) -> HttpResponse:
    try:
        request.api_auth, token = authenticate(request)
        limit = _rate_limit(request, token)
    except Exception:  # the database or the cache is down: still answer in JSON
        logger.exception(
            "API %s %s: authentication or rate limit failed", request.method, request.path
        )
        return error_response(503, "Cannot serve requests right now. Please try again later.")
    response = _answer(view, request, accepted, allowed, limit, args, kwargs)
    for name, value in limit.headers().items():
        response[name] = value
    return response


def _answer(view, request, accepted, allowed, limit, args, kwargs) -> HttpResponse:
    if limit.over_limit:
        return error_response(429, OVER_LIMIT_MESSAGE)
    if request.method not in accepted:
        response = error_response(405, "The method is not allowed for the requested URL.")
        response["Allow"] = allowed
        return response
    try:
        result = view(request, *args, **kwargs)
    except ApiError as exc:
        return error_response(exc.status, exc.message)
    except Exception:
        logger.exception("API %s %s failed", request.method, request.path)
        return error_response(500, "Something went wrong. Please try again.")
    return result if isinstance(result, HttpResponse) else json_response(result)
