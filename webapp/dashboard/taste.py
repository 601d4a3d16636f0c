"""The taste panel's reads: a listener's CF vector, what its components mean, and the 2-D map.

A listener (and this week's pick ids) in; a `Taste` out, or the reason it cannot be drawn
(no CF version serves, the listener has no vector yet). The map is the CF version's stored
projection (recommender.projection, `<cf artifact>.projection.npz`, written when the version
trained; fitted and stored here on first use for versions trained before it existed): its
fixed sample of tracks, coloured by the top term of each track's artist when a culture
version serves, plus the tracks this listener played most, this week's picks and the
listener's own vector. What a version determines (projection, labels, titles, terms) is
computed once per process (`memo`); per request only the listener's own rows are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommender.projection import Projection, projection_path
from webapp.catalog.models import Artist, Track
from webapp.dashboard.memo import remembered
from webapp.dashboard.terms import artist_top_term
from webapp.listening.models import TrackSignal
from webapp.training.models import ModelKind
from webapp.training.registry import Snapshot
from webapp.training.selectors import model_version_active
from webapp.training.services import cf_projection_save

#: The components drawn as bars (the strongest of the listener's vector; the table has all).
TASTE_COMPONENTS = 12
#: Artists named per component on the bar labels (the table names COMPONENT_GROUPS).
LABEL_ARTISTS = 1
#: The listener's own tracks on the map: their most played.
MAP_PLAYED = 150
#: Terms that get their own colour on the map; the rest are "other".
MAP_TERMS = 8


@dataclass(frozen=True)
class Component:
    index: int  # 1-based, as the page names it
    value: float
    towards: list[str]  # artists loading most on the listener's side of it
    away: list[str]  # artists loading most on the other side


@dataclass(frozen=True)
class MapPoints:
    """Points of one kind on the map: coordinates, hover labels and colour groups."""

    xy: np.ndarray
    labels: list[str]
    groups: list[str]


@dataclass
class Taste:
    version_id: int
    factors: int
    components: list[Component]  # every component, strongest first
    background: MapPoints
    played: MapPoints
    picked: MapPoints
    you: np.ndarray  # (2,)
    explained: tuple[float, float]
    colour_groups: list[str] = field(default_factory=list)
    coloured_by_terms: bool = False
    background_key: tuple = ()  # the versions the background came from (to share its traces)


def listener_taste(
    *, listener, pick_ids: list[int], cf: Snapshot | None, culture: Snapshot | None
) -> Taste | str:
    """The listener's taste as the served CF version sees it (`cf`, `culture`: the registry's
    snapshots for this request), or why it cannot be shown."""
    snapshot = cf
    if snapshot is None:
        active = model_version_active(kind=ModelKind.CF)
        if active is not None:
            return (
                f"The active collaborative-filtering version #{active.pk} cannot be read on "
                "this server (its artifact is missing or damaged); the server log says why."
            )
        return (
            "No collaborative-filtering model serves yet: the weekly job trains one "
            "(or a curator runs manage.py train_cf) once there is listening to learn from."
        )
    vector = snapshot.model.user_vectors([listener.pk])[0]
    if not np.isfinite(vector).all() or not vector.any():
        return (
            "The model has not learned this listener's taste yet: it needs some listens "
            "(play a few tracks), and the vector is re-solved shortly after."
        )
    projection = version_projection(snapshot)
    if projection is None:
        return "The map of this model version could not be made; the server log says why."
    top_term = _term_lookup(culture)
    background_key = (
        snapshot.version_id,
        snapshot.artifact_path,
        culture.version_id if culture else None,
        culture.artifact_path if culture else None,
    )
    background = remembered(
        ("map_background", *background_key),
        lambda: _labelled(projection.sample_ids, projection.sample_xy, top_term),
    )
    played_ids = _most_played(listener.pk, MAP_PLAYED)
    groups = _colour_groups(background.groups) if culture is not None else []
    return Taste(
        version_id=snapshot.version_id,
        factors=snapshot.model.factors,
        components=_components(snapshot, projection, vector),
        background=_regroup(background, groups),
        played=_regroup(_points(snapshot, projection, played_ids, top_term), groups),
        picked=_regroup(_points(snapshot, projection, pick_ids, top_term), groups),
        you=projection.transform(vector)[0],
        explained=(float(projection.explained[0]), float(projection.explained[1])),
        colour_groups=groups,
        coloured_by_terms=culture is not None,
        background_key=background_key,
    )


def version_projection(snapshot: Snapshot) -> Projection | None:
    """The stored projection of the CF version, fitted and stored first if it is missing."""

    def load() -> Projection | None:
        path = projection_path(snapshot.artifact_path)
        if not path.is_file():
            path = cf_projection_save(model=snapshot.model, artifact_path=snapshot.artifact_path)
        try:
            return Projection.load(path) if path is not None else None
        except (OSError, ValueError):
            return None

    return remembered(("projection", snapshot.version_id, snapshot.artifact_path), load)


def _components(snapshot: Snapshot, projection: Projection, vector: np.ndarray) -> list:
    names = remembered(
        ("component_artists", snapshot.version_id, snapshot.artifact_path),
        lambda: _artist_names(np.concatenate([projection.component_high.ravel(),
                                              projection.component_low.ravel()])),
    )  # fmt: skip

    def named(ids: np.ndarray) -> list[str]:
        return [names[i] for i in ids.tolist() if i in names]

    order = np.argsort(-np.abs(vector), kind="stable")
    out = []
    for k in order.tolist():
        high, low = named(projection.component_high[k]), named(projection.component_low[k])
        towards, away = (high, low) if vector[k] >= 0 else (low, high)
        out.append(Component(index=k + 1, value=float(vector[k]), towards=towards, away=away))
    return out


def _artist_names(ids: np.ndarray) -> dict[int, str]:
    wanted = sorted({int(i) for i in ids.tolist() if i >= 0})
    return dict(Artist.objects.filter(pk__in=wanted).values_list("pk", "name"))


def _term_lookup(culture: Snapshot | None):
    """track artist id -> its top term ("" unknown), for the serving culture version."""
    if culture is None:
        return None
    return remembered(
        ("artist_top_term", culture.version_id, culture.artifact_path),
        lambda: artist_top_term(culture.model),
    )


def _points(snapshot: Snapshot, projection: Projection, track_ids, top_term) -> MapPoints:
    ids = np.asarray(track_ids, dtype=np.int64)
    cols = snapshot.model.items.index_of(ids) if ids.size else np.zeros(0, np.int64)
    known = cols >= 0
    xy = projection.transform(snapshot.model.item_factors[cols[known]]) if known.any() else None
    return _labelled(ids[known], xy if xy is not None else np.zeros((0, 2)), top_term)


def _labelled(track_ids: np.ndarray, xy: np.ndarray, top_term) -> MapPoints:
    """Hover labels ("title — artist") and top terms of these tracks, in their order."""
    rows = {
        pk: (title, artist_id, artist)
        for pk, title, artist_id, artist in Track.objects.filter(
            pk__in=track_ids.tolist()
        ).values_list("pk", "title", "artist_id", "artist__name")
    }
    keep = [i for i, pk in enumerate(track_ids.tolist()) if pk in rows]
    found = [rows[pk] for pk in track_ids[keep].tolist()]
    terms = top_term(np.array([a for _, a, _ in found], dtype=np.int64)) if top_term else None
    return MapPoints(
        xy=np.asarray(xy, dtype=np.float64)[keep].reshape(-1, 2),
        labels=[f"{title} — {artist}" for title, _, artist in found],
        groups=list(terms) if terms is not None else [""] * len(found),
    )


def _colour_groups(groups: list[str]) -> list[str]:
    """The MAP_TERMS most common terms on the map, most common first."""
    values, counts = np.unique([g for g in groups if g], return_counts=True)
    order = np.lexsort((values, -counts))[:MAP_TERMS]
    return [str(values[i]) for i in order]


def _regroup(points: MapPoints, groups: list[str]) -> MapPoints:
    """Terms outside the coloured ones become "other"; undescribed tracks "not described"."""
    keep = set(groups)
    named = [g if g in keep else ("other terms" if g else "not described") for g in points.groups]
    if not groups:
        named = ["tracks"] * len(points.groups)
    return MapPoints(points.xy, points.labels, named)


def _most_played(user_id: int, limit: int) -> list[int]:
    return list(
        TrackSignal.objects.filter(user_id=user_id, play_count__gt=0)
        .order_by("-play_count", "track_id")
        .values_list("track_id", flat=True)[:limit]
    )
