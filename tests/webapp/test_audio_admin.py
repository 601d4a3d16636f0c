"""Curators and audio in admin: an upload on the track form is analysed; analysis rows show
their status and error; the re-analyse action queues them again."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.webapp.audio_files import clip_bytes
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.catalog.models import Artist, Track

pytestmark = pytest.mark.django_db


def make_track(title: str = "Uploaded") -> Track:
    artist = Artist.objects.create(name="Curated", name_normalized="curated")
    return Track.objects.create(artist=artist, title=title, title_normalized=title.lower())


def test_audio_uploaded_on_the_track_form_is_analysed(
    curator_client, django_capture_on_commit_callbacks
):
    track = make_track()
    url = reverse("admin:catalog_track_change", args=[track.pk])
    form = {
        "artist": track.artist_id,
        "title": track.title,
        "release_name": "",
        "duration_ms": "",
        "recording_mbid": "",
        "release_mbid": "",
        "audio": SimpleUploadedFile("up.ogg", clip_bytes("ogg", tempo=100, key=7, mode=1)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    row = TrackAnalysis.objects.get(track=track)
    assert row.status == AnalysisStatus.SUCCEEDED and (row.key, row.mode) == (7, 1)


def test_the_changelist_shows_status_and_the_readable_error(
    curator_client, django_capture_on_commit_callbacks
):
    track = make_track("Broken")
    with django_capture_on_commit_callbacks(execute=True):
        track.audio.save("broken.mp3", SimpleUploadedFile("broken.mp3", b"no music here"))
    page = curator_client.get(reverse("admin:audio_trackanalysis_changelist")).content.decode()
    assert "failed" in page.lower() and "cannot decode it as mp3 audio" in page
    row = TrackAnalysis.objects.get(track=track)
    detail = curator_client.get(reverse("admin:audio_trackanalysis_change", args=[row.pk]))
    assert detail.status_code == 200 and "cannot decode it as mp3 audio" in detail.content.decode()


def test_the_reanalyse_action_queues_and_runs_the_analysis_again(
    curator_client, django_capture_on_commit_callbacks
):
    track = make_track("Again")
    with django_capture_on_commit_callbacks(execute=True):
        track.audio.save("again.flac", SimpleUploadedFile("again.flac", clip_bytes("flac")))
    row = TrackAnalysis.objects.get(track=track)
    TrackAnalysis.objects.filter(pk=row.pk).update(status=AnalysisStatus.FAILED, error="stale")
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(
            reverse("admin:audio_trackanalysis_changelist"),
            {"action": "reanalyse", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == AnalysisStatus.SUCCEEDED and row.error == ""
