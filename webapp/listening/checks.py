"""A system check: with DEBUG off, the cache must be one that every server process shares.

API rate limits and login throttling count in the default cache; a per-process cache
(LocMemCache, DummyCache) would give each gunicorn worker its own budget. `manage.py check`,
runserver and migrate refuse to go on (listening.E001), and every process logs it loudly at
start, since gunicorn runs no checks.
"""

import logging

from django.conf import settings
from django.core.checks import Error, Tags, register

logger = logging.getLogger(__name__)

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches)
def shared_cache_check(app_configs=None, **kwargs) -> list[Error]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process: API rate limits "
            "and login throttling would be counted separately by each server process.",
            hint="Set REDIS_URL, or use the database cache (the default without Redis; run "
            "`manage.py createcachetable`).",
            id="listening.E001",
        )
    ]


def shared_cache_warn() -> None:
    for error in shared_cache_check():
        logger.critical("%s %s", error.msg, error.hint)
