"""Request budgets per API token or per client IP, counted in Django's cache.

A key (a hashed token, or an IP), a limit and a window in; a RateLimit out with the
X-RateLimit-* headers ListenBrainz (brainzutils) sends. Windows are fixed buckets keyed by
time // window and counted with atomic cache add/incr, so every server process sharing the
cache (Redis in production) shares the budget.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

#: Buckets outlive their window a little so clock skew between processes cannot reset them early.
EXPIRATION_GRACE_SECONDS = 10
CACHE_PREFIX = "api-ratelimit"
clock = time.time  # tests pin it to keep every request in one window
OVER_LIMIT_MESSAGE = (
    "You have exceeded your rate limit. See the X-RateLimit-* response headers for more "
    "information on your current rate limit."
)


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    current: int
    reset: int  # unix time the window ends
    reset_in: int  # seconds until then

    @property
    def remaining(self) -> int:
        return max(self.limit - self.current, 0)

    @property
    def over_limit(self) -> bool:
        return self.current > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Reset-In": str(self.reset_in),
        }


def token_key(token: str) -> str:
    """Cache key part for a token: a digest, so the cache never holds a usable token."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def ip_key(ip: str) -> str:
    return "ip:" + ip


def ratelimit_hit(*, key: str, limit: int, window: int, now: float | None = None) -> RateLimit:
    """Count one request against `key` in the current window and report where it stands."""
    now_s = int(clock() if now is None else now)
    reset = (now_s // window) * window + window
    bucket = f"{CACHE_PREFIX}:{key}:{reset}"
    try:
        current = cache.incr(bucket)
    except ValueError:  # first request of the window (or the bucket just expired)
        if cache.add(bucket, 1, timeout=reset - now_s + EXPIRATION_GRACE_SECONDS):
            current = 1
        else:  # another process created it in between
            current = cache.incr(bucket)
    return RateLimit(limit=limit, current=current, reset=reset, reset_in=reset - now_s)
