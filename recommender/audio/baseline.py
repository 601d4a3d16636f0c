"""The plain-features baseline for cold start: a ridge regression from bag-of-frames
statistics of the log-mel spectrogram (each band's mean and standard deviation over time)
to CF track vectors. What the CNN has to beat: it sees timbre and level, not rhythm or
structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RIDGE_ALPHA = 10.0  # on standardised features


def summary_features(mel: np.ndarray) -> np.ndarray:
    """(2 * n_mels,) per-band mean and standard deviation over time."""
    return np.concatenate([mel.mean(axis=1), mel.std(axis=1)]).astype(np.float64)


@dataclass(frozen=True, eq=False)
class LinearMap:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (features + 1, k), last row the intercept

    @classmethod
    def fit(cls, mels: Sequence[np.ndarray], targets: np.ndarray, alpha: float = RIDGE_ALPHA):
        x = np.stack([summary_features(m) for m in mels])
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        z = np.c_[(x - mean) / scale, np.ones(len(x))]
        penalty = alpha * np.eye(z.shape[1])
        penalty[-1, -1] = 0.0  # the intercept is not shrunk
        weights = np.linalg.solve(z.T @ z + penalty, z.T @ np.asarray(targets, np.float64))
        return cls(mean, scale, weights)

    def predict(self, mels: Sequence[np.ndarray]) -> np.ndarray:
        x = np.stack([summary_features(m) for m in mels])
        z = np.c_[(x - self.mean) / self.scale, np.ones(len(x))]
        return (z @ self.weights).astype(np.float32)
