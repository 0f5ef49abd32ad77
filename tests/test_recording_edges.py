"""Recordings at their edges (#19): a resize is recorded when it happens (a last one too);
`--record` leaves hidden sessions alone unless asked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from termbeam_py import keys
from termbeam_py.app import create_app
from tests.conftest import ClientFactory, make_config
from tests.helpers import AppClient, eventually
from tests.test_recording import ADMIN, _attach, _download, _listing, parse_cast

#: Slack for the cast's times, which are rounded to the microsecond.
ROUNDING = 2e-6


async def _stop_recording(client: AppClient, session_id: str) -> None:
    """Stop; the part is complete on disk when the answer comes."""
    stopped = await client.patch(f"/api/sessions/{session_id}", json={"recording": False},
                                 headers=ADMIN)
    assert (await stopped.json())["recording"] is False


async def test_a_resize_is_recorded_when_it_happens_and_a_last_one_is_kept(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    made = await client.post("/api/sessions", json={"cols": 80, "rows": 24, "recording": True},
                             headers=ADMIN)
    session_id = (await made.json())["id"]
    session = client.app[keys.SESSIONS].get(session_id)
    term = await _attach(client.ws_connect, session_id)
    # cat draws nothing on SIGWINCH (bash's readline would redraw its line): after the
    # resize the terminal stays silent until something is typed.
    await term.type("echo ready-''cat; cat\r")
    await term.read_until("ready-cat\r\n")
    assert session.recorder is not None
    started = session.recorder.recording.started

    before = time.monotonic()
    await term.resize(100, 30)
    await eventually(lambda: session.terminal.cols == 100, "the resize")
    applied = time.monotonic()
    await asyncio.sleep(0.05)  # the delay under test: nothing is printed meanwhile
    typed = time.monotonic()
    await term.type("xyz\r")
    await term.read_until("xyz\r\nxyz\r\n")  # the echo, then cat's copy

    # A last resize with no output after it.
    last_before = time.monotonic()
    await term.resize(90, 20)
    await eventually(lambda: session.terminal.cols == 90, "the last resize")
    last_applied = time.monotonic()
    await _stop_recording(client, session_id)
    await term.ws.close()

    [entry] = await _listing(client, session_id)
    _, events = parse_cast(await _download(client, entry["id"]))
    resizes = [e for e in events if e[1] == "r"]
    assert [e[2] for e in resizes] == ["100x30", "90x20"]
    first, last = resizes
    assert before - started - ROUNDING <= first[0] <= applied - started + ROUNDING
    after = next(e for e in events if e[1] == "o" and "xyz" in e[2])
    assert after[0] >= typed - started - ROUNDING
    assert first[0] < after[0]
    assert last_before - started - ROUNDING <= last[0] <= last_applied - started + ROUNDING
    assert events[-1] == last  # nothing was printed after it; it is still in the file


# -- --record and hidden sessions --------------------------------------------------------

async def test_record_all_leaves_hidden_sessions_alone_unless_asked(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, record=True)))

    async def recording(body: dict[str, object]) -> tuple[str, bool]:
        made = await client.post("/api/sessions", json=body, headers=ADMIN)
        assert made.status == 201, await made.text()
        session_id = (await made.json())["id"]
        info = await (await client.get(f"/api/sessions/{session_id}", headers=ADMIN)).json()
        return session_id, info["recording"]

    assert (await recording({}))[1] is True
    hidden, on = await recording({"hidden": True})  # `termbeam run`'s kind
    assert on is False
    assert await _listing(client, hidden) == []
    assert (await recording({"hidden": True, "recording": True}))[1] is True
    asked = await client.patch(f"/api/sessions/{hidden}", json={"recording": True},
                               headers=ADMIN)
    assert (await asked.json())["recording"] is True
    [entry] = await _listing(client, hidden)
    assert entry["active"] is True
