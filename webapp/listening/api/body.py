"""A request body in; the JSON document it holds out, read as ListenBrainz reads it.

Bodies past the limit are a 400 (ListenBrainz's status and words), unreadable JSON (or NaN,
Infinity) a 400 with the parser's words, and may_hold_nulls says whether the document can hold
a NUL or a lone surrogate at all (only their escapes can put one there), so that most
submissions skip that walk.
"""

import json
import re

from webapp.listening.api.errors import body_too_large, json_error

_NULL_ESCAPE = b"\\u0000"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # may decode to a lone surrogate


def may_hold_nulls(body: bytes) -> bool:
    """Whether a JSON body can decode to a NUL or a lone surrogate (only escapes can)."""
    return _NULL_ESCAPE in body or _SURROGATE_ESCAPE.search(body) is not None


def body_json(body: bytes, *, max_body_bytes: int) -> object:
    """The JSON document in a request body; ApiError 400 past the limit or when unreadable."""
    if len(body) > max_body_bytes:
        raise body_too_large(max_body_bytes)
    try:
        return json_loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError; nesting
        raise json_error(exc) from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def json_loads(body: bytes) -> object:
    return json.loads(body, parse_constant=_reject_constant)
