"""Paging through the audit log (#17): every entry on exactly one page, however many were
written in one millisecond, across rotated files, with entries added while paging."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.audit import AuditLog, iso_time
from termbeam_py.config import Config
from tests.conftest import PASSWORD, ClientFactory
from tests.helpers import AppClient, FakeClock

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
#: Entries written in the one millisecond (more than fit in one rotated file).
SAME = 60


async def _server(aiohttp_client: ClientFactory, config: Config,
                  clock: FakeClock) -> tuple[AppClient, AuditLog]:
    app = create_app(config)
    # Rotated at about 30 entries, so the millisecond's entries span files too.
    audit = app[keys.AUDIT] = AuditLog(config.config_dir, clock=clock, max_bytes=3500)
    return await aiohttp_client(app), audit


def _write(audit: AuditLog, start: int, count: int, event: str = "settings.changed") -> None:
    for n in range(start, start + count):
        # Every third one another event, for the event filter.
        audit.record("login.failed" if n % 3 == 0 else event, n=n)
        if n % 10 == 9:
            audit.settle()  # one write each: the files rotate between them


async def _pages(client: AppClient, query: str, before: str | None = None,
                 ) -> tuple[list[int], list[str | None]]:
    """Every page of `query` from `before` on, following `next`: the entries' numbers and
    each `next`."""
    seen: list[int] = []
    cursors: list[str | None] = []
    while True:
        params = {"before": before} if before else {}
        response = await client.get(f"/api/audit?{query}", params=params, headers=ADMIN)
        assert response.status == 200, await response.text()
        page: dict[str, Any] = await response.json()
        seen += [e["n"] for e in page["entries"] if "n" in e]
        before = page["next"]
        cursors.append(before)
        assert len(cursors) <= 200, "the pages should end"
        if before is None:
            return seen, cursors


async def test_every_entry_on_one_page(aiohttp_client: ClientFactory, config: Config) -> None:
    clock = FakeClock(time.time())
    client, audit = await _server(aiohttp_client, config, clock)
    await asyncio.to_thread(_write, audit, 0, 5)  # an earlier millisecond
    clock.advance(0.002)
    await asyncio.to_thread(_write, audit, 5, SAME)  # all in one millisecond
    clock.advance(0.002)
    await asyncio.to_thread(_write, audit, 5 + SAME, 5)
    total = 10 + SAME
    files = [p for p in audit.files() if p.exists()]
    assert len(files) >= 2, "the millisecond's entries should span rotated files"

    for limit in (1, 3, 7):
        seen, cursors = await _pages(client, f"limit={limit}")
        assert sorted(seen) == list(range(total)), limit  # each once, none skipped
        assert seen == sorted(seen, reverse=True)  # newest first
        assert any(c and "~" in c for c in cursors)
    wanted = [n for n in range(total) if n % 3]
    seen, _ = await _pages(client, "limit=4&event=settings.changed")
    assert seen == sorted(wanted, reverse=True)

    # Entries written while paging, even in the very same millisecond, are newer than the
    # cursor: the pages go on with exactly the entries that were left.
    first = await (await client.get("/api/audit?limit=20", headers=ADMIN)).json()
    clock.advance(-0.002)  # back in the crowded millisecond
    await asyncio.to_thread(_write, audit, 1000, 3)
    rest, _ = await _pages(client, "limit=6", first["next"])
    listed = [e["n"] for e in first["entries"] if "n" in e]
    assert sorted(listed + rest) == list(range(total))


async def test_before_takes_a_time_or_a_cursor(aiohttp_client: ClientFactory,
                                               config: Config, tmp_path: Path) -> None:
    clock = FakeClock(time.time())
    client, audit = await _server(aiohttp_client, config, clock)
    await asyncio.to_thread(_write, audit, 0, 4)
    crowded = iso_time(clock.now + 0.001)
    clock.advance(0.001)
    await asyncio.to_thread(_write, audit, 4, 4)

    async def numbers(before: str) -> list[int]:
        response = await client.get("/api/audit", params={"before": before}, headers=ADMIN)
        assert response.status == 200, await response.text()
        return [e["n"] for e in (await response.json())["entries"] if "n" in e]

    # A plain time is exclusive, as it always was: nothing of that millisecond.
    assert await numbers(crowded) == [3, 2, 1, 0]
    # A cursor adds that millisecond's oldest entries.
    assert await numbers(f"{crowded}~2") == [5, 4, 3, 2, 1, 0]
    for bad in ("soon~2", f"{crowded}~0", f"{crowded}~x", f"{crowded}~²", f"{crowded}~",
                f"{crowded}~{'9' * 5000}"):
        response = await client.get("/api/audit", params={"before": bad}, headers=ADMIN)
        assert response.status == 400, bad
    for bad in ("²", "9" * 5000):
        response = await client.get("/api/audit", params={"limit": bad}, headers=ADMIN)
        assert response.status == 400, bad
