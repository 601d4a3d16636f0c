"""Rate limits and login throttling count in a cache every process shares (issue 8,
defect 5): the database cache by default, and no per-process cache with DEBUG off. That two
server processes really share one budget is shown in test_live_server.py."""

import pytest
from django.core.management import call_command

from webapp.listening.checks import shared_cache_check
from webapp.listening.counters import window_count, window_hit

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_the_embedded_default_counts_in_the_database(settings):
    backend = settings.CACHES["default"]["BACKEND"]

    assert backend.endswith(("DatabaseCache", "RedisCache"))
    assert shared_cache_check() == []


def test_a_per_process_cache_with_debug_off_is_an_error(settings):
    settings.CACHES = LOCMEM
    settings.DEBUG = False

    (error,) = shared_cache_check()

    assert error.id == "listening.E001" and "REDIS_URL" in error.hint
    settings.DEBUG = True
    assert shared_cache_check() == []


@pytest.mark.django_db
def test_a_window_counts_hits_and_starts_again_when_it_ends():
    for expected in (1, 2, 3):
        assert window_hit("k", window=60, now=1_700_000_045).count == expected

    assert window_count("k", window=60, now=1_700_000_099).count == 3
    assert window_hit("k", window=60, now=1_700_000_100).count == 1


@pytest.mark.django_db
def test_the_database_cache_counts_in_one_transaction_a_hit(settings):
    """The embedded default's path, on whatever database the suite runs (an advisory lock on
    PostgreSQL, the IMMEDIATE write lock on SQLite)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t_cache"}
    }
    call_command("createcachetable", verbosity=0)

    counts = [window_hit("db", window=60, now=1_700_000_045).count for _ in range(3)]

    assert counts == [1, 2, 3]
    assert window_count("db", window=60, now=1_700_000_045).count == 3
