"""The listener dashboard's charts: picks, taste vector and map, culture, audio, past weeks.

Each function takes one panel's data (webapp.dashboard.weeks / taste / profiles) and returns
`Chart`s: a plotly figure and the same numbers as a table.
"""

from __future__ import annotations

from webapp.dashboard.charts import (
    GROUP_COLOURS,
    MODEL_COLOURS,
    MODEL_NAMES,
    MODEL_SHORT,
    OTHER_COLOUR,
    PICKS_COLOUR,
    YOU_COLOUR,
    Chart,
    EncodedTrace,
    Table,
    layout,
    rounded,
    short,
)
from webapp.dashboard.memo import remembered
from webapp.dashboard.profiles import AudioProfile, CultureProfile, Distribution
from webapp.dashboard.taste import LABEL_ARTISTS, TASTE_COMPONENTS, MapPoints, Taste
from webapp.dashboard.weeks import ThisWeek, WeekOutcome
from webapp.playlists.models import CONTRIBUTION_KINDS

ROW_PX = 22  # height of one bar row
MAP_TABLE_PLAYED = 50  # the map's table lists this many of the listener's most played


def picks_chart(week: ThisWeek) -> Chart:
    """A stacked bar per pick of each model's contribution (negative ones stack leftwards)."""
    items = week.items
    labels = [f"{item.position}. {short(item.track.title, 18)}" for item in items]
    custom = [
        [
            item.track.title,
            item.track.artist.name,
            item.reason or "—",
            round(item.score, 2),
            *[round(getattr(item, kind), 2) for kind in CONTRIBUTION_KINDS],
        ]
        for item in items
    ]
    numbers = "<br>".join(
        f"{MODEL_NAMES[kind]}: %{{customdata[{4 + i}]}}"
        for i, kind in enumerate(CONTRIBUTION_KINDS)
    )
    hover = (
        "<b>%{customdata[0]}</b> — %{customdata[1]}<br>%{customdata[2]}<br>"
        f"score %{{customdata[3]}}<br>{numbers}<extra>%{{fullData.name}}</extra>"
    )
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": MODEL_SHORT[kind],
            "y": labels,
            "x": rounded([getattr(item, kind) for item in items]),
            "marker": {"color": MODEL_COLOURS[kind]},
            "customdata": custom,
            "hovertemplate": hover,
        }
        for kind in CONTRIBUTION_KINDS
        if any(getattr(item, kind) for item in items)
    ]
    height = 120 + ROW_PX * len(items)
    title = "Why each pick: the models' parts"
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="contribution to the score",
            height=height,
            barmode="relative",
            yaxis={"autorange": "reversed", "tickfont": {"size": 10}},
        ),
    }
    rows = [
        [item.position, item.track.title, item.track.artist.name]
        + [round(getattr(item, kind), 2) for kind in CONTRIBUTION_KINDS]
        + [round(item.score, 2), item.reason]
        for item in items
    ]
    columns = ["#", "track", "artist", *[MODEL_NAMES[k] for k in CONTRIBUTION_KINDS], "score"]
    return Chart("picks", title, figure, Table([*columns, "reason"], rows), height)


def taste_bars_chart(taste: Taste) -> Chart:
    """The listener's strongest CF components, each named by the artists on their side."""
    shown = taste.components[:TASTE_COMPONENTS][::-1]  # plotly draws the first bar lowest
    labels = [f"#{c.index} {short(', '.join(c.towards[:LABEL_ARTISTS]) or '—', 18)}" for c in shown]
    custom = [[c.index, ", ".join(c.towards) or "—", ", ".join(c.away) or "—"] for c in shown]
    title = f"Your {len(shown)} strongest taste components"
    height = 110 + ROW_PX * len(shown)
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "your vector",
                "y": labels,
                "x": rounded([c.value for c in shown]),
                "marker": {"color": [YOU_COLOUR if c.value >= 0 else "#b39ddb" for c in shown]},
                "customdata": custom,
                "hovertemplate": "component %{customdata[0]}: %{x:.3f}<br>towards: "
                "%{customdata[1]}<br>away from: %{customdata[2]}<extra></extra>",
            }
        ],
        "layout": layout(
            title,
            x="weight in your vector",
            height=height,
            showlegend=False,
            yaxis={"tickfont": {"size": 10}},
        ),
    }
    rows = [
        [c.index, round(c.value, 4), ", ".join(c.towards), ", ".join(c.away)]
        for c in taste.components
    ]
    table = Table(
        ["component", "weight", "artists on your side", "artists on the other side"],
        rows,
        note="Every component, strongest first.",
    )
    return Chart("taste", title, figure, table, height)


