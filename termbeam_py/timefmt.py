"""The API's time formats: ISO 8601 in UTC with milliseconds (`2025-01-15T10:30:00.123Z`),
and Unix milliseconds (`lastActivity`, notification timestamps)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_ms() -> int:
    """Unix time now, in whole milliseconds."""
    return int(time.time() * 1000)


def iso_ms(moment: datetime) -> str:
    """`moment` (timezone-aware) in the API's format; sub-millisecond digits are dropped."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso_ms() -> str:
    """The current time in the API's format."""
    return iso_ms(datetime.now(UTC))


def epoch_iso_ms(seconds: float) -> str | None:
    """Unix seconds in the API's format; None when no date can hold them."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return iso_ms(moment)
