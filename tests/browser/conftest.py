"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Tests are skipped when Chromium or Playwright is missing. Pages are opened against
pytest-django's live_server; tests/browser/urls.py adds media serving there.
"""

import io
import os
import wave
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module. While Playwright's sync API is open it keeps an event
    loop running in this thread, and Django refuses ORM calls from a thread with a running
    loop; the tests' ORM calls are plain synchronous ones, so the guard is lifted for exactly
    that long (module scope, so tests in later modules keep the guard)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(chromium, live_server, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def wav_bytes(*, seconds: float, rate: int = 8000, hz: float = 440.0) -> bytes:
    """A mono 16-bit PCM WAV of a quiet sine tone."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (3000 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()
