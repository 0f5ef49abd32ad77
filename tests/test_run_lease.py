"""Session leases (#17): a session made with `"lease": N` is ended by the server once N
seconds pass with no request about it and no viewer attached; `termbeam run` makes its hidden
session so and renews it while the command runs, so a `kill -9`'d run leaves nothing behind.
Sessions without a lease (every other) stay until deleted, and a lease survives a
keep-sessions restart."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from termbeam_py import keys
from termbeam_py.holder import paths
from termbeam_py.holder.paths import holder_dir
from termbeam_py.sessions import record
from tests.helpers import AppClient, Server, TermWS, eventually
from tests.test_run_cli import TIMEOUT, Cli, create, hidden, termbeam

PROCESSES = "starts termbeam processes from the test body"
#: How long a test waits for a lease to lapse (the leases here are 1 to 2 s).
LAPSE_WAIT = 20.0
#: How often a test asks a server process (Bearer requests count toward its rate limit).
POLL = 0.2


@pytest.fixture
async def server(spawn: Callable[..., Server]) -> Server:
    srv = spawn()
    await srv.start()
    await srv.started()
    return srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


async def _ids(authed: AppClient) -> set[str]:
    response = await authed.get("/api/sessions?all=1")  # the list renews no lease
    assert response.status == 200
    return {s["id"] for s in await response.json()}


async def _made(authed: AppClient, **body: Any) -> str:
    response = await authed.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def test_an_unused_lease_ends_the_session_and_others_stay(authed: AppClient) -> None:
    plain = await _made(authed, hidden=True)
    kept = await _made(authed, hidden=True, lease=1)
    # A lease dropped with PATCH ... null: the session stays until deleted.
    assert (await authed.patch(f"/api/sessions/{kept}", json={"lease": None})).status == 200
    leased = await _made(authed, hidden=True, lease=1)
    one = await (await authed.get(f"/api/sessions/{leased}")).json()
    assert (one["lease"], one["hidden"]) == (1, True)
    await eventually(lambda: _gone(authed, leased), "the leased session to end", LAPSE_WAIT)
    # `kept` was leased first and `plain` never: had either a lease, it would be gone too
    # (an earlier deadline ends earlier).
    assert {plain, kept} <= await _ids(authed)
    assert (await (await authed.get(f"/api/sessions/{kept}")).json())["lease"] is None
    assert (await authed.get(f"/api/sessions/{leased}")).status == 404
    # Audited as an end nobody asked for, saying why.
    response = await authed.get("/api/audit?event=session.ended")
    (entry,) = (await response.json())["entries"]
    assert {k: entry[k] for k in ("session", "actor", "reason")} == {
        "session": leased, "actor": None, "reason": "lease"}


async def _gone(authed: AppClient, session_id: str) -> bool:
    return session_id not in await _ids(authed)


async def test_requests_renew_the_lease(authed: AppClient) -> None:
    """Requests about the session keep it past several leases; then it lapses."""
    leased = await _made(authed, lease=1)
    loop = asyncio.get_running_loop()
    until = loop.time() + 2.5
    while loop.time() < until:
        response = await authed.get(f"/api/sessions/{leased}/output?wait=0.2")
        assert response.status == 200, "ended although a request renewed it"
    await eventually(lambda: _gone(authed, leased), "the session to end", LAPSE_WAIT)


async def test_an_attached_viewer_holds_the_session(
    authed: AppClient, open_ws: Callable[..., Any],
) -> None:
    leased = await _made(authed, lease=1, cols=80, rows=24)
    lease = authed.app[keys.SESSIONS].get(leased).lease
    assert lease is not None
    viewer: TermWS = await open_ws()
    await viewer.attach(leased)
    await viewer.expect("attached")
    # Renewed by the lapse itself: a viewer is attached (no request renewed it meanwhile).
    first = lease.deadline
    await eventually(lambda: lease.deadline > first, "the lapse to find the viewer", LAPSE_WAIT)
    assert leased in await _ids(authed)
    session = authed.app[keys.SESSIONS].get(leased)
    leaving = asyncio.get_running_loop().time()
    await viewer.ws.close()
    await eventually(lambda: not session.clients, "the viewer to be detached")
    # A whole lease from its leaving, not what was left of the one the lapse renewed.
    assert lease.deadline >= leaving + lease.seconds
    await eventually(lambda: _gone(authed, leased), "the session to end after its viewer left",
                     LAPSE_WAIT)


@pytest.mark.parametrize("lease", [0, 0.5, -1, 86401, "60", True, [1]])
async def test_bad_leases_are_400(authed: AppClient, session_id: str, lease: object) -> None:
    refused = {"error": "lease must be a number of seconds from 1 to 86400, or null"}
    response = await authed.post("/api/sessions", json={"lease": lease})
    assert (response.status, await response.json()) == (400, refused)
    response = await authed.patch(f"/api/sessions/{session_id}", json={"lease": lease})
    assert (response.status, await response.json()) == (400, refused)
    assert await _ids(authed) == {session_id}


def test_the_record_keeps_the_lease(tmp_path: Path) -> None:
    saved: record.SessionRecord = {
        "format": 1, "id": "0" * 32, "name": "n", "color": "#ffffff", "shell": "/bin/sh",
        "args": [], "cwd": "/", "createdAt": "2026-01-01T00:00:00.000Z", "lastActivity": 1,
        "nonce": None, "notifyMinSeconds": 10, "integrated": False, "command": None,
        "commandStartedAt": None, "hidden": True, "type": "terminal", "agent": None,
        "program": None, "lease": 30.0}
    record.write(tmp_path, saved)
    assert record.read(tmp_path, "0" * 32) == saved
    before = {k: v for k, v in saved.items() if k != "lease"}  # a record from before leases
    record.write(tmp_path, before)  # type: ignore[arg-type]
    again = record.read(tmp_path, "0" * 32)
    assert again is not None
    assert again["lease"] is None
    record.write(tmp_path, {**saved, "lease": "soon"})  # type: ignore[typeddict-item]
    assert record.read(tmp_path, "0" * 32) is None  # damaged: back with defaults


# -- real `termbeam` processes --------------------------------------------------------------


@pytest.mark.blocks_loop(reason=PROCESSES)
async def test_a_killed_run_leaves_no_session(server: Server,
                                             http: aiohttp.ClientSession) -> None:
    plain = await create(http, server, hidden=True, name="no lease")
    cli = await Cli(server, "run", "--lease", "2", "--", "echo started; sleep 600").start(
        server.work)
    await cli.read_until(b"started\n")
    (made,) = [s for s in await hidden(http, server) if s["id"] != plain]
    assert made["lease"] == 2
    assert cli.proc is not None
    cli.proc.send_signal(signal.SIGKILL)
    await cli.proc.wait()

    async def only_plain() -> bool:
        return [s["id"] for s in await hidden(http, server)] == [plain]

    await eventually(only_plain, "the killed run's hidden session to end", LAPSE_WAIT, POLL)


@pytest.mark.blocks_loop(reason=PROCESSES)
async def test_run_renews_its_lease_while_the_command_runs(
    server: Server, http: aiohttp.ClientSession,
) -> None:
    """The command outlasts its lease twice over, with no output meanwhile: the CLI renews it
    (every quarter lease), so the command ends as it would have."""
    code, out, err = await termbeam(server, "run", "--lease", "2", "--", "sleep 4; echo done")
    assert (code, out) == (0, b"done\n"), err
    assert await hidden(http, server) == []
    code, _, err = await termbeam(server, "run", "--session", "x", "--lease", "5", "--", "true")
    assert code == 2
    assert "--lease is for the hidden session" in err


@pytest.mark.blocks_loop(reason=PROCESSES)
async def test_a_lease_survives_a_keep_sessions_restart(
    spawn: Callable[..., Server], http: aiohttp.ClientSession,
) -> None:
    """The lease is in the session's record: the next server ends the session one lease
    after adopting it, unless someone renews it; a session without one stays."""
    first = spawn()
    await first.start()
    await first.started()
    plain = await create(http, first, hidden=True, name="plain")
    leased = await create(http, first, hidden=True, name="leased", lease=2)
    store = holder_dir(first.cfg) / paths.SESSIONS

    async def recorded() -> bool:
        # GET renews the lease, so it cannot lapse while the records are written.
        async with http.get(f"{first.base}/api/sessions/{leased}",
                            headers=first.headers) as response:
            assert response.status == 200
        saved = await asyncio.to_thread(record.read, store, leased)
        return saved is not None and saved["lease"] == 2 and (
            await asyncio.to_thread(record.read, store, plain)) is not None

    await eventually(recorded, "the records, with the lease", LAPSE_WAIT, POLL)
    first.signal(signal.SIGKILL)  # crashed: the holder keeps the shells
    await first.wait_exit()

    again = spawn()
    await again.start()
    await again.started()
    await again.wait_line(r"3 sessions restored")

    async def only_plain() -> bool:
        return {s["id"] for s in await hidden(http, again)} == {plain}

    await eventually(only_plain, "the adopted leased session to end", LAPSE_WAIT, POLL)
