"""Pydantic schemas of what a ListenBrainz submission may hold. django-ninja validates every
POST /1/submit-listens body with them and builds its part of /1/openapi.json from them.

A parsed JSON body in (with a validation context: limits, the time, the body's size); a
Submission out, whose records() and playing_now_track() are what the listening services
store. Checks that ListenBrainz words specially, or that depend on the listen type, run in
`mode="before"` validators in ListenBrainz's order; the rest is declared on the fields and
errors.validation_message gives it ListenBrainz's words.
"""

import datetime as dt
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from django.conf import settings
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
    with_config,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from webapp.catalog.inputs import NAME_MAX_LENGTH, NUL, is_mbid, unstorable_text
from webapp.catalog.services import TrackRef
from webapp.listening.api import published
from webapp.listening.api.body import body_json, may_hold_nulls
from webapp.listening.api.errors import (
    LISTENBRAINZ_ERROR,
    validation_message,
)
from webapp.listening.limits import (
    LISTEN_MINIMUM_TS,
    MAX_DURATION_LIMIT,
    MAX_DURATION_MS_LIMIT,
    MAX_TAG_SIZE,
    MAX_TAGS_PER_LISTEN,
)
from webapp.listening.services import ListenRecord

LISTEN_TYPES = ("single", "import", "playing_now")


@dataclass(frozen=True, slots=True)
class Limits:
    max_listens: int
    max_body_bytes: int
    max_listen_size: int
    max_future_seconds: int


def submission_limits() -> Limits:
    return Limits(
        max_listens=settings.LISTENBRAINZ_MAX_LISTENS_PER_REQUEST,
        max_body_bytes=settings.LISTENBRAINZ_MAX_BODY_BYTES,
        max_listen_size=settings.LISTENBRAINZ_MAX_LISTEN_SIZE,
        max_future_seconds=settings.LISTENBRAINZ_MAX_FUTURE_SECONDS,
    )


def _bad(message: str) -> PydanticCustomError:
    return PydanticCustomError(LISTENBRAINZ_ERROR, "{message}", {"message": message})


# --- request: a submission -------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), published.NAME]
OptionalName = (
    Annotated[str, StringConstraints(strip_whitespace=True), published.STORABLE_TEXT] | None
)
Tag = Annotated[str, StringConstraints(max_length=MAX_TAG_SIZE), published.STORABLE_TEXT]
Mbid = Annotated[str | None, published.MBID]
MbidList = Annotated[list[str] | None, published.MBID_LIST]


_SINGLE_MBID_KEYS = frozenset(
    {"recording_mbid", "release_mbid", "release_group_mbid", "track_mbid"}
)
_MULTIPLE_MBID_KEYS = frozenset({"artist_mbids", "work_mbids"})
_DURATION_LIMITS = {"duration_ms": MAX_DURATION_MS_LIMIT, "duration": MAX_DURATION_LIMIT}
_DURATION_KEYS = frozenset(_DURATION_LIMITS)
_CHECKED_INFO_KEYS = _SINGLE_MBID_KEYS | _MULTIPLE_MBID_KEYS | _DURATION_KEYS


def _checked_keys(data: dict) -> dict:
    """ListenBrainz's checks of the additional_info keys it reads (most listens have few)."""
    present = _CHECKED_INFO_KEYS.intersection(data)
    if not present:
        return data
    if "duration" in present and "duration_ms" in present:
        raise _bad("JSON document should not contain both duration and duration_ms.")
    data = dict(data)
    for key in present & _DURATION_KEYS:
        data[key] = _positive_int(data[key], key, _DURATION_LIMITS[key])
    for key in present & _SINGLE_MBID_KEYS:
        data[key] = _single_mbid(data[key], key)
    for key in present & _MULTIPLE_MBID_KEYS:
        data[key] = _multiple_mbids(data[key], key)
    return data


def _single_mbid(value: Any, key: str) -> Any:
    if value is None or value == "":  # dropped, as ListenBrainz does
        return None
    if not is_mbid(value):
        raise _bad(f"{key} MBID format invalid.")
    return value


def _multiple_mbids(values: Any, key: str) -> Any:
    if values is None or values == "" or values == []:
        return None
    if not isinstance(values, list):
        raise _bad(f"{key} MBID format invalid.")
    values = [value for value in values if value is not None and value != ""]
    if not all(is_mbid(value) for value in values):
        raise _bad(f"{key} MBID format invalid.")
    return values