def taste_map_chart(taste: Taste) -> Chart:
    """The version's track map: a fixed sample by colour group, your plays, picks and you."""
    traces = remembered(("map_traces", *taste.background_key), lambda: _background(taste))
    traces = list(traces)
    played, picked = taste.played, taste.picked
    traces.append(_scatter("played", _all(played), "#8a8a8a", 7, 0.9, "circle-open"))
    traces.append(_scatter("picked", _all(picked), PICKS_COLOUR, 12, 1, "star"))
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": "you",
            "x": rounded([taste.you[0]]),
            "y": rounded([taste.you[1]]),
            "marker": {"symbol": "x", "size": 16, "color": YOU_COLOUR},
            "hovertemplate": "you: where your CF vector points<extra></extra>",
        }
    )
    colouring = "the top term of each track's artist" if taste.coloured_by_terms else "one colour"
    title = "Where you sit among the tracks"
    shares = f"{100 * taste.explained[0]:.0f} % and {100 * taste.explained[1]:.0f} %"
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="map axis 1",
            y="map axis 2",
            height=520,
            hovermode="closest",
        ),
    }
    rows = [["you", "", round(float(taste.you[0]), 3), round(float(taste.you[1]), 3)]]
    rows += _point_rows("picked", picked) + _point_rows("played", played)[:MAP_TABLE_PLAYED]
    table = Table(
        ["what", "track", "axis 1", "axis 2"],
        rows,
        note=f"Tracks' CF vectors drawn in two dimensions (PCA of the unit vectors; the axes "
        f"hold {shares} of their spread), coloured by {colouring}; {len(taste.background.labels)} "
        f"sampled tracks in colour, your most played ({MAP_TABLE_PLAYED} listed) and this "
        "week's picks.",
    )
    return Chart("map", title, figure, table, 520)


def _background(taste: Taste) -> list[EncodedTrace]:
    """The version's sampled tracks, a trace per colour group (encoded once per version)."""
    traces = []
    colours = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(taste.colour_groups)}
    for group in [*taste.colour_groups, "other terms", "not described", "tracks"]:
        points = _subset(taste.background, group)
        if points[0]:
            trace = _scatter(group, points, colours.get(group, OTHER_COLOUR), 5, 0.55)
            traces.append(EncodedTrace(trace))
    return traces


def _subset(points: MapPoints, group: str) -> tuple[list, list, list]:
    chosen = [i for i, g in enumerate(points.groups) if g == group]
    return (
        rounded(points.xy[chosen, 0]) if chosen else [],
        rounded(points.xy[chosen, 1]) if chosen else [],
        [points.labels[i] for i in chosen],
    )


def _all(points: MapPoints) -> tuple[list, list, list]:
    labels = [
        f"{label} ({group})" for label, group in zip(points.labels, points.groups, strict=True)
    ]
    return rounded(points.xy[:, 0]), rounded(points.xy[:, 1]), labels


def _scatter(name, points, colour, size, opacity, symbol="circle") -> dict:
    x, y, labels = points
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": x,
        "y": y,
        "text": labels,
        "marker": {"color": colour, "size": size, "opacity": opacity, "symbol": symbol},
        "hovertemplate": "%{text}<extra>" + name + "</extra>",
    }


def _point_rows(what: str, points: MapPoints) -> list[list]:
    return [
        [what, label, round(float(x), 3), round(float(y), 3)]
        for label, (x, y) in zip(points.labels, points.xy, strict=True)
    ]


def culture_chart(profile: CultureProfile) -> Chart:
    """The listener's top terms against the same terms' weight in this week's picks."""
    terms = profile.terms[::-1]
    traces = [_term_bars("you", terms, profile.yours[::-1], YOU_COLOUR)]
    if profile.picks:  # drawn first, so in each group of bars "you" stands above the picks
        picks = _term_bars("picks", terms, profile.picks[::-1], PICKS_COLOUR)
        traces.insert(0, picks)
    title = "Your top terms, and the picks'"
    height = 120 + 2 * ROW_PX * len(terms)
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="weight",
            height=height,
            barmode="group",
            legend={"traceorder": "reversed"},
        ),
    }
    rows = [
        [term, round(mine, 3), round(theirs, 3) if profile.picks else "—"]
        for term, mine, theirs in zip(
            profile.terms, profile.yours, profile.picks or [0.0] * len(profile.terms), strict=True
        )
    ]
    return Chart(
        "culture", title, figure, Table(["term", "you", "this week's picks"], rows), height
    )


