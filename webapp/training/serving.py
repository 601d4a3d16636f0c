"""Reads served by the active CF model: similar tracks, similar listeners, recommendations.

Database ids in, model objects out, in the model's order. No active model, or an id the
model has not seen (a new track, a listener with no listens), gives an empty list.
"""

from django.contrib.auth import get_user_model

from recommender.cf import UnknownIdError
from webapp.catalog.models import Track
from webapp.listening.models import Listen
from webapp.training.services import cf_model_active

User = get_user_model()


def _in_order(queryset, ids: list[int]) -> list:
    by_id = queryset.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def track_similar(*, track: Track, limit: int = 10) -> list[Track]:
    _, model = cf_model_active()
    if model is None:
        return []
    try:
        similar = model.similar_items(track.pk, n=limit)
    except UnknownIdError:
        return []
    return _in_order(Track.objects.select_related("artist"), [pk for pk, _ in similar])


def listener_similar(*, user: User, limit: int = 10) -> list[User]:
    _, model = cf_model_active()
    if model is None:
        return []
    try:
        similar = model.similar_users(user.pk, n=limit)
    except UnknownIdError:
        return []
    return _in_order(User.objects.all(), [pk for pk, _ in similar])


def listener_recommend(*, user: User, limit: int = 30) -> list[tuple[Track, float]]:
    """Tracks the listener never played, best CF score first."""
    _, model = cf_model_active()
    if model is None:
        return []
    try:
        picks = model.recommend(user.pk, n=limit * 2)
    except UnknownIdError:
        return []
    played = set(
        Listen.objects.filter(user=user, track_id__in=[pk for pk, _ in picks]).values_list(
            "track_id", flat=True
        )
    )
    picks = [(pk, score) for pk, score in picks if pk not in played][:limit]
    tracks = Track.objects.select_related("artist").in_bulk([pk for pk, _ in picks])
    return [(tracks[pk], score) for pk, score in picks if pk in tracks]
