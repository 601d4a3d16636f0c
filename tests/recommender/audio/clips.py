"""Known-answer clips for the analyser tests, made independently of recommender.audio.synth.

A chord progression (I-IV-V-I in major, i-iv-V-i in minor with the leading tone) played by a
sawtooth-like pad with a bass an octave down, one chord a bar; a kick on every beat (the
downbeat's louder), a snare-ish noise hit on the other beats, and quiet hats on the
off-beats. Tempo, key, mode and beats per bar are exactly what the arguments say.
"""

import numpy as np

SR = 22_050
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
PROGRESSION = (0, 3, 4, 0)  # scale degrees of the chord roots: I IV V I


def chord(scale: tuple[int, ...], degree: int) -> list[int]:
    """Semitones above the tonic of the triad on `degree` (stacked scale thirds)."""
    out = []
    for step in (0, 2, 4):
        index = degree + step
        out.append(scale[index % 7] + 12 * (index // 7))
    return out


def make_clip(
    *, tempo: float, key: int, mode: int, beats_per_bar: int = 4, seconds: float = 8.0, seed=0
) -> np.ndarray:
    """At least `seconds` long, and long enough to play the whole progression once."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / tempo
    seconds = max(seconds, (len(PROGRESSION) * beats_per_bar + 1) * beat)
    n = int(seconds * SR)
    y = np.zeros(n)
    scale = MAJOR_SCALE if mode == 1 else HARMONIC_MINOR
    tonic_midi = 48 + key  # C3 + key
    n_beats = int(seconds / beat) + 1
    for b in range(n_beats):
        start = b * beat
        bar, position = divmod(b, beats_per_bar)
        if position == 0:
            notes = chord(scale, PROGRESSION[bar % len(PROGRESSION)])
            length = beats_per_bar * beat
            for semis in notes:
                _add(y, _saw(tonic_midi + 12 + semis, length, rng), start, 0.18)
            _add(y, _saw(tonic_midi - 12 + notes[0], length, rng), start, 0.3)
            _add(y, _kick(), start, 1.0)
        else:
            _add(y, _kick(), start, 0.6)
            _add(y, _noise_hit(rng, 0.12, 0.04), start, 0.3)
        _add(y, _noise_hit(rng, 0.03, 0.008, bright=True), start + beat / 2, 0.12)
    y += 0.003 * rng.standard_normal(n)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _saw(midi: float, length: float, rng) -> np.ndarray:
    t = np.arange(int(length * SR)) / SR
    f = _hz(midi)
    wave = sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, 6))
    envelope = np.minimum(1, t / 0.02) * np.exp(-t / (0.8 * length + 0.1))
    return wave * envelope


def _kick() -> np.ndarray:
    t = np.arange(int(0.2 * SR)) / SR
    freq = 50 + 90 * np.exp(-t / 0.04)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.07)


def _noise_hit(rng, length: float, decay: float, bright: bool = False) -> np.ndarray:
    noise = rng.standard_normal(int(length * SR) + 1)
    if bright:
        noise = np.diff(noise)
    else:
        noise = noise[:-1]
    return noise * np.exp(-np.arange(noise.size) / (decay * SR))


def _add(y: np.ndarray, sound: np.ndarray, start: float, gain: float) -> None:
    i = int(round(start * SR))
    m = min(sound.size, y.size - i)
    if m > 0:
        y[i : i + m] += gain * sound[:m]