def _positive_int(value: Any, key: str, limit: int) -> int | None:
    """int(float(value)) as ListenBrainz takes it: a float or a numeric string too ("215.5"
    is 215), never a bool, NaN or infinity."""
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value) if isinstance(value, int) else int(float(value))
    except (ValueError, TypeError, OverflowError):
        raise _bad(f"Value for {key} is invalid, should be a positive integer.") from None
    if number <= 0:
        raise _bad(f"Value for {key} is invalid, should be a positive integer.")
    if number > limit:
        raise _bad(f"Value for {key} is too large, max permitted value is {limit}")
    return number


@with_config(
    ConfigDict(
        extra="allow",
        # Refused together (see _checked_keys): the schema says so too, so generated clients
        # and fuzzers know.
        json_schema_extra={"not": {"required": sorted(_DURATION_KEYS)}},
    )
)
class AdditionalInfo(TypedDict, total=False):
    """Free-form; these keys are checked (and the MBIDs and duration used), others kept (any
    JSON, but no string anywhere in track_metadata may hold U+0000)."""

    recording_mbid: Mbid
    release_mbid: Mbid
    release_group_mbid: Mbid
    track_mbid: Mbid
    artist_mbids: MbidList
    work_mbids: MbidList
    duration_ms: Annotated[
        int | None,
        published.whole_number(1, MAX_DURATION_MS_LIMIT, "Milliseconds; not with duration."),
    ]
    duration: Annotated[
        int | None, published.whole_number(1, MAX_DURATION_LIMIT, "Seconds; not with duration_ms.")
    ]
    tags: Annotated[list[Tag] | None, Field(max_length=MAX_TAGS_PER_LISTEN)]


@with_config(ConfigDict(extra="allow"))
class TrackMetadata(TypedDict):
    """The listen's track; other keys are kept (any JSON without U+0000 in its strings)."""

    track_name: Name
    artist_name: Name
    release_name: NotRequired[
        Annotated[OptionalName, Field(description="null or blank is the same as absent.")]
    ]
    additional_info: NotRequired[AdditionalInfo | None]


@with_config(ConfigDict(extra="forbid"))
class SubmittedListen(TypedDict):
    listened_at: NotRequired[Annotated[int, published.LISTENED_AT]]
    track_metadata: TrackMetadata


class Submission(BaseModel):
    """The body of POST /1/submit-listens."""

    model_config = ConfigDict(
        json_schema_extra=published.listen_type_shapes(
            settings.LISTENBRAINZ_MAX_LISTENS_PER_REQUEST
        )
    )
    listen_type: Literal["single", "import", "playing_now"]
    payload: list[SubmittedListen] = Field(
        min_length=1,
        max_length=settings.LISTENBRAINZ_MAX_LISTENS_PER_REQUEST,
        description="One listen for single and playing_now; at most 1000 for import. "
        "All are stored, or none.",
    )

    @model_validator(mode="before")
    @classmethod
    def _listenbrainz_checks(cls, data: Any, info: ValidationInfo) -> Any:
        """ListenBrainz's own checks, in its order, in one pass over the document."""
        checks = _context(info)
        payload = _payload_validate(data, checks.limits, checks.body_size)
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
        playing_now = listen_type == "playing_now"
        if playing_now:
            _playing_now_shape(payload[0])
        for listen in payload:
            if not playing_now:
                _listen_shape(listen, checks.newest_allowed)
            metadata = listen["track_metadata"]
            _metadata_object(metadata)
            if isinstance(extra := metadata.get("additional_info"), dict):
                metadata["additional_info"] = _checked_keys(extra)
            if checks.may_hold_nulls:
                _nulls_reject(metadata)
        return data

    def records(self) -> list[ListenRecord]:
        """The listens to store (none for playing_now)."""
        if self.listen_type == "playing_now":
            return []
        return [
            ListenRecord(
                track=_track_ref(listen["track_metadata"]),
                listened_at=dt.datetime.fromtimestamp(listen["listened_at"], dt.UTC),
            )
            for listen in self.payload
        ]

    def playing_now_track(self) -> TrackRef | None:
        if self.listen_type != "playing_now":
            return None
        return _track_ref(self.payload[0]["track_metadata"])


