"""Rows of a listen-history file: what one listen is, what a bad row or a damaged file is,
line caps, times, and the Last.fm CSV reader.

Text lines in; `Row` (one listen), `Bad` (a row that could not be read, with where and why)
out, or DamagedFile when the file cannot be read on (a line past the cap, a field past
csv's). listen_files.py detects formats and opens files; it reads ListenBrainz JSON itself.
"""

from __future__ import annotations

import calendar
import csv
import math
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, NamedTuple

from webapp.catalog.inputs import mbid_parse, text_problem
from webapp.listening.limits import LISTEN_MINIMUM_TS

#: Longest line (in characters) read from a JSONL or CSV file: a ListenBrainz listen is at most
#: 10 KB, so a longer line is not a listen and reading it whole would only cost memory.
MAX_LINE_CHARS = 1 << 20
NUL_REASON = "text contains a NUL (U+0000) or a lone surrogate, which cannot be stored"


class DamagedFile(ValueError):
    """The file cannot be read past this point; the message says where and why."""


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


def lines(text: IO[str], name: str, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of text, each read with at most `limit` characters in memory."""
    number = 0
    while line := text.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise DamagedFile(
                f"{name} line {number} is longer than {limit:,} characters: not a listen export"
            )
        yield line


def has_unstorable(*texts: str) -> bool:
    """Text a database cannot store (a NUL, a lone surrogate): such a row is bad rather than
    a failed chunk."""
    return any(text_problem(text) for text in texts)


def mbid_text(value: object) -> str | None:
    """The canonical form of a MusicBrainz id, or None for anything that is not a UUID."""
    if not isinstance(value, str):
        return None
    mbid = mbid_parse(value.strip())
    return str(mbid) if mbid else None


def unix(value: object) -> int | None:
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


def csv_header(row: list[str]) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in row]
    columns = {}
    for role, candidates in _HEADER_NAMES.items():
        for candidate in candidates:  # earlier candidates win: "uts" beats "utc_time"
            if candidate in names:
                columns[role] = names.index(candidate)
                break
    return columns if {"artist", "track", "date"} <= columns.keys() else None


def iter_csv(text: IO[str], name: str) -> Iterator[Row | Bad]:
    reader = csv.reader(lines(text, name))
    columns = {"artist": 0, "album": 1, "track": 2, "date": 3}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field past csv's limit, a quote never closed...
            raise DamagedFile(f"{name} line {reader.line_num}: {error}") from error
        if reader.line_num == 1 and (header := csv_header(row)):
            columns = header
            continue
        if any(cell.strip() for cell in row):  # blank rows are skipped
            yield _csv_row(row, columns, f"{name} line {reader.line_num}")


def _csv_row(row: list[str], columns: dict[str, int], where: str) -> Row | Bad:
    if len(row) <= max(columns.values()):
        return Bad(where, f"expected at least {max(columns.values()) + 1} columns")
    artist, track = row[columns["artist"]].strip(), row[columns["track"]].strip()
    when = parse_when(row[columns["date"]])
    album = row[columns["album"]].strip() if "album" in columns else ""
    if not artist or not track:
        return Bad(where, "empty artist or track")
    if when is None:
        return Bad(where, f"unreadable date {row[columns['date']]!r}")
    if has_unstorable(artist, track, album):
        return Bad(where, NUL_REASON)
    mbid = mbid_text(row[columns["mbid"]]) if "mbid" in columns else None
    return Row(when, artist, track, album, mbid)


def parse_when(value: str) -> int | None:
    """'31 Jan 2021 12:34' (Last.fm), '31 Jan 2021, 12:34', unix seconds or ISO 8601 (UTC)."""
    value = value.strip()
    if value.isdecimal():
        return unix(value)
    if match := _LASTFM_DATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        if (month_no := _MONTHS.get(month.lower())) is None:
            return None
        fields = (int(year), month_no, int(day), int(hour), int(minute), int(second or 0))
        try:
            return unix(int(datetime(*fields, tzinfo=UTC).timestamp()))
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return unix(int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()))
