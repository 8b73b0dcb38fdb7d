"""Per-key rate limits with the `limits` library (the engine under slowapi): a moving window, counted in memory or,
with `GROUNDED_LIMITS__STORAGE_URL=redis://host:6379/0`, in Redis.

In memory (the default) each process counts on its own: with `serve --workers N` a client spread over the workers
may get up to N times the limit. In Redis every worker (and every host) counts in the same window, atomically (the
library's Lua script), so N+1 concurrent requests over a limit of N give exactly one 429. If Redis cannot be reached
the request is let through (an outage of the counter store must not take answering down), and so is every request
for the next PAUSE_S seconds before Redis is tried again: logged, counted in `errors`, shown by /readyz under
`limits`. The Redis calls are synchronous on the event loop (two round trips per limit, well under a millisecond on
loopback; REDIS_TIMEOUT_S at most).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kernel.errors import ConfigError

log = logging.getLogger("grounded.limits")
REDIS_TIMEOUT_S = 1.0  # a Redis that does not answer within this lets the request through (counted), not hang it
PAUSE_S = 5.0  # after a storage failure, requests go through uncounted this long before the storage is tried again
               # (a hung Redis would otherwise hold the event loop REDIS_TIMEOUT_S on every request)


def make_storage(url: str | None):
    """The counters' storage for `url` (`memory://`, `redis://host:port/db`, `rediss://...`, any `limits` storage
    URL); None or empty: in memory. ConfigError for an unknown scheme or a missing client package (`redis`)."""
    if not url or url.strip() in ("", "memory://"):
        return MemoryStorage()
    options = {"wrap_exceptions": True}
    if url.startswith(("redis", "rediss")):
        options |= {"socket_timeout": REDIS_TIMEOUT_S, "socket_connect_timeout": REDIS_TIMEOUT_S}
    try:
        return storage_from_string(url, **options)
    except (ConfigurationError, ValueError, ImportError) as exc:
        scheme, _, rest = url.partition("://")
        shown = f"{scheme}://{rest.rsplit('@', 1)[-1]}"  # no user or password in a message
        raise ConfigError(f"cannot use rate-limit storage {shown!r}: {str(exc).replace(url, shown)} (for Redis: "
                          "the `redis` package, in the project's `scale` extra)") from None


def parse_limit(text: str | None) -> list[RateLimitItem]:
    """`"120/minute"`, `"10/second;600/hour"` → limit items; empty → none. ConfigError on bad notation."""
    if not text or not text.strip():
        return []
    try:
        return list(parse_many(text))
    except ValueError:
        raise ConfigError(f"bad rate limit {text!r}: write it like '120/minute' or '10/second;600/hour'") from None


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go ahead, and the numbers for the X-RateLimit-* and Retry-After headers."""

    allowed: bool
    limit: int = 0
    remaining: int = 0
    reset_s: float = 0.0

    def headers(self) -> dict[str, str]:
        if not self.limit:
            return {}
        out = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
               "X-RateLimit-Reset": str(math.ceil(self.reset_s))}
        if not self.allowed:
            out["Retry-After"] = str(max(1, math.ceil(self.reset_s)))
        return out


class RateLimiter:
    """Counts requests per (scope, identity) against the limits of that scope, or of the identity's own, in the
    storage at `storage_url` (None: this process's memory). ConfigError for a bad URL."""

    def __init__(self, storage_url: str | None = None) -> None:
        self.storage = make_storage(storage_url)
        self.shared = not isinstance(self.storage, MemoryStorage)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._lock = threading.Lock()
        self.errors = 0
        self.last_error: str | None = None
        self._paused_until = 0.0

    def status(self) -> dict:
        """For /readyz: storage (`memory` or the URL's scheme), whether the count is shared across workers, the
        requests let through because the storage failed, and the last such failure."""
        with self._lock:
            return {"storage": type(self.storage).STORAGE_SCHEME[0] if self.shared else "memory",
                    "shared": self.shared, "errors": self.errors, "last_error": self.last_error}

    def _items(self, text: str | None) -> list[RateLimitItem]:
        if text not in self._parsed:
            self._parsed[text] = parse_limit(text)
        return self._parsed[text]

    def hit(self, scope: str, identity: str, limit: str | None) -> Verdict:
        """Count one request; the verdict of the tightest limit (the first one that refuses, else the one with the
        fewest requests left)."""
        items = self._items(limit)
        if not items:
            return Verdict(True)
        now = time.time()
        if self.shared and time.monotonic() < self._paused_until:
            with self._lock:
                self.errors += 1
            return Verdict(True)
        tightest: Verdict | None = None
        for item in items:
            try:
                ok = self.limiter.hit(item, scope, identity)
                stats = self.limiter.get_window_stats(item, scope, identity)
            except StorageError as exc:
                self._storage_failed(exc)
                return Verdict(True)
            verdict = Verdict(ok, item.amount, max(0, stats.remaining), max(0.0, stats.reset_time - now))
            if not ok:
                return verdict
            if tightest is None or verdict.remaining < tightest.remaining:
                tightest = verdict
        return tightest or Verdict(True)

    def _storage_failed(self, exc: StorageError) -> None:
        detail = str(getattr(exc, "storage_error", None) or exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        with self._lock:
            self.errors += 1
            self._paused_until = time.monotonic() + PAUSE_S
            first = self.errors == 1 or self.errors % 100 == 0
            self.last_error = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {detail}"
        if first:
            log.error("rate-limit storage failed (%d request(s) let through uncounted so far): %s", self.errors, detail)
