"""Time-frequency views of a decoded signal, computed once and shared by every feature.

Mono samples in; a `Spectra` out: the power STFT, its mel bands, the log-mel spectrogram the
CNN reads (`LOG_MEL_*` fix its shape), per-frame loudness in dB and the onset envelope.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

N_FFT = 2048
HOP = 512  # 23.2 ms at 22,050 Hz: ~43 frames a second
N_MELS = 64  # the CNN's input channels
MEL_FMAX = 11_025.0
CHROMA_FMIN, CHROMA_OCTAVES, CHROMA_BINS_PER_OCTAVE = 32.70, 6, 36  # C1 and up
LOG_MEL_FLOOR_DB = -100.0  # absolute dB (ref 1.0), so louder tracks look louder to the CNN


@dataclass(frozen=True, eq=False)
class Spectra:
    samples: np.ndarray
    sample_rate: int
    power: np.ndarray  # (1 + N_FFT/2, frames) |STFT|^2

    @classmethod
    def of(cls, samples: np.ndarray, sample_rate: int) -> Spectra:
        import librosa

        stft = librosa.stft(samples, n_fft=N_FFT, hop_length=HOP)
        return cls(samples, sample_rate, (np.abs(stft) ** 2).astype(np.float32))

    @property
    def n_frames(self) -> int:
        return self.power.shape[1]

    @property
    def frames_per_second(self) -> float:
        return self.sample_rate / HOP

    def frame_times(self, frames: np.ndarray | None = None) -> np.ndarray:
        frames = np.arange(self.n_frames) if frames is None else np.asarray(frames)
        return frames * HOP / self.sample_rate

    @cached_property
    def mel(self) -> np.ndarray:
        """(N_MELS, frames) mel-band power."""
        return _mel_basis(self.sample_rate) @ self.power

    @cached_property
    def log_mel(self) -> np.ndarray:
        """(N_MELS, frames) float32 mel power in absolute dB, floored at LOG_MEL_FLOOR_DB."""
        return log_mel_from_mel(self.mel)

    @cached_property
    def frame_db(self) -> np.ndarray:
        """(frames,) RMS level of each frame in dBFS (a full-scale sine is about -3 dB)."""
        import librosa

        rms = librosa.feature.rms(S=np.sqrt(self.power), frame_length=N_FFT)[0]
        return (20 * np.log10(np.maximum(rms, 1e-5))).astype(np.float32)

    @cached_property
    def onset_envelope(self) -> np.ndarray:
        """(frames,) spectral flux of the log-mel bands (librosa's onset strength)."""
        return self._onsets(slice(None))

    @cached_property
    def bass_onset_envelope(self) -> np.ndarray:
        """(frames,) onset strength of the mel bands below ~250 Hz (kick drum, bass notes)."""
        import librosa

        freqs = librosa.mel_frequencies(N_MELS + 2, fmax=MEL_FMAX)[1:-1]
        return self._onsets(slice(0, int(np.searchsorted(freqs, 250.0)) + 1))

    def _onsets(self, bands: slice) -> np.ndarray:
        import librosa

        db = librosa.power_to_db(self.mel[bands], ref=np.max)
        return librosa.onset.onset_strength(S=db, sr=self.sample_rate, hop_length=HOP)

    @cached_property
    def mfcc(self) -> np.ndarray:
        """(12, frames) MFCCs 0..11: the segments' timbre basis (0 is overall level)."""
        import librosa

        return librosa.feature.mfcc(S=librosa.power_to_db(self.mel), n_mfcc=12)

    @cached_property
    def chroma(self) -> np.ndarray:
        """(12, frames) constant-Q chroma, C first, each frame's maximum 1 (librosa's
        chroma_cqt, with its tuning estimate read from this STFT and plain matrix products)."""
        import librosa

        tuning = librosa.estimate_tuning(
            S=np.sqrt(self.power), sr=self.sample_rate, bins_per_octave=CHROMA_BINS_PER_OCTAVE
        )
        with warnings.catch_warnings():  # short clips: the lowest octaves' FFT exceeds them
            warnings.filterwarnings("ignore", message="n_fft=.* is too large")
            cqt = np.abs(
                librosa.cqt(
                    self.samples,
                    sr=self.sample_rate,
                    hop_length=HOP,
                    fmin=CHROMA_FMIN,
                    n_bins=CHROMA_OCTAVES * CHROMA_BINS_PER_OCTAVE,
                    bins_per_octave=CHROMA_BINS_PER_OCTAVE,
                    tuning=tuning,
                )
            )
        chroma = _cq_to_chroma(cqt.shape[0]) @ cqt
        return librosa.util.normalize(chroma, norm=np.inf, axis=0)[:, : self.n_frames]


@lru_cache(maxsize=4)
def _mel_basis(sample_rate: int) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sample_rate, n_fft=N_FFT, n_mels=N_MELS, fmax=MEL_FMAX)


@lru_cache(maxsize=4)
def _cq_to_chroma(n_bins: int) -> np.ndarray:
    import librosa

    return librosa.filters.cq_to_chroma(
        n_bins, bins_per_octave=CHROMA_BINS_PER_OCTAVE, fmin=CHROMA_FMIN
    )


def log_mel_from_mel(mel: np.ndarray) -> np.ndarray:
    return np.maximum(10 * np.log10(np.maximum(mel, 1e-10)), LOG_MEL_FLOOR_DB).astype(np.float32)


def log_mel(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The CNN's input for a signal: (N_MELS, frames) float32 log-mel power in dB.
    (Single-threaded BLAS, as in `analysis.analyze_signal`.)"""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        return Spectra.of(samples, sample_rate).log_mel
