"""An audio file's own tags (artist, title, album), read with mutagen.

A path in; a `Tags` out, with empty strings for what the file does not say. ID3 (mp3),
Vorbis comments (ogg, opus, flac), ID3 in WAV and MP4 atoms map to the same three names
through mutagen's "easy" interfaces. mutagen does not read WAV's RIFF INFO chunk, so for a
file without mutagen-readable tags libsndfile's reading of it is used. Unparseable: no tags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tags:
    artist: str = ""
    title: str = ""
    album: str = ""
    duration_s: float | None = None

    def is_empty(self) -> bool:
        return not (self.artist or self.title or self.album)


def read_tags(path: str | os.PathLike) -> Tags:
    """The file's artist, title and album tags (first value of each), and its duration."""
    import mutagen

    path = Path(path)
    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError, ValueError):
        return Tags()
    if audio is None:
        return Tags()
    duration = getattr(getattr(audio, "info", None), "length", None)
    values = {name: _first(audio.tags, name) for name in ("artist", "title", "album")}
    if not any(values.values()):
        values = _libsndfile_tags(path) or values
    return Tags(**values, duration_s=float(duration) if duration else None)


def _first(tags, name: str) -> str:
    if not tags:
        return ""
    try:
        found = tags.get(name)
    except (KeyError, ValueError):
        return ""
    if isinstance(found, list | tuple):
        found = found[0] if found else ""
    return str(found or "").strip()


def _libsndfile_tags(path: Path) -> dict[str, str] | None:
    import soundfile as sf

    try:
        with sf.SoundFile(path) as fh:
            found = fh.copy_metadata()
    except (RuntimeError, ValueError, TypeError, OSError):
        return None
    return {name: str(found.get(name, "")).strip() for name in ("artist", "title", "album")}
