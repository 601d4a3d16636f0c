"""The django-ninja API object behind /1/: parser, renderer, exception handlers, OpenAPI.

Routers in (api_build), a NinjaAPI out whose errors are all ListenBrainz's JSON bodies and
whose /1/openapi.json lists the X-RateLimit-* headers every answer carries. A new endpoint
is a function on a ninja Router passed to api_build (see webapp/api_urls.py).
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from webapp.catalog.services import CatalogConflict
from webapp.listening.api.body import body_json, may_hold_nulls
from webapp.listening.api.errors import (
    BUSY,
    NOT_FOUND,
    SERVER_ERROR,
    ApiError,
    body_too_large,
    error_response,
    validation_message,
)
from webapp.listening.busy import RETRY_AFTER_SECONDS, is_database_lock

logger = logging.getLogger(__name__)

NAMESPACE = "listenbrainz"
RATE_HEADERS = {
    name: {"description": text, "schema": {"type": "integer"}}
    for name, text in (
        ("X-RateLimit-Limit", "Requests allowed in the current window."),
        ("X-RateLimit-Remaining", "Requests left in the current window."),
        ("X-RateLimit-Reset", "Unix time the current window ends."),
        ("X-RateLimit-Reset-In", "Seconds until the current window ends."),
    )
}


#: Listed for every operation in /1/openapi.json, though the API never sends it: the HTTP server
#: in front answers an over-long URL (gunicorn: a request line over 4094 bytes) in its words.
URI_TOO_LONG = {
    "description": "URI Too Long: the HTTP server in front refuses the request line.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class ListenBrainzParser(Parser):
    """JSON bodies read as ListenBrainz reads them: NaN refused, its error words, its 400 past
    the size limit."""

    def parse_body(self, request: HttpRequest):
        if getattr(request, "lb_body_too_large", False):
            raise body_too_large(settings.LISTENBRAINZ_MAX_BODY_BYTES)
        body = request.body
        data = body_json(body, max_body_bytes=settings.LISTENBRAINZ_MAX_BODY_BYTES)
        request.lb_body_size = len(body)
        request.lb_may_hold_nulls = may_hold_nulls(body)
        return data


class CompactJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False, "separators": (",", ":")}


class ListenBrainzAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        """ninja's errors, keeping each failing input (ListenBrainz quotes some back)."""
        errors = []
        for context in error_contexts:
            model = context.model
            reverse = model.__ninja_flatten_map_reverse__
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = (model.__ninja_param_source__, *reverse.get(error["loc"], error["loc"]))
                errors.append({**error, "loc": loc})
        return ValidationError(errors)

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    response.setdefault("headers", {}).update(RATE_HEADERS)
                operation["responses"].setdefault("414", URI_TOO_LONG)
        return schema


def api_build(*, routers: Sequence[Router]) -> NinjaAPI:
    api = ListenBrainzAPI(
        title="Discover Weekly — ListenBrainz-compatible API",
        version="1",
        description="Point a ListenBrainz scrobbler at this server: same paths, bodies, errors "
        '({"code", "error"}) and X-RateLimit-* headers.',
        urls_namespace=NAMESPACE,
        docs_url=None,  # Swagger UI would load its scripts from a CDN
        parser=ListenBrainzParser(),
        renderer=CompactJSONRenderer(),
    )
    for router in routers:
        api.add_router("", router)
    _handlers_add(api)
    return api


def _handlers_add(api: NinjaAPI) -> None:
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(CatalogConflict, _conflict)
    api.add_exception_handler(Exception, _unexpected)


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.message, exc.headers)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _api_error(request, validation_message(exc.errors))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):  # the parser's error, wrapped by ninja
        return _api_error(request, exc.__cause__)
    return error_response(exc.status_code, str(exc.message))


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, NOT_FOUND)


def _conflict(request: HttpRequest, exc: CatalogConflict) -> HttpResponse:
    return error_response(400, str(exc))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_database_lock(exc):
        logger.warning("API %s %s: database locked, answered 503", request.method, request.path)
        return error_response(503, BUSY, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    logger.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return error_response(500, SERVER_ERROR)
