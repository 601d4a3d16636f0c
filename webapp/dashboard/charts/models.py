"""The model version page's charts: quality, training time and data over a kind's versions.

Versions of one kind (oldest first) in; charts whose x axis is the version ("#12"), with the
page's own version marked.
"""

from __future__ import annotations

from webapp.dashboard.charts import GROUP_COLOURS, PICKS_COLOUR, Chart, Table, layout

QUALITY_COLOURS = ("#1f77b4", "#9e9e9e")
CATEGORY = {"type": "category"}  # "#12" is a version, not a number

#: Per kind, the metrics that say how good a version is: (key, name), the first is the model.
QUALITY = {
    "cf": [("ndcg@10", "ALS NDCG@10"), ("popularity_ndcg@10", "popularity NDCG@10")],
    "audio": [("best_val_loss", "validation loss (lower is better)")],
    "culture": [("mean_terms_per_artist", "terms per artist")],
}


def version_charts(kind: str, versions: list, *, current: int) -> list[Chart]:
    if not versions:
        return []
    labels = [f"#{v.pk}" for v in versions]
    charts = []
    quality = [(key, name) for key, name in QUALITY.get(kind, []) if _any(versions, key)]
    if quality:
        charts.append(_quality(labels, versions, quality, current))
    charts.append(_timing(labels, versions, current))
    counts = sorted({key for v in versions for key, value in (v.data_counts or {}).items()
                     if isinstance(value, int | float)})  # fmt: skip
    if counts:
        charts.append(_counts(labels, versions, counts, current))
    return charts


def _any(versions, key: str) -> bool:
    return any(isinstance((v.metrics or {}).get(key), int | float) for v in versions)


def _value(values: dict | None, key: str):
    value = (values or {}).get(key)
    return round(float(value), 4) if isinstance(value, int | float) else None


def _current_marker(labels, versions, current, values) -> dict:
    at = [i for i, v in enumerate(versions) if v.pk == current]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "this version",
        "x": [labels[i] for i in at],
        "y": [values[i] for i in at],
        "marker": {
            "symbol": "circle-open",
            "size": 16,
            "color": PICKS_COLOUR,
            "line": {"width": 3},
        },
        "hovertemplate": "this version<extra></extra>",
    }


def _quality(labels, versions, quality, current) -> Chart:
    traces = []
    for i, (key, name) in enumerate(quality):
        values = [_value(v.metrics, key) for v in versions]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": labels,
                "y": values,
                "line": {"color": QUALITY_COLOURS[min(i, 1)], "dash": "solid" if i == 0 else "dot"},
                "hovertemplate": "%{x}: %{y:.4f}<extra>" + name + "</extra>",
            }
        )
    traces.append(_current_marker(labels, versions, current, traces[0]["y"]))
    title = "Quality over versions" + (" vs popularity" if len(quality) > 1 else "")
    figure = {
        "data": traces,
        "layout": layout(title, x="version", y=quality[0][1], height=340, xaxis=CATEGORY),
    }
    rows = [
        [label] + [_value(v.metrics, key) for key, _ in quality]
        for label, v in zip(labels, versions, strict=True)
    ]
    return Chart("quality", title, figure, Table(["version", *[n for _, n in quality]], rows), 340)


def _timing(labels, versions, current) -> Chart:
    seconds = [round(v.duration_s, 2) if v.duration_s is not None else None for v in versions]
    title = "Training time per version"
    figure = {
        "data": [
            {
                "type": "bar",
                "name": "seconds",
                "x": labels,
                "y": seconds,
                "marker": {
                    "color": [PICKS_COLOUR if v.pk == current else "#1f77b4" for v in versions]
                },
                "hovertemplate": "%{x}: %{y:.1f} s<extra>" + "%{customdata}</extra>",
                "customdata": [v.status for v in versions],
            }
        ],
        "layout": layout(
            title, x="version", y="seconds", height=300, showlegend=False, xaxis=CATEGORY
        ),
    }
    rows = [
        [label, s, v.status, v.started_at.strftime("%Y-%m-%d %H:%M")]
        for label, s, v in zip(labels, seconds, versions, strict=True)
    ]
    return Chart(
        "timing", title, figure, Table(["version", "seconds", "status", "started"], rows), 300
    )


def _counts(labels, versions, keys, current) -> Chart:
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": key,
            "x": labels,
            "y": [_value(v.data_counts, key) for v in versions],
            "line": {"color": GROUP_COLOURS[i % len(GROUP_COLOURS)]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + key + "</extra>",
        }
        for i, key in enumerate(keys)
    ]
    title = "Data each version learned from"
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="version",
            y="count (log scale)",
            height=340,
            yaxis={"type": "log"},
            xaxis=CATEGORY,
        ),
    }
    rows = [
        [label] + [_value(v.data_counts, key) for key in keys]
        for label, v in zip(labels, versions, strict=True)
    ]
    return Chart("counts", title, figure, Table(["version", *keys], rows), 340)
