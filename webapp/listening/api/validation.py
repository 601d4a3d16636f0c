"""Submission validation with ListenBrainz's rules and wording.

A request body (or an already parsed document) in; a Submission out (ListenRecords for
single/import, one TrackRef for playing_now), or ApiError(status, message) on the first problem.
The whole payload is checked before anything is written. Plain Python, one pass per listen.
"""

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from webapp.catalog.services import TrackRef
from webapp.listening.api.errors import ApiError
from webapp.listening.limits import LISTEN_MINIMUM_TS
from webapp.listening.services import ListenRecord

LISTEN_TYPES = ("single", "import", "playing_now")
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
#: duration (seconds) and duration_ms may not exceed 24 days, as ListenBrainz.
MAX_DURATION_LIMIT = 24 * 24 * 60 * 60
MAX_DURATION_MS_LIMIT = MAX_DURATION_LIMIT * 1000

_SINGLE_MBID_KEYS = frozenset(
    {"release_mbid", "recording_mbid", "release_group_mbid", "track_mbid"}
)
_DURATION_KEYS = frozenset({"duration", "duration_ms"})
_CHECKED_INFO_KEYS = _SINGLE_MBID_KEYS | _DURATION_KEYS | {"tags", "artist_mbids", "work_mbids"}
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_UTC = dt.UTC
_NULL_ESCAPE = b"\\u0000"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # may decode to a lone surrogate


@dataclass(frozen=True, slots=True)
class Limits:
    max_listens: int
    max_body_bytes: int
    max_listen_size: int
    max_future_seconds: int


@dataclass(frozen=True, slots=True)
class Submission:
    listen_type: str
    records: list[ListenRecord]
    playing_now: TrackRef | None = None


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def submission_parse(body: bytes, *, now: int, limits: Limits) -> Submission:
    """Check the body's size, parse it and validate it (see submission_validate)."""
    if len(body) > limits.max_body_bytes:
        raise body_too_large(limits.max_body_bytes)
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError; nesting
        raise _bad(f"Cannot parse JSON document: {exc}") from None
    return submission_validate(
        data,
        now=now,
        limits=limits,
        body_size=len(body),
        may_hold_nulls=_NULL_ESCAPE in body or _SURROGATE_ESCAPE.search(body) is not None,
    )


def body_too_large(max_body_bytes: int) -> ApiError:
    return ApiError(413, f"Payload too large. Payload cannot exceed {max_body_bytes} bytes")


def submission_validate(
    data: object,
    *,
    now: int,
    limits: Limits,
    body_size: int = 0,
    may_hold_nulls: bool = True,
) -> Submission:
    """Validate a parsed submission document; raises ApiError(400) on the first problem."""
    if not isinstance(data, dict):
        raise _bad(
            "Invalid JSON document submitted. Top level of JSON document should be a json object."
        )
    if "payload" not in data:
        raise _bad("Invalid JSON document submitted.")
    payload = data["payload"]
    if not isinstance(payload, list):
        raise _bad("The payload in the JSON document should be a list of listens.")
    if not payload:
        raise _bad("JSON document does not contain any listens")
    if len(payload) > limits.max_listens:
        raise _bad(
            f"Too many listens. You may not submit more than {limits.max_listens} listens at once."
        )
    if body_size > len(payload) * limits.max_listen_size:
        raise _bad(
            "JSON document is too large. Each listens may not be larger than "
            f"{limits.max_listen_size} bytes."
        )
    if "listen_type" not in data:
        raise _bad("Invalid JSON document submitted.")
    listen_type = data["listen_type"]
    if not isinstance(listen_type, str) or listen_type not in LISTEN_TYPES:
        raise _bad("JSON document requires a valid listen_type key.")
    if listen_type != "import" and len(payload) > 1:
        raise _bad(
            "JSON document contains more than listen for a single/playing_now. "
            "It should contain only one."
        )
    if listen_type == "playing_now":
        listen = _listen_object(payload[0])
        if "listened_at" in listen:
            raise _bad("JSON document must not contain listened_at while submitting playing_now.")
        if "track_metadata" not in listen:
            raise _bad("JSON document must contain the key track_metadata at the top level.")
        if len(listen) > 1:
            raise _bad(
                "JSON document may only contain track_metadata as top level key when "
                "submitting playing_now."
            )
        track = track_ref_validate(listen["track_metadata"], check_nulls=may_hold_nulls)
        return Submission(listen_type=listen_type, records=[], playing_now=track)
    newest_allowed = now + limits.max_future_seconds
    records = [
        _listen_validate(listen, newest_allowed=newest_allowed, check_nulls=may_hold_nulls)
        for listen in payload
    ]
    return Submission(listen_type=listen_type, records=records)


