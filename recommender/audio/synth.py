"""Synthetic audio clips with a KNOWN tempo, key and mode, for demos and analyzer tests.

Tempo (BPM), key (0 = C ... 11 = B), mode (major/minor) and a seed in; a mono float32 signal
out (or an OGG Vorbis file): a kick and click on every beat, a sustained tonic triad with
the root loudest, a bass on the tonic, a plucked arpeggio over the triad, and a little noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEFAULT_SR = 22_050
DEFAULT_SECONDS = 8.0
MAJOR_TRIAD = (0, 4, 7)
MINOR_TRIAD = (0, 3, 7)
ARPEGGIOS = ((0, 1, 2, 1), (0, 2, 1, 2), (0, 1, 2, 0))  # positions in the triad, one per beat
VORBIS_COMPRESSION = 1.0  # soundfile's 0..1 scale; 1.0 = smallest files (~35 kB for 8 s)


def mode_index(mode: int | str) -> int:
    """1 for major, 0 for minor (the Echo Nest convention); accepts either spelling."""
    if isinstance(mode, str):
        if mode.lower() not in {"major", "minor"}:
            raise ValueError(f"mode must be 'major' or 'minor', not {mode!r}")
        return int(mode.lower() == "major")
    return int(bool(mode))


def synthesize_clip(
    *,
    tempo_bpm: float,
    key: int,
    mode: int | str,
    seconds: float = DEFAULT_SECONDS,
    sr: int = DEFAULT_SR,
    seed: int = 0,
) -> np.ndarray:
    """A deterministic clip: same arguments, same samples. Peak amplitude 0.9."""
    if not 30 <= tempo_bpm <= 300:
        raise ValueError("tempo_bpm must be within 30..300")
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    triad = MAJOR_TRIAD if mode_index(mode) else MINOR_TRIAD
    root = 57 + (int(key) - 57) % 12  # tonic between A3 and G#4, well resolved by chroma
    beats = np.arange(0.0, seconds, 60.0 / tempo_bpm)

    y = np.zeros(n)
    for level, interval in zip((1.0, 0.55, 0.65), triad, strict=True):
        y += 0.35 * level * _tone(t, root + interval, rng)
    y += 0.45 * _tone(t, root - 12, rng)
    order = ARPEGGIOS[int(rng.integers(len(ARPEGGIOS)))]
    pattern = [root + triad[i] for i in order]
    for i, start in enumerate(beats):
        _add(y, _pluck(pattern[i % len(pattern)], sr, rng), start, sr, gain=0.5)
        _add(y, _kick(sr), start, sr, gain=1.0)
        _add(y, _click(sr, rng), start, sr, gain=0.35)
    y += 0.01 * rng.standard_normal(n)
    return (0.9 * y / np.max(np.abs(y))).astype(np.float32)


def write_clip(
    path: str | Path,
    *,
    tempo_bpm: float,
    key: int,
    mode: int | str,
    seconds: float = DEFAULT_SECONDS,
    sr: int = DEFAULT_SR,
    seed: int = 0,
) -> Path:
    """Synthesize a clip and write it as OGG Vorbis (a few tens of kB); returns the path."""
    import soundfile as sf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    y = synthesize_clip(tempo_bpm=tempo_bpm, key=key, mode=mode, seconds=seconds, sr=sr, seed=seed)
    sf.write(path, y, sr, format="OGG", subtype="VORBIS", compression_level=VORBIS_COMPRESSION)
    return path


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _tone(t: np.ndarray, midi: int, rng: np.random.Generator) -> np.ndarray:
    """A sustained note: fundamental plus octave (same pitch class), slightly detuned."""
    f = _hz(midi) * (1 + 0.001 * rng.standard_normal())
    phase = rng.uniform(0, 2 * np.pi)
    return np.sin(2 * np.pi * f * t + phase) + 0.3 * np.sin(4 * np.pi * f * t + phase)


def _pluck(midi: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.35 * sr)) / sr
    f = _hz(midi + 12)
    return (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) * np.exp(-t / 0.12)


def _kick(sr: int) -> np.ndarray:
    """A pitch-swept sine, 150 Hz falling to 45 Hz, with a fast decay."""
    t = np.arange(int(0.25 * sr)) / sr
    freq = 45 + 105 * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / 0.08)


def _click(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A 10 ms bright noise burst: a sharp onset for beat tracking."""
    burst = np.diff(rng.standard_normal(int(0.01 * sr) + 1))
    return burst * np.exp(-np.arange(len(burst)) / (0.003 * sr))


def _add(y: np.ndarray, sound: np.ndarray, start_s: float, sr: int, *, gain: float) -> None:
    i = int(round(start_s * sr))
    m = min(len(sound), len(y) - i)
    if m > 0:
        y[i : i + m] += gain * sound[:m]
