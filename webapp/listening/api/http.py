"""What every /1/ URL does around its endpoint: CORS, OPTIONS, HEAD, rate limits, JSON 405/404.

ninja's URL patterns in; the same patterns wrapped by `api_endpoint` out, plus a catch-all
that answers unknown /1/ paths with ListenBrainz's JSON 404. Before ninja sees a request the
wrapper reads who is calling (auth.request_auth, one query) and counts the request against
its budget (429 past it, X-RateLimit-* headers on every answer; while the shared cache is
down, requests are served uncounted and without them, and the outage is logged), and reads a
body of at most LISTENBRAINZ_MAX_BODY_BYTES itself, so the answer is ListenBrainz's 400 and not
Django's form limit.
"""

import logging
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path

from webapp.listening.api.auth import ApiAuth, request_auth
from webapp.listening.api.errors import (
    NOT_ALLOWED,
    NOT_FOUND,
    UNAVAILABLE,
    error_response,
)
from webapp.listening.api.ratelimit import (
    OVER_LIMIT_MESSAGE,
    RateLimit,
    ip_key,
    ratelimit_hit,
    token_key,
)
from webapp.listening.busy import RETRY_AFTER_SECONDS
from webapp.listening.outages import CACHE_UNREACHABLE, outage_log

logger = logging.getLogger(__name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "X-RateLimit-Remaining,X-RateLimit-Limit,X-RateLimit-Reset,X-RateLimit-Reset-In"
    ),
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
#: Views that are plain functions (ninja's schema view), not per-method operations.
_GET_ONLY = ("GET",)


def api_urlpatterns(patterns: Iterable[URLPattern | URLResolver]) -> list:
    """ninja's URL patterns, each wrapped by api_endpoint, and a JSON 404 for the rest."""
    wrapped = []
    for pattern in patterns:
        view, methods = pattern.callback, None
        if pattern.name == "openapi-json":
            methods = _GET_ONLY
        elif pattern.name == "api-root":  # ninja reverses it for the schema; a 404 like others
            view, methods = _not_found, ()
        wrapped.append(
            URLPattern(
                pattern.pattern,
                api_endpoint(view, methods=methods),
                pattern.default_args,
                pattern.name,
            )
        )
    wrapped.append(re_path(r"^", api_endpoint(_not_found, methods=()), name="api-not-found"))
    return wrapped


def _not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return error_response(404, NOT_FOUND)


def api_endpoint(view: Callable, *, methods: tuple[str, ...] | None = None) -> Callable:
    """Wrap a view as an API endpoint. `methods` are those it answers; None asks the view
    (a ninja path view answers 405 with an Allow header for a method it lacks)."""

    @wraps(view)
    def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            allowed = _allowed(view, request, methods, args, kwargs)
            response = _preflight(allowed) if allowed else error_response(404, NOT_FOUND)
        else:
            response = _serve(view, request, methods, args, kwargs)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    endpoint.csrf_exempt = True
    return endpoint


def _serve(view, request, methods, args, kwargs) -> HttpResponse:
    try:
        auth = request_auth(request)
        limit = _counted(request, auth)
    except Exception:  # the database is down: still answer in JSON
        logger.exception(
            "API %s %s: authentication or rate limit failed", request.method, request.path
        )
        return error_response(503, UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if limit is not None and limit.over_limit:
        response = error_response(429, OVER_LIMIT_MESSAGE)
    else:
        response = _dispatch(view, request, methods, args, kwargs)
    for name, value in limit.headers().items() if limit is not None else ():
        response[name] = value
    return response


def _dispatch(view, request, methods, args, kwargs) -> HttpResponse:
    if methods is not None and request.method not in _with_head(methods):
        return _not_allowed(methods)
    try:
        repeated = _repeated_argument(request)
    except SuspiciousOperation as exc:  # e.g. more query arguments than Django parses
        return error_response(400, str(exc) or "The request's arguments could not be read.")
    if repeated:
        return error_response(400, f"The {repeated} argument is given more than once.")
    head = request.method == "HEAD"
    if head:
        request.method = "GET"
    if request.method in _BODY_METHODS:
        _body_read(request)
    response = view(request, *args, **kwargs)
    if head:
        request.method = "HEAD"
        response.content = b""
    if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
        return _not_allowed(_allow_header(response))
    return response


def _repeated_argument(request: HttpRequest) -> str | None:
    """A query argument given more than once (`?count=1&count=5`): every argument of the API
    is one value, and picking one of several would answer a question nobody asked."""
    for key, values in request.GET.lists():
        if len(values) > 1:
            return key[:50]
    return None


def _body_read(request: HttpRequest) -> None:
    """Read at most one byte past the API's body limit, bypassing Django's form-size guard;
    the parser answers 400 for more (after authentication, as ListenBrainz does)."""
    if hasattr(request, "_body"):
        return
    limit = settings.LISTENBRAINZ_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        request.lb_body_too_large = True
        request._body = b" "  # not empty, so the parser runs and answers 400
        return
    request._body = request.read(limit + 1)


def _counted(request: HttpRequest, auth: ApiAuth) -> RateLimit | None:
    """The request counted against its budget; None when Redis is down (served uncounted)."""
    try:
        return _rate_limit(request, auth)
    except CACHE_UNREACHABLE as exc:
        outage_log("API rate limit not counted: the shared cache cannot be reached", exc)
        return None


def _rate_limit(request: HttpRequest, auth: ApiAuth) -> RateLimit:
    if auth.listener is not None and auth.token is not None:
        key, limit = token_key(auth.token), settings.RATELIMIT_PER_TOKEN
    else:
        key, limit = ip_key(request.META.get("REMOTE_ADDR") or "unknown"), settings.RATELIMIT_PER_IP
    return ratelimit_hit(key=key, limit=limit, window=settings.RATELIMIT_WINDOW)


def _with_head(methods: Iterable[str]) -> set[str]:
    methods = set(methods)
    return methods | {"HEAD"} if "GET" in methods else methods


def _allow_header(response: HttpResponse) -> tuple[str, ...]:
    return tuple(m.strip() for m in response.get("Allow", "").split(",") if m.strip())


def _allowed(view, request, methods, args, kwargs) -> str:
    """The Allow header's value for this URL; "" when it answers no method (not found)."""
    if methods is None:  # ask ninja: a method it lacks is answered with 405 and Allow
        request.method = "OPTIONS"
        methods = _allow_header(view(request, *args, **kwargs))
    return ", ".join(sorted(_with_head(methods) | {"OPTIONS"})) if methods else ""


def _not_allowed(methods: tuple[str, ...]) -> HttpResponse:
    if not methods:  # a URL that answers nothing: the catch-all
        return error_response(404, NOT_FOUND)
    allowed = ", ".join(sorted(_with_head(methods) | {"OPTIONS"}))
    return error_response(405, NOT_ALLOWED, {"Allow": allowed})


def _preflight(allowed: str) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Allow"] = allowed
    response["Access-Control-Allow-Methods"] = allowed
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response
