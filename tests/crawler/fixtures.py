"""Fixtures for tests that crawl: a catalog, the fixture site on loopback, and a database the crawl
subprocess can open.

pytest-django keeps a SQLite test database in memory, which another process cannot open; the
`crawl_database` fixture copies it to a file for the `scrapy crawl` subprocess and copies
the result back (SQLite's backup API), around the real `webapp.culture.crawl.scrapy_run`.
On PostgreSQL the subprocess simply connects to the test database.
"""

import sqlite3

import pytest
from django.db import connection

from crawler.loopback import serve
from tests.crawler.fixture_site import ARTISTS, TRACKS, special_routes, write_site
from webapp.catalog.models import Artist, Track
from webapp.catalog.normalize import normalize_name
from webapp.culture import crawl

FAST_CRAWL = {"AUTOTHROTTLE_START_DELAY": "0.01", "LOG_LEVEL": "WARNING"}


@pytest.fixture
def crawl_database(transactional_db, tmp_path, monkeypatch):
    if crawl.database_url() is not None:
        yield
        return
    path = tmp_path / "crawl.sqlite3"
    real_run = crawl.scrapy_run

    def run_on_a_copy(argv, *, env, timeout):
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        try:
            return real_run(argv, env={**env, "DATABASE_URL": f"sqlite:///{path}"}, timeout=timeout)
        finally:
            with sqlite3.connect(path) as source:
                source.backup(connection.connection)

    monkeypatch.setattr(crawl, "scrapy_run", run_on_a_copy)
    yield


@pytest.fixture
def catalog(crawl_database):
    artists = {
        name: Artist.objects.create(name=name, name_normalized=normalize_name(name))
        for name in ARTISTS
    }
    for artist, title in TRACKS:
        Track.objects.create(
            artist=artists[artist], title=title, title_normalized=normalize_name(title)
        )
    return artists


@pytest.fixture
def site(tmp_path):
    """The fixture site served on loopback: (base URL, folder, request log)."""
    folder = tmp_path / "site"
    log: list = []
    with serve(folder, routes=special_routes(), log=log) as url:
        write_site(folder, int(url.rsplit(":", 1)[1]))
        yield url, folder, log
