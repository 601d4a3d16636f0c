"""Synthetic audio clips with a KNOWN tempo, key and mode, for demos and analyzer tests.

Tempo (BPM), key (0 = C ... 11 = B), mode (major/minor) and a seed in; a mono float32 signal
out (or an OGG Vorbis file): a kick and click on every beat, a sustained tonic triad with
the root loudest, a bass on the tonic, a plucked arpeggio over the triad, and a little noise.

`synthesize_world_track(world, index)` renders a track of a `recommender.synthetic.World`
instead: its genre picks a style (FM lead timbre, drum pattern, bass figure, progression) and
its latent vector turns eight sound knobs, so the audio CNN has taste to learn from sound.
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


# --- the demo world's tracks: audio that reflects genre and latent taste -----------------

WORLD_CLIP_SECONDS = 6.0
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = ((0, 4, 5, 3), (0, 3, 4, 0), (0, 5, 3, 4), (0, 0, 3, 4), (0, 6, 5, 4), (0, 2, 3, 4))
KICK_PATTERNS = ((0, 8), (0, 4, 8, 12), (0, 10), (0, 6, 8), (0, 3, 8, 11))  # 16th steps
SNARE_PATTERNS = ((4, 12), (8,), (4, 12, 14), (12,), ())
FM_RATIOS = (0.5, 1.0, 2.0, 3.0, 1.41, 3.5)  # modulator / carrier: the lead's timbre family
KNOBS = ("brightness", "density", "register", "drums", "drive", "detune", "pad", "hats")


def synthesize_world_track(
    world, index: int, *, seconds: float = WORLD_CLIP_SECONDS, sr: int = DEFAULT_SR
) -> np.ndarray:
    """Track `index` of a `recommender.synthetic.World` as a deterministic mono clip.

    The genre fixes a style: the lead's FM timbre (ratio, index, envelope, octave), the
    bass figure, a 16-step drum pattern and kit, a chord progression. The track's latent
    vector turns eight knobs (KNOBS) through a fixed random projection: brightness, note
    density, register, drum level, drive, detune, pad level and hi-hat level, so tracks near
    in taste space sound alike within and across genres. Tempo, key and mode are the world's.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # small products: a waking thread pool costs more
        return _world_track(world, index, seconds, sr)


def write_world_track(
    path: str | Path, world, index: int, *, seconds: float = WORLD_CLIP_SECONDS, sr=DEFAULT_SR
) -> Path:
    """`synthesize_world_track` written as OGG Vorbis; returns the path."""
    import soundfile as sf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    y = synthesize_world_track(world, index, seconds=seconds, sr=sr)
    sf.write(path, y, sr, format="OGG", subtype="VORBIS", compression_level=VORBIS_COMPRESSION)
    return path


def _world_track(world, index: int, seconds: float, sr: int) -> np.ndarray:
    style = _genre_style(world.seed, int(world.track_genre[index]))
    knobs = _knobs(world.seed, np.asarray(world.track_latent[index], dtype=np.float64))
    rng = np.random.default_rng([world.seed, int(index), 11])
    beat = 60.0 / float(world.track_tempo_bpm[index])
    scale = MAJOR_SCALE if int(world.track_mode[index]) else MINOR_SCALE
    tonic = 48 + int(world.track_key[index]) + (12 if knobs["register"] > 0.5 else 0)
    y = np.zeros(int(round(seconds * sr)))
    for bar in range(int(np.ceil(seconds / (4 * beat)))):
        chord = _triad(scale, style["progression"][bar % 4])
        start = bar * 4 * beat
        pad = _chord_pad(tonic + 12, chord, 4 * beat, sr)
        _add(y, pad, start, sr, gain=0.25 * knobs["pad"])
        _bass(y, tonic - 12 + chord[0], start, beat, sr, style)
        _lead(y, rng, tonic + style["lead_octave"], chord, start, beat, sr, style, knobs)
    _drums(y, rng, style, knobs, beat, seconds, sr)
    y = np.tanh((1 + 3 * knobs["drive"]) * y / max(np.max(np.abs(y)), 1e-9))
    y += 0.003 * rng.standard_normal(y.size)
    return (0.9 * y / np.max(np.abs(y))).astype(np.float32)


