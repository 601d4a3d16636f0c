"""Listen-history files: format detection and streaming parsers.

A path in (ListenBrainz export zip, JSON array, JSONL, or a Last.fm CSV); an iterator of
`Row` (one listen) and `Bad` (a row that could not be read, with where and why) out. Memory
stays bounded whatever the file holds: lines, JSON array elements and single documents are
read with caps. A file that cannot be read on (cut off, a bad checksum, a line or field past
its cap) raises DamagedFile with one line saying where; an encrypted or unknown file is an
ImportFormatError before anything is read.
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from webapp.listening.listen_rows import (
    MAX_LINE_CHARS,
    NUL_REASON,
    Bad,
    DamagedFile,
    Row,
    csv_header,
    has_unstorable,
    iter_csv,
    lines,
    mbid_text,
    parse_when,
    unix,
)

__all__ = ["FORMATS", "Bad", "DamagedFile", "ImportFormatError", "Row", "detect_format"]

FORMATS = ("auto", "listenbrainz", "lastfm-csv")
_BLOCK = 1 << 20
_SNIFF = 64 * 1024
#: A JSON array element (one listen) longer than this many characters is not a listen.
MAX_ELEMENT_CHARS = MAX_LINE_CHARS
#: A pretty-printed JSON document (an API page, a submit-listens body) read whole, at most.
MAX_DOCUMENT_CHARS = 16 * MAX_LINE_CHARS
_SKIP_ZIP_MEMBERS = {"user.json", "feedback.jsonl", "pinned_recording.jsonl"}
_DEEP_REASON = "JSON nested too deeply"
#: What reading a damaged archive member raises: checksums, truncated or corrupt streams.
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError, OSError)


class ImportFormatError(ValueError):
    """The file is not in any supported format; the message says what was expected."""


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
                try:
                    yield from _PARSERS[kind](text, name)
                except _ARCHIVE_ERRORS as error:
                    raise DamagedFile(f"{name}: {error}") from error


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
                try:
                    with archive.open(info) as f:
                        head = f.read(_SNIFF)
                except _ARCHIVE_ERRORS as error:
                    raise DamagedFile(f"{info.filename}: {error}") from error
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
    chosen = sorted(in_listens or members, key=lambda info: info.filename)
    if encrypted := [info.filename for info in chosen if info.flag_bits & 0x1]:
        raise ImportFormatError(
            f"{path}: {encrypted[0]} is encrypted; export the listens again without a password"
        )
    return chosen


def _sniff(head: bytes, name: str, fmt: str) -> str:
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if b"\x00" in head:
        raise ImportFormatError(f"{name} is a binary file, not a listen export")
    if fmt != "lastfm-csv" and text[:1] in ("[", "{"):
        return "json-array" if text[0] == "[" else "jsonl"
    if fmt == "listenbrainz":
        raise ImportFormatError(f"{name} is not ListenBrainz JSON/JSONL (no '[' or '{{' at start)")
    first_lines = text.splitlines()[:2] or [""]
    try:
        first = next(csv.reader(first_lines[:1]), [])
    except csv.Error:
        first = []
    if (
        fmt == "lastfm-csv"
        or csv_header(first)
        or (len(first) >= 4 and parse_when(first[3]) is not None)
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
    """One listen per line; a file that opens with a lone "{" is one pretty-printed object.
    A last line that is cut off (no newline, not JSON) means the file is."""
    seen_content = False
    for line_no, line in enumerate(lines(text, name), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            yield Bad(f"{name} line {line_no}", _DEEP_REASON)
            continue
        except ValueError:
            if not seen_content and line.strip() == "{":
                yield from _iter_document(line, text, name)
                return
            if not line.endswith(("\n", "\r")):  # only the last line lacks its newline
                raise DamagedFile(
                    f"{name} line {line_no} is cut off: the file ends mid-listen"
                ) from None
            yield Bad(f"{name} line {line_no}", "invalid JSON")
            continue
        finally:
            seen_content = True
        yield from _lb_rows(obj, f"{name} line {line_no}")


def _iter_document(first: str, text: IO[str], name: str) -> Iterator[Row | Bad]:
    document = first + text.read(MAX_DOCUMENT_CHARS)
    if text.read(1):
        raise DamagedFile(
            f"{name} is one JSON document larger than {MAX_DOCUMENT_CHARS:,} characters; "
            "export it as JSONL (one listen a line)"
        )
    try:
        obj = json.loads(document)
    except RecursionError:
        raise DamagedFile(f"{name}: {_DEEP_REASON}") from None
    except ValueError as error:
        raise DamagedFile(f"{name} line {error.lineno}: invalid JSON ({error.msg})") from None
    yield from _lb_rows(obj, name)


def _iter_json_array(text: IO[str], name: str) -> Iterator[Row | Bad]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
    decoder = json.JSONDecoder()
    buf, eof = text.read(_BLOCK), False
    pos, line = buf.index("[") + 1, 1
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
        if pos >= len(buf):
            raise DamagedFile(f"{name} is cut off after line {line}: its JSON array never closes")
        if buf[pos] == "]":
            return
        try:
            obj, end = decoder.raw_decode(buf, pos)
        except RecursionError:
            raise DamagedFile(f"{name} line {line}: {_DEEP_REASON}") from None
        except ValueError as error:
            if not eof and len(buf) - pos <= MAX_ELEMENT_CHARS:
                more = text.read(_BLOCK)
                buf, pos, eof = buf[pos:] + more, 0, not more
                continue
            raise DamagedFile(_array_damage(name, line, buf, pos, error, eof)) from None
        yield from _lb_rows(obj, f"{name} line {line}")
        line += buf.count("\n", pos, end)
        pos = end


def _array_damage(name: str, line: int, buf: str, pos: int, error: ValueError, eof: bool) -> str:
    if not eof:
        return f"{name} line {line}: a listen longer than {MAX_ELEMENT_CHARS:,} characters"
    if not buf.rstrip().endswith("]"):
        return f"{name} is cut off in the listen at line {line}: its JSON array never closes"
    return f"{name} line {line}: invalid JSON ({getattr(error, 'msg', error)})"


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
    when = unix(obj.get("listened_at"))
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
    if has_unstorable(artist, track, release):
        return Bad(where, NUL_REASON)
    return Row(
        when,
        artist,
        track,
        release,
        mbid_text(mbid),
        int(duration) if isinstance(duration, int | float) and 0 < duration < 2**31 else None,
    )


_PARSERS = {"jsonl": _iter_jsonl, "json-array": _iter_json_array, "csv": iter_csv}
