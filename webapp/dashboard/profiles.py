"""The cultural and audio profile panels' reads: what a listener plays against what was picked.

A listener and this week's pick ids in. Culture: the listener's profile as the serving culture
version scores it (its listening-weighted artist term vectors, recommender.culture), its top
terms with weights, the same terms' weights in this week's picks taken together, and each
pick's cosine match with the terms that carry it. Audio: tempo, key/mode and loudness of the
analysed tracks they play (weighted by plays) and of the analysed picks, as histograms. Each
returns its data or a sentence saying what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.audio.tonal import KEY_NAMES
from recommender.culture.vectors import normalize_rows
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.listening.selectors import signals_weighted
from webapp.playlists.selectors import HISTORY_WEIGHTS
from webapp.training.registry import Snapshot

#: The listener's terms drawn and compared with the picks.
CULTURE_TERMS = 12
#: Terms named per pick as the ones that carry its match.
MATCH_TERMS = 2
TEMPO_BINS = np.arange(50, 211, 10)  # BPM
LOUDNESS_BINS = np.arange(-36, 1, 3)  # LUFS
KEY_LABELS = [f"{name} {mode}" for mode in ("major", "minor") for name in KEY_NAMES]


@dataclass(frozen=True)
class PickMatch:
    track_id: int
    similarity: float
    terms: list[str]


@dataclass(frozen=True)
class CultureProfile:
    terms: list[str]
    yours: list[float]  # the listener's profile weight of each term
    picks: list[float]  # the same terms' weight in the picks' combined vector
    matches: list[PickMatch]  # per pick, in playlist order


def culture_profile(
    *, listener, pick_ids: list[int], snapshot: Snapshot | None
) -> CultureProfile | str:
    """The listener's cultural profile by the serving culture version (`snapshot`)."""
    if snapshot is None:
        return (
            "No cultural model serves yet: it is built from crawled writing about music "
            "(the weekly job, or manage.py culture_demo in the demo)."
        )
    model = snapshot.model
    _, tracks, weights = signals_weighted(user_ids=[listener.pk], weights=HISTORY_WEIGHTS)
    if tracks.size == 0:
        return "No plays or saves yet: the cultural profile is made of the artists you play."
    history = sp.csr_matrix((weights, (np.zeros(tracks.size, np.int64), np.arange(tracks.size))))
    profile = model.profiles(history, tracks)
    if profile.nnz == 0:
        return "No page the crawler read describes the artists you play yet."
    top = np.lexsort((profile.indices, -profile.data))[:CULTURE_TERMS]
    cols, yours = profile.indices[top], profile.data[top]
    picks = model.track_vectors(np.asarray(pick_ids, dtype=np.int64))
    combined = normalize_rows(sp.csr_matrix(picks.sum(axis=0))) if pick_ids else None
    return CultureProfile(
        terms=[str(model.vocab[c]) for c in cols],
        yours=[float(v) for v in yours],
        picks=[float(combined[0, c]) for c in cols] if combined is not None else [],
        matches=_matches(model.vocab, profile, picks, pick_ids),
    )


def _matches(vocab, profile: sp.csr_matrix, picks: sp.csr_matrix, pick_ids) -> list:
    shared = picks.multiply(profile).tocsr()  # per-term parts of each pick's cosine
    out = []
    for row, track_id in enumerate(pick_ids):
        lo, hi = shared.indptr[row], shared.indptr[row + 1]
        cols, parts = shared.indices[lo:hi], shared.data[lo:hi]
        order = np.lexsort((cols, -parts))[:MATCH_TERMS]
        out.append(
            PickMatch(
                track_id=int(track_id),
                similarity=float(parts.sum()),
                terms=[str(vocab[cols[i]]) for i in order if parts[i] > 0],
            )
        )
    return out


@dataclass(frozen=True)
class Distribution:
    """Shares (%) of what the listener plays and of the picks, over the same bins."""

    labels: list[str]
    yours: list[float]
    picks: list[float]
    centres: list[float] | None = None  # numeric bins: where each bar stands
    width: float | None = None


@dataclass(frozen=True)
class AudioProfile:
    tempo: Distribution
    key: Distribution
    loudness: Distribution
    played_tracks: int  # analysed tracks behind "yours"
    picked_tracks: int  # analysed picks


def audio_profile(*, listener, pick_ids: list[int]) -> AudioProfile | str:
    played = list(
        TrackAnalysis.objects.filter(
            status=AnalysisStatus.SUCCEEDED,
            track__tracksignal__user_id=listener.pk,
            track__tracksignal__play_count__gt=0,
        ).values_list("tempo", "key", "mode", "loudness", "track__tracksignal__play_count")
    )
    picked = list(
        TrackAnalysis.objects.filter(
            status=AnalysisStatus.SUCCEEDED, track_id__in=pick_ids
        ).values_list("tempo", "key", "mode", "loudness")
    )
    if not played and not picked:
        return (
            "None of the tracks you play or that were picked has been analysed yet: tracks "
            "are analysed when their audio is uploaded (or by manage.py analyze_audio)."
        )
    yours, weights = _columns([row[:4] for row in played]), np.array([r[4] for r in played])
    theirs = _columns(picked)
    ones = np.ones(len(picked))
    return AudioProfile(
        tempo=_distribution(TEMPO_BINS, yours[0], weights, theirs[0], ones),
        key=_key_distribution(yours, weights, theirs, ones),
        loudness=_distribution(LOUDNESS_BINS, yours[3], weights, theirs[3], ones),
        played_tracks=len(played),
        picked_tracks=len(picked),
    )


def _columns(rows: list) -> list[np.ndarray]:
    """(tempo, key, mode, loudness) arrays; NaN / -1 for values an analysis lacks."""
    if not rows:
        return [np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)]
    tempo, key, mode, loudness = zip(*rows, strict=True)

    def floats(values):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    def ints(values):
        return np.array([-1 if v is None else v for v in values], dtype=np.int64)

    return [floats(tempo), ints(key), ints(mode), floats(loudness)]


def _shares(values: np.ndarray, weights: np.ndarray, bins: np.ndarray) -> list[float]:
    """Percent of the weight in each bin (values outside go to the first / last bin)."""
    ok = np.isfinite(values)
    if not ok.any():
        return [0.0] * (bins.size - 1)
    clipped = np.clip(values[ok], bins[0], bins[-1] - 1e-9)
    counts, _ = np.histogram(clipped, bins=bins, weights=weights[ok])
    return [round(float(c), 1) for c in 100 * counts / counts.sum()]


def _distribution(bins, yours, weights, picks, ones) -> Distribution:
    labels = [f"{int(lo)} to {int(hi)}" for lo, hi in zip(bins[:-1], bins[1:], strict=True)]
    return Distribution(
        labels,
        _shares(yours, weights, bins),
        _shares(picks, ones, bins),
        centres=[float(c) for c in (bins[:-1] + bins[1:]) / 2],
        width=float(bins[1] - bins[0]),
    )


def _key_distribution(yours, weights, picks, ones) -> Distribution:
    """Shares over the 24 keys: C major ... B major, C minor ... B minor."""

    def index(columns):
        key, mode = columns[1], columns[2]
        return np.where((key >= 0) & (mode >= 0), (1 - mode) * 12 + key, -1).astype(float)

    bins = np.arange(25) - 0.5
    mine, theirs = index(yours), index(picks)
    mine[mine < 0], theirs[theirs < 0] = np.nan, np.nan
    return Distribution(KEY_LABELS, _shares(mine, weights, bins), _shares(theirs, ones, bins))
