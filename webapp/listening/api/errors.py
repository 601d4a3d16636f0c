"""The API's errors, answered as ListenBrainz does: {"code": N, "error": "..."} with status N.

ApiError(status, message) raised anywhere below an endpoint, and the pydantic errors of a
request that does not fit its schema, in; ListenBrainz's wording out. `validation_message`
turns the first schema error into the sentence ListenBrainz would have written.
"""

import json

from django.http import HttpResponse

from webapp.listening.limits import MAX_TAG_SIZE, MAX_TAGS_PER_LISTEN

NO_HEADER = "You need to provide an Authorization header."
BAD_HEADER = "Provided Authorization header is invalid."
BAD_TOKEN = "Invalid authorization token."
NO_TOKEN = "You need to provide an Authorization token."
NOT_FOUND = (
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again."
)
NOT_ALLOWED = "The method is not allowed for the requested URL."
SERVER_ERROR = "Something went wrong. Please try again."
UNAVAILABLE = "Cannot serve requests right now. Please try again later."
BUSY = "The server is busy storing other listens. Please try again in a moment."
#: The type of the pydantic errors our own validators raise: their message is final.
LISTENBRAINZ_ERROR = "listenbrainz"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_response(data: object, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    response = json_response({"code": status, "error": message}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def body_too_large(max_body_bytes: int) -> ApiError:
    # ListenBrainz answers 400 (log_raise_400), not 413, with these words.
    return ApiError(400, f"Payload too large. Payload cannot exceed {max_body_bytes} bytes")


def json_error(exc: Exception) -> ApiError:
    return ApiError(400, f"Cannot parse JSON document: {exc}")


def empty_body() -> ApiError:
    try:
        json.loads(b"")
    except ValueError as exc:
        return json_error(exc)
    raise AssertionError("an empty document parsed")  # pragma: no cover


# --- schema errors -> ListenBrainz's sentences ---------------------------------------------

_NAMES = ("artist_name", "track_name", "release_name")


def validation_message(errors: list[dict]) -> ApiError:
    """The ApiError for the first of ninja's validation errors (pydantic's, with loc prefixed
    by where the value came from: body, query or path)."""
    error = errors[0]
    if error.get("type") == LISTENBRAINZ_ERROR:
        return ApiError(400, error["msg"])
    source, *loc = error.get("loc") or ("body",)
    if source == "body" and not loc[1:] and error.get("type") == "missing":
        return empty_body()
    if source == "query":
        return ApiError(400, _query_message(loc, error))
    fields = [part for part in loc if isinstance(part, str)]
    return ApiError(400, _metadata_message(fields, error) or _generic_message(loc, error))


def _query_message(loc: list, error: dict) -> str:
    name = loc[0] if loc else "argument"
    if name == "count" and error["type"] == "greater_than_equal":
        return "Number of items requested should be positive"
    return f"Invalid {name} argument: {error.get('input')}"


def _metadata_message(fields: list[str], error: dict) -> str | None:
    """ListenBrainz's words for a failure inside track_metadata, else None."""
    if "track_metadata" not in fields:
        return None
    inside = fields[fields.index("track_metadata") + 1 :]
    kind = error["type"]
    if inside[:1] == ["additional_info"]:
        return _additional_info_message(inside[1:], kind)
    if len(inside) == 1 and inside[0] in _NAMES:
        key = inside[0]
        if kind == "missing":
            return f"JSON document does not contain required field track_metadata.{key}."
        if kind == "string_too_short":
            return f"field track_metadata.{key} is empty."
        return f"track_metadata.{key} must be a single string."
    return None


def _additional_info_message(inside: list[str], kind: str) -> str | None:
    if not inside:
        return "track_metadata.additional_info must be a JSON object."
    if inside[0] == "tags":
        if kind == "too_long" and len(inside) == 1:
            return (
                f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
                "track_metadata.additional_info.tags."
            )
        if kind == "string_too_long":
            return (
                "JSON document may not contain track_metadata.additional_info.tags longer "
                f"than {MAX_TAG_SIZE} characters."
            )
        return "track_metadata.additional_info.tags must be a list of strings."
    return None


def _generic_message(loc: list, error: dict) -> str:
    where = ".".join(str(part) for part in loc[1:] if part != "submission") or "request"
    return f"Invalid value for {where}: {error.get('msg', 'invalid')}."
