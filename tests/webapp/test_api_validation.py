"""The submission validator on its own (no database): boundaries of listened_at, what it keeps
from track_metadata, and what it forgives as ListenBrainz does."""

import datetime as dt
import json
import sys

import pytest

from tests.webapp.test_api_helpers import ARTIST_MBID, RECORDING_MBID, a_listen
from webapp.listening.api.errors import ApiError
from webapp.listening.api.schemas import Limits, submission_parse, submission_validate
from webapp.listening.limits import LISTEN_MINIMUM_TS

NOW = 1_800_000_000
LIMITS = Limits(max_listens=1000, max_body_bytes=10_240_000, max_listen_size=10240,
                max_future_seconds=3600)  # fmt: skip


def _single(listen: dict):
    return submission_validate(
        {"listen_type": "single", "payload": [listen]}, now=NOW, limits=LIMITS
    )


def _error(listen: dict) -> str:
    with pytest.raises(ApiError) as caught:
        _single(listen)
    assert caught.value.status == 400
    return caught.value.message


def test_listened_at_is_accepted_from_2002_10_01_to_the_allowed_future():
    for ts in (LISTEN_MINIMUM_TS, NOW, NOW + 3599, NOW + 3600):  # now + skew is allowed, as LB
        (record,) = _single(a_listen(ts)).records()
        assert record.listened_at == dt.datetime.fromtimestamp(ts, dt.UTC)
    assert "too low" in _error(a_listen(LISTEN_MINIMUM_TS - 1))
    assert _error(a_listen(NOW + 3601)) == "Value for key listened_at is too high."


def test_the_default_future_skew_is_listenbrainzs_hour(settings):
    assert settings.LISTENBRAINZ_MAX_FUTURE_SECONDS == 60 * 60  # API_LISTENED_AT_ALLOWED_SKEW


def test_listened_at_as_a_numeric_string_is_accepted_like_listenbrainz():
    (record,) = _single(a_listen(str(NOW))).records()

    assert record.listened_at.timestamp() == NOW


@pytest.mark.parametrize("value", [None, "", "12:30", [NOW], {"ts": NOW}, True, float("inf")])
def test_listened_at_that_is_no_integer_is_refused(value):
    listen = a_listen(NOW)
    listen["listened_at"] = value

    assert _error(listen) == "JSON document must contain an int value for listened_at."


def test_track_metadata_is_trimmed_and_reduced_to_a_track_ref():
    listen = a_listen(
        NOW,
        artist="  Dool ",
        title=" Vantablack",
        release="Here Now ",
        recording_mbid=RECORDING_MBID,
        release_mbid="",
        artist_mbids=[None, ARTIST_MBID],
        duration=370,
        listening_from="a player",
        tags=["doom"],
    )
    (record,) = _single(listen).records()

    track = record.track
    assert (track.artist_name, track.track_name, track.release_name) == (
        "Dool",
        "Vantablack",
        "Here Now",
    )
    assert track.recording_mbid == RECORDING_MBID
    assert track.release_mbid is None
    assert track.artist_mbid == ARTIST_MBID
    assert track.duration_ms == 370_000


@pytest.mark.parametrize(
    ("info", "duration_ms"),
    [({"duration": "215.5"}, 215_000), ({"duration": "2.15e2"}, 215_000),
     ({"duration_ms": "215000.0"}, 215_000), ({"duration": 215.9}, 215_000)],
)  # fmt: skip
def test_durations_are_taken_as_listenbrainz_takes_them(info, duration_ms):
    """int(float(value)): quirky clients send fractional seconds, sometimes as strings."""
    (record,) = _single(a_listen(NOW, **info)).records()

    assert record.track.duration_ms == duration_ms


@pytest.mark.parametrize("value", ["nan", "inf", "-3", "0", "a", True])
def test_a_duration_that_is_no_positive_number_is_refused(value):
    with pytest.raises(Exception, match="duration is invalid"):
        _single(a_listen(NOW, duration=value)).records()


@pytest.mark.parametrize("release", ["", "   ", None], ids=["empty", "blank", "null"])
def test_a_blank_or_null_release_name_counts_as_absent(release):
    listen = a_listen(NOW)
    listen["track_metadata"]["release_name"] = release

    (record,) = _single(listen).records()

    assert record.track.release_name == ""
    assert record.track.track_name == "Vantablack"


@pytest.mark.parametrize("release", [5, ["Here Now"], {"name": "Here Now"}, False])
def test_a_release_name_that_is_no_string_is_refused(release):
    listen = a_listen(NOW)
    listen["track_metadata"]["release_name"] = release

    assert _error(listen) == "track_metadata.release_name must be a single string."


@pytest.mark.parametrize("required", ["artist_name", "track_name"])
@pytest.mark.parametrize("value", ["", None])
def test_a_blank_or_null_artist_or_track_name_is_still_refused(required, value):
    listen = a_listen(NOW)
    listen["track_metadata"][required] = value

    assert required in _error(listen)


def test_a_body_nested_too_deeply_is_a_json_error_not_a_crash():
    with pytest.raises(ApiError) as caught:
        submission_parse(b"[" * 100_000, now=NOW, limits=LIMITS)

    assert caught.value.status == 400
    assert caught.value.message.startswith("Cannot parse JSON document: ")


def test_a_null_deep_in_nested_metadata_is_found_without_overflowing_the_stack():
    nested: object = "deep\x00"
    for _ in range(5 * sys.getrecursionlimit()):
        nested = [nested]
    listen = a_listen(NOW)
    listen["track_metadata"]["additional_info"] = {"nested": nested}

    assert "contains a unicode null" in _error(listen)


def test_playing_now_gives_a_track_and_no_records():
    submission = submission_validate(
        {"listen_type": "playing_now", "payload": [a_listen(ts=None, duration_ms=1000)]},
        now=NOW,
        limits=LIMITS,
    )

    assert submission.records() == []
    assert submission.playing_now_track().duration_ms == 1000


def test_an_escaped_backslash_before_u0000_is_no_null():
    listen = a_listen(NOW, title="C:\\u0000")
    body = json.dumps({"listen_type": "single", "payload": [listen]}).encode()

    (record,) = submission_parse(body, now=NOW, limits=LIMITS).records()

    assert record.track.track_name == "C:\\u0000"


def test_the_body_limit_is_checked_before_parsing():
    tight = Limits(max_listens=1000, max_body_bytes=10, max_listen_size=10240,
                   max_future_seconds=600)  # fmt: skip
    with pytest.raises(ApiError) as caught:
        submission_parse(b"x" * 11, now=NOW, limits=tight)

    assert caught.value.status == 400
