"""The OpenAPI 3 description of the ListenBrainz-compatible API, served at GET /1/openapi.json.

Hand-written; tests hold it to the code: every route in api_urls is described with the methods
it answers, and every example request body passes the submission validator.
"""

import copy

from webapp.listening.api.validation import LISTEN_MINIMUM_TS, LISTEN_TYPES

EXAMPLE_TS = 1700000000
_RECORDING = "e225fb84-dc9a-419e-adcd-9890f59ec432"
_RELEASE = "aa1ea1ac-7ec4-4542-a494-105afbfe547d"
_ARTIST = "24412926-c7bd-48e8-afad-8a285b42e131"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str, **extra) -> dict:
    return {
        "description": description,
        "headers": _RATE_HEADERS,
        "content": {"application/json": {"schema": schema, **extra}},
    }


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_RATE_HEADERS = {
    name: {"description": text, "schema": {"type": "integer"}}
    for name, text in (
        ("X-RateLimit-Limit", "Requests allowed in the current window."),
        ("X-RateLimit-Remaining", "Requests left in the current window."),
        ("X-RateLimit-Reset", "Unix time the current window ends."),
        ("X-RateLimit-Reset-In", "Seconds until the current window ends."),
    )
}
_USER = {"name": "user_name", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN_AUTH = [{"token": []}]
_COMMON_ERRORS = {
    "405": _error("Method not allowed."),
    "429": _error("Rate limit exceeded."),
    "500": _error("Unexpected error."),
}

_ADDITIONAL_INFO = {
    "type": "object",
    "description": "Free-form; these keys are checked and used. Others are accepted.",
    "properties": {
        "recording_mbid": {"type": "string", "format": "uuid"},
        "release_mbid": {"type": "string", "format": "uuid"},
        "release_group_mbid": {"type": "string", "format": "uuid"},
        "track_mbid": {"type": "string", "format": "uuid"},
        "artist_mbids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "work_mbids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "duration_ms": {"type": "integer", "minimum": 1},
        "duration": {"type": "integer", "minimum": 1, "description": "Seconds."},
        "tags": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 64}},
    },
    "additionalProperties": True,
}
_TRACK_METADATA = {
    "type": "object",
    "required": ["artist_name", "track_name"],
    "properties": {
        "artist_name": {"type": "string", "minLength": 1},
        "track_name": {"type": "string", "minLength": 1},
        "release_name": {
            "type": ["string", "null"],
            "description": "Optional; null or blank is the same as absent.",
        },
        "additional_info": _ref("AdditionalInfo"),
    },
}
_SUBMISSION = {
    "type": "object",
    "required": ["listen_type", "payload"],
    "properties": {
        "listen_type": {"type": "string", "enum": list(LISTEN_TYPES)},
        "payload": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1000,
            "description": "One listen for single and playing_now; at most 1000 for import.",
            "items": {
                "type": "object",
                "required": ["track_metadata"],
                "properties": {
                    "listened_at": {
                        "type": "integer",
                        "minimum": LISTEN_MINIMUM_TS,
                        "description": "Unix seconds; required for single and import, "
                        "absent for playing_now.",
                    },
                    "track_metadata": _ref("TrackMetadata"),
                },
                "additionalProperties": False,
            },
        },
    },
}
_LISTEN_OUT = {
    "type": "object",
    "properties": {
        "listened_at": {"type": "integer"},
        "inserted_at": {"type": "integer"},
        "user_name": {"type": "string"},
        "playing_now": {"type": "boolean"},
        "track_metadata": _ref("TrackMetadata"),
    },
}
_LISTENS_PAYLOAD = {
    "type": "object",
    "properties": {
        "payload": {
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "listens": {"type": "array", "items": _ref("ListenOut")},
                "latest_listen_ts": {"type": "integer"},
                "oldest_listen_ts": {"type": "integer"},
                "playing_now": {"type": "boolean"},
                "user_id": {"type": "string"},
            },
        }
    },
}


def _metadata_example(title: str, with_ids: bool = False) -> dict:
    metadata = {"artist_name": "Dool", "track_name": title, "release_name": "Here Now, There Then"}
    if with_ids:
        metadata["additional_info"] = {
            "recording_mbid": _RECORDING,
            "release_mbid": _RELEASE,
            "artist_mbids": [_ARTIST],
            "duration_ms": 370000,
        }
    return metadata


