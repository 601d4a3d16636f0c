"""Listen-history imports: ListenBrainz exports (JSON array, JSONL, zip) and Last.fm CSVs.

A file path in; listens stored for one listener with source=import, and an `ImportReport` out
(read, stored new, duplicates, bad rows with their first few locations). Files are parsed as a
stream (`listen_files`) and stored in chunks, so a 1 GB export never sits in memory;
re-importing is a no-op. A file damaged part-way raises ImportDamaged once the listens read
before the damage are stored: its one-line message says where the file broke and what was
stored, and its report holds the counts. Each chunk is one transaction: a lost database
connection (a restart, a failover) rolls back at most the chunk being written, which is tried
again on a new connection for up to `reconnect_seconds`; past that, ImportInterrupted says
what was stored, and running the same import again stores the rest, once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import InterfaceError, OperationalError, connection, transaction

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
    "ImportInterrupted",
    "ImportReport",
    "detect_format",
    "listens_import",
]

CHUNK_SIZE = 5000
MAX_BAD_EXAMPLES = 5
TRACK_CACHE_LIMIT = 500_000  # resolved track keys kept across chunks
#: How long a chunk is tried again after the database connection was lost (a restart takes
#: seconds); the waits between tries double from RECONNECT_FIRST_WAIT up to RECONNECT_MAX_WAIT.
RECONNECT_SECONDS = 60.0
RECONNECT_FIRST_WAIT, RECONNECT_MAX_WAIT = 0.5, 5.0
#: What a lost or refused connection raises (and a deadlock, or SQLite's lock past its timeout:
#: all worth another try, since a chunk that failed left nothing behind).
CONNECTION_LOST = (OperationalError, InterfaceError)
log = logging.getLogger(__name__)


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


class ImportInterrupted(RuntimeError):
    """The database stayed out of reach; whole chunks before it are stored (see .report)."""

    def __init__(self, path: str | Path, error: Exception, report: ImportReport, waited: float):
        self.report = report
        why = (str(error).strip().splitlines() or [""])[0]
        stored = (
            f"Stored {report.stored} new listens in whole chunks before it was lost "
            f"({report.duplicates} already stored, {report.bad} bad rows) and nothing of the "
            "chunk being written"
        )
        super().__init__(
            f"{Path(path).name}: the database could not be reached for {waited:.0f} s "
            f"({type(error).__name__}: {why}). {stored}; run the same import again once the "
            "database is back: listens already stored are skipped."
        )


def listens_import(
    *,
    user_id: int,
    path: str | Path,
    fmt: str = "auto",
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[int, int], None] | None = None,
    reconnect_seconds: float = RECONNECT_SECONDS,
) -> ImportReport:
    """Parse `path` and store its listens for `user_id`; raises ImportFormatError (nothing
    stored), ImportDamaged (what came before the damage stored) or ImportInterrupted (the
    database stayed out of reach for reconnect_seconds; whole chunks before it stored).

    on_progress(bytes_done, bytes_total) is called after every chunk.
    """
    started = time.perf_counter()
    source = open_listens(path, fmt)
    report, cache, rows = ImportReport(), _TrackCache(), []

    def flush() -> None:
        try:
            report.stored += _store_chunk_retrying(user_id, rows, cache, reconnect_seconds)
        except _GaveUp as gave_up:
            report.seconds = time.perf_counter() - started
            raise ImportInterrupted(path, gave_up.error, report, gave_up.waited) from gave_up.error
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


class _GaveUp(Exception):
    def __init__(self, error: Exception, waited: float) -> None:
        self.error, self.waited = error, waited


def _store_chunk_retrying(
    user_id: int, rows: list[Row], cache: _TrackCache, reconnect_seconds: float
) -> int:
    """_store_chunk, tried again on a new connection while the database is out of reach."""
    lost_at, wait = None, RECONNECT_FIRST_WAIT
    while True:
        try:
            return _store_chunk(user_id, rows, cache)
        except CONNECTION_LOST as error:
            cache.forget()  # ids resolved in the rolled-back transaction may not exist
            connection.close()  # the next try connects afresh
            now = time.monotonic()
            lost_at = now if lost_at is None else lost_at
            if now - lost_at + wait > reconnect_seconds:
                raise _GaveUp(error, now - lost_at) from error
            log.warning("import: database connection lost (%s); trying again in %.1f s",
                        type(error).__name__, wait)  # fmt: skip
            time.sleep(wait)
            wait = min(2 * wait, RECONNECT_MAX_WAIT)


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

    def forget(self) -> None:
        self.ids.clear()

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
