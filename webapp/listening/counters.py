"""Counters every server process shares, kept in Django's cache in fixed time windows.

A key, a window length and the time in; how many hits the key has in the current window out.
API rate limits and login throttling count here. With Redis, add and incr are atomic; with
the database cache (the embedded default) get-then-set is not, so each count there is one
short transaction holding the write lock (SQLite's IMMEDIATE transactions) or an advisory
lock (PostgreSQL): no process loses another's count.
"""

import zlib
from dataclasses import dataclass

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

#: Buckets outlive their window a little so clock skew between processes cannot reset them early.
EXPIRATION_GRACE_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Window:
    count: int
    reset: int  # unix time the window ends
    reset_in: int  # seconds until then


def _bucket(key: str, window: int, now: float) -> tuple[str, int, int]:
    now_s = int(now)
    reset = (now_s // window) * window + window
    return f"{key}:{reset}", reset, reset - now_s


def window_hit(key: str, *, window: int, now: float) -> Window:
    """Count one hit against key in the current window; the window's count including it."""
    bucket, reset, reset_in = _bucket(key, window, now)
    timeout = reset_in + EXPIRATION_GRACE_SECONDS
    if isinstance(caches[DEFAULT_CACHE_ALIAS], DatabaseCache):
        count = _database_incr(bucket, timeout)
    else:
        count = _atomic_incr(bucket, timeout)
    return Window(count=count, reset=reset, reset_in=reset_in)


def window_count(key: str, *, window: int, now: float) -> Window:
    """The current window's count for key, without counting."""
    bucket, reset, reset_in = _bucket(key, window, now)
    return Window(count=cache.get(bucket, 0), reset=reset, reset_in=reset_in)


def _atomic_incr(bucket: str, timeout: int) -> int:
    try:
        return cache.incr(bucket)
    except ValueError:  # first hit of the window (or the bucket just expired)
        if cache.add(bucket, 1, timeout=timeout):
            return 1
        return cache.incr(bucket)  # another process created it in between


def _database_incr(bucket: str, timeout: int) -> int:
    using = router.db_for_write(caches[DEFAULT_CACHE_ALIAS].cache_model_class)
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(bucket.encode())])
        count = cache.get(bucket, 0) + 1
        cache.set(bucket, count, timeout=timeout)
    return count
