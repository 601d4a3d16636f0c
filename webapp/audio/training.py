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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from django.conf import settings

from recommender.audio.cnn import MIN_LISTENS, AudioModel, CNNParams
from recommender.audio.cnn import train as train_cnn
from recommender.audio.scorer import AudioScorer
from recommender.cf import CFModel
from recommender.interactions import IdMap
from webapp.audio.models import TrackAnalysis
from webapp.audio.selectors import analysed_tracks, listeners_per_track, spectrogram_load
from webapp.training.models import ModelKind, ModelVersion, RunStatus
from webapp.training.registry import Snapshot, registry
from webapp.training.selectors import model_version_active
from webapp.training.services import TrainingError, VersionRun

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
    run = VersionRun(
        kind=ModelKind.AUDIO,
        params={**asdict(params), "min_listens": MIN_LISTENS},
        task_id=task_id,
        progress=progress,
    )
    version, report = run.version, run.report
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
            return run.finish(
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
        run.finish(status=RunStatus.SUCCEEDED, message="Trained and predicted")
        return run.activate()
    except BaseException as exc:  # Ctrl-C and SIGTERM too: the row must not stay "running"
        run.fail(exc)
        log.exception("Audio retrain #%s failed", version.pk)
        if isinstance(exc, TrainingError | KeyboardInterrupt | SystemExit):
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


def _artifact_dir(version: ModelVersion) -> Path:
    return Path(settings.MODEL_DIR) / "audio" / f"audio-{version.pk:06d}"


# --- serving: the registry loads a version once; predictions made since apply by sequence ---


@dataclass(frozen=True, eq=False)
class AudioServed:
    """What the registry serves for an audio version: the CNN (to predict tracks analysed
    later), the scorer over every prediction, and the CF version whose space V-hat is in."""

    cnn: AudioModel
    scorer: AudioScorer
    cf_version: int | None


def audio_serving_load(path: str) -> AudioServed:
    version = ModelVersion.objects.filter(artifact_path=path, kind=ModelKind.AUDIO).first()
    return AudioServed(
        cnn=AudioModel.load(Path(path).parent),
        scorer=AudioScorer.load(path),
        cf_version=version.params.get("cf_version") if version else None,
    )


def audio_serving_refresh(snapshot: Snapshot, seq: int) -> AudioServed:
    """The served model with the predictions of batches (applied_seq, seq] added."""
    rows = list(
        TrackAnalysis.objects.filter(
            predicted_by_id=snapshot.version_id,
            prediction_seq__gt=snapshot.applied_seq,
            prediction_seq__lte=seq,
        )
        .exclude(vhat=None)
        .order_by("prediction_seq")
        .values_list("track_id", "vhat", "embedding")
    )
    served = snapshot.model
    if not rows:
        return served
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vhat = np.stack([np.frombuffer(bytes(r[1]), dtype="<f4") for r in rows])
    emb = np.stack([np.frombuffer(bytes(r[2]), dtype="<f4") for r in rows])
    return replace(served, scorer=served.scorer.with_tracks(ids, vhat, emb))


def audio_served() -> tuple[int, AudioServed] | tuple[None, None]:
    """(version id, served audio model), or (None, None) when none serves or the CF version
    it learned from is no longer the active one (its V-hat would be in another space)."""
    snapshot = registry.snapshot(ModelKind.AUDIO)
    if snapshot is None:
        return None, None
    cf = registry.snapshot(ModelKind.CF)
    if cf is None or snapshot.model.cf_version != cf.version_id:
        log.warning(
            "Audio version #%s learned from CF #%s, but CF #%s serves: retrain audio.",
            snapshot.version_id, snapshot.model.cf_version, cf.version_id if cf else None,
        )  # fmt: skip
        return None, None
    return snapshot.version_id, snapshot.model


def audio_cnn_active() -> tuple[int, AudioModel] | tuple[None, None]:
    """The serving audio version's id and its CNN."""
    version_id, served = audio_served()
    return (version_id, served.cnn) if served is not None else (None, None)


def audio_scorer_active() -> tuple[int, AudioScorer] | tuple[None, None]:
    """The serving audio version's id as a Scorer: its artifact's predictions plus those
    made for tracks analysed since."""
    version_id, served = audio_served()
    return (version_id, served.scorer) if served is not None else (None, None)
