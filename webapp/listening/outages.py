"""Requests that go on without a shared service that is down, and say so in the log.

When Redis (the shared cache and the task queue) cannot be reached, a listen is still stored
and a page still served: rate limits are not counted and re-solves are not queued for a
while. `outage_log(what, exc)` records that: the error with its traceback at most once a
minute per problem, counting the times in between, so an outage under load cannot bury the
log (or slow every request down writing it).
"""

import logging
import threading
import time

from redis.exceptions import RedisError

#: What Django's Redis cache raises when Redis cannot be reached (the database cache's
#: failures are the database's, answered as such).
CACHE_UNREACHABLE = (RedisError, OSError)
logger = logging.getLogger(__name__)

#: A problem is logged at most this often; the next report says how many times it happened.
REPORT_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_last_report: dict[str, float] = {}
_unreported: dict[str, int] = {}


def outage_log(what: str, exc: BaseException, *, clock=time.monotonic) -> bool:
    """Log that `what` (e.g. "rate limit not counted") happened because of `exc`, unless it was
    logged less than a minute ago; returns whether this call logged."""
    now = clock()
    with _lock:
        if now - _last_report.get(what, float("-inf")) < REPORT_EVERY_SECONDS:
            _unreported[what] = _unreported.get(what, 0) + 1
            return False
        _last_report[what] = now
        since = _unreported.pop(what, 0)
    more = f" ({since} more times since the last report)" if since else ""
    logger.error("%s: %s: %s%s", what, type(exc).__name__, exc, more, exc_info=exc)
    return True
