"""The listener dashboard: each panel's numbers and charts, what it says when something is
missing, and who may see it."""

import numpy as np
import plotly.graph_objects as go
import pytest
from django.urls import reverse
from django.utils.html import escape

from recommender.projection import projection_path
from tests.webapp.dashboard_world import SOUND, dashboard_world
from webapp.dashboard.profiles import KEY_LABELS
from webapp.listening.models import ListenSource
from webapp.listening.services import (
    listener_create,
    track_play_record,
    track_save,
    track_skip_record,
)
from webapp.playlists import controls
from webapp.playlists.models import WeeklyPlaylist
from webapp.training.models import ModelKind, ModelVersion
from webapp.training.registry import registry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_cf")]


@pytest.fixture
def world():
    return dashboard_world()


def open_dashboard(client, user, viewer=None):
    client.force_login(viewer or user)
    response = client.get(reverse("listener_detail", args=[user.username]))
    assert response.status_code == 200
    return response


def chart(response, panel: str, key: str):
    return next(c for c in response.context["panels"][panel].charts if c.key == key)


def test_this_week_draws_a_stacked_bar_per_pick_from_its_stored_contributions(client, world):
    users, _, week = world
    owner = users[0][0]
    response = open_dashboard(client, owner)
    items = list(WeeklyPlaylist.objects.get(user=owner, week=week).items.order_by("position"))
    picks = chart(response, "week", "picks")
    assert picks.figure["layout"]["barmode"] == "relative"
    by_name = {trace["name"]: trace for trace in picks.figure["data"]}
    assert set(by_name) >= {"CF", "culture"}
    for trace in picks.figure["data"]:
        kind = {"CF": "cf"}.get(trace["name"], trace["name"])
        assert trace["x"] == pytest.approx([getattr(i, kind) for i in items], abs=1e-3)
        assert [row[0] for row in trace["customdata"]] == [i.track.title for i in items]
        assert "%{customdata[2]}" in trace["hovertemplate"]  # the reason, on hover
    assert [row[0] for row in picks.table.rows] == [i.position for i in items]
    assert response.text.count("data-reason") == sum(1 for i in items if i.reason)
    assert 'data-source="weekly"' not in response.text or "data-player" in response.text
    assert response.text.count('name="source" value="weekly"') == len(items)  # save buttons


def test_the_taste_panel_names_components_and_places_the_listener_among_their_own_tracks(
    client, world
):
    users, groups, _ = world
    owner = users[0][0]
    response = open_dashboard(client, owner)
    taste = response.context["panels"]["taste"].data
    assert len(taste.components) == taste.factors == 8
    values = [abs(c.value) for c in taste.components]
    assert values == sorted(values, reverse=True)
    group_artists = {t.artist.name for t in groups[0]}
    strongest = taste.components[0]
    assert strongest.towards and set(strongest.towards) <= group_artists
    bars = chart(response, "taste", "taste")
    assert len(bars.figure["data"][0]["x"]) == 8 and len(bars.table.rows) == 8

    own = np.array([[x, y] for x, y in taste.played.xy])
    others = chart(response, "taste", "map").figure["data"]
    assert own.shape[0] == 8  # the 8 tracks they played, all known to CF
    group1 = {t.title for t in groups[1]}
    background = [
        (x, y)
        for trace in others
        if trace["name"] not in {"played", "picked", "you"}
        for x, y, label in zip(trace["x"], trace["y"], trace["text"], strict=True)
        if label.split(" — ")[0] in group1
    ]
    you = taste.you
    assert np.linalg.norm(own.mean(axis=0) - you) < np.linalg.norm(
        np.mean(background, axis=0) - you
    )


def test_the_map_is_stored_next_to_the_cf_artifact_and_refitted_when_it_is_missing(client, world):
    users, _, _ = world
    version = ModelVersion.objects.get(kind=ModelKind.CF, is_active=True)
    stored = projection_path(version.artifact_path)
    assert stored.is_file()  # written by cf_retrain
    stored.unlink()
    response = open_dashboard(client, users[0][0])
    assert not response.context["panels"]["taste"].missing
    assert stored.is_file()  # fitted on first use and stored for the next process


def test_the_cultural_profile_lists_the_listeners_terms_and_how_the_picks_match(client, world):
    users, _, week = world
    owner = users[1][0]  # the loud thrash group
    response = open_dashboard(client, owner)
    panel = response.context["panels"]["culture"]
    assert {"loud", "thrash"} <= set(panel.data.terms)
    assert not {"dreamy", "shoegaze"} & set(panel.data.terms)
    assert len(panel.data.picks) == len(panel.data.terms)
    items = list(WeeklyPlaylist.objects.get(user=owner, week=week).items.order_by("position"))
    assert [item.pk for item, _ in panel.rows] == [i.pk for i in items]
    same_taste = [m for i, m in panel.rows if i.track.artist.name.startswith("Group 1")]
    assert same_taste and all({"loud", "thrash"} & set(m.terms) for m in same_taste)
    assert all(m.similarity == pytest.approx(1.0, abs=1e-3) for m in same_taste)
    assert "data-pick-matches" in response.text


