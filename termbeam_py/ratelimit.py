"""Sliding-window counters keyed by client address."""

from __future__ import annotations

import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def allowed(self, key: str) -> bool:
        return len(self._recent(key, time.monotonic())) < self.limit

    def hit(self, key: str) -> None:
        now = time.monotonic()
        self._recent(key, now)
        self._hits.setdefault(key, deque()).append(now)

    def remaining(self, key: str) -> int:
        return max(0, self.limit - len(self._recent(key, time.monotonic())))

    def reset_in(self, key: str) -> int:
        """Whole seconds until the oldest counted hit leaves the window."""
        now = time.monotonic()
        hits = self._recent(key, now)
        return int(hits[0] + self.window - now) + 1 if hits else 0
