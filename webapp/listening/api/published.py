"""What /1/openapi.json says of the values ListenBrainz reads leniently, so that clients and
fuzzers know what is accepted. Descriptions only: the validators in schemas.py decide.

Limits in; pydantic `WithJsonSchema`/`Field` annotations and JSON Schema fragments out, for
schemas.py's types. A test holds the server and these words to each other
(tests/webapp/test_api_schema_truth.py); tests/webapp/fuzzing.py lists what no schema can say.
"""

from pydantic import Field, WithJsonSchema

from webapp.listening.limits import LISTEN_MINIMUM_TS

#: Text PostgreSQL can store: no U+0000 (refused by schemas._nulls_reject, as ListenBrainz).
STORABLE = r"^[^\u0000]*$"
#: A name: besides, at least one character that is neither a space nor U+0000.
NAME = Field(json_schema_extra={"pattern": r"^[^\u0000]*[^\s\u0000][^\u0000]*$"})
STORABLE_TEXT = Field(json_schema_extra={"pattern": STORABLE})

_UUID = {"type": "string", "format": "uuid"}
_ABSENT = [{"type": "null"}, {"type": "string", "maxLength": 0}]  # dropped, as if absent
MBID = WithJsonSchema({"anyOf": [_UUID, *_ABSENT], "description": 'null or "" is dropped.'})
MBID_LIST = WithJsonSchema(
    {
        "anyOf": [{"type": "array", "items": {"anyOf": [_UUID, *_ABSENT]}}, *_ABSENT],
        "description": 'null or "" entries are dropped.',
    }
)
FRACTION = "A fractional part is dropped."
# No maximum: the newest accepted moves with the server's clock, which no schema can say.
LISTENED_AT = WithJsonSchema(
    {
        "type": "number",
        "minimum": LISTEN_MINIMUM_TS,
        "description": "Unix seconds, at most an hour ahead of the server's clock; required for "
        f"single and import, absent for playing_now. {FRACTION}",
    }
)


def whole_number(low: int, high: int, description: str) -> WithJsonSchema:
    """A number that int() cuts to low..high (ListenBrainz drops a fractional part), or null."""
    number = {"type": "number", "minimum": low, "exclusiveMaximum": high + 1}
    return WithJsonSchema(
        {"anyOf": [number, {"type": "null"}], "description": f"{description} {FRACTION}"}
    )


def listen_type_shapes(max_listens: int) -> dict:
    """What each listen_type asks of the payload: one listen with a time (single), up to
    max_listens with times (import), one without (playing_now)."""
    with_time = {"required": ["listened_at"]}
    return {
        "oneOf": [
            {
                "properties": {
                    "listen_type": {"const": listen_type},
                    "payload": {"maxItems": most, "items": items},
                }
            }
            for listen_type, most, items in (
                ("single", 1, with_time),
                ("import", max_listens, with_time),
                ("playing_now", 1, {"not": with_time}),
            )
        ]
    }
