"""Sliding-window counters keyed by client address, with memory bounded whatever clients send."""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections import OrderedDict, deque
from collections.abc import Callable

#: Most keys one limiter remembers. Keys come from the network (an address, or whatever a
#: proxy-less client wrote in X-Forwarded-For), so a flood of new ones must not grow memory:
#: past the cap the key hit longest ago is forgotten. 2048 keys of 120 hits are ~2.5 MB.
MAX_KEYS = 2048
#: Longest key kept: an IPv6 address with a zone fits; anything longer is cut.
MAX_KEY_LENGTH = 64


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds, and optionally at most `total`
    hits over all keys together.

    Memory stays bounded: keys are cut to MAX_KEY_LENGTH characters, each key keeps at most
    `limit` timestamps (8 bytes each), keys whose last hit has left the window are dropped on
    the next hit, and past `max_keys` the key hit longest ago is dropped with its count. That
    forgets one stale client's history, which only ever makes the limit more lenient for it.
    """

    def __init__(
        self, limit: int, window: float = 60.0, *, total: int | None = None,
        max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.total = total
        self.max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, array[float]] = OrderedDict()
        """Hit times per key, least recently hit key first."""
        self._all: deque[float] = deque(maxlen=total or 1)
        """The latest hits over all keys, for `total`."""

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._hits)

    def _recent(self, key: str, now: float) -> array[float]:
        hits = self._hits.get(key)
        if hits is None:
            return array("d")
        del hits[: bisect_right(hits, now - self.window)]
        if not hits:
            del self._hits[key]
        return hits

    def _prune(self, now: float) -> None:
        # Keys are ordered by their last hit, so the expired ones are all at the front.
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits[-1] > now - self.window and len(self._hits) <= self.max_keys:
                return
            del self._hits[key]

    def _total_reached(self, now: float) -> bool:
        if self.total is None:
            return False
        return len(self._all) >= self.total and self._all[0] > now - self.window

    def allowed(self, key: str) -> bool:
        now = self._clock()
        if self._total_reached(now):
            return False
        return len(self._recent(key[:MAX_KEY_LENGTH], now)) < self.limit

    def hit(self, key: str) -> None:
        key = key[:MAX_KEY_LENGTH]
        now = self._clock()
        hits = self._recent(key, now)
        if len(hits) >= self.limit:  # only the latest `limit` hits decide anything
            del hits[0]
        hits.append(now)
        self._hits[key] = hits
        self._hits.move_to_end(key)
        if self.total is not None:
            self._all.append(now)
        self._prune(now)

    def remaining(self, key: str) -> int:
        return max(0, self.limit - len(self._recent(key[:MAX_KEY_LENGTH], self._clock())))

    def reset_in(self, key: str) -> int:
        """Whole seconds until the oldest counted hit leaves the window (0: none counted);
        while `total` is reached, until the oldest hit over all keys leaves it."""
        now = self._clock()
        hits = self._recent(key[:MAX_KEY_LENGTH], now)
        waits = [hits[0] + self.window - now] if hits else []
        if self._total_reached(now):
            waits.append(self._all[0] + self.window - now)
        return int(max(waits)) + 1 if waits else 0
