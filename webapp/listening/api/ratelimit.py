"""Request budgets per API token or per client IP, counted in the shared cache.

A key (a hashed token, or an IP), a limit and a window in; a RateLimit out with the
X-RateLimit-* headers ListenBrainz (brainzutils) sends. Windows are fixed buckets counted by
webapp.listening.counters, so every server process sharing the cache (Redis in production,
the database in the embedded default) shares the budget.
"""

import hashlib
import time
from dataclasses import dataclass

from webapp.listening.counters import window_hit

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
    return "token:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def ip_key(ip: str) -> str:
    return "ip:" + ip


def ratelimit_hit(*, key: str, limit: int, window: int, now: float | None = None) -> RateLimit:
    """Count one request against `key` in the current window and report where it stands."""
    hit = window_hit(f"{CACHE_PREFIX}:{key}", window=window, now=clock() if now is None else now)
    return RateLimit(limit=limit, current=hit.count, reset=hit.reset, reset_in=hit.reset_in)
