"""timefmt: the API's one timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from termbeam_py.timefmt import epoch_iso_ms, iso_ms, now_iso_ms


def test_utc_with_milliseconds_cut_not_rounded() -> None:
    moment = datetime(2025, 1, 15, 10, 30, 0, 123999, tzinfo=UTC)
    assert iso_ms(moment) == "2025-01-15T10:30:00.123Z"
    assert iso_ms(moment.astimezone(timezone(timedelta(hours=5)))) == "2025-01-15T10:30:00.123Z"


def test_epoch_seconds() -> None:
    assert epoch_iso_ms(0) == "1970-01-01T00:00:00.000Z"
    assert epoch_iso_ms(1736937000.5) == "2025-01-15T10:30:00.500Z"
    assert epoch_iso_ms(1e20) is None  # no date holds it


def test_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    parsed = datetime.fromisoformat(now_iso_ms().replace("Z", "+00:00"))
    assert parsed >= before
    assert now_iso_ms().endswith("Z")
