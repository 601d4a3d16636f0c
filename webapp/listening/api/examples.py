"""Example submissions shown in /1/openapi.json; a test holds the endpoint to accepting them."""

EXAMPLE_TS = 1700000000
_RECORDING = "e225fb84-dc9a-419e-adcd-9890f59ec432"
_RELEASE = "aa1ea1ac-7ec4-4542-a494-105afbfe547d"
_ARTIST = "24412926-c7bd-48e8-afad-8a285b42e131"


def _metadata(title: str, with_ids: bool = False) -> dict:
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
        "payload": [{"listened_at": EXAMPLE_TS, "track_metadata": _metadata("Vantablack", True)}],
    },
    "import": {
        "listen_type": "import",
        "payload": [
            {"listened_at": EXAMPLE_TS, "track_metadata": _metadata("Vantablack")},
            {"listened_at": EXAMPLE_TS + 400, "track_metadata": _metadata("Oweynagat")},
        ],
    },
    "playing_now": {
        "listen_type": "playing_now",
        "payload": [{"track_metadata": _metadata("The Alpha", True)}],
    },
}