def _track_ref(metadata: TrackMetadata) -> TrackRef:
    """The catalog's view of a listen's track; names (already trimmed) cut to the length the
    catalog stores."""
    info = metadata.get("additional_info") or {}
    artist_mbids = info.get("artist_mbids")
    duration = info.get("duration")
    return TrackRef(
        artist_name=metadata["artist_name"][:NAME_MAX_LENGTH],
        track_name=metadata["track_name"][:NAME_MAX_LENGTH],
        release_name=(metadata.get("release_name") or "")[:NAME_MAX_LENGTH],
        recording_mbid=info.get("recording_mbid"),
        artist_mbid=artist_mbids[0] if artist_mbids else None,
        release_mbid=info.get("release_mbid"),
        duration_ms=duration * 1000 if duration is not None else info.get("duration_ms"),
    )


# --- the ordered checks ListenBrainz words itself ---------------------------------------------


class _Checks:
    """What one submission is checked against; kept in the validation context."""

    def __init__(self, limits: Limits, now: int, body_size: int, may_hold_nulls: bool) -> None:
        self.limits, self.body_size, self.may_hold_nulls = limits, body_size, may_hold_nulls
        self.newest_allowed = now + limits.max_future_seconds


def _context(info: ValidationInfo) -> _Checks:
    """The checks for this validation: given by submission_validate, or made for the request
    ninja is validating (its parser left the body's size and null hint on it)."""
    context = info.context if isinstance(info.context, dict) else {}
    checks = context.get("checks")
    if checks is None:
        request = context.get("request")
        checks = context["checks"] = _Checks(
            limits=submission_limits(),
            now=int(time.time()),
            body_size=getattr(request, "lb_body_size", 0),
            may_hold_nulls=getattr(request, "lb_may_hold_nulls", True),
        )
    return checks


def _payload_validate(data: Any, limits: Limits, body_size: int) -> list:
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
    return payload


def _playing_now_shape(listen: Any) -> None:
    listen = _listen_object(listen)
    if "listened_at" in listen:
        raise _bad("JSON document must not contain listened_at while submitting playing_now.")
    if "track_metadata" not in listen:
        raise _bad("JSON document must contain the key track_metadata at the top level.")
    if len(listen) > 1:
        raise _bad(
            "JSON document may only contain track_metadata as top level key when "
            "submitting playing_now."
        )


def _listen_shape(listen: Any, newest_allowed: int) -> None:
    """A single or import listen: an object with an int listened_at and track_metadata only.
    listened_at is replaced by its int value (ListenBrainz takes numeric strings too)."""
    listen = _listen_object(listen)
    listen["listened_at"] = listened_at_validate(listen, newest_allowed)
    if "track_metadata" not in listen:
        raise _bad("JSON document must contain the key track_metadata at the top level.")
    if len(listen) > 2:
        raise _bad("JSON document may only contain listened_at and track_metadata top level keys")


def _listen_object(listen: Any) -> dict:
    if listen is None:
        raise _bad("Listen is empty and cannot be validated.")
    if not isinstance(listen, dict):
        raise _bad("Each listen in the payload must be a JSON object.")
    return listen


def _metadata_object(metadata: Any) -> None:
    if metadata is None:
        raise _bad("JSON document may not have track_metadata with null value.")
    if not isinstance(metadata, dict):
        raise _bad("track_metadata must be a JSON object.")


def listened_at_validate(listen: dict, newest_allowed: int) -> int:
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


def _nulls_reject(metadata: object) -> None:
    """PostgreSQL cannot store U+0000; refuse it anywhere in the metadata, as ListenBrainz."""
    found = unstorable_text(metadata)
    if found is None:
        return
    text, problem = found
    if problem == NUL:
        raise _bad(f"{text} contains a unicode null")
    raise _bad(f"{text!a} contains a lone UTF-16 surrogate, which is not text")


# --- outside ninja: the same validation for a document or a body in hand ----------------------


def submission_validate(
    data: object,
    *,
    now: int,
    limits: Limits,
    body_size: int = 0,
    may_hold_nulls: bool = True,
) -> Submission:
    """Validate a parsed submission document; raises ApiError(400) on the first problem."""
    checks = _Checks(limits=limits, now=now, body_size=body_size, may_hold_nulls=may_hold_nulls)
    try:
        return Submission.model_validate(data, context={"checks": checks})
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", "submission", *error["loc"])} for error in exc.errors()]
        raise validation_message(errors) from None


def submission_parse(body: bytes, *, now: int, limits: Limits) -> Submission:
    """Check the body's size, parse it and validate it (see submission_validate)."""
    return submission_validate(
        body_json(body, max_body_bytes=limits.max_body_bytes),
        now=now,
        limits=limits,
        body_size=len(body),
        may_hold_nulls=may_hold_nulls(body),
    )