def _genre_style(world_seed: int, genre: int) -> dict:
    rng = np.random.default_rng([world_seed, genre, 1])
    kick = np.zeros(16, dtype=bool)
    kick[list(KICK_PATTERNS[int(rng.integers(len(KICK_PATTERNS)))])] = True
    snare = np.zeros(16, dtype=bool)
    snare[list(SNARE_PATTERNS[int(rng.integers(len(SNARE_PATTERNS)))])] = True
    return {
        "fm_ratio": FM_RATIOS[int(rng.integers(len(FM_RATIOS)))],
        "fm_index": float(rng.uniform(0.3, 4.0)),
        "attack": float(rng.uniform(0.002, 0.06)),
        "decay": float(rng.uniform(0.08, 0.6)),
        "lead_octave": int(rng.choice([0, 12, 24])),
        "bass_index": float(rng.uniform(0.0, 2.5)),
        "bass_every_beat": bool(rng.random() < 0.5),
        "progression": PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))],
        "kick": kick,
        "kick_hz": float(rng.uniform(40, 90)),
        "snare": snare,
        "snare_hz": float(rng.uniform(150, 400)),
        "hat_every": int(rng.choice([1, 2, 4])),
    }


def _knobs(world_seed: int, latent: np.ndarray) -> dict[str, float]:
    """Eight sound parameters in 0..1: a sigmoid of fixed random projections of the latent."""
    projection = np.random.default_rng([world_seed, 2]).standard_normal((len(KNOBS), latent.size))
    projection /= np.linalg.norm(projection, axis=1, keepdims=True)
    values = 1 / (1 + np.exp(-1.5 * projection @ latent))
    return dict(zip(KNOBS, values.tolist(), strict=True))


def _triad(scale: tuple[int, ...], degree: int) -> tuple[int, int, int]:
    notes = [scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]
    return notes[0], notes[1], notes[2]


def _fm(midi: float, length: float, sr: int, *, ratio, index, attack, decay) -> np.ndarray:
    """A two-operator FM note: sin(2 pi f t + index * sin(2 pi ratio f t)), enveloped."""
    t = np.arange(max(1, int(length * sr))) / sr
    f = _hz(midi)
    envelope = np.minimum(1, t / attack) * np.exp(-t / decay)
    return (
        np.sin(2 * np.pi * f * t + index * envelope * np.sin(2 * np.pi * ratio * f * t)) * envelope
    )


def _chord_pad(base: int, chord, length: float, sr: int) -> np.ndarray:
    t = np.arange(int(length * sr)) / sr
    out = sum(np.sin(2 * np.pi * _hz(base + note) * t) for note in chord)
    return out * np.minimum(1, t / 0.2) * np.minimum(1, (length - t) / 0.2)


def _bass(y, midi: int, start: float, beat: float, sr: int, style: dict) -> None:
    every = style["bass_every_beat"]
    for b in range(4) if every else (0, 2):
        length = 0.9 * (beat if every else 2 * beat)
        note = _fm(midi, length, sr, ratio=1.0, index=style["bass_index"], attack=0.005,
                   decay=0.5 * length)  # fmt: skip
        _add(y, note, start + b * beat, sr, gain=0.45)


def _lead(y, rng, base, chord, start, beat, sr, style, knobs) -> None:
    per_beat = (1, 2, 4)[min(2, int(3 * knobs["density"]))]
    slot = beat / per_beat
    index = style["fm_index"] * (0.5 + knobs["brightness"])
    decay = style["decay"] * (0.5 + knobs["density"])
    degree = int(rng.integers(3))
    for i in range(4 * per_beat):
        if rng.random() < 0.15:
            continue  # a rest
        degree = int(np.clip(degree + rng.integers(-1, 2), 0, 2))
        note = base + chord[degree]
        voice = {"ratio": style["fm_ratio"], "index": index, "attack": style["attack"]}
        tone = _fm(note, 0.95 * slot, sr, decay=decay, **voice)
        if knobs["detune"] > 0.3:  # a second voice a few cents sharp: chorus
            tone = 0.5 * tone + 0.5 * _fm(note + 0.2 * knobs["detune"], 0.95 * slot, sr,
                                          decay=decay, **voice)  # fmt: skip
        _add(y, tone, start + i * slot, sr, gain=0.35)


def _drums(y, rng, style, knobs, beat, seconds, sr) -> None:
    step = beat / 4
    level = 0.3 + 0.9 * knobs["drums"]
    kick = _tuned_kick(sr, style["kick_hz"])
    for i in range(int(seconds / step) + 1):
        at, s = i * step, i % 16
        if style["kick"][s]:
            _add(y, kick, at, sr, gain=level)
        if style["snare"][s]:
            _add(y, _snare(sr, rng, style["snare_hz"]), at, sr, gain=0.6 * level)
        if s % style["hat_every"] == 0:
            _add(y, _click(sr, rng), at, sr, gain=0.25 * knobs["hats"] * level)


def _tuned_kick(sr: int, end_hz: float) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    freq = end_hz + 100 * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / 0.08)


def _snare(sr: int, rng: np.random.Generator, hz: float) -> np.ndarray:
    t = np.arange(int(0.18 * sr)) / sr
    body = np.sin(2 * np.pi * hz * t) * np.exp(-t / 0.03)
    return (0.5 * body + rng.standard_normal(t.size) * 0.6) * np.exp(-t / 0.05)
