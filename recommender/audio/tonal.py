"""Key and mode: the clip's mean chroma against Temperley's (Kostka-Payne) key profiles.

A (12, frames) chroma in; (key 0-11 with C = 0, mode 1 = major / 0 = minor, and a confidence
for each) out.

Method (the Krumhansl-Schmuckler algorithm): average the chroma over time, then take its
Pearson correlation r with 24 key profiles (12 tonics x major/minor, each profile rotated to
its tonic). The best r names the key and mode. The profiles are Temperley's, counted from the
Kostka-Payne harmony textbook corpus (Temperley 2007, "Music and Probability"), not
Krumhansl-Kessler's probe-tone ratings: those weigh the fourth about as much as the third, so
a minor piece whose chroma carries the harmonics of its notes (every note's fifth harmonic is
a major third up) too often reads as major. Temperley's profiles let the third decide.
Confidences come from a softmax over the 24 correlations with temperature `SOFTMAX_T`:
key_confidence is the probability mass of the chosen tonic (either mode), mode_confidence
the mass of the chosen mode (any tonic). Both are 1/2..1-ish for clear tonal music and fall
towards 1/12 and 1/2 for ambiguous or atonal sound.
"""

from __future__ import annotations

import numpy as np

# Temperley (2007), Kostka-Payne corpus: how often each scale degree occurs, tonic first.
MAJOR_PROFILE = np.array(
    [0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]
)
MINOR_PROFILE = np.array(
    [0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]
)
KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
SOFTMAX_T = 0.1


def key_correlations(chroma: np.ndarray) -> np.ndarray:
    """(2, 12) Pearson correlations: row 0 minor, row 1 major (the Echo Nest's mode numbers);
    column = tonic."""
    profile = np.asarray(chroma, dtype=np.float64)
    if profile.ndim == 2:
        profile = profile.mean(axis=1)
    out = np.zeros((2, 12))
    for mode, template in ((0, MINOR_PROFILE), (1, MAJOR_PROFILE)):
        for tonic in range(12):
            out[mode, tonic] = _pearson(profile, np.roll(template, tonic))
    return out


def estimate_key(chroma: np.ndarray) -> tuple[int, float, int, float]:
    """(key, key_confidence, mode, mode_confidence) of a chroma (12, frames) or (12,)."""
    r = key_correlations(chroma)
    mode, key = np.unravel_index(int(np.argmax(r)), r.shape)
    p = np.exp((r - r.max()) / SOFTMAX_T)
    p /= p.sum()
    return int(key), float(p[:, key].sum()), int(mode), float(p[mode].sum())


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denom) if denom > 0 else 0.0
