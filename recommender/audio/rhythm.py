"""Tempo, beats and time signature from onset envelopes.

A clip's `Spectra` (onset envelopes, levels, chroma) in; a `Rhythm` out: tempo in BPM with a
confidence, beat times, beats per bar with a confidence, and the downbeats (bar starts).

Tempo. librosa's default (`beat_track`) picks the autocorrelation peak under a log-normal
prior around 120 BPM, so it often lands on twice or half the beat (an "octave error"). An
autocorrelation has peaks at the beat period and its multiples (T, T/2, T/3 in BPM); a
Fourier tempogram has peaks at the pulse rate and its harmonics (T, 2T, 3T). Only the beat
itself is strong in both (Peeters 2007), so the salience here is their geometric mean, under
a log-normal prior (PRIOR_CENTER_BPM, PRIOR_OCTAVES). Eighth-note hi-hats still make twice
the beat look salient, so the onset pattern decides between the peak and half its tempo: if
the slower pulse's beats are clearly stronger than the points halfway between them (accent
ratio r, from the onset envelope folded at the slow period), the fast peak is a subdivision.
The slow candidate's weighted salience is multiplied by r ** ACCENT_POWER before the two are
compared. The winner is refined from the beat times the tracker finds at that tempo (a
least-squares fit of time against beat number), removing the ~2 % quantisation of frame lags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.audio.spectral import HOP, Spectra

MIN_BPM, MAX_BPM = 30.0, 300.0
PRIOR_CENTER_BPM = 110.0  # the prior on tempo: log-normal around this...
PRIOR_OCTAVES = 0.7  # ...with this standard deviation in octaves
TEMPOGRAM_SECONDS = 8.9  # 384 frames at 22,050 / 512: librosa's window
ACCENT_POWER = 2.0  # how much the slow pulse's on/off-beat contrast counts (see above)
ACCENT_BINS = 16  # phase bins when folding the onset envelope at a beat period
METERS = (3, 4)  # beats per bar we decide between (2/4 reads as 4, 6/8 as 3 or 4)
_GRID = np.exp(np.linspace(np.log(MIN_BPM), np.log(MAX_BPM), 800))  # 0.3 % steps
_PEAK_HALF_WIDTH = 0.04  # peaks within 4 % are the same tempo


@dataclass(frozen=True)
class Rhythm:
    tempo: float  # BPM
    tempo_confidence: float  # 0..1
    beats: np.ndarray  # beat times, s
    time_signature: int  # beats per bar
    time_signature_confidence: float  # 0..1
    downbeats: np.ndarray  # bar start times, s


def tempo_salience(onset_envelope: np.ndarray, frames_per_second: float) -> np.ndarray:
    """Salience of each tempo in `tempo_grid()`: sqrt(autocorrelation x Fourier tempogram).

    Both tempograms are averaged over time, clipped at 0 and scaled to a maximum of 1.
    """
    import librosa

    sr, hop = _rates(frames_per_second)
    win = int(min(round(TEMPOGRAM_SECONDS * frames_per_second), onset_envelope.size))
    acf = librosa.feature.tempogram(
        onset_envelope=onset_envelope, sr=sr, hop_length=hop, win_length=win
    ).mean(axis=1)
    acf_bpm = librosa.tempo_frequencies(acf.size, sr=sr, hop_length=hop)
    dft = np.abs(
        librosa.feature.fourier_tempogram(
            onset_envelope=onset_envelope, sr=sr, hop_length=hop, win_length=win
        )
    ).mean(axis=1)
    dft_bpm = librosa.fourier_tempo_frequencies(sr=sr, win_length=win, hop_length=hop)
    order = np.argsort(acf_bpm[1:]) + 1  # lag 0 is infinite BPM
    a = np.interp(_GRID, acf_bpm[order], np.maximum(acf[order], 0.0))
    f = np.interp(_GRID, dft_bpm, dft)
    return np.sqrt(_unit_max(a) * _unit_max(f))


def tempo_grid() -> np.ndarray:
    return _GRID.copy()


def tempo_prior() -> np.ndarray:
    return np.exp(-0.5 * ((np.log2(_GRID) - np.log2(PRIOR_CENTER_BPM)) / PRIOR_OCTAVES) ** 2)


def estimate_tempo(onset_envelope: np.ndarray, frames_per_second: float) -> tuple[float, float]:
    """(BPM, confidence) before beat refinement.

    Confidence is 1 - (the next peak / the chosen peak) of the prior-weighted salience, where
    the next peak is the strongest one more than 4 % away: 0 when two tempi tie.
    """
    weighted = tempo_salience(onset_envelope, frames_per_second) * tempo_prior()
    best = int(np.argmax(weighted))
    if weighted[best] <= 0:
        return PRIOR_CENTER_BPM, 0.0
    if _GRID[best] / 2 >= MIN_BPM:
        slow = _peak_near(weighted, _GRID[best] / 2)
        accent = onset_accent(onset_envelope, frames_per_second, _GRID[slow])
        if weighted[slow] * accent**ACCENT_POWER > weighted[best]:
            best = slow
    far = np.abs(np.log(_GRID / _GRID[best])) > np.log1p(_PEAK_HALF_WIDTH)
    peaks = np.r_[
        False, (weighted[1:-1] >= weighted[:-2]) & (weighted[1:-1] >= weighted[2:]), False
    ]
    rival = float(weighted[far & peaks].max(initial=0.0))
    return _parabolic_bpm(weighted, best), float(np.clip(1 - rival / weighted[best], 0, 1))


def onset_accent(onset_envelope: np.ndarray, frames_per_second: float, bpm: float) -> float:
    """How much stronger a pulse's beats are than the midpoints between them: the onset
    envelope folded at the beat period (ACCENT_BINS phase bins, lightly smoothed), the
    strongest bin over the bin half a period away."""
    period = 60.0 * frames_per_second / bpm
    phase = (np.arange(onset_envelope.size) / period) % 1.0
    bins = np.minimum((phase * ACCENT_BINS).astype(np.int64), ACCENT_BINS - 1)
    counts = np.maximum(np.bincount(bins, minlength=ACCENT_BINS), 1)
    pattern = np.bincount(bins, weights=onset_envelope, minlength=ACCENT_BINS) / counts
    pattern = (np.roll(pattern, 1) + pattern + np.roll(pattern, -1)) / 3
    top = int(np.argmax(pattern))
    return float(pattern[top] / max(pattern[(top + ACCENT_BINS // 2) % ACCENT_BINS], 1e-9))


def track_beats(
    onset_envelope: np.ndarray, frames_per_second: float, bpm: float
) -> tuple[np.ndarray, float]:
    """(beat frames, refined BPM): librosa's dynamic-programming tracker held at `bpm`, then
    the tempo re-estimated as the slope of beat time against beat number (robust to a skipped
    beat; kept only if within 5 % of `bpm`)."""
    import librosa

    sr, hop = _rates(frames_per_second)
    _, beats = librosa.beat.beat_track(
        onset_envelope=onset_envelope, sr=sr, hop_length=hop, bpm=bpm, tightness=100
    )
    beats = np.asarray(beats, dtype=np.int64)
    if beats.size < 4:
        return beats, bpm
    period = 60.0 * frames_per_second / bpm
    number = np.round((beats - beats[0]) / period)
    slope = np.polyfit(number, beats.astype(np.float64), 1)[0]
    refined = 60.0 * frames_per_second / slope if slope > 0 else bpm
    return beats, float(refined) if abs(refined / bpm - 1) < 0.05 else bpm


def meter(accents: np.ndarray) -> tuple[int, float, int]:
    """(beats per bar, confidence, index of the first downbeat) from per-beat accents.

    For each meter m in METERS and each phase p, the contrast is the mean accent of beats
    p, p+m, p+2m... minus the mean of the others (accents are z-scores). The meter with the
    larger best contrast wins; confidence = (best - other) / best, clipped to 0..1.
    """
    accents = np.asarray(accents, dtype=np.float64)
    if accents.size < 2 * max(METERS) or np.std(accents) == 0:
        return 4, 0.0, 0
    best: dict[int, tuple[float, int]] = {}
    for m in METERS:
        contrasts = [
            accents[p::m].mean() - np.delete(accents, np.s_[p::m]).mean() for p in range(m)
        ]
        best[m] = (float(max(contrasts)), int(np.argmax(contrasts)))
    (m1, (s1, p1)), (_, (s2, _)) = sorted(best.items(), key=lambda kv: -kv[1][0])
    return m1, float(np.clip((s1 - s2) / s1, 0, 1)) if s1 > 0 else 0.0, p1


def beat_accents(beats: np.ndarray, spectra: Spectra) -> np.ndarray:
    """How much each beat sounds like the start of a bar, one value per beat: the sum of
    z-scores of its bass onset strength, full onset strength and peak level (each the maximum
    over the beat's frames) and its harmonic change (cosine distance between the beat's mean
    chroma and the previous beat's). Bars start with the bass, a louder hit, a new chord."""
    n = spectra.n_frames
    starts = np.unique(np.asarray(beats, dtype=np.int64))
    starts = starts[starts < n]
    if starts.size < 2:
        return np.zeros(starts.size)
    harmony = np.add.reduceat(spectra.chroma[:, :n], starts, axis=1)
    unit = harmony / np.maximum(np.linalg.norm(harmony, axis=0, keepdims=True), 1e-9)
    change = np.r_[0.0, 1 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)]
    peaks = [
        np.maximum.reduceat(feature[:n], starts)
        for feature in (spectra.bass_onset_envelope, spectra.onset_envelope, spectra.frame_db)
    ]
    return sum(_z(feature) for feature in (*peaks, change))