def _listen_object(listen: object) -> dict:
    if listen is None:
        raise _bad("Listen is empty and cannot be validated.")
    if not isinstance(listen, dict):
        raise _bad("Each listen in the payload must be a JSON object.")
    return listen


def _listen_validate(listen: object, *, newest_allowed: int, check_nulls: bool) -> ListenRecord:
    listen = _listen_object(listen)
    listened_at = listened_at_validate(listen, newest_allowed=newest_allowed)
    if "track_metadata" not in listen:
        raise _bad("JSON document must contain the key track_metadata at the top level.")
    if len(listen) > 2:
        raise _bad("JSON document may only contain listened_at and track_metadata top level keys")
    track = track_ref_validate(listen["track_metadata"], check_nulls=check_nulls)
    return ListenRecord(track=track, listened_at=dt.datetime.fromtimestamp(listened_at, _UTC))


def listened_at_validate(listen: dict, *, newest_allowed: int) -> int:
    """listened_at in int seconds: present, integral, <= newest_allowed, not before 2002-10."""
    if "listened_at" not in listen:
        raise _bad("JSON document must contain the key listened_at at the top level.")
    value = listen["listened_at"]
    if type(value) is not int:
        try:
            if isinstance(value, bool):
                raise TypeError
            value = int(value)
        except (ValueError, TypeError, OverflowError):
            raise _bad("JSON document must contain an int value for listened_at.") from None
    if value > newest_allowed:
        raise _bad("Value for key listened_at is too high.")
    if value < LISTEN_MINIMUM_TS:
        raise _bad(
            "Value for key listened_at is too low. listened_at timestamp should be greater "
            f"than {LISTEN_MINIMUM_TS} (2002-10-01 00:00:00 UTC)."
        )
    return value


def _text(metadata: dict, key: str, *, required: bool) -> str:
    """A name, trimmed; an optional one that is null or blank counts as absent ("")."""
    value = metadata.get(key)
    if value is None and not required:
        return ""
    if key not in metadata:
        raise _bad(f"JSON document does not contain required field track_metadata.{key}.")
    if not isinstance(value, str):
        raise _bad(f"track_metadata.{key} must be a single string.")
    value = value.strip()
    if not value and required:
        raise _bad(f"field track_metadata.{key} is empty.")
    return value


def track_ref_validate(metadata: object, *, check_nulls: bool = True) -> TrackRef:
    """A listen's track_metadata checked and reduced to the TrackRef the catalog resolves."""
    if metadata is None:
        raise _bad("JSON document may not have track_metadata with null value.")
    if not isinstance(metadata, dict):
        raise _bad("track_metadata must be a JSON object.")
    track_name = _text(metadata, "track_name", required=True)
    artist_name = _text(metadata, "artist_name", required=True)
    release_name = _text(metadata, "release_name", required=False)
    info = metadata.get("additional_info")
    recording_mbid = release_mbid = artist_mbid = duration_ms = None
    if info is not None:
        if not isinstance(info, dict):
            raise _bad("track_metadata.additional_info must be a JSON object.")
        present = _CHECKED_INFO_KEYS.intersection(info)  # most listens carry few or none
        if present:
            recording_mbid, release_mbid, artist_mbid, duration_ms = _info_validate(info, present)
    if check_nulls:
        _nulls_reject(metadata)
    return TrackRef(
        artist_name=artist_name,
        track_name=track_name,
        release_name=release_name,
        recording_mbid=recording_mbid,
        artist_mbid=artist_mbid,
        release_mbid=release_mbid,
        duration_ms=duration_ms,
    )


