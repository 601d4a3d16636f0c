"""The audio app: analysis rows (uploads, failures), scan_library, analyze_audio, train_audio,
and serving: a track nobody played gets a predicted vector and a score."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from recommender.audio.cnn import CNNParams
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch
from tests.webapp.audio_files import clip_bytes, clip_file, silence_file
from tests.webapp.cf_world import make_world
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.audio.selectors import spectrogram_load, track_sounds_like
from webapp.audio.training import audio_retrain, audio_scorer_active
from webapp.catalog.models import Artist, Track
from webapp.training import services as training_services
from webapp.training.models import ModelKind, ModelVersion, RunStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]
FAST_CNN = CNNParams(channels=8, embedding_dim=16, crop_frames=32, max_epochs=6, patience=6)


def new_track(title: str, artist: str = "Ada Loop") -> Track:
    artist_row, _ = Artist.objects.get_or_create(name=artist, name_normalized=artist.lower())
    return Track.objects.create(artist=artist_row, title=title, title_normalized=title.lower())


def upload(track: Track, content: ContentFile, capture) -> TrackAnalysis:
    with capture(execute=True):
        track.audio.save(content.name, content, save=True)
    return TrackAnalysis.objects.get(track=track)


def test_uploaded_audio_is_analysed_with_its_features_and_spectrogram(
    django_capture_on_commit_callbacks,
):
    track = new_track("Night Drive")
    content = clip_file("night.ogg", tempo=120, key=9, mode=0, seconds=4)
    row = upload(track, content, django_capture_on_commit_callbacks)
    assert row.status == AnalysisStatus.SUCCEEDED and row.error == ""
    assert row.tempo == pytest.approx(120, rel=0.02) and (row.key, row.mode) == (9, 0)
    assert row.features["beats"] and row.features["segments"] and row.loudness < 0
    assert row.audio_name == track.audio.name and row.analyzer_version
    assert spectrogram_load(row.spectrogram_path).shape[0] == 64


def test_saving_a_track_again_does_not_reanalyse_the_same_file(
    django_capture_on_commit_callbacks,
):
    track = new_track("Once")
    row = upload(track, clip_file("once.flac"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        track.release_name = "Renamed"
        track.save()
    assert callbacks == [] and TrackAnalysis.objects.get(pk=row.pk).analysed_at == row.analysed_at


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (ContentFile(b"RIFF....WAVEnot really", name="broken.wav"), "cannot decode"),
        (ContentFile(b"Dear diary, " * 100, name="diary.mp3"), "cannot decode"),
        (silence_file(), "silent"),
        (
            ContentFile(clip_bytes("wav", seconds=0.5), name="blip.wav"),
            "0.500 s long (rounded down)",
        ),
        (ContentFile(b"\x00\x00\x00 ftypM4A ", name="song.m4a"), "unsupported audio format"),
    ],
)
def test_bad_audio_fails_with_a_readable_error_and_nothing_else_is_touched(
    django_capture_on_commit_callbacks, content, says
):
    good = new_track("Fine")
    good_row = upload(good, clip_file("fine.flac"), django_capture_on_commit_callbacks)
    row = upload(new_track("Bad"), content, django_capture_on_commit_callbacks)
    assert row.status == AnalysisStatus.FAILED and says in row.error
    assert row.features == {} and row.spectrogram_path == ""
    assert TrackAnalysis.objects.get(pk=good_row.pk).status == AnalysisStatus.SUCCEEDED


def test_a_track_without_audio_is_marked_failed_by_hand():
    from webapp.audio.services import track_analyze

    row = track_analyze(track_id=new_track("Silent Film").pk)
    assert row.status == AnalysisStatus.FAILED and "no audio file" in row.error


def test_scan_library_reads_tags_links_files_and_analyses_them(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    (tmp_path / "Folder Artist").mkdir()
    (tmp_path / "tagged.flac").write_bytes(
        clip_bytes("flac", tags={"artist": "Tag Artist", "title": "Tag Title", "album": "LP"})
    )
    (tmp_path / "Folder Artist" / "Untagged Song.ogg").write_bytes(clip_bytes("ogg", key=4))
    (tmp_path / "notes.txt").write_text("not audio")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("scan_library", str(tmp_path))
    assert "2 audio files: 2 linked to tracks (2 tracks created)" in capsys.readouterr().out
    tagged = Track.objects.get(title="Tag Title", artist__name="Tag Artist")
    untagged = Track.objects.get(title="Untagged Song", artist__name="Folder Artist")
    assert tagged.release_name == "LP" and tagged.audio and untagged.audio
    statuses = TrackAnalysis.objects.filter(track__in=[tagged, untagged]).values_list(
        "status", flat=True
    )
    assert list(statuses) == [AnalysisStatus.SUCCEEDED] * 2
    call_command("scan_library", str(tmp_path))
    assert "0 linked to tracks (0 tracks created), 2 already had audio" in capsys.readouterr().out


def test_scan_library_takes_odd_tags_without_stopping_on_them(tmp_path, capsys, monkeypatch):
    """Several ID3v2.4 values split by U+0000, a lone surrogate, a header that claims years:
    the file is linked with what can be stored, and so is every other file of the scan (on
    PostgreSQL one such file stopped the whole scan)."""
    from recommender.audio.tags import Tags
    from webapp.audio import services

    (tmp_path / "odd.flac").write_bytes(clip_bytes("flac"))
    (tmp_path / "good.flac").write_bytes(
        clip_bytes("flac", tags={"artist": "Good Artist", "title": "Good Title"})
    )
    real = services.read_tags

    def odd_tags(path):
        if path.name == "odd.flac":
            return Tags(artist="Foo\x00Bar", title="Broken \ud800 Title?", duration_s=1.1e8)
        return real(path)

    monkeypatch.setattr(services, "read_tags", odd_tags)
    call_command("scan_library", str(tmp_path))
    assert "2 audio files: 2 linked to tracks" in capsys.readouterr().out
    odd = Track.objects.get(artist__name="Foo")
    assert odd.title == "Broken \ufffd Title?" and odd.duration_ms is None and odd.audio
    assert Track.objects.get(title="Good Title").audio


def test_scan_library_of_a_missing_folder_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("scan_library", str(tmp_path / "nope"))


def test_analyze_audio_analyses_what_is_missing_on_two_processes_and_all_with_all(capsys):
    tracks = [new_track(f"Bulk {i}") for i in range(4)]
    for i, track in enumerate(tracks):  # bulk-style: no signal, no analysis yet
        Track.objects.filter(pk=track.pk).update(audio=f"audio/bulk{i}.flac")
        path = Path(track.audio.storage.path(f"audio/bulk{i}.flac"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(clip_bytes("flac", seed=i) if i < 3 else b"fLaC but broken")
    call_command("analyze_audio", "--workers", "2", verbosity=0)
    out, err = capsys.readouterr()
    assert "4 tracks: 1 failed, 3 succeeded" in out and f"track #{tracks[3].pk}:" in err
    assert "cannot decode" in TrackAnalysis.objects.get(track=tracks[3]).error
    call_command("analyze_audio", verbosity=0)
    assert "1 tracks: 1 failed" in capsys.readouterr().out  # only the failed one is retried
    call_command("analyze_audio", "--all", verbosity=0)
    assert "4 tracks: 1 failed, 3 succeeded" in capsys.readouterr().out


@pytest.fixture
def analysed_world(django_capture_on_commit_callbacks):
    """The two-taste CF world, each group's tracks with audio of its own sound, CF trained."""
    users, groups = make_world()
    for g, tracks in groups.items():
        for i, track in enumerate(tracks):
            style = {"tempo": 80 + 60 * g, "key": 2 + 5 * g, "mode": g, "seed": i}
            with django_capture_on_commit_callbacks(execute=True):
                track.audio.save(f"g{g}_{i}.flac", clip_file("x.flac", **style), save=True)
    training_services.cf_retrain()
    return users, groups