def analyse_rhythm(spectra: Spectra) -> Rhythm:
    """Tempo, beats, meter and downbeats of one clip (times in seconds from its start)."""
    onsets, fps = spectra.onset_envelope, spectra.frames_per_second
    bpm, confidence = estimate_tempo(onsets, fps)
    beats, bpm = track_beats(onsets, fps, bpm)
    beats = np.unique(beats[beats < spectra.n_frames])
    per_bar, bar_confidence, first = meter(beat_accents(beats, spectra))
    return Rhythm(
        tempo=float(bpm),
        tempo_confidence=confidence,
        beats=beats / fps,
        time_signature=per_bar,
        time_signature_confidence=bar_confidence,
        downbeats=beats[first::per_bar] / fps,
    )


def _peak_near(values: np.ndarray, bpm: float) -> int:
    """Index of the largest value within _PEAK_HALF_WIDTH of `bpm` on the grid."""
    near = np.flatnonzero(np.abs(np.log(_GRID / bpm)) <= np.log1p(_PEAK_HALF_WIDTH))
    if near.size == 0:
        return int(np.argmin(np.abs(_GRID - bpm)))
    return int(near[np.argmax(values[near])])


def _z(x: np.ndarray) -> np.ndarray:
    sd = np.std(x)
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x, dtype=np.float64)


def _unit_max(x: np.ndarray) -> np.ndarray:
    top = float(np.max(x)) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def _parabolic_bpm(values: np.ndarray, i: int) -> float:
    if 0 < i < values.size - 1:
        a, b, c = values[i - 1], values[i], values[i + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        return float(np.exp(np.interp(i + shift, np.arange(_GRID.size), np.log(_GRID))))
    return float(_GRID[i])


def _rates(frames_per_second: float) -> tuple[int, int]:
    """(sample rate, hop) pair with this frame rate, for librosa's frame/BPM conversions."""
    return int(round(frames_per_second * HOP)), HOP
