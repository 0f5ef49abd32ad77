"""Every session's end is in the audit log once (#17): `session.deleted` for a DELETE,
`session.ended` for a shell that exits by itself, sessions stopped with the server and ones
lost with the session holder while no server ran."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.audit import read_entries
from termbeam_py.config import Config
from termbeam_py.sessions.children import HolderSpawner
from tests.conftest import PASSWORD, ClientFactory, process_exists
from tests.helpers import AppClient, TermWS, eventually, unavailable

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}


async def _session(client: AppClient, name: str) -> str:
    response = await client.post("/api/sessions", json={"name": name}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _watch(client: AppClient, sid: str) -> TermWS:
    ws = TermWS(await client.ws_connect("/ws", headers=ADMIN))
    await ws.attach(sid)
    await ws.expect("attached")
    await ws.resize(80, 24)
    return ws


def _ends(entries: list[dict[str, Any]], sid: str) -> list[tuple[str, str | None, object]]:
    return [(e["event"], e.get("reason"), e.get("exitCode")) for e in entries
            if e["event"] in ("session.deleted", "session.ended") and e.get("session") == sid]


async def test_each_end_is_recorded_once(aiohttp_client: ClientFactory, config: Config) -> None:
    client = await aiohttp_client(create_app(config))
    exits, deleted, stopped = [await _session(client, name)
                               for name in ("exits", "deleted", "stopped")]
    # A shell that exits by itself.
    shell = await _watch(client, exits)
    await shell.read_until("$ ")
    await shell.type("exit 3\r")
    assert (await shell.expect("exit"))["code"] == 3
    # A session deleted over the API: its shell's end is the delete, not a second event.
    watcher = await _watch(client, deleted)
    assert (await client.delete(f"/api/sessions/{deleted}", headers=ADMIN)).status == 204
    await watcher.expect("exit")
    response = await client.get("/api/audit?limit=500", headers=ADMIN)
    entries = (await response.json())["entries"]
    (ended,) = [e for e in entries if e["event"] == "session.ended"]
    assert ended == {"ts": ended["ts"], "event": "session.ended", "address": None,
                     "actor": None, "session": exits, "name": "exits", "reason": "exited",
                     "exitCode": 3}
    assert _ends(entries, deleted) == [("session.deleted", None, None)]
    for ws in (shell, watcher):
        await ws.ws.close()

    # The server stops without keeping its sessions: the one still running is stopped.
    audit = client.app[keys.AUDIT]
    await client.close()
    entries = await asyncio.to_thread(read_entries, audit.files())
    assert _ends(entries, exits) == [("session.ended", "exited", 3)]
    assert _ends(entries, deleted) == [("session.deleted", None, None)]
    assert _ends(entries, stopped) == [("session.ended", "stopped", None)]


async def test_a_session_lost_with_its_holder_is_recorded(aiohttp_client: ClientFactory,
                                                          config: Config) -> None:
    first = await aiohttp_client(create_app(config))
    spawner = first.app[keys.SESSIONS].spawner
    if not isinstance(spawner, HolderSpawner):
        unavailable("no session holder here")
    sid = await _session(first, "kept")
    holder = spawner.client.holder_pid
    assert holder is not None
    # A restart that keeps the sessions; then the holder dies (the machine rebooted) while no
    # server runs, its shells with it.
    first.app[keys.RUNTIME].keep_sessions = True
    await first.close()
    os.kill(holder, signal.SIGKILL)
    await eventually(lambda: not process_exists(holder), "the holder to end")
    second = await aiohttp_client(create_app(config))
    adoption = await second.app[keys.SESSIONS].adopt()
    assert adoption.lost == 1
    response = await second.get("/api/audit?event=session.ended", headers=ADMIN)
    (ended,) = (await response.json())["entries"]
    assert (ended["session"], ended["name"], ended["reason"]) == (sid, "kept", "lost")


async def test_an_exit_while_no_server_ran_is_recorded_at_the_next_start(
    aiohttp_client: ClientFactory, config: Config, tmp_path: Path,
) -> None:
    first = await aiohttp_client(create_app(config))
    if not first.app[keys.SESSIONS].durable:
        unavailable("no session holder here")
    sid = await _session(first, "quits")
    pid = first.app[keys.SESSIONS].get(sid).pid
    go = tmp_path / "go"
    # The shell ends once the server has stopped and kept it.
    response = await first.post(f"/api/sessions/{sid}/input", headers=ADMIN, json={
        "data": f"while [ ! -e {go} ]; do sleep 0.05; done; exit 7\r"})
    assert response.status == 200, await response.text()
    first.app[keys.RUNTIME].keep_sessions = True
    await first.close()
    go.touch()
    await eventually(lambda: not process_exists(pid), "the kept shell to exit")
    second = await aiohttp_client(create_app(config))
    adoption = await second.app[keys.SESSIONS].adopt()
    assert adoption.exited == [("quits", 7)]

    async def ended() -> list[dict[str, Any]]:
        response = await second.get("/api/audit?event=session.ended", headers=ADMIN)
        return list((await response.json())["entries"])

    (entry,) = await eventually(ended, "the exit to be recorded")
    assert (entry["session"], entry["reason"], entry["exitCode"]) == (sid, "exited", 7)
