"""Culture reads: top terms and culturally similar artists from the active culture version.

Model objects in, plain lists out (terms with weights; artists with a similarity). The active
artifact is served by the training registry (loaded once per process and version); no active
version, or an unreadable one, gives empty lists so pages serve without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.culture.model import CultureModel
from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name
from webapp.culture.models import CrawlSource, Mention
from webapp.training.models import ModelKind, ModelVersion
from webapp.training.registry import registry


@dataclass(frozen=True)
class TermWeight:
    term: str
    weight: float


def culture_serving_load(path: str) -> CultureModel:
    """How the serving registry loads a culture artifact (derived matrices computed once)."""
    return CultureModel.load(path).prepared()


def culture_model_active() -> tuple[ModelVersion, CultureModel] | tuple[None, None]:
    """The serving culture version and its model, from this process's serving registry."""
    snapshot = registry.snapshot(ModelKind.CULTURE)
    if snapshot is None:
        return None, None
    return ModelVersion.objects.get(pk=snapshot.version_id), snapshot.model


def artist_top_terms(*, artist: Artist, limit: int = 20) -> list[TermWeight]:
    """The artist's top terms with weights in (0, 1], best first; [] when nothing is known."""
    _, model = culture_model_active()
    if model is None:
        return []
    return [TermWeight(t, w) for t, w in model.top_terms(artist.pk, limit)]


def track_top_terms(*, track: Track, limit: int = 20) -> list[TermWeight]:
    """A track's terms: its artist's plus those of pages that name the track."""
    _, model = culture_model_active()
    if model is None:
        return []
    return [TermWeight(t, w) for t, w in model.track_top_terms(track.pk, limit)]


def artist_similar_cultural(*, artist: Artist, limit: int = 10) -> list[tuple[Artist, float]]:
    """Artists whose term vectors are closest (cosine) to this one's, best first."""
    _, model = culture_model_active()
    if model is None:
        return []
    ranked = model.similar_artists(artist.pk, limit)
    found = Artist.objects.in_bulk([artist_id for artist_id, _ in ranked])
    return [(found[a], score) for a, score in ranked if a in found]


def artist_by_name(*, name: str) -> Artist | None:
    """The catalog artist with this name (case, accents and punctuation aside)."""
    return Artist.objects.filter(name_normalized=normalize_name(name)).first()


def artist_document_count(*, artist: Artist) -> int:
    return Mention.objects.filter(artist=artist).count()


def crawl_sources_active() -> list[CrawlSource]:
    return list(CrawlSource.objects.filter(is_active=True).order_by("pk"))
