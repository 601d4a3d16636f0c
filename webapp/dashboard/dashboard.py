"""The listener dashboard, composed: one `Panel` per question the page answers.

A listener in; the panels out, in page order: this week's picks and why, the taste vector
and map, the cultural profile, the audio profile, past weeks. Each panel holds its charts
and data, or `missing`: a sentence saying what is not there yet (no listens, no playlist, no
model version), so the page always renders and says what would fill it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.dashboard.charts import Chart
from webapp.dashboard.charts import listener as figures
from webapp.dashboard.profiles import audio_profile, culture_profile
from webapp.dashboard.selectors import listener_similar
from webapp.dashboard.taste import listener_taste
from webapp.dashboard.weeks import past_weeks, this_week
from webapp.training.models import ModelKind
from webapp.training.registry import Snapshot, registry

SIMILAR_LISTENERS = 10


@dataclass
class Panel:
    key: str
    title: str
    missing: str = ""
    charts: list[Chart] = field(default_factory=list)
    data: object = None
    rows: list = field(default_factory=list)  # per-pick rows a panel lists under its charts


def listener_panels(*, listener, cf: Snapshot | None, culture: Snapshot | None) -> list[Panel]:
    """The panels from the models this request serves (`cf`, `culture`: registry snapshots)."""
    week = this_week(listener=listener)
    items = week.items if not isinstance(week, str) else []
    pick_ids = [item.track_id for item in items]
    panels = [
        _panel("week", "This week", week, lambda w: [figures.picks_chart(w)]),
        _panel(
            "taste",
            "Your taste, as the models see it",
            listener_taste(listener=listener, pick_ids=pick_ids, cf=cf, culture=culture),
            lambda t: [figures.taste_bars_chart(t), figures.taste_map_chart(t)],
        ),
        _panel(
            "culture",
            "Cultural profile",
            culture_profile(listener=listener, pick_ids=pick_ids, snapshot=culture),
            lambda p: [figures.culture_chart(p)],
        ),
        _panel(
            "audio",
            "Audio profile",
            audio_profile(listener=listener, pick_ids=pick_ids),
            figures.audio_charts,
        ),
        _panel(
            "weeks",
            "Past weeks",
            past_weeks(listener=listener),
            lambda weeks: [figures.weeks_chart(weeks)],
        ),
    ]
    culture = panels[2]
    if not culture.missing:
        culture.rows = list(zip(items, culture.data.matches, strict=True))
    return panels


def _panel(key: str, title: str, data, charts) -> Panel:
    if isinstance(data, str):
        return Panel(key=key, title=title, missing=data)
    return Panel(key=key, title=title, charts=charts(data), data=data)


def listener_dashboard(*, listener) -> dict:
    """The dashboard page's context."""
    cf, culture = registry.snapshot(ModelKind.CF), registry.snapshot(ModelKind.CULTURE)
    panels = listener_panels(listener=listener, cf=cf, culture=culture)
    similar = (
        listener_similar(user=listener, limit=SIMILAR_LISTENERS, serving=cf.model) if cf else []
    )
    return {
        "listener": listener,
        "panels": {panel.key: panel for panel in panels},
        "has_charts": any(panel.charts for panel in panels),
        "similar_listeners": similar,
    }
