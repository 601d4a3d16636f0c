"""Readers for the data offline evaluation runs on.

A path in: the HetRec 2011 Last.fm 2K folder (its `user_artists.dat`) or a tab-separated
`user item count [time]` file whose ids are any strings (user names, artist names with spaces),
with or without a header, times as unix seconds or ISO 8601. Or a synthetic `World`. Out: a
`Dataset` (the `Signals` the harness reads, and the names behind the integer ids).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from recommender.evaluate.signals import Plays, Signals
from recommender.synthetic import World

LASTFM_2K_FILE = "user_artists.dat"  # userID \t artistID \t weight (play count), CRLF, header
MAX_UNIX_SECONDS = 1e11  # year 5138: anything larger is almost surely milliseconds


class DatasetError(ValueError):
    """A file the evaluation cannot read; the message names the file, the line and the fault."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Signals keyed by integer ids, and the names those ids stand for (`names[id]`)."""

    signals: Signals
    user_names: np.ndarray | None = None  # str names by user id, None when ids are the names
    item_names: np.ndarray | None = None
    source: str = ""

    def describe(self) -> str:
        plays = self.signals.plays
        users, items = self.signals.id_maps()
        times = "with play times" if plays.has_times else "no play times"
        return (
            f"{self.source}: {len(users)} users, {len(items)} items, "
            f"{plays.count.sum():,.0f} plays in {len(plays)} rows, {times}"
        )


def load_dataset(path: str | os.PathLike) -> Dataset:
    """A folder is read as HetRec Last.fm 2K (artists are the items, `weight` the play count);
    a file as tab-separated `user item count [time]` rows."""
    path = Path(path)
    if path.is_dir():
        path = path / LASTFM_2K_FILE
    if not path.is_file():
        raise DatasetError(f"no interactions file at {path}")
    return read_triples(path)


def load_user_item_counts(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, item ids, counts) of `load_dataset`, one row per file row."""
    plays = load_dataset(path).signals.plays
    return plays.user, plays.item, plays.count


def read_triples(path: Path) -> Dataset:
    """Parse `user item count [time]` rows. Tabs separate fields when the file has any;
    otherwise runs of whitespace do (then ids cannot hold spaces). Blank lines are skipped;
    a first line whose count is not a number is a header. Zero counts are dropped."""
    lines = _data_lines(path)
    if not lines:
        raise DatasetError(f"{path}: no rows (expected 'user item count [time]' lines)")
    tabbed = any("\t" in text for _, text in lines[:100])
    rows = [(n, text.split("\t") if tabbed else text.split()) for n, text in lines]
    if not _is_number(rows[0][1][2] if len(rows[0][1]) >= 3 else ""):
        rows = rows[1:]
    if not rows:
        raise DatasetError(f"{path}: only a header, no rows")
    width = len(rows[0][1])
    for lineno, fields in rows:
        if len(fields) != width or width not in (3, 4):
            raise DatasetError(
                f"{path} line {lineno}: expected 3 fields (user, item, count) or 4 (and a time)"
                f" separated by {'tabs' if tabbed else 'spaces'}, got {len(fields)}"
            )
    linenos = np.array([n for n, _ in rows])
    columns = list(zip(*(fields for _, fields in rows), strict=True))
    counts = _counts(path, linenos, columns[2])
    users, user_names = _ids(columns[0])
    items, item_names = _ids(columns[1])
    keep = counts > 0
    times = _times(path, linenos, columns[3])[keep] if width == 4 else None
    plays = Plays(users[keep], items[keep], counts[keep], times, times)
    return Dataset(Signals(plays), user_names, item_names, str(path))


def _data_lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("latin-1")
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _counts(path: Path, linenos: np.ndarray, column: tuple[str, ...]) -> np.ndarray:
    counts = np.array([_float_or_nan(text) for text in column])
    bad = np.flatnonzero(~np.isfinite(counts) | (counts < 0))
    if bad.size:
        raise DatasetError(
            f"{path} line {linenos[bad[0]]}: count {column[bad[0]].strip()!r} is not a number >= 0"
        )
    return counts


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _ids(column: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer ids as given when every id is an integer; else codes into sorted names."""
    names = np.array([text.strip() for text in column])
    uniques, codes = np.unique(names, return_inverse=True)
    try:
        as_int = uniques.astype(np.int64)
    except ValueError:
        return codes.astype(np.int64).ravel(), uniques
    if np.unique(as_int).size == uniques.size:
        return as_int[codes.ravel()], None
    return codes.astype(np.int64).ravel(), uniques


def _times(path: Path, linenos: np.ndarray, column: tuple[str, ...]) -> np.ndarray:
    """Unix seconds from unix seconds or ISO 8601 text (a time without zone is UTC)."""
    out = np.empty(len(column), dtype=np.int64)
    for i, text in enumerate(column):
        out[i] = parse_unix_time(text.strip(), f"{path} line {linenos[i]}")
    return out


def parse_unix_time(text: str, where: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is not None:
        if not math.isfinite(value) or value < 0:
            raise DatasetError(f"{where}: time {text!r} is not a unix time in seconds")
        if value > MAX_UNIX_SECONDS:
            raise DatasetError(
                f"{where}: time {text!r} is too large for unix seconds (milliseconds? divide by"
                " 1000)"
            )
        return int(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DatasetError(
            f"{where}: time {text!r} is neither unix seconds nor ISO 8601 (2024-03-01T18:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def world_dataset(world: World) -> Dataset:
    """A synthetic world's signals as the product stores them: plays with times, saves,
    skips, and artist-page visits spread evenly over the artist's tracks."""
    plays = Plays.from_events(world.plays.listener, world.plays.item, world.plays.timestamp)
    ones = np.ones(len(world.saves))
    others = {"save": (world.saves.listener, world.saves.item, ones)}
    others["skip"] = (world.skips.listener, world.skips.item, np.ones(len(world.skips)))
    tracks_of = np.argsort(world.track_artist, kind="stable")
    per_artist = np.bincount(world.track_artist, minlength=len(world.artist_names))
    starts = np.r_[0, np.cumsum(per_artist)[:-1]]
    visited = world.visits.item.astype(np.int64)
    n = per_artist[visited]
    rows = np.repeat(np.arange(len(visited)), n)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(n) - n, n)
    track = tracks_of[starts[visited][rows] + offset]
    others["visit"] = (world.visits.listener[rows], track, 1.0 / n[rows])
    return Dataset(
        Signals(plays, others),
        np.array(world.listener_names),
        np.array(world.track_title),
        f"synthetic world (seed {world.seed})",
    )
