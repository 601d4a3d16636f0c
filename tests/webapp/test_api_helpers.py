"""Helpers for the ListenBrainz API tests: listeners with tokens, listen dicts, submissions.

Imported by the tests/webapp/test_api_*.py modules; holds no tests itself.
"""

import json
import time

from webapp.catalog.models import Artist, Track
from webapp.listening.models import Listen, PlayingNow
from webapp.listening.services import listener_create, listener_token_regenerate

SUBMIT_URL = "/1/submit-listens"
TS = 1_700_000_000
RECORDING_MBID = "e225fb84-dc9a-419e-adcd-9890f59ec432"
RELEASE_MBID = "aa1ea1ac-7ec4-4542-a494-105afbfe547d"
ARTIST_MBID = "24412926-c7bd-48e8-afad-8a285b42e131"


def make_listener(username: str = "alice"):
    """A listener and their API token (issued now: only its hash is stored)."""
    user = listener_create(username=username)
    return user, listener_token_regenerate(user=user)


def a_listen(
    ts: int | None = TS,
    artist: str = "Dool",
    title: str = "Vantablack",
    release: str | None = None,
    **additional_info,
) -> dict:
    metadata = {"artist_name": artist, "track_name": title}
    if release is not None:
        metadata["release_name"] = release
    if additional_info:
        metadata["additional_info"] = additional_info
    listen = {"track_metadata": metadata}
    if ts is not None:
        listen["listened_at"] = ts
    return listen


def submit(client, token: str | None, body, listen_type: str | None = None, **headers):
    """POST to /1/submit-listens: `body` is a payload list (wrapped with listen_type), a dict
    or raw bytes/str sent as is."""
    if isinstance(body, list):
        body = {"listen_type": listen_type, "payload": body}
    if isinstance(body, dict):
        body = json.dumps(body)
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Token {token}")
    return client.post(SUBMIT_URL, data=body, content_type="application/json", **headers)


def import_listens(client, token: str, listens: list[dict]):
    response = submit(client, token, listens, "import")
    assert response.status_code == 200, response.content
    return response


def stored() -> dict[str, int]:
    """Row counts of everything a submission may write."""
    return {
        "listens": Listen.objects.count(),
        "tracks": Track.objects.count(),
        "artists": Artist.objects.count(),
        "playing_now": PlayingNow.objects.count(),
    }


def now_ts() -> int:
    return int(time.time())
