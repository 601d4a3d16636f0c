"""An order that flows: a playlist's tracks with tempo and key in, their playing order out.

Neighbouring tracks should sit close in tempo and key, as a DJ mixes them. The distance of
two tracks is their tempo ratio in steps of TEMPO_STEP (half and double time count as the same
tempo) plus their distance on the Camelot wheel (one step to a neighbouring key of the same
mode or to the relative major/minor). What is unknown adds nothing. The order starts with the
best pick and then always goes to the nearest track not yet played (a greedy path),
vectorized over a batch of playlists.
"""

from __future__ import annotations

import numpy as np

TEMPO_STEP = np.log2(1.06)  # a 6 % tempo change counts like one step on the Camelot wheel


def camelot(key: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Camelot wheel position 0..11 (the wheel's 1..12 less one; -1 unknown).

    Major keys: C is 8B, and each fifth up is one step clockwise: (7 · key + 7) mod 12 with
    C = 0. A minor key sits at the number of its relative major (three semitones up).
    """
    key = np.asarray(key, dtype=np.int64)
    mode = np.asarray(mode, dtype=np.int64)
    relative_major = np.where(mode == 0, key + 3, key)
    position = (7 * relative_major + 7) % 12
    return np.where((key >= 0) & (key < 12) & (mode >= 0), position, -1)


def distances(tempo: np.ndarray, key: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """(B, L, L) flow distances between the tracks of each playlist (all arrays (B, L))."""
    tempo = np.asarray(tempo, dtype=np.float64)
    known_tempo = np.isfinite(tempo) & (tempo > 0)
    octave = np.log2(np.where(known_tempo, tempo, 1.0))
    gap = np.abs(octave[:, :, None] - octave[:, None, :]) % 1.0
    tempo_term = np.minimum(gap, 1.0 - gap) / TEMPO_STEP
    tempo_term[~(known_tempo[:, :, None] & known_tempo[:, None, :])] = 0.0
    wheel = camelot(key, mode)
    steps = np.abs(wheel[:, :, None] - wheel[:, None, :])
    steps = np.minimum(steps, 12 - steps)
    letter = np.asarray(mode)[:, :, None] != np.asarray(mode)[:, None, :]
    key_term = steps + letter
    key_term[~((wheel >= 0)[:, :, None] & (wheel >= 0)[:, None, :])] = 0
    return tempo_term + key_term


def flow_order(valid: np.ndarray, tempo: np.ndarray, key: np.ndarray, mode: np.ndarray):
    """A permutation (B, L) of each playlist's slots: slot 0 first, then the nearest unplayed.

    Slots that are not `valid` (padding) stay at the end, in place.
    """
    n_rows, length = valid.shape
    gaps = distances(tempo, key, mode)
    order = np.tile(np.arange(length), (n_rows, 1))
    if length == 0:
        return order
    rows = np.arange(n_rows)
    played = ~valid.copy()
    current = np.zeros(n_rows, dtype=np.int64)
    played[:, 0] = True
    for step in range(1, length):
        gap = np.where(played, np.inf, gaps[rows, current])
        nearest = np.argmin(gap, axis=1)
        going = np.isfinite(gap[rows, nearest])
        order[going, step] = nearest[going]
        played[going, nearest[going]] = True
        current = np.where(going, nearest, current)
    return order
