"""Failed logins counted per username and per client IP in the shared cache.

A username and an IP in; how long that login must wait (None when it may try) out. Past
LOGIN_FAILURES_PER_USERNAME failures for one name, or LOGIN_FAILURES_PER_IP from one address,
in one window, further attempts are refused before the password is hashed, so guessing costs
the guesser time and the server nothing. Counts live in the cache every process shares
(webapp.listening.counters), so more server processes do not mean more guesses. When the
cache cannot be reached, logins go on unthrottled (and the failure is logged) rather than
nobody being able to log in.
"""

import hashlib
import logging
import time

from webapp.listening.counters import window_count, window_hit

LOGIN_FAILURES_PER_USERNAME = 5
LOGIN_FAILURES_PER_IP = 20
LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
CACHE_PREFIX = "login-failures"
logger = logging.getLogger(__name__)
clock = time.time  # tests move it past the window


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    name = hashlib.sha256(username.strip().casefold().encode("utf-8", "surrogatepass"))
    return [
        (f"{CACHE_PREFIX}:user:{name.hexdigest()[:32]}", LOGIN_FAILURES_PER_USERNAME),
        (f"{CACHE_PREFIX}:ip:{ip}", LOGIN_FAILURES_PER_IP),
    ]


def login_wait_seconds(*, username: str, ip: str) -> int | None:
    """Seconds until this username may try from this IP again; None when it may now."""
    now = clock()
    try:
        windows = [
            (window_count(key, window=LOGIN_THROTTLE_WINDOW_SECONDS, now=now), limit)
            for key, limit in _keys(username, ip)
        ]
    except Exception:
        logger.exception("login throttle: the cache cannot be read; login not throttled")
        return None
    waits = [window.reset_in for window, limit in windows if window.count >= limit]
    return max(waits) if waits else None


def login_failure_record(*, username: str, ip: str) -> None:
    now = clock()
    try:
        for key, _ in _keys(username, ip):
            window_hit(key, window=LOGIN_THROTTLE_WINDOW_SECONDS, now=now)
    except Exception:
        logger.exception("login throttle: the cache cannot be written; failure not counted")
