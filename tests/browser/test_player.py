"""The track page in headless Chromium: log in, play real audio until it counts, skip, save.

Also checks that a page loads nothing from outside this server. Set DW_SCREENSHOT_DIR to
keep screenshots of the home and track pages.
"""

import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.browser.conftest import wav_bytes
from webapp.catalog.models import Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.listening.models import Listen, ListenSource, SavedTrack, Skip
from webapp.listening.services import listener_create, track_play_record, track_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def _track_with_audio(*, title: str, seconds: float) -> Track:
    (track_id,) = tracks_resolve(
        refs=[
            TrackRef(
                artist_name="Boards of Canada",
                track_name=title,
                release_name="Music Has the Right to Children",
                recording_mbid="3b8b5a0e-2a32-4c4e-9c0e-5d3cb0c9d1f2",
                duration_ms=int(seconds * 1000),
            )
        ]
    )
    track = Track.objects.get(pk=track_id)
    track.audio.save(
        f"{title.lower().replace(' ', '-')}.wav", ContentFile(wav_bytes(seconds=seconds))
    )
    return track


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("DW_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_playing_past_the_listen_rule_records_a_listen_and_save_toggles(
    page, live_server, settings
):
    settings.PLAYER_LISTEN_CAP_SECONDS = 1
    listener = listener_create(username="ada", password=PASSWORD)
    track = _track_with_audio(title="Roygbiv", seconds=4)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    _log_in(page, "ada")
    page.goto(track.get_absolute_url())
    page.click("[data-play]")
    page.wait_for_selector("text=Counted as a listen.")
    assert _wait_for(lambda: Listen.objects.filter(user=listener, track=track).exists())
    listen = Listen.objects.get(user=listener, track=track)
    assert listen.source == ListenSource.BROWSER
    assert 900 <= listen.ms_played <= 4500
    assert page.text_content("[data-play-count]") == "1"

    save = page.locator("form[data-save-toggle] button")
    assert save.text_content() == "Save to library"
    save.click()
    page.wait_for_selector("form[data-save-toggle] button[aria-pressed=true]")
    assert save.text_content() == "Saved ✓"
    assert SavedTrack.objects.filter(user=listener, track=track).exists()
    save.click()
    page.wait_for_selector("form[data-save-toggle] button[aria-pressed=false]")
    assert not SavedTrack.objects.filter(user=listener, track=track).exists()

    _screenshot(page, "track")
    page.goto("/")
    _screenshot(page, "home")
    for name in ("browse", "library", "profile"):
        page.goto(f"/{name}/")
        _screenshot(page, name)
    outside = [url for url in requests if not url.startswith((live_server.url, "data:"))]
    assert requests and outside == []


def test_skip_before_the_listen_counts_records_a_skip_and_no_listen(page, settings):
    listener = listener_create(username="ada", password=PASSWORD)
    track = _track_with_audio(title="Turquoise Hexagon Sun", seconds=20)
    _log_in(page, "ada")
    page.goto(track.get_absolute_url())
    page.click("[data-play]")
    page.wait_for_selector("[data-play][aria-label=Pause]")
    page.click("[data-skip]")
    page.wait_for_selector("text=Skipped.")
    assert Skip.objects.filter(user=listener, track=track).count() == 1
    assert not Listen.objects.exists()


def test_home_lists_what_the_listener_played_and_saved(page):
    listener = listener_create(username="ada", password=PASSWORD)
    track = _track_with_audio(title="Olson", seconds=1)
    track_play_record(user=listener, track=track)
    track_save(user=listener, track=track)
    _log_in(page, "ada")
    assert page.locator("#recent-heading").is_visible()
    assert page.locator("table.tracks a", has_text="Olson").count() == 1
    assert page.locator(".saved-list a", has_text="Olson").count() == 1
