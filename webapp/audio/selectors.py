"""Audio reads: analysed tracks and their cached spectrograms, the "sounds like" neighbours."""

import numpy as np

from webapp.audio.models import AnalysisStatus, TrackAnalysis


def analysed_tracks() -> list[tuple[int, str]]:
    """(track id, spectrogram path) of every successfully analysed track, by track id."""
    return list(
        TrackAnalysis.objects.filter(status=AnalysisStatus.SUCCEEDED)
        .exclude(spectrogram_path="")
        .order_by("track_id")
        .values_list("track_id", "spectrogram_path")
    )


def listeners_per_track(*, track_ids: list[int]) -> dict[int, int]:
    """How many different listeners played each of these tracks (tracks nobody played are
    absent), counted in SQL."""
    from django.db.models import Count

    from webapp.listening.models import Listen

    rows = (
        Listen.objects.filter(track_id__in=track_ids)
        .values("track_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("track_id", "n")
    )
    return dict(rows)


def spectrogram_load(path: str) -> np.ndarray:
    """A cached log-mel spectrogram (float16 .npy, read without pickle; the CNN takes it as
    it is, so a catalog's spectrograms take half the memory of float32 while training)."""
    return np.load(path, allow_pickle=False)


def tracks_needing_analysis(*, everything: bool = False) -> list[int]:
    """Ids of tracks with audio whose analysis is missing, not succeeded, out of date or of
    another file; with `everything`, every track with audio."""
    from recommender.audio.analysis import ANALYZER_VERSION
    from webapp.catalog.models import Track

    with_audio = Track.objects.exclude(audio="").exclude(audio__isnull=True)
    if everything:
        return list(with_audio.order_by("pk").values_list("pk", flat=True))
    done = TrackAnalysis.objects.filter(
        status=AnalysisStatus.SUCCEEDED, analyzer_version=ANALYZER_VERSION
    ).values_list("track_id", "audio_name")
    current = dict(with_audio.values_list("pk", "audio"))
    up_to_date = {track_id for track_id, name in done if current.get(track_id) == name}
    return sorted(pk for pk in current if pk not in up_to_date)


def track_sounds_like(*, track_id: int, limit: int = 10) -> list[tuple[int, float]]:
    """(track id, cosine similarity) of the tracks whose audio embeddings are nearest,
    from the serving audio model; empty when none serves or the track has no prediction."""
    from webapp.audio.training import audio_scorer_active

    _, scorer = audio_scorer_active()
    return scorer.similar(track_id, n=limit) if scorer is not None else []


def track_features_arrays() -> tuple[np.ndarray, ...] | None:
    """(track ids, tempo, key, mode) of every successfully analysed track, for the playlist's
    flow; None while nothing is analysed."""
    rows = list(
        TrackAnalysis.objects.filter(status=AnalysisStatus.SUCCEEDED)
        .exclude(tempo=None)
        .values_list("track_id", "tempo", "key", "mode")
    )
    if not rows:
        return None
    ids, tempo, key, mode = zip(*rows, strict=True)
    return (
        np.array(ids, dtype=np.int64),
        np.array(tempo, dtype=np.float32),
        np.array([-1 if k is None else k for k in key], dtype=np.int64),
        np.array([-1 if m is None else m for m in mode], dtype=np.int64),
    )