def _info_validate(info: dict, present: set[str]) -> tuple:
    """(recording_mbid, release_mbid, first artist mbid, duration_ms) from additional_info."""
    if "tags" in present:
        _tags_validate(info)
    duration_ms = _duration_ms(info) if present & _DURATION_KEYS else None
    mbids = {key: _single_mbid(info, key) for key in present & _SINGLE_MBID_KEYS}
    artist_mbids = _multiple_mbids(info, "artist_mbids") if "artist_mbids" in present else []
    if "work_mbids" in present:
        _multiple_mbids(info, "work_mbids")
    return (
        mbids.get("recording_mbid"),
        mbids.get("release_mbid"),
        artist_mbids[0] if artist_mbids else None,
        duration_ms,
    )


def _tags_validate(info: dict) -> None:
    tags = info.get("tags")
    if tags is None:
        return
    if not isinstance(tags, list):
        raise _bad("track_metadata.additional_info.tags must be a list of strings.")
    if len(tags) > MAX_TAGS_PER_LISTEN:
        raise _bad(
            f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
            "track_metadata.additional_info.tags."
        )
    for tag in tags:
        if not isinstance(tag, str):
            raise _bad("track_metadata.additional_info.tags must be a list of strings.")
        if len(tag) > MAX_TAG_SIZE:
            raise _bad(
                "JSON document may not contain track_metadata.additional_info.tags longer "
                f"than {MAX_TAG_SIZE} characters."
            )


def _duration_ms(info: dict) -> int | None:
    has_seconds, has_ms = "duration" in info, "duration_ms" in info
    if has_seconds and has_ms:
        raise _bad("JSON document should not contain both duration and duration_ms.")
    if has_seconds:
        return _positive_int(info["duration"], "duration", MAX_DURATION_LIMIT) * 1000
    if has_ms:
        return _positive_int(info["duration_ms"], "duration_ms", MAX_DURATION_MS_LIMIT)
    return None


def _positive_int(value: object, key: str, max_value: int) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)
    except (ValueError, TypeError, OverflowError):
        raise _bad(f"Value for {key} is invalid, should be a positive integer.") from None
    if number <= 0:
        raise _bad(f"Value for {key} is invalid, should be a positive integer.")
    if number > max_value:
        raise _bad(f"Value for {key} is too large, max permitted value is {max_value}")
    return number


def _is_uuid(value: object) -> bool:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return True
    try:  # the other spellings uuid.UUID accepts (no dashes, braces, urn:uuid:), as ListenBrainz
        uuid.UUID(value)
    except (AttributeError, TypeError, ValueError):
        return False
    return True


def _single_mbid(info: dict, key: str) -> str | None:
    value = info.get(key)
    if not value:  # absent, null or "" is dropped, as ListenBrainz does
        return None
    if not _is_uuid(value):
        raise _bad(f"{key} MBID format invalid.")
    return value


def _multiple_mbids(info: dict, key: str) -> list[str]:
    values = info.get(key)
    if not values:
        return []
    if not isinstance(values, list):
        raise _bad(f"{key} MBID format invalid.")
    values = [value for value in values if value]
    for value in values:
        if not _is_uuid(value):
            raise _bad(f"{key} MBID format invalid.")
    return values


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _nulls_reject(value: object) -> None:
    """PostgreSQL cannot store U+0000; refuse it anywhere in the metadata, as ListenBrainz.

    Iterative, so a document nested just short of the parser's limit cannot overflow the stack.
    """
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise _bad(f"{value} contains a unicode null")
            if not _encodable(value):
                raise _bad(f"{value!a} contains a lone UTF-16 surrogate, which is not text")
        elif isinstance(value, dict):
            pending.extend(reversed(value.values()))
        elif isinstance(value, list):
            pending.extend(reversed(value))
