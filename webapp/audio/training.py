"""Audio model versions: train the CNN on the active CF version's track vectors, and serve it.

`audio_retrain` records a `training.ModelVersion(kind="audio")` from its first second, learns
the CF vectors of analysed tracks with at least MIN_LISTENS listeners from their cached
spectrograms, predicts V-hat and an embedding for every analysed track, writes them with the
weights under MODEL_DIR/audio/audio-<id>/ and activates the version. The CF version it learned
from is params["cf_version"]: its V-hat lives in that version's space, so the audio model
serves only while that CF version does (retrain audio after CF, as the weekly chain does).
A failed run is a failed row; the previous version keeps serving.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from recommender.audio.cnn import MIN_LISTENS, AudioModel, CNNParams
from recommender.audio.cnn import train as train_cnn
from recommender.audio.scorer import AudioScorer
from recommender.cf import CFModel
from recommender.interactions import IdMap
from webapp.audio.models import TrackAnalysis
from webapp.audio.selectors import analysed_tracks, listeners_per_track, spectrogram_load
from webapp.training.models import ModelKind, ModelVersion, RunStatus
from webapp.training.selectors import model_version_active
from webapp.training.services import TrainingError, cf_version_activate

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
MIN_TRAINING_TRACKS = 8
PREDICTIONS_FILE = "predictions.npz"


def audio_retrain(
    *,
    params: CNNParams | None = None,
    force: bool = False,
    task_id: str = "",
    progress: Progress | None = None,
) -> ModelVersion:
    """Train, predict, save and activate an audio version. Data, CF version and params
    identical to the active audio version's -> recorded as skipped. Raises TrainingError on
    failure, after recording it on the version row."""
    params = params or CNNParams()
    cf_version = model_version_active(kind=ModelKind.CF)
    version = ModelVersion.objects.create(
        kind=ModelKind.AUDIO,
        params={**asdict(params), "min_listens": MIN_LISTENS},
        task_id=task_id[:64],
    )
    started = time.monotonic()

    def report(fraction: float, message: str) -> None:
        ModelVersion.objects.filter(pk=version.pk).update(
            progress=fraction, progress_message=message[:200]
        )
        if progress is not None:
            progress(fraction, message)

    try:
        if cf_version is None:
            raise TrainingError("No active CF version: train CF (manage.py train_cf) first.")
        version.params["cf_version"] = cf_version.pk
        report(0.0, f"Loading CF version #{cf_version.pk} and the analysed tracks")
        cf = CFModel.load(cf_version.artifact_path)
        track_ids, paths, train_rows, targets = _training_set(cf)
        version.data_counts = {
            "analysed_tracks": len(track_ids),
            "training_tracks": int(train_rows.size),
            "cf_tracks": len(cf.items),
            "cf_listeners": len(cf.users),
        }
        version.data_fingerprint = _fingerprint(
            cf_version.pk, track_ids, train_rows, version.params
        )
        active = model_version_active(kind=ModelKind.AUDIO)
        if not force and active and active.data_fingerprint == version.data_fingerprint:
            return _finish(
                version,
                started,
                status=RunStatus.SKIPPED,
                message=f"Data, CF version and params unchanged since #{active.pk}; it stays.",
            )
        mels = [spectrogram_load(path) for path in paths]
        report(0.05, f"Training the CNN on {train_rows.size} tracks")
        stage = time.monotonic()
        model = train_cnn(
            [mels[i] for i in train_rows],
            targets,
            params,
            progress=lambda epoch, total, loss: report(
                0.05 + 0.85 * epoch / total, f"Epoch {epoch}/{total}: validation loss {loss:.4f}"
            ),
        )
        seconds_train = time.monotonic() - stage
        report(0.92, f"Predicting {len(track_ids)} tracks")
        stage = time.monotonic()
        vhat, embeddings = model.predict(mels)
        directory = model.save(_artifact_dir(version))
        scorer = AudioScorer(IdMap(np.asarray(track_ids)), vhat, embeddings)
        version.artifact_path = str(scorer.save(directory / PREDICTIONS_FILE))
        history = model.history
        version.metrics = {
            "best_val_loss": round(float(history["best_val_loss"]), 5),
            "best_epoch": history["best_epoch"],
            "epochs": len(history["epochs"]),
            "seconds_train": round(seconds_train, 3),
            "seconds_per_epoch": round(seconds_train / max(len(history["epochs"]), 1), 3),
            "seconds_predict": round(time.monotonic() - stage, 3),
        }
        _finish(version, started, status=RunStatus.SUCCEEDED, message="Trained and predicted")
        cf_version_activate(version=version)
        report(1.0, "Active")
        return version
    except Exception as exc:
        version.error = str(exc) or type(exc).__name__
        _finish(version, started, status=RunStatus.FAILED, message="Failed")
        log.exception("Audio retrain #%s failed", version.pk)
        if isinstance(exc, TrainingError):
            raise
        raise TrainingError(f"Audio retrain #{version.pk} failed: {version.error}") from exc


def _training_set(cf: CFModel):
    """(analysed track ids, their spectrogram paths, positions of the training tracks among
    them, those tracks' CF vectors). A track trains the CNN when MIN_LISTENS different
    listeners played it: saves and artist-page visits shape CF vectors too, but a vector
    resting on a visit spread over an artist's catalog is no target for its sound."""
    analysed = analysed_tracks()
    if not analysed:
        raise TrainingError("No analysed audio yet: run manage.py analyze_audio first.")
    track_ids = [track_id for track_id, _ in analysed]
    paths = [path for _, path in analysed]
    cols = cf.items.index_of(np.asarray(track_ids, dtype=np.int64))
    counts = listeners_per_track(track_ids=track_ids)
    listeners = np.array([counts.get(track_id, 0) for track_id in track_ids])
    enough = (cols >= 0) & (listeners >= MIN_LISTENS)
    train_rows = np.flatnonzero(enough)
    if train_rows.size < MIN_TRAINING_TRACKS:
        raise TrainingError(
            f"Only {train_rows.size} analysed tracks have {MIN_LISTENS} or more listeners in "
            f"the CF model; the CNN needs at least {MIN_TRAINING_TRACKS}. Analyse more audio "
            "or wait for more listening."
        )
    return track_ids, paths, train_rows, cf.item_factors[cols[train_rows]]


def _fingerprint(cf_version: int, track_ids: list[int], rows: np.ndarray, params: dict) -> str:
    digest = hashlib.sha256(repr((cf_version, sorted(params.items()))).encode())
    digest.update(np.asarray(track_ids, dtype=np.int64).tobytes())
    digest.update(np.asarray(rows, dtype=np.int64).tobytes())
    stamps = TrackAnalysis.objects.filter(track_id__in=track_ids).order_by("track_id")
    digest.update(repr(list(stamps.values_list("analysed_at", flat=True))).encode())
    return digest.hexdigest()


def _finish(version: ModelVersion, started: float, *, status: str, message: str) -> ModelVersion:
    version.status, version.progress_message = status, message
    version.finished_at = timezone.now()
    version.duration_s = round(time.monotonic() - started, 3)
    version.save()
    return version


def _artifact_dir(version: ModelVersion) -> Path:
    return Path(settings.MODEL_DIR) / "audio" / f"audio-{version.pk:06d}"


# --- serving -----------------------------------------------------------------------------

_models: dict[int, AudioModel] = {}
_scorers: dict[int, tuple[AudioScorer, object]] = {}


def audio_cnn_active() -> tuple[ModelVersion, AudioModel] | tuple[None, None]:
    """The serving audio version and its CNN (loaded once per process and version)."""
    version = model_version_active(kind=ModelKind.AUDIO)
    if version is None:
        return None, None
    if version.pk not in _models:
        try:
            model = AudioModel.load(Path(version.artifact_path).parent)
        except (OSError, ValueError) as exc:
            log.error("Audio version #%s cannot be loaded: %s", version.pk, exc)
            return None, None
        _models.clear()
        _models[version.pk] = model
    return version, _models[version.pk]


def audio_scorer_active() -> tuple[ModelVersion, AudioScorer] | tuple[None, None]:
    """The serving audio version as a Scorer: its artifact's predictions plus those made for
    tracks analysed since. None while the CF version it learned from is not the active one
    (its V-hat would not be in the listeners' vector space)."""
    version = model_version_active(kind=ModelKind.AUDIO)
    cf_version = model_version_active(kind=ModelKind.CF)
    if version is None or cf_version is None:
        return None, None
    if version.params.get("cf_version") != cf_version.pk:
        log.warning(
            "Audio version #%s learned from CF #%s, but CF #%s serves: retrain audio.",
            version.pk, version.params.get("cf_version"), cf_version.pk,
        )  # fmt: skip
        return None, None
    scorer, applied_until = _scorers.get(version.pk, (None, None))
    if scorer is None:
        try:
            scorer = AudioScorer.load(version.artifact_path)
        except (OSError, ValueError) as exc:
            log.error("Audio version #%s cannot be loaded: %s", version.pk, exc)
            return None, None
        _scorers.clear()
    scorer, applied_until = _predictions_apply(version, scorer, since=applied_until)
    _scorers[version.pk] = (scorer, applied_until)
    return version, scorer


def _predictions_apply(version: ModelVersion, scorer: AudioScorer, *, since):
    rows = TrackAnalysis.objects.filter(predicted_by=version).exclude(vhat=None)
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    found = list(rows.values_list("track_id", "vhat", "embedding", "updated_at"))
    if not found:
        return scorer, since
    ids = np.array([f[0] for f in found], dtype=np.int64)
    vhat = np.stack([np.frombuffer(bytes(f[1]), dtype="<f4") for f in found])
    emb = np.stack([np.frombuffer(bytes(f[2]), dtype="<f4") for f in found])
    return scorer.with_tracks(ids, vhat, emb), max(f[3] for f in found)
