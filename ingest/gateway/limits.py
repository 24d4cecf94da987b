"""A rate limit per delivery key (and per jobcenter for notices): a token bucket in memory.

The gateway is one process; its buckets restart empty with it, which is what a limit
against floods needs (the attempts are on disk anyway).
"""

from __future__ import annotations

import math
import threading
import time

# Requests per minute and burst per key; plenty for a jobcenter that uploads and corrects.
PER_MINUTE = 30
BURST = 10


class RateLimiter:
    """``allow(key)`` returns 0 if the request may pass, else the seconds to wait."""

    def __init__(self, per_minute: float = PER_MINUTE, burst: int = BURST) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))
