"""Listen-history files: format detection and streaming parsers.

A path in (ListenBrainz export zip, JSON array, JSONL, or a Last.fm CSV); an iterator of
`Row` (one listen) and `Bad` (a row that could not be read, with where and why) out.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
import re
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, NamedTuple

from webapp.listening.limits import LISTEN_MINIMUM_TS

FORMATS = ("auto", "listenbrainz", "lastfm-csv")
_BLOCK = 1 << 20
_SNIFF = 64 * 1024
_MAX_ELEMENT = 16 * _BLOCK  # a JSON array element this long is treated as corrupt
_SKIP_ZIP_MEMBERS = {"user.json", "feedback.jsonl", "pinned_recording.jsonl"}
_NUL_REASON = "text contains a NUL (U+0000) or a lone surrogate, which cannot be stored"
_DEEP_REASON = "JSON nested too deeply"


class ImportFormatError(ValueError):
    """The file is not in any supported format; the message says what was expected."""


class Row(NamedTuple):
    listened_at: int  # unix seconds
    artist: str
    track: str
    release: str = ""
    recording_mbid: str | None = None
    duration_ms: int | None = None


class Bad(NamedTuple):
    where: str
    reason: str


class ListenSourceFile:
    """Iterates Row and Bad items from one file; counts bytes read for progress bars."""

    def __init__(self, streams: Iterable[tuple[str, IO[bytes], str]], total: int) -> None:
        self._streams, self.bytes_total, self._counters = streams, total, []

    @property
    def bytes_done(self) -> int:
        return sum(counter.count for counter in self._counters)

    def __iter__(self) -> Iterator[Row | Bad]:
        for name, raw, kind in self._streams:
            counter = _CountingReader(raw)
            self._counters.append(counter)
            text = io.TextIOWrapper(
                io.BufferedReader(counter, _BLOCK),
                encoding="utf-8-sig",
                errors="replace",
                newline="",
            )
            with text:
                yield from _PARSERS[kind](text, name)


def detect_format(path: str | Path, fmt: str = "auto") -> str:
    """'zip', 'json-array', 'jsonl' or 'csv'; raises ImportFormatError with one clear line."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        if fmt == "lastfm-csv":
            raise ImportFormatError(f"{path} is a zip archive, not a Last.fm CSV")
        with zipfile.ZipFile(path) as archive:
            _zip_members(archive, path)
        return "zip"
    with path.open("rb") as f:
        return _sniff(f.read(_SNIFF), path.name, fmt)


def open_listens(path: str | Path, fmt: str = "auto") -> ListenSourceFile:
    """Detect the format (or check the one given) and return an iterable of rows."""
    path = Path(path)
    kind = detect_format(path, fmt)
    if kind != "zip":
        return ListenSourceFile([(path.name, path.open("rb"), kind)], path.stat().st_size)
    archive = zipfile.ZipFile(path)
    members = _zip_members(archive, path)

    def streams() -> Iterator[tuple[str, IO[bytes], str]]:
        with archive:
            for info in members:
                with archive.open(info) as f:
                    head = f.read(_SNIFF)
                yield info.filename, archive.open(info), _sniff(head, info.filename, "listenbrainz")

    return ListenSourceFile(streams(), sum(info.file_size for info in members))


def _zip_members(archive: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    """The listens files of a ListenBrainz export: listens/YYYY/M.jsonl (else any JSON)."""
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith((".json", ".jsonl"))
        and Path(info.filename).name.lower() not in _SKIP_ZIP_MEMBERS
    ]
    in_listens = [info for info in members if info.filename.startswith("listens/")]
    if not members:
        raise ImportFormatError(f"{path} holds no listens (expected listens/*.jsonl or *.json)")
    return sorted(in_listens or members, key=lambda info: info.filename)


