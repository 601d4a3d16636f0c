"""Reads served by the active CF model: similar tracks, similar listeners, recommendations.

Database ids in, model objects out, in the model's order. No active model, or an id the
model has not seen (a new track, a listener with no listens), gives an empty list.
"""

import numpy as np
from django.contrib.auth import get_user_model

from recommender.cf import _top_n
from recommender.cf_serving import CFServing
from webapp.catalog.models import Track
from webapp.listening.selectors import listeners_had
from webapp.training.services import cf_serving

User = get_user_model()
#: Similar tracks come from this many times more neighbours, so one artist cannot fill them.
SIMILAR_POOL = 5
MAX_SIMILAR_PER_ARTIST = 2


def _in_order(queryset, ids: list[int]) -> list:
    by_id = queryset.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def track_similar(*, track: Track, limit: int = 10) -> list[Track]:
    """Tracks whose CF vectors are closest, at most MAX_SIMILAR_PER_ARTIST by one artist."""
    serving = cf_serving()
    if serving is None:
        return []
    pool = [pk for pk, _ in serving.similar_items(track.pk, n=limit * SIMILAR_POOL)]
    per_artist: dict[int, int] = {}
    picked = []
    for candidate in _in_order(Track.objects.select_related("artist"), pool):
        if per_artist.get(candidate.artist_id, 0) >= MAX_SIMILAR_PER_ARTIST:
            continue
        per_artist[candidate.artist_id] = per_artist.get(candidate.artist_id, 0) + 1
        picked.append(candidate)
        if len(picked) == limit:
            break
    return picked


def listener_similar(*, user, limit: int = 10, serving: CFServing | None = None) -> list:
    """Listeners whose CF vectors are closest (`serving`: a CF model already taken)."""
    serving = serving or cf_serving()
    if serving is None:
        return []
    similar = serving.similar_users(user.pk, n=limit)
    return _in_order(User.objects.all(), [pk for pk, _ in similar])


def listener_recommend(*, user, limit: int = 30) -> list[tuple[Track, float]]:
    """Tracks the listener has never had (played, saved, skipped, refused), best CF score first.

    An artist-page visit does not hide the artist's tracks: only tracks the listener has had.
    """
    serving = cf_serving()
    if serving is None:
        return []
    vector = serving.user_vectors([user.pk])[0]
    if not np.isfinite(vector).all():
        return []
    scores = (serving.item_factors @ vector)[None, :]
    _, had = listeners_had(user_ids=[user.pk])
    cols = serving.items.index_of(had)
    scores[0, cols[cols >= 0]] = -np.inf
    top, top_scores = _top_n(scores, limit)
    keep = np.isfinite(top_scores[0])
    ids, values = serving.items.ids[top[0][keep]].tolist(), top_scores[0][keep].tolist()
    picks = list(zip(ids, values, strict=True))
    tracks = Track.objects.select_related("artist").in_bulk([pk for pk, _ in picks])
    return [(tracks[pk], score) for pk, score in picks if pk in tracks]