SUBMISSION_EXAMPLES = {
    "single": {
        "listen_type": "single",
        "payload": [
            {"listened_at": EXAMPLE_TS, "track_metadata": _metadata_example("Vantablack", True)}
        ],
    },
    "import": {
        "listen_type": "import",
        "payload": [
            {"listened_at": EXAMPLE_TS, "track_metadata": _metadata_example("Vantablack")},
            {"listened_at": EXAMPLE_TS + 400, "track_metadata": _metadata_example("Oweynagat")},
        ],
    },
    "playing_now": {
        "listen_type": "playing_now",
        "payload": [{"track_metadata": _metadata_example("The Alpha", True)}],
    },
}

_PATHS = {
    "/1/submit-listens": {
        "post": {
            "summary": "Submit listens (single, import) or what is playing now.",
            "security": _TOKEN_AUTH,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _ref("Submission"),
                        "examples": {k: {"value": v} for k, v in SUBMISSION_EXAMPLES.items()},
                    }
                },
            },
            "responses": {
                "200": _json(
                    {"type": "object", "properties": {"status": {"const": "ok"}}},
                    "Accepted; every listen stored (re-submitted ones once) or none.",
                ),
                "400": _error("Invalid document; nothing stored."),
                "401": _error("Missing or invalid token."),
                "413": _error("Body larger than the limit."),
                **_COMMON_ERRORS,
            },
        }
    },
    "/1/validate-token": {
        "get": {
            "summary": "Check a token (Authorization header, or ?token= for older clients).",
            "parameters": [
                {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "code": {"type": "integer"},
                            "message": {"type": "string"},
                            "valid": {"type": "boolean"},
                            "user_name": {"type": "string"},
                        },
                    },
                    "Whether the token is valid, and whose it is.",
                ),
                "400": _error("No token given."),
                **_COMMON_ERRORS,
            },
        }
    },
    "/1/user/{user_name}/listens": {
        "get": {
            "summary": "A listener's listens, newest first.",
            "parameters": [
                _USER,
                *(
                    {"name": n, "in": "query", "required": False, "schema": {"type": "integer"}}
                    for n in ("min_ts", "max_ts", "count")
                ),
            ],
            "responses": {
                "200": _json(_LISTENS_PAYLOAD, "Listens with listened_at in (min_ts, max_ts)."),
                "400": _error("Invalid min_ts, max_ts or count."),
                "404": _error("No such listener."),
                **_COMMON_ERRORS,
            },
        }
    },
    "/1/user/{user_name}/playing-now": {
        "get": {
            "summary": "What the listener is playing, until the track would have ended.",
            "parameters": [_USER],
            "responses": {
                "200": _json(_LISTENS_PAYLOAD, "Zero or one listen, with playing_now true."),
                "404": _error("No such listener."),
                **_COMMON_ERRORS,
            },
        }
    },
    "/1/user/{user_name}/listen-count": {
        "get": {
            "summary": "How many listens the listener has.",
            "parameters": [_USER],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "payload": {
                                "type": "object",
                                "properties": {"count": {"type": "integer"}},
                            }
                        },
                    },
                    "The count.",
                ),
                "404": _error("No such listener."),
                **_COMMON_ERRORS,
            },
        }
    },
    "/1/openapi.json": {
        "get": {
            "summary": "This document.",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3 schema."), **_COMMON_ERRORS},
        }
    },
}

_SCHEMA = {
    "openapi": "3.1.0",
    "info": {
        "title": "Discover Weekly — ListenBrainz-compatible API",
        "version": "1",
        "description": "Point a ListenBrainz scrobbler at this server: same paths, bodies, "
        "errors ({code, error}) and X-RateLimit-* headers.",
    },
    "servers": [{"url": "/"}],
    "paths": _PATHS,
    "components": {
        "securitySchemes": {
            "token": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <your API token>`, shown on your profile page.",
            }
        },
        "schemas": {
            "Submission": _SUBMISSION,
            "TrackMetadata": _TRACK_METADATA,
            "AdditionalInfo": _ADDITIONAL_INFO,
            "ListenOut": _LISTEN_OUT,
            "Error": {
                "type": "object",
                "required": ["code", "error"],
                "properties": {"code": {"type": "integer"}, "error": {"type": "string"}},
            },
        },
    },
}


def openapi_schema() -> dict:
    """A fresh copy of the schema (callers may not change the module's)."""
    return copy.deepcopy(_SCHEMA)