def test_train_audio_creates_an_active_version_that_records_its_cf_version(analysed_world, capsys):
    call_command("train_audio", verbosity=0)
    assert "(active)" in capsys.readouterr().out
    version = ModelVersion.objects.get(kind=ModelKind.AUDIO)
    cf_version = ModelVersion.objects.get(kind=ModelKind.CF, is_active=True)
    assert version.is_active and version.status == RunStatus.SUCCEEDED
    assert version.params["cf_version"] == cf_version.pk
    assert version.data_counts["analysed_tracks"] == 30
    assert version.data_counts["training_tracks"] > 8
    assert {"best_val_loss", "best_epoch", "seconds_per_epoch"} <= set(version.metrics)
    artifact = Path(version.artifact_path)
    assert artifact.is_file() and (artifact.parent / "weights.pt").is_file()
    assert artifact.parent.parent.name == "audio"


def test_a_track_nobody_played_is_scored_for_a_listener_who_never_heard_it(
    analysed_world, django_capture_on_commit_callbacks
):
    users, groups = analysed_world
    audio_retrain(params=FAST_CNN)
    fresh = new_track("Brand New", artist="Group 0")
    row = upload(fresh, clip_file("new.flac", tempo=80, key=2, mode=0, seed=99),
                 django_capture_on_commit_callbacks)  # fmt: skip
    version_id, scorer = audio_scorer_active()
    assert TrackAnalysis.objects.get(pk=row.pk).predicted_by_id == version_id
    listener = users[0][0]
    u = training_services.cf_serving().user_vectors([listener.pk])
    batch = ListenerBatch(
        ids=np.array([listener.pk]),
        history=sp.csr_matrix((1, 0), dtype=np.float32),
        history_items=IdMap(np.zeros(0, dtype=np.int64)),
        cf_vectors=u,
    )
    scores = scorer.score(batch, np.array([fresh.pk]))
    assert np.isfinite(scores).all()
    neighbours = [track_id for track_id, _ in track_sounds_like(track_id=fresh.pk, limit=5)]
    assert neighbours and set(neighbours) <= {t.pk for t in groups[0]} | {fresh.pk}


def test_a_failed_retrain_leaves_the_previous_version_serving(analysed_world):
    first = audio_retrain(params=FAST_CNN)
    TrackAnalysis.objects.update(status=AnalysisStatus.FAILED)  # nothing analysed any more
    with pytest.raises(training_services.TrainingError, match="No analysed audio"):
        audio_retrain(params=FAST_CNN, force=True)
    failed = ModelVersion.objects.filter(kind=ModelKind.AUDIO).latest("pk")
    assert failed.status == RunStatus.FAILED and "No analysed audio" in failed.error
    first.refresh_from_db()
    assert first.is_active and audio_scorer_active()[0] == first.pk


def test_retraining_unchanged_data_is_skipped(analysed_world):
    first = audio_retrain(params=FAST_CNN)
    again = audio_retrain(params=FAST_CNN)
    assert again.status == RunStatus.SKIPPED and not again.is_active
    first.refresh_from_db()
    assert first.is_active


def test_train_audio_without_cf_is_a_command_error():
    with pytest.raises(CommandError, match="No active CF version"):
        call_command("train_audio", verbosity=0)
    assert ModelVersion.objects.get(kind=ModelKind.AUDIO).status == RunStatus.FAILED