def test_the_audio_profile_compares_what_they_play_with_the_picks(client, world):
    users, _, _ = world
    owner = users[0][0]  # group 0 tracks: 80-89 BPM, D minor, -14 LUFS
    profile = open_dashboard(client, owner).context["panels"]["audio"].data
    tempo, key, mode, loudness = SOUND[0]
    assert profile.played_tracks == 8
    at = profile.tempo.labels.index(f"{int(tempo)} to {int(tempo) + 10}")
    assert profile.tempo.yours[at] == pytest.approx(100)
    assert profile.key.yours[KEY_LABELS.index("D minor")] == pytest.approx(100)
    assert sum(profile.tempo.picks) == pytest.approx(100, abs=0.5)
    assert profile.picked_tracks == 30
    assert sum(profile.loudness.yours) == pytest.approx(100, abs=0.5)


def test_past_weeks_count_what_became_of_each_weeks_picks(client, world):
    users, _, week = world
    owner = users[0][0]
    items = list(WeeklyPlaylist.objects.get(user=owner, week=week).items.order_by("position"))
    track_play_record(user=owner, track=items[0].track, source=ListenSource.WEEKLY)
    track_play_record(user=owner, track=items[1].track, source=ListenSource.BROWSER)
    track_save(user=owner, track=items[1].track, source=ListenSource.WEEKLY)
    track_skip_record(user=owner, track=items[2].track, ms_played=3000, source=ListenSource.WEEKLY)
    controls.pick_refuse(user=owner, track=items[3].track)
    response = open_dashboard(client, owner)
    (outcome,) = response.context["panels"]["weeks"].data
    assert (outcome.week, outcome.picks) == (week, len(items))
    assert (outcome.played, outcome.saved, outcome.skipped, outcome.refused) == (2, 1, 1, 1)
    assert outcome.from_playlist == 1 and outcome.hit_rate == pytest.approx(2 / len(items))
    weeks = chart(response, "weeks", "weeks")
    played = next(t for t in weeks.figure["data"] if t["name"] == "played")
    assert played["y"] == [2]
    assert weeks.table.rows[0][:6] == [week.isoformat(), len(items), 2, 1, 1, 1]


def test_every_chart_is_a_valid_plotly_figure_with_a_title_axis_titles_and_hover(client, world):
    users, _, _ = world
    response = open_dashboard(client, users[0][0])
    charts = [c for panel in response.context["panels"].values() for c in panel.charts]
    assert len(charts) == 8
    for c in charts:
        figure = go.Figure(c.figure)  # raises on any property plotly does not know
        assert figure.layout.title.text == c.title
        assert figure.layout.xaxis.title.text
        assert all(trace.hovertemplate for trace in figure.data)
        assert c.table.rows and f'id="chart-{c.key}-figure"' in response.text
        assert f"The numbers: {escape(c.title)}" in response.text


def test_a_listener_with_no_listens_and_no_playlist_sees_what_is_missing(client, world):
    newcomer = listener_create(username="newcomer")
    response = open_dashboard(client, newcomer)
    panels = response.context["panels"]
    assert "No Discover Weekly playlist yet" in panels["week"].missing
    assert "not learned this listener's taste" in panels["taste"].missing
    assert "No plays or saves yet" in panels["culture"].missing
    assert "analysed yet" in panels["audio"].missing
    assert "No weekly playlists yet" in panels["weeks"].missing
    assert response.text.count("data-missing") == 5
    assert "data-plotly" not in response.text


def test_with_no_model_at_all_every_panel_says_so_and_the_page_renders(client):
    listener = listener_create(username="early")
    response = open_dashboard(client, listener)
    panels = response.context["panels"]
    assert "No collaborative-filtering model serves yet" in panels["taste"].missing
    assert "No cultural model serves yet" in panels["culture"].missing
    assert all(panel.missing for panel in panels.values())


def test_a_missing_culture_model_leaves_the_other_panels_drawn(client):
    users, _, _ = dashboard_world(culture=False, analyses=False)
    response = open_dashboard(client, users[0][0])
    panels = response.context["panels"]
    assert "No cultural model serves yet" in panels["culture"].missing
    assert "analysed yet" in panels["audio"].missing
    assert not panels["week"].missing and not panels["taste"].missing
    assert panels["taste"].data.coloured_by_terms is False


def test_an_unreadable_cf_artifact_is_reported_and_the_page_still_renders(client, world):
    users, _, _ = world
    version = ModelVersion.objects.get(kind=ModelKind.CF, is_active=True)
    with open(version.artifact_path, "wb") as damaged:
        damaged.write(b"not a model")
    registry.clear()  # as a fresh server process would find it
    response = open_dashboard(client, users[0][0])
    missing = response.context["panels"]["taste"].missing
    assert f"version #{version.pk} cannot be read" in missing
    assert not response.context["panels"]["week"].missing


def test_only_the_listener_and_staff_see_a_dashboard(client, world):
    users, _, _ = world
    owner, other = users[0][0], users[1][0]
    url = reverse("listener_detail", args=[owner.username])
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.get(reverse("listener_detail", args=["nobody-at-all"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    staff = listener_create(username="staffer")
    staff.is_staff = True
    staff.save()
    response = open_dashboard(client, owner, viewer=staff)
    assert "data-staff-view" in response.text and "data-save-toggle" not in response.text
    client.force_login(owner)
    assert client.get(reverse("dashboard"))["Location"] == url
