"""Training reads: the active version of a kind, and which listeners changed since a time.

The signal arrays the models train on are read by webapp.listening.selectors (they are
listening's tables); this module only reads training's own rows and the raw signal times.
"""

from webapp.listening.models import (
    ArtistVisit,
    Listen,
    SavedTrack,
    Skip,
    TrackRefusal,
    TrackUnsave,
)
from webapp.training.models import ModelKind, ModelVersion


def model_version_active(*, kind: str = ModelKind.CF) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, is_active=True).first()


_SIGNAL_TIMES = (
    (Listen, "inserted_at"),
    (SavedTrack, "saved_at"),
    (ArtistVisit, "visited_at"),
    (Skip, "skipped_at"),
    (TrackRefusal, "refused_at"),
    (TrackUnsave, "unsaved_at"),
)


def listeners_changed_since(*, since) -> list[int]:
    """Listeners with a listen, save, unsave, artist visit, skip or refusal after `since`."""
    changed: set[int] = set()
    for model, field in _SIGNAL_TIMES:
        rows = model.objects.filter(**{f"{field}__gt": since}).order_by()
        changed |= set(rows.values_list("user_id", flat=True).distinct())
    return sorted(changed)
