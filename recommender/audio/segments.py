"""Echo-Nest-style segments: short sound events with a loudness envelope, pitch and timbre.

`Spectra` in; one `Segment` per detected onset out. As in The Echo Nest's Analyzer, a segment
runs from one onset to the next and carries `pitches` (its chroma, scaled so the strongest
pitch class is 1) and `timbre` (12 coefficients; here MFCCs 0-11, where 0 follows loudness
and the others the spectral shape), plus its loudness at the start and at its peak (dBFS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.audio.spectral import Spectra

MIN_SEGMENT_S = 0.05  # onsets closer than this are one segment


@dataclass(frozen=True)
class Segment:
    start: float  # s
    duration: float  # s
    confidence: float  # onset strength at the start, 0..1
    loudness_start: float  # dBFS
    loudness_max: float  # dBFS
    loudness_max_time: float  # s after `start`
    pitches: tuple[float, ...]  # 12, C first, max 1
    timbre: tuple[float, ...]  # 12

    def to_dict(self) -> dict:
        return {
            "start": round(self.start, 3),
            "duration": round(self.duration, 3),
            "confidence": round(self.confidence, 3),
            "loudness_start": round(self.loudness_start, 2),
            "loudness_max": round(self.loudness_max, 2),
            "loudness_max_time": round(self.loudness_max_time, 3),
            "pitches": [round(p, 3) for p in self.pitches],
            "timbre": [round(t, 2) for t in self.timbre],
        }


def segment_starts(spectra: Spectra) -> np.ndarray:
    """Start frames: frame 0 and every onset (backtracked to the preceding energy minimum)."""
    import librosa

    onsets = librosa.onset.onset_detect(
        onset_envelope=spectra.onset_envelope,
        sr=spectra.sample_rate,
        hop_length=int(round(spectra.sample_rate / spectra.frames_per_second)),
        backtrack=True,
        energy=spectra.frame_db - spectra.frame_db.min(),
    )
    min_gap = max(1, int(round(MIN_SEGMENT_S * spectra.frames_per_second)))
    keep = [0]
    for frame in np.unique(onsets).tolist():
        if frame - keep[-1] >= min_gap and frame < spectra.n_frames:
            keep.append(frame)
    return np.asarray(keep, dtype=np.int64)


def segments(spectra: Spectra) -> list[Segment]:
    """The clip's segments in time order (times in seconds from the clip's start)."""
    starts = segment_starts(spectra)
    n = spectra.n_frames
    lengths = np.diff(np.r_[starts, n])
    fps = spectra.frames_per_second
    db = spectra.frame_db
    pitches = np.add.reduceat(spectra.chroma[:, :n], starts, axis=1) / lengths
    pitches /= np.maximum(pitches.max(axis=0, keepdims=True), 1e-9)
    timbre = np.add.reduceat(spectra.mfcc[:, :n], starts, axis=1) / lengths
    peak_frame = [int(np.argmax(db[s : s + k])) for s, k in zip(starts, lengths, strict=True)]
    strength = spectra.onset_envelope
    scale = float(strength.max()) or 1.0
    return [
        Segment(
            start=float(s / fps),
            duration=float(k / fps),
            confidence=float(min(1.0, strength[s] / scale)) if i else 0.0,
            loudness_start=float(db[s]),
            loudness_max=float(db[s + p]),
            loudness_max_time=float(p / fps),
            pitches=tuple(float(v) for v in pitches[:, i]),
            timbre=tuple(float(v) for v in timbre[:, i]),
        )
        for i, (s, k, p) in enumerate(zip(starts, lengths, peak_frame, strict=True))
    ]
