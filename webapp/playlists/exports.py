"""A weekly playlist as JSPF (the JSON playlist format ListenBrainz uses) and as M3U.

A WeeklyPlaylist, its items and the site's base URL in; a JSPF dict or an M3U text out. Each
track's identifier is its MusicBrainz recording when known, else its page on this site; the
track extension carries the pick's reason and per-model contributions.
"""

from __future__ import annotations

from collections.abc import Iterable

from webapp.playlists.models import WeeklyPlaylist, WeeklyPlaylistItem

MUSICBRAINZ_RECORDING = "https://musicbrainz.org/recording/"


def playlist_title(playlist: WeeklyPlaylist) -> str:
    return f"Discover Weekly, week of {playlist.week:%B} {playlist.week.day}, {playlist.week.year}"


def _identifiers(item: WeeklyPlaylistItem, base_url: str) -> list[str]:
    track = item.track
    ids = [f"{base_url}{track.get_absolute_url()}"]
    if track.recording_mbid:
        ids.insert(0, f"{MUSICBRAINZ_RECORDING}{track.recording_mbid}")
    return ids


def playlist_jspf(
    playlist: WeeklyPlaylist, items: Iterable[WeeklyPlaylistItem], *, base_url: str
) -> dict:
    """{"playlist": {title, creator, date, identifier, annotation, track: [...]}}."""
    base_url = base_url.rstrip("/")
    tracks = []
    for item in items:
        track = item.track
        entry = {
            "title": track.title,
            "creator": track.artist.name,
            "identifier": _identifiers(item, base_url),
            "extension": {
                f"{base_url}/jspf#track": {
                    "position": item.position,
                    "reason": item.reason,
                    "contributions": item.contributions(),
                    "new_artist": item.new_artist,
                }
            },
        }
        if track.release_name:
            entry["album"] = track.release_name
        if track.duration_ms:
            entry["duration"] = track.duration_ms
        tracks.append(entry)
    return {
        "playlist": {
            "title": playlist_title(playlist),
            "creator": playlist.user.get_username(),
            "date": playlist.created_at.isoformat(),
            "identifier": f"{base_url}/weekly/{playlist.week.isoformat()}/",
            "annotation": "30 tracks you have never played, picked for you this week.",
            "extension": {
                f"{base_url}/jspf#playlist": {
                    "week": playlist.week.isoformat(),
                    "cold_start": playlist.cold_start,
                    "shortfall": playlist.shortfall_message,
                }
            },
            "track": tracks,
        }
    }


def playlist_m3u(
    playlist: WeeklyPlaylist, items: Iterable[WeeklyPlaylistItem], *, base_url: str
) -> str:
    """Extended M3U: #EXTINF with length and "artist - title", then the track's audio or page."""
    base_url = base_url.rstrip("/")
    lines = ["#EXTM3U", f"#PLAYLIST:{playlist_title(playlist)}"]
    for item in items:
        track = item.track
        seconds = track.duration_ms // 1000 if track.duration_ms else -1
        name = f"{track.artist.name} - {track.title}".replace("\n", " ")
        lines.append(f"#EXTINF:{seconds},{name}")
        target = track.audio.url if track.audio else track.get_absolute_url()
        lines.append(f"{base_url}{target}" if target.startswith("/") else target)
    return "\n".join(lines) + "\n"
