"""Rebuilding the cultural vectors: a culture ModelVersion with an artifact, activated as CF
is; skipped when nothing changed; failed (previous one serving) when it cannot build."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.culture.scorer import CultureScorer
from recommender.interactions import IdMap
from recommender.scoring import ListenerBatch
from tests.webapp.culture_world import GARDEN, METAL, SHOEGAZE, artist, page, store, track
from webapp.culture import services
from webapp.culture.models import CoMention
from webapp.culture.rebuild import RebuildError, culture_rebuild
from webapp.culture.selectors import (
    artist_similar_cultural,
    artist_top_terms,
    culture_model_active,
    track_top_terms,
)
from webapp.training.models import ModelKind, ModelVersion, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    names = ["Slowdive", "Ride", "Metallica", "Lonely Hearts"]
    a = {name: artist(name) for name in names}
    store(
        page("https://z.test/1", "Slowdive", SHOEGAZE),
        page("https://z.test/2", "Ride", SHOEGAZE.replace("record", "album")),
        page("https://z.test/3", "Slowdive and Ride", "Ride and Slowdive toured. " + SHOEGAZE),
        page("https://z.test/4", "Metallica", METAL),
        page("https://z.test/5", "Metallica again", METAL.replace("record", "set")),
        page("https://z.test/6", "Garden", GARDEN),
        page("https://z.test/7", "More garden", GARDEN + " Also bees."),
    )
    return a


def test_a_rebuild_activates_a_culture_version_whose_artifact_gives_top_terms(scene):
    version = culture_rebuild()
    assert version.kind == ModelKind.CULTURE and version.status == RunStatus.SUCCEEDED
    assert version.is_active and Path(version.artifact_path).is_file()
    assert version.metrics["artists_with_terms"] == 3 and version.data_counts["documents"] == 7
    terms = [t.term for t in artist_top_terms(artist=scene["Slowdive"])]
    assert "shoegaze" in terms and "thrash" not in terms
    assert artist_top_terms(artist=scene["Lonely Hearts"]) == []


def test_culturally_similar_artists_and_co_mentions(scene):
    culture_rebuild()
    similar = dict(artist_similar_cultural(artist=scene["Slowdive"]))
    assert next(iter(similar)) == scene["Ride"]
    assert similar[scene["Ride"]] > 2 * similar.get(scene["Metallica"], 0.0)
    pair = CoMention.objects.get()
    assert {pair.artist_a, pair.artist_b} == {scene["Slowdive"], scene["Ride"]}
    assert pair.documents == 1


def test_a_curators_tag_shows_in_the_top_terms_after_a_rebuild(scene):
    services.manual_tag_add(artist=scene["Lonely Hearts"], tag="Dream Pop")
    culture_rebuild()
    assert [(t.term, t.weight) for t in artist_top_terms(artist=scene["Lonely Hearts"])] == [
        ("dream pop", 1.0)
    ]


def test_a_tracks_terms_are_its_artists(scene):
    song = track(scene["Metallica"], "One")
    culture_rebuild()
    assert {t.term for t in track_top_terms(track=song)} == {
        t.term for t in artist_top_terms(artist=scene["Metallica"], limit=20)
    }


def test_rebuilding_unchanged_data_is_skipped_and_the_active_version_stays(scene):
    first = culture_rebuild()
    second = culture_rebuild()
    assert second.status == RunStatus.SKIPPED and not second.is_active
    first.refresh_from_db()
    assert first.is_active
    assert culture_rebuild(force=True).is_active


def test_a_failed_rebuild_is_recorded_and_the_previous_version_keeps_serving(scene, settings):
    first = culture_rebuild()
    settings.MODEL_DIR = Path(first.artifact_path)  # a file: the new artifact cannot be written
    with pytest.raises(RebuildError):
        culture_rebuild(force=True)
    failed = ModelVersion.objects.filter(kind=ModelKind.CULTURE).order_by("-pk").first()
    assert failed.status == RunStatus.FAILED and failed.error
    assert culture_model_active()[0] == first


def test_with_nothing_crawled_the_rebuild_says_what_to_do():
    with pytest.raises(RebuildError, match="crawl a source"):
        culture_rebuild()


def test_the_active_model_scores_through_the_scoring_contract(scene):
    shoegaze_song = track(scene["Ride"], "Vapour Trail")
    metal_song = track(scene["Metallica"], "One")
    played = track(scene["Slowdive"], "Alison")
    culture_rebuild()
    _, model = culture_model_active()
    batch = ListenerBatch(
        ids=np.array([1]),
        history=sp.csr_matrix(np.array([[4.0]], dtype=np.float32)),
        history_items=IdMap(np.array([played.pk])),
    )
    scorer = CultureScorer(model)
    scores = scorer.score(batch, np.array([shoegaze_song.pk, metal_song.pk]))
    assert scores[0, 0] > 0.5 and scores[0, 1] < 0.5 * scores[0, 0]
    reason = scorer.explain(batch, 0, np.array([shoegaze_song.pk]))[0]
    assert reason.text.startswith("described as")


def test_the_artist_page_shows_top_terms_and_culturally_similar_artists(scene, client):
    culture_rebuild()
    response = client.get(scene["Slowdive"].get_absolute_url())
    assert response.status_code == 200
    assert "Described as" in response.text and "shoegaze" in response.text
    assert "Described alike" in response.text and "Ride" in response.text
    quiet = client.get(scene["Lonely Hearts"].get_absolute_url())
    assert quiet.status_code == 200 and "Described as" not in quiet.text


def test_curators_tags_alone_build_a_version_before_anything_is_crawled(curator):
    band = artist("Tagged Only")
    services.manual_tag_add(artist=band, tag="dream pop", user=curator)
    version = culture_rebuild()
    assert version.is_active
    assert [t.term for t in artist_top_terms(artist=band)] == ["dream pop"]


def test_a_rebuild_while_another_is_under_way_is_a_rebuild_error_not_a_crash(scene):
    from django.utils import timezone

    from webapp.training.models import ModelVersion

    running = ModelVersion.objects.create(kind="culture", heartbeat_at=timezone.now())
    before = ModelVersion.objects.count()
    with pytest.raises(RebuildError, match=f"#{running.pk}"):
        culture_rebuild(force=True)
    assert ModelVersion.objects.count() == before  # nothing started beside it
