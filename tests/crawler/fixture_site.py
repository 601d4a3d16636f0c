"""Fixture pages for the crawler tests: good writing, and every kind of bad input.

`write_site(folder, port)` writes the static pages; `special_routes()` gives the responses a
folder cannot (404, a redirect loop, binary junk as text/html, an enormous page, a JSON feed).
"""

from pathlib import Path

import numpy as np

from crawler.loopback import Route

ARTISTS = ["Massive Attack", "Björk", "Low"]
TRACKS = [("Massive Attack", "Teardrop")]
ENORMOUS_BYTES = 3 * 1024 * 1024  # over the crawler's 2 MiB DOWNLOAD_MAXSIZE

BOILERPLATE = """
<div class="cookie-banner">We use cookies on this website. <button>Accept all cookies</button>
<a href="/privacy.html">Privacy policy</a></div>
<nav><a href="/">Home</a> <a href="/about.html">About us</a></nav>
"""
FOOTER = "<footer>Copyright 2026 Fixture Zine. All rights reserved. Subscribe!</footer>"

REVIEW = """<p>Massive Attack return with a brooding, smoky record of trip-hop built on dub bass
and slow breakbeats; the bass sits low in the mix. The single "Teardrop" floats on a
harpsichord figure and a heartbeat drum, and the whole album feels nocturnal, cinematic
and heavy with reverb.</p>
<p>Bristol's finest still sound like nobody else: murky, patient and hypnotic.</p>"""

LIVE_REPORT = """<p>Live, Massive Attack stretch their trip-hop into long dub jams: the bass is
enormous, the strobes are nocturnal and the two singers trade verses over slow breakbeats.
The encore, "Teardrop", was hushed and hypnotic.</p>"""

CHANGED_REVIEW = """<p>On a second listen Massive Attack sound colder: a glacial, paranoid record of
trip-hop whose dub bass and distorted guitars feel menacing rather than smoky, and whose
single "Teardrop" now reads as a lullaby for insomniacs.</p>"""

MALFORMED = """<html><head><title>Björk live at the harbour</title><body><div>
<p>Björk played the harbour stage with a brass band <b>and <i>strings</p></div></div>
<p>The songs were glacial, then volcanic; the crowd swayed through a long encore of
Homogenic songs, and the brass section glowed
<table><tr><td>broken cell <p>Another paragraph about icy electronic beats and a choir that
sang in Icelandic for twenty minutes"""

ESSAY = """<p>An essay about tuning forks, the acoustics of old churches and why a room's
reverberation time shapes how we hear a choir. No band is named here; it is about the
physics of sound in stone buildings, echoes and the patience of listening.</p>"""


def page(title: str, body: str, links: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"{BOILERPLATE}<main><article><h1>{title}</h1>{body}</article></main>{links}{FOOTER}"
        "</body></html>"
    )


def index(port: int) -> str:
    links = [
        "/reviews/massive-attack.html", "/reviews/massive-attack-live.html",
        "/reviews/bjork.html", "/essay.html", "/copy.html",
        "/missing.html", "/loop-a", "/junk.html", "/huge.html", "/feed", "/private/secret.html",
        "/deep-1.html", "http://elsewhere.invalid/offsite.html",
        f"http://localhost:{port}/sneaky.html",
    ]  # fmt: skip
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    intro = "<p>Fixture Zine collects reviews, live reports and essays about music and sound.</p>"
    return page(
        "Fixture Zine", intro + "<p>Everything we wrote this month:</p>", f"<ul>{items}</ul>"
    )


def write_site(folder: Path, port: int, *, review: str = REVIEW) -> Path:
    files = {
        "index.html": index(port),
        "reviews/massive-attack.html": page("Massive Attack: Mezzanine revisited", review),
        "reviews/massive-attack-live.html": page("Massive Attack live in Bristol", LIVE_REPORT),
        "copy.html": page("Massive Attack: Mezzanine revisited", review),  # same text, new URL
        "reviews/bjork.html": MALFORMED,
        "essay.html": page("On the acoustics of churches", ESSAY),
        "private/secret.html": page("Secret", "<p>Robots must not read this page.</p>" * 5),
        "deep-1.html": page("Deep one", ESSAY.replace("essay", "first essay"), _next(2)),
        "deep-2.html": page("Deep two", ESSAY.replace("essay", "second essay"), _next(3)),
        "deep-3.html": page("Deep three", ESSAY.replace("essay", "third essay")),
        "robots.txt": "User-agent: *\nDisallow: /private/\n",
    }
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def _next(n: int) -> str:
    return f'<p><a href="/deep-{n}.html">Further</a></p>'


def special_routes() -> dict[str, Route]:
    junk = np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    huge = b"<html><body>" + b"<p>" + b"an enormous page " * (ENORMOUS_BYTES // 17) + b"</p>"
    return {
        "/loop-a": Route(302, b"", {"Location": "/loop-b"}),
        "/loop-b": Route(302, b"", {"Location": "/loop-a"}),
        "/junk.html": Route(200, junk, {"Content-Type": "text/html"}),
        "/huge.html": Route(200, huge, {"Content-Type": "text/html; charset=utf-8"}),
        "/feed": Route(200, b'{"items": []}', {"Content-Type": "application/json"}),
    }


def forbid_everything(folder: Path) -> None:
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
