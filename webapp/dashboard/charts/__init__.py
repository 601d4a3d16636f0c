"""Charts for the pages: plotly figures built in Python, drawn in the browser by plotly.js.

A figure (plotly's figure schema: {"data": [traces], "layout": {...}}) and the same numbers
as a table in; a `Chart` out that templates/dashboard/includes/chart.html renders as a <div>,
the figure as JSON in a <script type="application/json"> (static/js/charts.js hands it to
Plotly.newPlot; no inline script, no CDN) and the table in a <details> as the chart's text
alternative. Every chart has a title, axis titles and hover text, and a layout that fits a
375 px screen (small margins, legend below the plot, `responsive` config).

The figures are plain dicts in plotly's schema rather than plotly.graph_objects: those validate
every property as they are built (5-20 ms a figure here, a dozen figures a page), which a
page served to many listeners cannot spend. The tests build every figure with
`plotly.graph_objects.Figure(figure)`, which rejects any property plotly does not know.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

#: One colour per model everywhere (the weekly page's bars use the same).
MODEL_COLOURS = {
    "cf": "#1f77b4",
    "culture": "#2ca02c",
    "audio": "#d62728",
    "popularity": "#9e9e9e",
}
MODEL_NAMES = {
    "cf": "CF (listeners like you)",
    "culture": "Culture (what is written)",
    "audio": "Audio (how it sounds)",
    "popularity": "Popularity",
}
MODEL_SHORT = {"cf": "CF", "culture": "culture", "audio": "audio", "popularity": "popularity"}
#: "What you play" against "what was picked for you", in every comparison.
YOU_COLOUR = "#6a3d9a"
PICKS_COLOUR = "#ff7f0e"
#: Colour-blind-safe qualitative colours (plotly.colors.qualitative.Safe).
GROUP_COLOURS = (
    "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288",
    "#AA4499", "#44AA99", "#999933", "#882255", "#661100",
)  # fmt: skip
OTHER_COLOUR = "#c8c8c8"
PLOT_CONFIG = {"responsive": True, "displaylogo": False, "displayModeBar": False}


@dataclass(frozen=True)
class Table:
    """A chart's numbers: column headings and rows of plain values."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]]
    note: str = ""

    def html(self) -> SafeString:
        """The table as HTML, every value escaped. Built here rather than by a template
        loop: a page's tables hold thousands of cells, and the template engine spent most
        of a dashboard's time on them."""
        head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
            for row in self.rows
        )
        return mark_safe(  # every value above is escaped
            f'<table class="numbers"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


@dataclass(frozen=True)
class Chart:
    key: str  # unique on its page: the element ids derive from it
    title: str
    figure: dict
    table: Table
    height: int = 360
    config: dict = field(default_factory=lambda: dict(PLOT_CONFIG))

    @property
    def figure_json(self) -> str:
        """The figure and config as JSON safe inside <script type="application/json">."""
        data = ",".join(
            t.json if isinstance(t, EncodedTrace) else _dumps(t) for t in self.figure["data"]
        )
        rest = _dumps({"layout": self.figure["layout"], "config": self.config})
        text = '{"data":[' + data + "]," + rest[1:]
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class EncodedTrace(dict):
    """A trace whose JSON is encoded once: what a model version determines (the map's sampled
    tracks) is shared by every page drawn from that version."""

    def __init__(self, trace: dict) -> None:
        super().__init__(trace)
        self.json = _dumps(trace)


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False, default=_plain)


def _plain(value: object) -> object:
    """numpy scalars and arrays as JSON (figures are mostly built from plain lists)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def layout(
    title: str,
    *,
    x: str | None = None,
    y: str | None = None,
    height: int = 360,
    showlegend: bool = True,
    **extra,
) -> dict:
    """The layout every chart shares: title, axis titles, room for a phone-width screen."""
    base = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "height": height,
        "margin": {"l": 8, "r": 8, "t": 40, "b": 8},
        "font": {"size": 11},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": showlegend,
        # Below everything (axis titles included): the legend takes the figure's last rows.
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
        },  # fmt: skip
        "hoverlabel": {"align": "left"},
        "xaxis": _axis(x),
        "yaxis": _axis(y),
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def _axis(title: str | None) -> dict:
    axis = {"automargin": True, "gridcolor": "rgba(128,128,128,0.25)", "zeroline": False}
    if title:
        axis["title"] = {"text": title}
    return axis


def rounded(values, digits: int = 3) -> list:
    """Plain floats rounded for the page (None for NaN/inf, which JSON cannot carry)."""
    out = []
    for value in values:
        number = float(value)
        out.append(round(number, digits) if math.isfinite(number) else None)
    return out


def short(text: str, limit: int = 24) -> str:
    """A label that fits a phone-width axis: cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
