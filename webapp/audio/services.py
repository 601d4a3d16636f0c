"""Audio writes: analyse one track, queue analyses, scan a folder of audio into the catalog.

A track's analysis is one row from the moment it is queued (pending -> running ->
succeeded/failed). Whatever goes wrong with one file (corrupt, silent, too short, not
audio, an unsupported format) ends as status=failed with a readable error on that row and
touches nothing else. When an audio model serves, a newly analysed track also gets its
predicted CF vector and embedding, so it can be recommended before anyone plays it.
"""

import contextlib
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from recommender.audio.analysis import ANALYZER_VERSION, Analysis, analyze_file
from recommender.audio.batch import analysis_of_file, map_files
from recommender.audio.decode import AudioError
from recommender.audio.tags import read_tags
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.catalog.inputs import text_problem
from webapp.catalog.models import AUDIO_EXTENSIONS, Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.training.services import version_seq_take

log = logging.getLogger(__name__)
UNKNOWN_ARTIST = "Unknown artist"


def spectrogram_dir() -> Path:
    return Path(settings.MODEL_DIR) / "audio" / "spectrograms"


def track_analyze(*, track_id: int) -> TrackAnalysis | None:
    """Analyse a track's audio file and store the result (None if the track is gone)."""
    track = Track.objects.filter(pk=track_id).first()
    if track is None:
        return None
    row = _row_running(track)
    if not track.audio:
        return _failed(row, "The track has no audio file: upload one on the track first.")
    try:
        with _local_copy(track) as path:
            result = analyze_file(path)
    except AudioError as exc:
        return _failed(row, str(exc))
    except Exception as exc:  # a bug or a storage outage: recorded, never fatal to callers
        log.exception("Analysis of track #%s failed unexpectedly", track_id)
        return _failed(row, f"Unexpected error while analysing {row.audio_name}: {exc}")
    return _stored(row, *result)


def tracks_analyze(
    *,
    track_ids: list[int],
    workers: int = 1,
    progress: Callable[[TrackAnalysis], None] | None = None,
) -> list[TrackAnalysis]:
    """Analyse many tracks: the audio work on `workers` processes (files on local storage),
    the rows written here. Each track's outcome is the same as `track_analyze`'s."""
    tracks = list(Track.objects.filter(pk__in=track_ids).order_by("pk"))
    local = [t for t in tracks if t.audio and _local_path(t) is not None]
    done = []
    results = map_files(analysis_of_file, [_local_path(t) for t in local], workers=workers)
    for track, result in zip(local, results, strict=True):
        row = _row_running(track)
        done.append(_failed(row, result) if isinstance(result, str) else _stored(row, *result))
        if progress is not None:
            progress(done[-1])
    for track in (t for t in tracks if t not in local):
        done.append(track_analyze(track_id=track.pk))
        if progress is not None:
            progress(done[-1])
    return done


def _row_running(track: Track) -> TrackAnalysis:
    row, _ = TrackAnalysis.objects.get_or_create(track=track)
    row.audio_name = track.audio.name if track.audio else ""
    TrackAnalysis.objects.filter(pk=row.pk).update(status=AnalysisStatus.RUNNING, error="")
    return row


def _stored(row: TrackAnalysis, analysis: Analysis, mel: np.ndarray) -> TrackAnalysis:
    row.spectrogram_path = str(_spectrogram_save(row.track_id, mel))
    row.features = analysis.to_dict()
    row.tempo, row.key, row.mode = analysis.tempo, analysis.key, analysis.mode
    row.loudness, row.time_signature = analysis.loudness, analysis.time_signature
    row.status, row.error = AnalysisStatus.SUCCEEDED, ""
    row.analyzer_version, row.analysed_at = ANALYZER_VERSION, timezone.now()
    row.vhat = row.embedding = row.predicted_by = None
    row.save()
    _predict(row, mel)
    return row


def analysis_queue(*, track_ids: list[int]) -> int:
    """Mark these tracks' analyses pending and enqueue one Celery task per track after the
    transaction commits. Returns how many were queued."""
    from webapp.audio.tasks import analyze_track

    ids = list(Track.objects.filter(pk__in=track_ids).values_list("pk", flat=True))
    existing = set(
        TrackAnalysis.objects.filter(track_id__in=ids).values_list("track_id", flat=True)
    )
    TrackAnalysis.objects.bulk_create(
        [TrackAnalysis(track_id=pk) for pk in ids if pk not in existing]
    )
    audio = Track.objects.filter(pk=OuterRef("track_id")).values("audio")[:1]
    TrackAnalysis.objects.filter(track_id__in=ids).update(
        status=AnalysisStatus.PENDING, error="", audio_name=Coalesce(Subquery(audio), Value(""))
    )
    for pk in ids:
        transaction.on_commit(lambda pk=pk: analyze_track.delay(pk))
    return len(ids)


