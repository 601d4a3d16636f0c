"""What fuzzing /1/ shares: the fuzzer's listener, schemathesis's config, and one hook.

Used by tests/webapp/test_api_fuzz.py (in the suite) and tests/bench/fuzz_api.py (by hand,
through the schemathesis CLI: SCHEMATHESIS_HOOKS=tests.webapp.fuzzing). Imports no Django.

The hook: a generated case and the server's answer in; whether a "schema-valid request
rejected" failure (ST202) stands. POST /1/submit-listens refuses, as ListenBrainz does:

- a listened_at more than an hour ahead of the server's clock (the bound moves with time);
- a body larger than 10,240 bytes per listen (a count of the whole body's bytes);
- max_ts before min_ts on GET /1/user/<name>/listens (OpenAPI describes each query parameter
  alone, never two together);
- an artist MBID that contradicts the catalog (the artist of that name is known by another
  MBID): it depends on what is stored, not on the request;
- U+0000 in any string of track_metadata. The schema states it for the names and tags; the
  free-form keys (any JSON, nested) would need a recursive schema that generators handle badly,
  so there the description says it instead.

A schema-valid request refused for exactly one of these is the API keeping its documented
promise: that failure alone is dropped, every other stands (a NUL in a name whose pattern
forbids it would be the generator's or the schema's bug and still fails). The hook is
registered on import.
"""

import atexit
import json
import os
from collections import Counter
from pathlib import Path

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

FUZZER = "fuzzer"
FUZZER_LISTENS = [
    {
        "listened_at": 1_700_000_000 + 400 * i,
        "track_metadata": {"artist_name": "Dool", "track_name": f"Song {i}"},
    }
    for i in range(3)
]


#: What schemathesis counts as refusing invalid data (its default), and 414 below.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def fuzz_config() -> dict:
    """Half the generated path user names are a listener that exists (so the reads answer
    200 with real listens), the rest whatever schemathesis makes up (404). An invalid request
    refused by the HTTP server in front (414, a URL over gunicorn's 4094 bytes) is refused."""
    return {
        "dictionaries": {"users": {"values": [FUZZER]}},
        "parameters": {"path.user_name": {"dictionary": "users", "probability": 0.5}},
        "checks": {
            "enabled": True,  # every check, as `--checks all`
            "negative_data_rejection": {"expected-statuses": [*REFUSALS, "414"]},
        },
    }


#: ListenBrainz's words for the rules (webapp/listening/api/schemas.py and views.py use them).
UNSTATED_RULES = (
    "Value for key listened_at is too high.",
    "JSON document is too large. Each listens may not be larger than ",
    "max_ts should be greater than min_ts",
    "min_ts should be less than max_ts",
)
NUL_RULE = " contains a unicode null"
STATED_TEXT_KEYS = ("artist_name", "track_name", "release_name")


def _error(status_code: int, content: bytes) -> str:
    if status_code != 400:
        return ""
    try:
        error = json.loads(content).get("error", "")
    except (ValueError, AttributeError):
        return ""
    return error if isinstance(error, str) else ""


def _nul_in_stated_fields(body: object) -> bool:
    """Whether a NUL sits where the schema's patterns forbid it (names, tags)."""
    listens = body.get("payload", []) if isinstance(body, dict) else []
    for listen in listens if isinstance(listens, list) else []:
        metadata = listen.get("track_metadata") if isinstance(listen, dict) else None
        if not isinstance(metadata, dict):
            continue
        texts = [metadata.get(key) for key in STATED_TEXT_KEYS]
        info = metadata.get("additional_info")
        if isinstance(info, dict) and isinstance(info.get("tags"), list):
            texts += info["tags"]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            return True
    return False


def unstated_rule(status_code: int, content: bytes, body: object) -> str | None:
    """The rule the schema does not state that this answer is the 400 of, for this body."""
    error = _error(status_code, content)
    for rule in UNSTATED_RULES:
        if error.startswith(rule):
            return rule
    if error.endswith(NUL_RULE) and not _nul_in_stated_fields(body):
        return "U+0000 in a free-form key"
    return None


#: How often each rule dropped a failure; written to DW_FUZZ_DROPPED (a path) at exit.
dropped: Counter[str] = Counter()


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure except ST202 for a rule the schema does not state."""
    if not isinstance(failure, RejectedPositiveData):
        return True
    rule = unstated_rule(response.status_code, response.content, case.body)
    if rule is not None:
        dropped[rule] += 1
    return rule is None


@atexit.register
def _dropped_write() -> None:
    if path := os.environ.get("DW_FUZZ_DROPPED"):
        Path(path).write_text(json.dumps(dropped))
