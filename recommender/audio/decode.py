"""Decode an audio file to one mono float32 signal at one sample rate.

A path in (wav, flac, ogg/oga/opus, mp3: whatever the bundled libsndfile reads); a
`Decoded` (samples, sample rate, the file's full duration, where the excerpt starts) out.
Files longer than `MAX_SECONDS` are analysed on a bounded excerpt from their middle. Every
way a file can be unusable raises `AudioError` with a sentence a curator can act on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22_050  # every analysis and the CNN work at this rate
MIN_SECONDS = 1.0  # shorter clips carry no tempo, key or bar structure to speak of
MAX_SECONDS = 120.0  # longer files are analysed on a centred excerpt this long
SILENCE_PEAK = 10 ** (-70 / 20)  # a peak below -70 dBFS is silence
MAX_PEAK = 16.0  # +24 dBFS: float audio past this is not audio but a corrupt file
DECODABLE = ("wav", "flac", "ogg", "oga", "opus", "mp3")


class AudioError(ValueError):
    """A file that cannot be analysed; the message says why in words a curator can act on."""


@dataclass(frozen=True, eq=False)
class Decoded:
    samples: np.ndarray  # (n,) float32 mono, at `sample_rate`
    sample_rate: int
    duration_s: float  # the whole file's duration, not just the excerpt's
    offset_s: float = 0.0  # where the excerpt starts in the file

    @property
    def seconds(self) -> float:
        return self.samples.size / self.sample_rate


def load_audio(
    path: str | os.PathLike,
    *,
    sample_rate: int = SAMPLE_RATE,
    max_seconds: float = MAX_SECONDS,
) -> Decoded:
    """Decode `path` to mono at `sample_rate`: at most `max_seconds`, centred in the file.

    Raises AudioError for a missing file, an unsupported format, a corrupt or non-audio file,
    a clip shorter than MIN_SECONDS, or silence.
    """
    import soundfile as sf

    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    if ext not in DECODABLE:
        raise AudioError(
            f"{path.name}: unsupported audio format {('.' + ext) if ext else '(no extension)'}; "
            f"the analyser reads {', '.join(DECODABLE)}. Convert the file to one of them."
        )
    if not path.is_file():
        raise AudioError(f"{path.name}: file not found at {path}")
    try:
        with sf.SoundFile(path) as fh:
            native_rate, frames = fh.samplerate, fh.frames
            duration = frames / native_rate if native_rate else 0.0
            offset_s = max(0.0, (duration - max_seconds) / 2)
            if offset_s > 0 and fh.seekable():
                fh.seek(int(offset_s * native_rate))
            else:
                offset_s = 0.0
            data = fh.read(int(max_seconds * native_rate), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError, OSError) as exc:  # LibsndfileError et al.
        raise AudioError(
            f"{path.name}: cannot decode it as {ext} audio (corrupt or not audio): {exc}"
        ) from exc
    samples = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    samples = _resampled(np.ascontiguousarray(samples, dtype=np.float32), native_rate, sample_rate)
    return _checked(path.name, samples, sample_rate, duration, offset_s)


def _resampled(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target or samples.size == 0:
        return samples
    import librosa

    return librosa.resample(samples, orig_sr=rate, target_sr=target).astype(np.float32)


def _checked(name: str, samples: np.ndarray, rate: int, duration: float, offset: float) -> Decoded:
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{name}: the decoded samples contain NaN or infinity (corrupt file)")
    seconds = samples.size / rate
    if seconds < MIN_SECONDS:
        raise AudioError(
            f"{name}: the clip is {np.floor(seconds * 1000) / 1000:.3f} s long (rounded down), "
            f"shorter than the {MIN_SECONDS:g} s needed"
        )
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        raise AudioError(f"{name}: the audio is silent (peak below -70 dBFS)")
    if peak > MAX_PEAK:
        raise AudioError(
            f"{name}: sample values reach {peak:.3g}, far outside audio's -1..1 (corrupt file)"
        )
    return Decoded(samples=samples, sample_rate=rate, duration_s=duration, offset_s=offset)
