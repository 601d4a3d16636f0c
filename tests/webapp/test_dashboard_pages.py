"""The track page's audio analysis, curators' model version page and admin links, and
plotly.js served from this site's static files."""

import re

import plotly.graph_objects as go
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.webapp.audio_files import clip_file
from tests.webapp.cf_world import make_world
from tests.webapp.dashboard_world import features
from webapp.audio.models import AnalysisStatus, TrackAnalysis
from webapp.catalog.models import Artist, Track
from webapp.dashboard.staticfiles import PLOTLY_JS
from webapp.listening.models import Profile
from webapp.training import services as training
from webapp.training.models import ModelKind, ModelVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]


def new_track(title: str) -> Track:
    artist, _ = Artist.objects.get_or_create(name="Daft Loop", name_normalized="daft loop")
    return Track.objects.create(artist=artist, title=title, title_normalized=title.lower())


def test_the_track_page_draws_a_real_analysis_on_one_time_axis(
    client, django_capture_on_commit_callbacks
):
    track = new_track("Around the Loop")
    with django_capture_on_commit_callbacks(execute=True):
        track.audio.save("loop.flac", clip_file("loop.flac", tempo=120, key=9, mode=0, seconds=4))
    analysis = TrackAnalysis.objects.get(track=track)
    assert analysis.status == AnalysisStatus.SUCCEEDED
    response = client.get(track.get_absolute_url())
    charts = {c.key: c for c in response.context["analysis_charts"]}
    assert set(charts) == {"loudness", "timbre", "pitch"}
    segments = analysis.features["segments"]
    loudness, beats, bars = charts["loudness"].figure["data"]
    assert len(loudness["y"]) == len(analysis.features["loudness_curve"]["values"])
    assert beats["x"] == pytest.approx(analysis.features["beats"])
    assert bars["x"] == pytest.approx(analysis.features["bars"])
    for key in ("timbre", "pitch"):
        heatmap = charts[key].figure["data"][0]
        assert len(heatmap["z"]) == 12 and len(heatmap["z"][0]) == len(segments)
        assert len(heatmap["x"]) == len(segments) + 1  # segment edges: each as wide as it lasts
        assert len(charts[key].table.rows) == len(segments)
        go.Figure(charts[key].figure)
    go.Figure(charts["loudness"].figure)
    facts = {f.name: f.value for f in response.context["analysis_facts"]}
    assert facts["Key"] == "A" and facts["Mode"] == "minor"
    assert facts["Tempo"].startswith(f"{analysis.tempo:.1f}")
    assert (
        "data-analysis-facts" in response.text
        and 'data-plotly="chart-pitch-figure"' in response.text
    )
    assert "No audio model has placed this track yet" in response.text  # no audio version


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (AnalysisStatus.FAILED, "cannot decode: not an audio file", "failed: cannot decode"),
        (AnalysisStatus.PENDING, "", "is pending"),
    ],
)
def test_a_track_whose_analysis_failed_or_waits_says_so(client, status, error, says):
    track = new_track("Broken")
    TrackAnalysis.objects.create(track=track, status=status, error=error)
    response = client.get(track.get_absolute_url())
    assert response.status_code == 200 and "data-analysis-missing" in response.text
    assert says in response.context["analysis_missing"]
    assert "analysis_charts" not in response.context


def test_a_track_without_audio_says_there_is_no_analysis(client):
    response = client.get(new_track("Silent").get_absolute_url())
    assert "No audio file" in response.context["analysis_missing"]
    assert "plotly.min.js" not in response.text  # no charts, no plotly


def test_the_model_page_charts_every_cf_version_against_popularity(client, curator):
    make_world()
    first = training.cf_retrain()
    second = training.cf_retrain(force=True)
    client.force_login(curator)
    response = client.get(reverse("model_version_detail", args=[first.pk]))
    assert response.status_code == 200
    charts = {c.key: c for c in response.context["charts"]}
    assert set(charts) == {"quality", "timing", "counts"}
    als, popularity, marker = charts["quality"].figure["data"]
    assert als["x"] == [f"#{first.pk}", f"#{second.pk}"]
    assert als["y"] == pytest.approx([first.metrics["ndcg@10"], second.metrics["ndcg@10"]], 1e-3)
    assert popularity["y"][0] == pytest.approx(first.metrics["popularity_ndcg@10"], 1e-3)
    assert marker["x"] == [f"#{first.pk}"]  # the page's own version
    counts = charts["counts"].figure["data"]
    assert {t["name"] for t in counts} == {"users", "items", "pairs"}
    for chart in charts.values():
        go.Figure(chart.figure)
    assert "data-metrics" in response.text


def test_the_model_page_is_for_staff_only(client, listener):
    make_world()
    version = training.cf_retrain()
    url = reverse("model_version_detail", args=[version.pk])
    client.force_login(listener)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_admin_links_curators_to_a_listeners_dashboard_and_a_versions_page(
    client, curator, listener
):
    make_world()
    version = training.cf_retrain()
    client.force_login(curator)
    profile = Profile.objects.get(user=listener)
    page = client.get(reverse("admin:listening_profile_change", args=[profile.pk]))
    assert reverse("listener_detail", args=[listener.username]) in page.text
    page = client.get(reverse("admin:training_modelversion_change", args=[version.pk]))
    assert reverse("model_version_detail", args=[version.pk]) in page.text
    assert client.get(reverse("listener_detail", args=[listener.username])).status_code == 200
    assert ModelVersion.objects.filter(kind=ModelKind.CF).count() == 1


def test_plotly_js_is_served_from_the_installed_package_not_a_cdn(client, listener):
    found = finders.find(PLOTLY_JS)
    assert found and found.endswith("plotly.min.js")
    with open(found, "rb") as fh:
        assert b"plotly.js" in fh.read(2000)
    client.force_login(listener)
    text = client.get(reverse("listener_detail", args=[listener.username])).text
    assert "plotly.min.js" not in text  # nothing to draw: not loaded
    track = new_track("Static")
    TrackAnalysis.objects.create(
        track=track,
        status=AnalysisStatus.SUCCEEDED,
        features=features(tempo=100, key=0, mode=1, loudness=-10),
    )
    text = client.get(track.get_absolute_url()).text
    scripts = re.findall(r'<script src="([^"]+)"', text)
    assert "/static/js/plotly.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
