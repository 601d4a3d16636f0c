"""The track page's analysis charts, after The Echo Nest's drawing of "Around the World".

A stored analysis (`recommender.audio.analysis.Analysis.to_dict()`) in; three charts on one
time axis out: loudness over time with the beats and bars as tick rows under it, then the
segments' timbre and pitch as heat maps (each segment a column as wide as it lasts).
"""

from __future__ import annotations

import numpy as np

from recommender.audio.tonal import KEY_NAMES
from webapp.dashboard.charts import Chart, Table, layout, rounded

TIMBRE_NAMES = [f"timbre {i}" for i in range(12)]
#: Loudness curve points listed in the text alternative: one per this many seconds.
TABLE_STEP_S = 0.5


def analysis_charts(features: dict) -> list[Chart]:
    charts = [_loudness_chart(features)]
    segments = features.get("segments") or []
    if segments:
        charts += [_timbre_chart(segments), _pitch_chart(segments)]
    return charts


def _time_range(features: dict) -> list[float]:
    start = float(features.get("offset") or 0.0)
    return [start, start + float(features.get("seconds") or features.get("duration") or 0.0)]


def _loudness_chart(features: dict) -> Chart:
    curve = features.get("loudness_curve") or {}
    values = np.asarray(curve.get("values") or [], dtype=np.float64)
    times = curve.get("start", 0.0) + curve.get("step", 0.1) * np.arange(values.size)
    finite = values[np.isfinite(values)]
    floor = float(finite.min()) if finite.size else -60.0
    beats, bars = features.get("beats") or [], features.get("bars") or []
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "loudness",
            "x": rounded(times, 2),
            "y": rounded(values, 1),
            "line": {"color": "#1f77b4", "width": 1.5},
            "hovertemplate": "%{x:.2f} s: %{y:.1f} LUFS<extra>momentary loudness</extra>",
        },
        _ticks("beats", beats, floor - 3, "#8a8a8a", 8),
        _ticks("bars", bars, floor - 6, "#d62728", 14),
    ]
    title = "Loudness over time, with beats and bars"
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="time (s)",
            y="loudness (LUFS)",
            height=320,
            xaxis={"range": _time_range(features)},
        ),
    }
    every = max(1, int(round(TABLE_STEP_S / float(curve.get("step", 0.1) or 0.1))))
    rows = [
        [round(float(t), 2), _number(v)]
        for t, v in zip(times[::every], values[::every], strict=True)
    ]
    note = (
        f"{len(beats)} beats at {', '.join(f'{b:.2f}' for b in beats)} s. "
        f"{len(bars)} bars starting at {', '.join(f'{b:.2f}' for b in bars)} s."
    )
    return Chart("loudness", title, figure, Table(["time (s)", "loudness (LUFS)"], rows, note), 320)


def _ticks(name: str, times: list[float], level: float, colour: str, size: int) -> dict:
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": rounded(times, 3),
        "y": [round(level, 1)] * len(times),
        "marker": {"symbol": "line-ns-open", "size": size, "color": colour, "line": {"width": 2}},
        "hovertemplate": name[:-1] + " at %{x:.2f} s<extra></extra>",
    }


def _edges(segments: list[dict]) -> list[float]:
    starts = [float(s["start"]) for s in segments]
    last = segments[-1]
    return rounded([*starts, float(last["start"]) + float(last["duration"])], 3)


def _timbre_chart(segments: list[dict]) -> Chart:
    raw = np.asarray([s["timbre"] for s in segments], dtype=np.float64).T  # (12, n)
    low, high = raw.min(axis=1, keepdims=True), raw.max(axis=1, keepdims=True)
    scaled = (raw - low) / np.where(high > low, high - low, 1.0)
    title = "Timbre per segment (rows scaled)"
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": _edges(segments),
                "y": TIMBRE_NAMES,
                "z": [rounded(row, 2) for row in scaled],
                "customdata": [rounded(row, 1) for row in raw],
                "colorscale": "Viridis",
                "showscale": False,
                "hovertemplate": "%{y} at %{x:.2f} s: %{customdata}"
                " (%{z:.2f} of its range)<extra></extra>",
            }
        ],
        "layout": layout(
            title,
            x="time (s)",
            y="timbre coefficient",
            height=300,
            showlegend=False,
        ),
    }
    rows = [
        [round(float(s["start"]), 2), round(float(s["duration"]), 2)] + rounded(s["timbre"], 1)
        for s in segments
    ]
    table = Table(
        ["start (s)", "duration (s)", *[str(i) for i in range(12)]],
        rows,
        note="Timbre coefficients 0-11 of each segment (0 follows loudness, the rest the "
        "spectral shape).",
    )
    return Chart("timbre", title, figure, table, 300)


def _pitch_chart(segments: list[dict]) -> Chart:
    pitches = np.asarray([s["pitches"] for s in segments], dtype=np.float64).T  # (12, n)
    title = "Pitch per segment (dark = strong)"
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": _edges(segments),
                "y": list(KEY_NAMES),
                "z": [rounded(row, 2) for row in pitches],
                "colorscale": "Greys",
                "reversescale": True,
                "showscale": False,
                "hovertemplate": "%{y} at %{x:.2f} s: %{z:.2f}<extra></extra>",
            }
        ],
        "layout": layout(title, x="time (s)", y="pitch class", height=300, showlegend=False),
    }
    rows = [
        [round(float(s["start"]), 2), KEY_NAMES[int(np.argmax(s["pitches"]))]]
        + rounded(s["pitches"], 2)
        for s in segments
    ]
    table = Table(["start (s)", "strongest", *KEY_NAMES], rows)
    return Chart("pitch", title, figure, table, 300)


def _number(value: float) -> float | str:
    return round(float(value), 1) if np.isfinite(value) else "—"
