"""Loudness per ITU-R BS.1770 (pyloudnorm): integrated LUFS and a momentary curve.

Mono samples in; (integrated loudness in LUFS, the momentary loudness of each 400 ms block
every CURVE_STEP_S seconds) out. Raises AudioError when nothing is above BS.1770's -70 LUFS
absolute gate, which is silence for practical purposes.
"""

from __future__ import annotations

import numpy as np

from recommender.audio.decode import AudioError

BLOCK_S = 0.4  # BS.1770 gating block ("momentary" loudness)
CURVE_STEP_S = 0.1  # 75 % overlap, as BS.1770-4 gates
CURVE_FLOOR_LUFS = -70.0  # the absolute gate; quieter blocks are drawn at the floor


def loudness(samples: np.ndarray, sample_rate: int) -> tuple[float, np.ndarray]:
    """(integrated LUFS, momentary LUFS per block). Block i covers
    [i * CURVE_STEP_S, i * CURVE_STEP_S + BLOCK_S) seconds."""
    import pyloudnorm

    meter = pyloudnorm.Meter(sample_rate, block_size=BLOCK_S, overlap=1 - CURVE_STEP_S / BLOCK_S)
    integrated = float(meter.integrated_loudness(np.asarray(samples, dtype=np.float64)))
    if not np.isfinite(integrated):
        raise AudioError("the audio is silent: nothing is louder than -70 LUFS")
    curve = np.maximum(np.asarray(meter.blockwise_loudness, dtype=np.float64), CURVE_FLOOR_LUFS)
    return integrated, np.nan_to_num(curve, nan=CURVE_FLOOR_LUFS).astype(np.float32)
