"""Readers for interaction files used in offline evaluation.

A path in: the HetRec 2011 Last.fm 2K folder (its `user_artists.dat`) or any whitespace/tab
separated `user item count` file, with or without a header. Parallel numpy arrays out.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

LASTFM_2K_FILE = "user_artists.dat"  # userID \t artistID \t weight (play count), CRLF, header


def load_user_item_counts(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user_ids int64, item_ids int64, counts float64) from a folder or a triples file.

    A folder is read as HetRec Last.fm 2K: artists are the items, `weight` the play count.
    A file may carry extra columns after the third; they are ignored.
    """
    path = Path(path)
    if path.is_dir():
        path = path / LASTFM_2K_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no interactions file at {path}")
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        first = fh.readline().split()
    if len(first) < 3:
        raise ValueError(f"{path}: expected at least 3 columns (user item count), got {first}")
    skip = 0 if _numeric(first[:3]) else 1
    try:
        data = np.loadtxt(path, skiprows=skip, usecols=(0, 1, 2), dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"{path}: not a 'user item count' file ({exc})") from exc
    users, items = data[:, 0], data[:, 1]
    if np.any(users != np.round(users)) or np.any(items != np.round(items)):
        raise ValueError(f"{path}: user and item ids must be integers")
    return users.astype(np.int64), items.astype(np.int64), data[:, 2]


def _numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return True