@dataclass
class ScanReport:
    files: int = 0
    linked: int = 0
    tracks_created: int = 0
    already_linked: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.files} audio files: {self.linked} linked to tracks "
            f"({self.tracks_created} tracks created), {self.already_linked} already had audio"
        )


def library_scan(*, path: str | os.PathLike) -> ScanReport:
    """Link every audio file under `path` to a catalog track and queue its analysis.

    The track is found (or created) from the file's artist and title tags, falling back to
    the folder name and the file name. Files are copied into the media storage (files already
    under MEDIA_ROOT are skipped); a track that already has audio keeps it. Analysis is queued
    per track by the post_save signal.
    """
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    media = Path(settings.MEDIA_ROOT).resolve()
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower().lstrip(".") in AUDIO_EXTENSIONS
        and not p.resolve().is_relative_to(media)  # our own copies from earlier scans
    )
    report = ScanReport(files=len(files))
    if not files:
        return report
    refs = [_track_ref(p) for p in files]
    before = Track.objects.count()
    track_ids = tracks_resolve(refs=refs)
    report.tracks_created = Track.objects.count() - before
    for file, track_id in zip(files, track_ids, strict=True):
        track = Track.objects.get(pk=track_id)
        if track.audio:
            report.already_linked += 1
            continue
        try:
            with transaction.atomic(), file.open("rb") as fh:
                track.audio.save(file.name, File(fh), save=True)
        except OSError as exc:
            report.problems.append(f"{file}: {exc}")
            continue
        report.linked += 1
    return report


#: Longest duration a track row holds (a 32-bit column); a broken header can claim years.
_MAX_DURATION_MS = 2**31 - 1


def _track_ref(path: Path) -> TrackRef:
    """What the file's tags (or its folder and name) say about its track, as storable text:
    one scan must not stop on one file's odd tags."""
    tags = read_tags(path)
    artist = _tag_text(tags.artist) or _tag_text(path.parent.name) or UNKNOWN_ARTIST
    seconds = tags.duration_s
    duration = int(seconds * 1000) if seconds and math.isfinite(seconds) else None
    return TrackRef(
        artist_name=artist,
        track_name=_tag_text(tags.title) or _tag_text(path.stem) or path.suffix,
        release_name=_tag_text(tags.album) or None,
        duration_ms=duration if duration is not None and 0 < duration <= _MAX_DURATION_MS else None,
    )


def _tag_text(value: str | None) -> str:
    """A tag as text a database stores: ID3v2.4 separates several values with U+0000 (the
    first is kept); a lone surrogate from a broken encoding becomes U+FFFD."""
    if not value:
        return ""
    first = next((part for part in value.split("\x00") if part.strip()), "")
    if text_problem(first) is not None:
        first = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in first)
    return first.strip()


def _failed(row: TrackAnalysis, error: str) -> TrackAnalysis:
    row.status, row.error = AnalysisStatus.FAILED, error[:2000]
    row.analyzer_version, row.analysed_at = ANALYZER_VERSION, timezone.now()
    row.save()
    return row


@contextlib.contextmanager
def _local_copy(track: Track) -> Iterator[Path]:
    """A local path to the track's audio: the file itself on local storage, else a temp copy
    (same extension, which the decoder goes by)."""
    local = _local_path(track)
    if local is not None:
        yield local
        return
    suffix = Path(track.audio.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp, track.audio.open("rb") as src:
        shutil.copyfileobj(src, tmp)
        tmp.flush()
        yield Path(tmp.name)


def _local_path(track: Track) -> Path | None:
    try:
        return Path(track.audio.path)
    except NotImplementedError:  # remote storage has no .path
        return None


def _spectrogram_save(track_id: int, mel: np.ndarray) -> Path:
    path = spectrogram_dir() / f"{track_id // 1000:04d}" / f"{track_id}.npy"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, mel.astype(np.float16), allow_pickle=False)
    return path


def _predict(row: TrackAnalysis, mel: np.ndarray) -> None:
    """Store the serving audio model's V-hat and embedding for a freshly analysed track."""
    from webapp.audio.training import audio_cnn_active

    version_id, model = audio_cnn_active()
    if version_id is None:
        return
    vhat, embedding = model.predict([mel.astype(np.float32)])
    with transaction.atomic():  # stamped in commit order: every process applies it by seq
        seq = version_seq_take(version_id)
        if seq is None:
            return
        TrackAnalysis.objects.filter(pk=row.pk).update(
            predicted_by_id=version_id,
            prediction_seq=seq,
            vhat=vhat[0].astype("<f4").tobytes(),
            embedding=embedding[0].astype("<f4").tobytes(),
        )
