"""Readers for the culture evaluation: HetRec Last.fm 2K tags and listening, Wikipedia leads.

Paths in; plain Python and numpy structures out: each (listener, artist) pair's tags as one
cultural "document", who listened to which artist, artist names, and the leads of
`docs.jsonl` (text about 400 of the same artists).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class TagDocuments:
    """One document per (listener, artist) pair: the tags that listener gave that artist."""

    artist: np.ndarray  # (D,) int64 artist id the document is about
    text: list[str]  # tags joined by ". " so no term spans two tags
    time: np.ndarray  # (D,) float64 unix seconds of the latest tag


def _read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        lines = fh.read().splitlines()
    return [line.split("\t") for line in lines[1:] if line.strip()]


def load_tag_documents(folder: str | os.PathLike) -> TagDocuments:
    """HetRec `user_taggedartists.dat` + `tags.dat` (Latin-1) as per-pair tag documents."""
    folder = Path(folder)
    tag_names = {int(r[0]): r[1] for r in _read_rows(folder / "tags.dat", "latin-1")}
    tags: dict[tuple[int, int], list[str]] = defaultdict(list)
    latest: dict[tuple[int, int], float] = {}
    for row in _read_rows(folder / "user_taggedartists.dat"):
        user, artist, tag, day, month, year = (int(v) for v in row[:6])
        key = (user, artist)
        tags[key].append(tag_names.get(tag, ""))
        when = dt.datetime(year, month, max(day, 1), tzinfo=dt.UTC).timestamp()
        latest[key] = max(latest.get(key, 0.0), when)
    keys = sorted(tags)
    return TagDocuments(
        artist=np.array([a for _, a in keys], dtype=np.int64),
        text=[". ".join(tags[k]) for k in keys],
        time=np.array([latest[k] for k in keys], dtype=np.float64),
    )


def load_listening(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, artist ids, play counts) from `user_artists.dat`."""
    rows = _read_rows(Path(folder) / "user_artists.dat")
    data = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2]


def load_artist_names(folder: str | os.PathLike) -> dict[int, str]:
    return {int(r[0]): r[1] for r in _read_rows(Path(folder) / "artists.dat")}


@dataclass(frozen=True)
class Lead:
    artist_id: int  # HetRec artist id
    artist: str
    title: str
    text: str
    source: str


def load_leads(path: str | os.PathLike) -> list[Lead]:
    """The Wikipedia leads of `docs.jsonl` (CC BY-SA; see its SOURCE.md)."""
    leads = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                leads.append(
                    Lead(
                        artist_id=int(row["hetrec_artist_id"]),
                        artist=row["artist"],
                        title=row["title"],
                        text=row["text"],
                        source=row.get("source", ""),
                    )
                )
    return leads