def _sniff(head: bytes, name: str, fmt: str) -> str:
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if b"\x00" in head:
        raise ImportFormatError(f"{name} is a binary file, not a listen export")
    if fmt != "lastfm-csv" and text[:1] in ("[", "{"):
        return "json-array" if text[0] == "[" else "jsonl"
    if fmt == "listenbrainz":
        raise ImportFormatError(f"{name} is not ListenBrainz JSON/JSONL (no '[' or '{{' at start)")
    lines = text.splitlines()[:2] or [""]
    first = next(csv.reader(lines[:1]), [])
    if (
        fmt == "lastfm-csv"
        or _csv_header(first)
        or (len(first) >= 4 and _parse_when(first[3]) is not None)
    ):
        return "csv"
    raise ImportFormatError(
        f"{name} is not a supported format: expected a ListenBrainz export (JSON array, JSONL "
        "or zip) or a Last.fm CSV of artist,album,track,date"
    )


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: IO[bytes]) -> None:
        self._raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


# --- ListenBrainz ------------------------------------------------------------------------------


def _iter_jsonl(text: IO[str], name: str) -> Iterator[Row | Bad]:
    """One listen per line; a file that opens with a lone "{" is one pretty-printed object."""
    seen_content = False
    for line_no, line in enumerate(text, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            yield Bad(f"{name} line {line_no}", _DEEP_REASON)
            continue
        except ValueError:
            if not seen_content and line.strip() == "{":
                yield from _iter_document(line + text.read(), name)
                return
            yield Bad(f"{name} line {line_no}", "invalid JSON")
            continue
        finally:
            seen_content = True
        yield from _lb_rows(obj, f"{name} line {line_no}")


def _iter_document(document: str, name: str) -> Iterator[Row | Bad]:
    try:
        obj = json.loads(document)
    except RecursionError:
        yield Bad(name, _DEEP_REASON)
        return
    except ValueError as error:
        yield Bad(f"{name} line {error.lineno}", "invalid JSON")
        return
    yield from _lb_rows(obj, name)


def _iter_json_array(text: IO[str], name: str) -> Iterator[Row | Bad]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
    decoder = json.JSONDecoder()
    buf, pos, line, eof = text.read(_BLOCK), 0, 1, False
    pos = buf.index("[") + 1
    while True:
        while True:
            start = pos
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            line += buf.count("\n", start, pos)
            if pos < len(buf) or eof:
                break
            more = text.read(_BLOCK)
            buf, pos, eof = buf[pos:] + more, 0, not more
        if pos >= len(buf) or buf[pos] == "]":
            return
        try:
            obj, end = decoder.raw_decode(buf, pos)
        except RecursionError:
            yield Bad(f"{name} line {line}", f"{_DEEP_REASON}; the rest of this file was skipped")
            return
        except ValueError:
            more = "" if eof or len(buf) - pos > _MAX_ELEMENT else text.read(_BLOCK)
            if more:
                buf, pos = buf[pos:] + more, 0
                continue
            yield Bad(f"{name} line {line}", "invalid JSON; the rest of this file was skipped")
            return
        yield from _lb_rows(obj, f"{name} line {line}")
        line += buf.count("\n", pos, end)
        pos = end


def _lb_rows(obj: object, where: str) -> Iterator[Row | Bad]:
    payload = obj.get("payload") if isinstance(obj, dict) else None
    if isinstance(payload, dict):
        payload = payload.get("listens")
    if isinstance(payload, list):  # a submit-listens body or an API response page
        for item in payload:
            yield _lb_row(item, where)
    else:
        yield _lb_row(obj, where)


def _lb_row(obj: object, where: str) -> Row | Bad:
    if not isinstance(obj, dict):
        return Bad(where, "not a JSON object")
    meta = obj.get("track_metadata")
    if not isinstance(meta, dict):
        return Bad(where, "missing track_metadata")
    artist, track = meta.get("artist_name"), meta.get("track_name")
    if not (
        isinstance(artist, str) and artist.strip() and isinstance(track, str) and track.strip()
    ):
        return Bad(where, "missing artist_name or track_name")
    when = _unix(obj.get("listened_at"))
    if when is None:
        return Bad(where, "missing or invalid listened_at")
    info = meta.get("additional_info")
    info = info if isinstance(info, dict) else {}
    mapping = meta.get("mbid_mapping")
    mapping = mapping if isinstance(mapping, dict) else {}
    mbid = info.get("recording_mbid") or mapping.get("recording_mbid")
    duration = info.get("duration_ms")
    if duration is None and isinstance(info.get("duration"), int | float):
        duration = info["duration"] * 1000
    release = meta.get("release_name")
    release = release if isinstance(release, str) else ""
    if _has_nul(artist, track, release):
        return Bad(where, _NUL_REASON)
    return Row(
        when,
        artist,
        track,
        release,
        _mbid(mbid),
        int(duration) if isinstance(duration, int | float) and 0 < duration < 2**31 else None,
    )


def _mbid(value: object) -> str | None:
    """The canonical form of a MusicBrainz id, or None for anything that is not a UUID."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _has_nul(*texts: str) -> bool:
    """Text a database cannot store: U+0000 (PostgreSQL) or a lone UTF-16 surrogate (any
    UTF-8 database), so such a row is bad rather than a failed chunk."""
    for text in texts:
        if "\x00" in text:
            return True
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


def _unix(value: object) -> int | None:
    """Unix seconds (or milliseconds) as an int, a float or a string of digits; else None."""
    if isinstance(value, str):
        if not value.strip().isdecimal():  # not isdigit(): int() refuses "²", a digit to it
            return None
        try:
            value = int(value)
        except ValueError:  # more digits than int() converts
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity, 1e400
        return None
    seconds = int(value // 1000 if value > 100_000_000_000 else value)
    if not LISTEN_MINIMUM_TS <= seconds <= time.time() + 24 * 3600:
        return None
    return seconds


# --- Last.fm CSV -------------------------------------------------------------------------------

_HEADER_NAMES = {
    "artist": ("artist", "artist_name", "artist name"),
    "album": ("album", "release", "release_name", "album name"),
    "track": ("track", "title", "track_name", "track name", "name", "song"),
    "date": ("uts", "timestamp", "listened_at", "date", "time", "utc_time", "played_at"),
    "mbid": ("track_mbid", "recording_mbid", "mbid"),
}
_LASTFM_DATE = re.compile(r"(\d{1,2}) (\w{3})\w* (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def _csv_header(row: list[str]) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in row]
    columns = {}
    for role, candidates in _HEADER_NAMES.items():
        for candidate in candidates:  # earlier candidates win: "uts" beats "utc_time"
            if candidate in names:
                columns[role] = names.index(candidate)
                break
    return columns if {"artist", "track", "date"} <= columns.keys() else None


def _iter_csv(text: IO[str], name: str) -> Iterator[Row | Bad]:
    reader = csv.reader(text)
    columns = {"artist": 0, "album": 1, "track": 2, "date": 3}
    for row in reader:
        where = f"{name} line {reader.line_num}"
        if reader.line_num == 1 and (header := _csv_header(row)):
            columns = header
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(columns.values()):
            yield Bad(where, f"expected at least {max(columns.values()) + 1} columns")
            continue
        artist, track = row[columns["artist"]].strip(), row[columns["track"]].strip()
        when = _parse_when(row[columns["date"]])
        album = row[columns["album"]].strip() if "album" in columns else ""
        if not artist or not track:
            yield Bad(where, "empty artist or track")
        elif when is None:
            yield Bad(where, f"unreadable date {row[columns['date']]!r}")
        elif _has_nul(artist, track, album):
            yield Bad(where, _NUL_REASON)
        else:
            mbid = _mbid(row[columns["mbid"]]) if "mbid" in columns else None
            yield Row(when, artist, track, album, mbid)


def _parse_when(value: str) -> int | None:
    """'31 Jan 2021 12:34' (Last.fm), '31 Jan 2021, 12:34', unix seconds or ISO 8601 (UTC)."""
    value = value.strip()
    if value.isdecimal():
        return _unix(value)
    if match := _LASTFM_DATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        if (month_no := _MONTHS.get(month.lower())) is None:
            return None
        fields = (int(year), month_no, int(day), int(hour), int(minute), int(second or 0))
        try:
            return _unix(int(datetime(*fields, tzinfo=UTC).timestamp()))
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _unix(int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()))


_PARSERS = {"jsonl": _iter_jsonl, "json-array": _iter_json_array, "csv": _iter_csv}
