"""Listen-history imports: ListenBrainz exports (JSON array, JSONL, zip) and Last.fm CSVs.

A file path in; listens stored for one listener with source=import, and an `ImportReport` out
(read, stored new, duplicates, bad rows with their first few locations). Files are parsed as a
stream (`listen_files`) and stored in chunks, so a 1 GB export never sits in memory;
re-importing is a no-op. A file damaged part-way raises ImportDamaged once the listens read
before the damage are stored: its one-line message says where the file broke and what was
stored, and its report holds the counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening.listen_files import (
    FORMATS,
    DamagedFile,
    ImportFormatError,
    Row,
    detect_format,
    open_listens,
)
from webapp.listening.models import ListenSource
from webapp.listening.services import listens_insert

__all__ = [
    "FORMATS",
    "ImportDamaged",
    "ImportFormatError",
    "ImportReport",
    "detect_format",
    "listens_import",
]

CHUNK_SIZE = 5000
MAX_BAD_EXAMPLES = 5
TRACK_CACHE_LIMIT = 500_000  # resolved track keys kept across chunks


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return self.read - self.stored

    def summary(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0.0
        return (
            f"read {self.read} listens: stored {self.stored} new, skipped {self.duplicates} "
            f"as duplicates, {self.bad} bad rows ({self.seconds:.1f} s, {rate:,.0f} listens/s)"
        )


class ImportDamaged(ValueError):
    """The file broke part-way; what was read before it is stored (see .report)."""

    def __init__(self, path: str | Path, damage: DamagedFile, report: ImportReport) -> None:
        self.report = report
        name, what = Path(path).name, str(damage)
        where = what if what.startswith(name) else f"{name} is damaged: {what}"
        super().__init__(
            f"{where}. Stored {report.stored} new listens read before the damage "
            f"({report.duplicates} already stored, {report.bad} bad rows) and nothing after it; "
            "import a repaired file again: listens already stored are skipped."
        )


def listens_import(
    *,
    user_id: int,
    path: str | Path,
    fmt: str = "auto",
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Parse `path` and store its listens for `user_id`; raises ImportFormatError (nothing
    stored) or ImportDamaged (what came before the damage stored).

    on_progress(bytes_done, bytes_total) is called after every chunk.
    """
    started = time.perf_counter()
    source = open_listens(path, fmt)
    report, cache, rows = ImportReport(), _TrackCache(), []

    def flush() -> None:
        report.stored += _store_chunk(user_id, rows, cache)
        report.read += len(rows)
        rows.clear()
        if on_progress:
            on_progress(source.bytes_done, source.bytes_total)

    try:
        for item in source:
            if type(item) is Row:
                rows.append(item)
                if len(rows) >= chunk_size:
                    flush()
            else:
                report.bad += 1
                if len(report.bad_examples) < MAX_BAD_EXAMPLES:
                    report.bad_examples.append(f"{item.where}: {item.reason}")
    except DamagedFile as damage:
        flush()
        report.seconds = time.perf_counter() - started
        raise ImportDamaged(path, damage, report) from damage
    flush()
    report.seconds = time.perf_counter() - started
    return report


def _store_chunk(user_id: int, rows: list[Row], cache: _TrackCache) -> int:
    if not rows:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a lost chunk after a crash is re-imported
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        track_ids = cache.resolve(rows)
        return listens_insert(
            user_ids=[user_id] * len(rows),
            track_ids=track_ids,
            listened_at_unix=[row.listened_at for row in rows],
            source=ListenSource.IMPORT,
        )


class _TrackCache:
    """Recording MBID or raw (artist, title) -> track id: each track is resolved once."""

    def __init__(self) -> None:
        self.ids: dict[str | tuple[str, str], int] = {}

    def resolve(self, rows: list[Row]) -> list[int]:
        keys = [row.recording_mbid or (row.artist, row.track) for row in rows]
        ids = self.ids
        missing = {key: row for key, row in zip(keys, rows, strict=True) if key not in ids}
        if missing:
            if len(ids) + len(missing) > TRACK_CACHE_LIMIT:
                ids.clear()
            refs = [
                TrackRef(
                    artist_name=row.artist,
                    track_name=row.track,
                    release_name=row.release,
                    recording_mbid=row.recording_mbid,
                    duration_ms=row.duration_ms,
                )
                for row in missing.values()
            ]
            ids.update(zip(missing, tracks_resolve(refs=refs), strict=True))
        return [ids[key] for key in keys]
