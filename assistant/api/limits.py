"""Per-key rate limits with the `limits` library (the engine under slowapi): a moving window in memory.

One limiter per process: with `serve --workers N` each worker counts on its own, so a client spread over the
workers may get up to N times the limit (a shared store such as Redis would fix that; none is configured).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ingest.errors import ConfigError


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
    """Counts requests per (scope, identity) against the limits of that scope, or of the identity's own."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self._parsed: dict[str, list[RateLimitItem]] = {}

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
        tightest: Verdict | None = None
        for item in items:
            ok = self.limiter.hit(item, scope, identity)
            stats = self.limiter.get_window_stats(item, scope, identity)
            verdict = Verdict(ok, item.amount, max(0, stats.remaining), max(0.0, stats.reset_time - now))
            if not ok:
                return verdict
            if tightest is None or verdict.remaining < tightest.remaining:
                tightest = verdict
        return tightest or Verdict(True)
