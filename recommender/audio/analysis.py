"""Echo-Nest-style analysis of one audio file or signal.

A path (or a `Decoded` signal) in; an `Analysis` (tempo, beats, bars, time signature, key,
mode, loudness and its curve, segments, each estimate with its confidence) and the log-mel
spectrogram the CNN reads out. One STFT is shared by every feature. Times are seconds in the
file (an excerpt of a long file keeps the file's clock).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from recommender.audio.decode import Decoded, load_audio
from recommender.audio.loudness import BLOCK_S, CURVE_STEP_S, loudness
from recommender.audio.rhythm import analyse_rhythm
from recommender.audio.segments import Segment, segments
from recommender.audio.spectral import Spectra
from recommender.audio.tonal import KEY_NAMES, estimate_key

ANALYZER_VERSION = "1"  # bump when a change alters results, so stored analyses are redone
MODE_NAMES = ("minor", "major")


@dataclass(frozen=True)
class Analysis:
    duration: float  # the whole file, s
    offset: float  # where the analysed excerpt starts, s
    seconds: float  # length of the analysed excerpt, s
    tempo: float
    tempo_confidence: float
    key: int  # 0 = C ... 11 = B
    key_confidence: float
    mode: int  # 1 major, 0 minor
    mode_confidence: float
    loudness: float  # integrated, LUFS
    time_signature: int  # beats per bar
    time_signature_confidence: float
    beats: tuple[float, ...]
    bars: tuple[float, ...]
    loudness_curve: tuple[float, ...]  # momentary LUFS every CURVE_STEP_S from `offset`
    segments: tuple[Segment, ...] = field(default=())
    analyzer_version: str = ANALYZER_VERSION

    @property
    def key_name(self) -> str:
        return KEY_NAMES[self.key]

    @property
    def mode_name(self) -> str:
        return MODE_NAMES[self.mode]

    def summary(self) -> dict:
        """The headline numbers (what `python -m recommender.audio --json` prints)."""
        return {
            "tempo": round(self.tempo, 2),
            "tempo_confidence": round(self.tempo_confidence, 3),
            "key": self.key,
            "key_name": self.key_name,
            "key_confidence": round(self.key_confidence, 3),
            "mode": self.mode,
            "mode_name": self.mode_name,
            "mode_confidence": round(self.mode_confidence, 3),
            "loudness": round(self.loudness, 2),
            "time_signature": self.time_signature,
            "time_signature_confidence": round(self.time_signature_confidence, 3),
        }

    def to_dict(self) -> dict:
        """Everything, JSON-ready (the webapp stores this)."""
        return {
            **self.summary(),
            "duration": round(self.duration, 3),
            "offset": round(self.offset, 3),
            "seconds": round(self.seconds, 3),
            "beats": [round(t, 3) for t in self.beats],
            "bars": [round(t, 3) for t in self.bars],
            "loudness_curve": {
                "start": round(self.offset + BLOCK_S / 2, 3),
                "step": CURVE_STEP_S,
                "values": [round(v, 2) for v in self.loudness_curve],
            },
            "segments": [s.to_dict() for s in self.segments],
            "analyzer_version": self.analyzer_version,
        }


def analyze_signal(decoded: Decoded) -> tuple[Analysis, np.ndarray]:
    """(Analysis, log-mel (N_MELS, frames) float32) of a decoded signal.

    BLAS runs single-threaded here: the matrices are small, and a waking BLAS thread pool
    costs more than the product on a busy machine (60 ms vs 0.4 ms for the mel projection).
    Parallelism comes from analysing several files at once, in processes.
    """
    with threadpool_limits(1, "blas"):
        return _analyze(decoded)


def _analyze(decoded: Decoded) -> tuple[Analysis, np.ndarray]:
    spectra = Spectra.of(decoded.samples, decoded.sample_rate)
    integrated, curve = loudness(decoded.samples, decoded.sample_rate)
    rhythm = analyse_rhythm(spectra)
    key, key_confidence, mode, mode_confidence = estimate_key(spectra.chroma)
    shift = decoded.offset_s
    found = tuple(_shifted(segment, shift) for segment in segments(spectra))
    analysis = Analysis(
        duration=decoded.duration_s,
        offset=shift,
        seconds=decoded.seconds,
        tempo=rhythm.tempo,
        tempo_confidence=rhythm.tempo_confidence,
        key=key,
        key_confidence=key_confidence,
        mode=mode,
        mode_confidence=mode_confidence,
        loudness=integrated,
        time_signature=rhythm.time_signature,
        time_signature_confidence=rhythm.time_signature_confidence,
        beats=tuple(float(t + shift) for t in rhythm.beats),
        bars=tuple(float(t + shift) for t in rhythm.downbeats),
        loudness_curve=tuple(float(v) for v in curve),
        segments=found,
    )
    return analysis, spectra.log_mel


def analyze_file(path: str | os.PathLike) -> tuple[Analysis, np.ndarray]:
    """Decode and analyse a file: (Analysis, log-mel). Raises AudioError for bad input."""
    return analyze_signal(load_audio(path))


def _shifted(segment: Segment, seconds: float) -> Segment:
    if not seconds:
        return segment
    from dataclasses import replace

    return replace(segment, start=segment.start + seconds)
