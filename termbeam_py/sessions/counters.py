"""A session's running totals for GET /metrics (metrics.py reads them when scraped).

Plain integer and float fields on our own object: the data path only adds to them, so a
chunk of output costs one addition, not a call into prometheus_client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(slots=True)
class SessionCounters:
    bytes_out: int = 0
    """Bytes the session's program wrote to its terminal (read from the PTY)."""
    bytes_in: int = 0
    """Bytes typed or pasted into the session by any viewer or the terminal API."""
    resyncs: int = 0
    """Times a viewer fell behind the oldest byte the log holds and got a fresh screen."""
    paused_seconds: float = 0.0
    """Time reading the PTY was held back by flow control, pauses that ended."""
    paused_since: float | None = None
    """time.monotonic() when the current flow-control pause began; None while reading."""

    def pause(self) -> None:
        if self.paused_since is None:
            self.paused_since = time.monotonic()

    def resume(self) -> None:
        if self.paused_since is not None:
            self.paused_seconds += time.monotonic() - self.paused_since
            self.paused_since = None

    def paused_total(self) -> float:
        """Seconds paused so far, the pause under way included."""
        ongoing = 0.0 if self.paused_since is None else time.monotonic() - self.paused_since
        return self.paused_seconds + ongoing
