"""The dashboard in headless Chromium: every chart drawn by plotly.js, a pick played and saved
from it, another listener's dashboard refused, and nothing wider than a 375 px phone.

Screenshots of each page are kept under DW_TEST_ARTIFACTS (default var/test-artifacts/browser
in the repository); the tests print the folder.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests.browser.conftest import wav_bytes
from tests.webapp.dashboard_world import dashboard_world
from webapp.catalog.models import Track
from webapp.listening.models import Listen, ListenSource, SavedTrack
from webapp.listening.services import listener_create
from webapp.playlists.models import WeeklyPlaylist
from webapp.training.models import ModelKind, ModelVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
CHARTS = 8  # picks, taste, map, culture, tempo, key, loudness, past weeks
ARTIFACTS = Path(
    os.environ.get(
        "DW_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    )
)


@pytest.fixture
def world(settings):
    settings.CF_FACTORS, settings.CF_ITERATIONS, settings.CF_REGULARIZATION = 8, 8, 0.1
    users, groups, week = dashboard_world()
    owner = users[0][0]
    owner.set_password(PASSWORD)
    owner.save()
    return owner, users[1][0], week


def give_audio(track: Track) -> None:
    """A short real WAV for the track, written to media (no analysis queued)."""
    name = f"audio/{track.artist_id}/pick-{track.pk}.wav"
    path = Path(django_settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav_bytes(seconds=2))
    Track.objects.filter(pk=track.pk).update(audio=name)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def charts_drawn(page, expected: int) -> None:
    """Every chart drawn: plotly's SVG present with marks in it."""
    page.wait_for_function(
        f"document.querySelectorAll('[data-plotly][data-drawn=true]').length === {expected}"
    )
    empty = page.evaluate(
        """() => [...document.querySelectorAll('[data-plotly]')].filter(el => {
             const svg = el.querySelector('svg.main-svg');
             return !svg || !svg.querySelector('.plot path, .plot .point, .heatmaplayer image');
           }).map(el => el.id)"""
    )
    assert empty == []


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    print(f"screenshot: {ARTIFACTS / name}.png")


def test_a_listener_sees_every_chart_plays_and_saves_a_pick_and_is_refused_anothers(
    page, live_server, settings, world
):
    settings.PLAYER_LISTEN_CAP_SECONDS = 1
    owner, other, week = world
    items = list(WeeklyPlaylist.objects.get(user=owner, week=week).items.order_by("position"))
    first = items[0].track
    give_audio(first)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    log_in(page, owner.username)
    page.goto(f"/listeners/{owner.username}/")
    charts_drawn(page, CHARTS)
    assert page.locator("[data-picks] > li").count() == len(items) == 30
    screenshot(page, "dashboard")

    pick = page.locator(f"[data-picks] > li[data-track-id='{first.pk}']")
    pick.locator("[data-play]").click()
    pick.locator("text=Counted as a listen.").wait_for()
    listen = Listen.objects.get(user=owner, track=first)
    assert listen.source == ListenSource.WEEKLY and listen.listened_at <= timezone.now()
    pick.locator("form[data-save-toggle] button").click()
    pick.locator("form[data-save-toggle] button[aria-pressed=true]").wait_for()
    assert SavedTrack.objects.get(user=owner, track=first).source == ListenSource.WEEKLY

    page.reload()
    charts_drawn(page, CHARTS)
    assert "Saved ✓" in page.locator(f"li[data-track-id='{first.pk}']").text_content()
    assert page.locator("[data-panel=weeks] table.numbers tbody td").nth(2).text_content() == "1"

    response = page.goto(f"/listeners/{other.username}/")
    assert response.status == 404
    outside = [url for url in requests if not url.startswith((live_server.url, "data:"))]
    assert outside == []


def test_a_phone_width_screen_shows_every_listener_page_without_sideways_scroll(
    chromium, live_server, settings, world
):
    settings.ROOT_URLCONF = "tests.browser.urls"
    owner, _, week = world
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, owner.username)
        page.goto(f"/listeners/{owner.username}/")
        charts_drawn(page, CHARTS)
        page.click("[data-panel=week] details summary")  # an opened table stays inside too
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], width
        screenshot(page, "dashboard-375px")

        track = WeeklyPlaylist.objects.get(user=owner, week=week).items.first().track
        page.goto(track.get_absolute_url())
        charts_drawn(page, 3)  # loudness with beats and bars, timbre, pitch
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], width
        screenshot(page, "track-375px")

        for path, name in (("/", "home-375px"), ("/weekly/", "weekly-375px")):
            page.goto(path)
            width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            screenshot(page, name)
            assert width[0] <= width[1], (path, width)
    finally:
        context.close()


def test_a_curator_opens_a_listeners_dashboard_and_the_model_page(page, world):
    owner, _, _ = world
    curator = listener_create(username="cleo", password=PASSWORD)
    curator.is_staff = True
    curator.save()
    log_in(page, "cleo")
    page.goto(f"/listeners/{owner.username}/")
    charts_drawn(page, CHARTS)
    assert page.locator("[data-staff-view]").count() == 1
    version = ModelVersion.objects.get(kind=ModelKind.CF, is_active=True)
    page.goto(f"/models/{version.pk}/")
    charts_drawn(page, 3)
    screenshot(page, "model-version")