def _term_bars(name: str, terms: list[str], values: list[float], colour: str) -> dict:
    return {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "y": terms,
        "x": rounded(values),
        "marker": {"color": colour},
        "hovertemplate": "'%{y}': %{x:.3f}<extra>" + name + "</extra>",
    }


def audio_charts(profile: AudioProfile) -> list[Chart]:
    return [
        _distribution_chart("tempo", "Tempo", "tempo (BPM)", profile.tempo, profile),
        _distribution_chart("key", "Key and mode", "key", profile.key, profile),
        _distribution_chart("loudness", "Loudness", "loudness (LUFS)", profile.loudness, profile),
    ]


def _distribution_chart(
    key: str, name: str, axis: str, dist: Distribution, profile: AudioProfile
) -> Chart:
    title = f"{name}: you vs the picks"
    traces = [
        _share_bars("you (by plays)", dist, dist.yours, YOU_COLOUR, axis),
        _share_bars("picks", dist, dist.picks, PICKS_COLOUR, axis),
    ]
    xaxis = {"tickangle": -60, "tickfont": {"size": 9}} if dist.centres is None else {}
    figure = {
        "data": traces,
        "layout": layout(title, x=axis, y="% of tracks", height=340, barmode="group", xaxis=xaxis),
    }
    rows = [
        [label, mine, theirs]
        for label, mine, theirs in zip(dist.labels, dist.yours, dist.picks, strict=True)
    ]
    note = (
        f"{profile.played_tracks} analysed tracks you played (weighted by plays), "
        f"{profile.picked_tracks} analysed picks."
    )
    return Chart(
        f"audio-{key}", title, figure, Table([axis, "you play %", "picks %"], rows, note), 340
    )


def _share_bars(name: str, dist: Distribution, values: list[float], colour: str, axis) -> dict:
    trace = {
        "type": "bar",
        "name": name,
        "x": dist.labels if dist.centres is None else dist.centres,
        "y": values,
        "customdata": dist.labels,
        "marker": {"color": colour},
        "hovertemplate": f"{axis} %{{customdata}}: %{{y:.1f}} %<extra>{name}</extra>",
    }
    return trace


def weeks_chart(weeks: list[WeekOutcome]) -> Chart:
    """Per week, what became of its picks, and the hit rate (share of picks played)."""
    labels = [week.week.strftime("%b %-d, %Y") for week in weeks]
    series = (
        ("played", "#1a7f4b"),
        ("saved", "#1f77b4"),
        ("skipped", "#e0a800"),
        ("refused", "#b3261e"),
    )
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [getattr(week, name) for week in weeks],
            "marker": {"color": colour},
            "hovertemplate": "week of %{x}: %{y} picks " + name + "<extra></extra>",
        }
        for name, colour in series
    ]
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "hit rate %",
            "x": labels,
            "y": [round(100 * week.hit_rate, 1) for week in weeks],
            "yaxis": "y2",
            "line": {"color": "#8a8a8a"},
            "hovertemplate": "week of %{x}: %{y:.0f} % of picks played<extra></extra>",
        }
    )
    title = "What became of each week's picks"
    figure = {
        "data": traces,
        "layout": layout(
            title,
            x="week",
            y="picks",
            height=380,
            yaxis={"range": [0, max(week.picks for week in weeks)]},
            barmode="group",
            yaxis2={
                "title": {"text": "hit rate %"},
                "overlaying": "y",
                "side": "right",
                "range": [0, 100],
                "tickmode": "linear",
                "dtick": 25,
                "showgrid": False,
                "automargin": True,
            },
        ),
    }
    rows = [
        [
            week.week.isoformat(),
            week.picks,
            week.played,
            week.saved,
            week.skipped,
            week.refused,
            week.from_playlist,
            f"{100 * week.hit_rate:.0f} %",
        ]
        for week in weeks
    ]
    columns = [
        "week",
        "picks",
        "played",
        "saved",
        "skipped",
        "refused",
        "played from the playlist",
        "hit rate",
    ]
    return Chart("weeks", title, figure, Table(columns, rows), 380)
