"""Programs kept running (#19): restart policies with a growing backoff, giving up after the
maximum, stop/start/restart, run separators in one log that viewers follow across runs, the
figures in /metrics, and the `termbeam program` commands, against real servers and PTYs.

Backoffs are tens of milliseconds here; every wait is for a marker (a separator line, a
state in the session JSON), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from termbeam_py import keys
from termbeam_py.holder import paths
from termbeam_py.holder.paths import holder_dir
from termbeam_py.sessions import program as program_module
from termbeam_py.sessions.record import read as read_record
from tests.helpers import AppClient, Server, TermWS, eventually, termbeam_cli
from tests.test_audit import logged
from tests.test_metrics import of_session, scrape
from tests.test_prefs import boot

OpenWS = Callable[..., Awaitable[TermWS]]
FAST = {"backoffInitial": 0.05, "backoffMax": 0.4}
# Prints, then waits for SIGTERM, which it reports before exiting 3. `read` from the PTY
# waits without a child process (nobody types into it), so the trap runs at once.
SERVICE = "trap 'echo got-term; exit 3' TERM; echo serving-$$; while :; do read -r _; done"


async def create_program(client: AppClient, name: str, command: str, **fields: Any) -> str:
    body = {"type": "program", "name": name, "command": command, **fields}
    response = await client.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def info(client: AppClient, session_id: str) -> dict[str, Any]:
    response = await client.get("/api/sessions")
    assert response.status == 200
    [found] = [s for s in await response.json() if s["id"] == session_id]
    return dict(found)


async def state_is(client: AppClient, session_id: str, state: str) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        found = await info(client, session_id)
        return found if found["program"]["state"] == state else {}

    return await eventually(check, f"program state {state!r}")


async def viewer(open_ws: OpenWS, session_id: str) -> TermWS:
    term = await open_ws()
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)  # the first viewer's resize brings the replay of the log
    return term


async def read_count(term: TermWS, marker: str, count: int) -> None:
    async with asyncio.timeout(10):
        while term.text.count(marker) < count:
            assert await term.receive() is not None, "the socket closed"


def exits(term: TermWS) -> list[dict[str, Any]]:
    return [m for m in term.messages if m.get("type") == "exit"]


async def test_on_failure_backs_off_longer_each_time_then_gives_up(
    authed: AppClient, open_ws: OpenWS, caplog: pytest.LogCaptureFixture
) -> None:
    sid = await create_program(authed, "crashy", "echo boom; exit 1", restart="on-failure",
                               maxRestarts=3, **FAST)
    term = await viewer(open_ws, sid)
    await term.read_until("gave up after 3 restarts")
    text = term.text
    # Each wait doubles from backoffInitial; every run's output and separator is in the log.
    waits = ["restarting in 50 ms", "restarting in 100 ms", "restarting in 200 ms"]
    positions = [text.index(f"run {n} · exited 1 · {w}") for n, w in enumerate(waits, 1)]
    assert positions == sorted(positions)
    assert text.count("boom") == 4
    assert "run 4 · exited 1 · gave up after 3 restarts" in text
    program = (await state_is(authed, sid, "failed"))["program"]
    assert program["restarts"] == 3
    assert program["lastExitCode"] == 1
    assert program["nextRestartAt"] is None
    assert (await info(authed, sid))["type"] == "program"
    assert not exits(term)  # the viewer followed every run
    assert not term.closed
    # The server's log says so too.
    said = [r.getMessage() for r in caplog.records if r.name == "termbeam_py.sessions.program"]
    assert said == ["program 'crashy' exited 1: restarting in 50 ms (restart 1 of at most 3)",
                    "program 'crashy' exited 1: restarting in 100 ms (restart 2 of at most 3)",
                    "program 'crashy' exited 1: restarting in 200 ms (restart 3 of at most 3)",
                    "program 'crashy' exited 1: gave up after 3 restarts"]


async def test_backoff_state_says_when_it_restarts(authed: AppClient) -> None:
    sid = await create_program(authed, "slow-retry", "exit 2", backoffInitial=30, backoffMax=60)
    program = (await state_is(authed, sid, "backoff"))["program"]
    assert program["backoffSeconds"] == 30
    assert program["nextRestartAt"].endswith("Z")
    assert program["lastExitCode"] == 2
    # start cuts the wait short.
    started = await authed.post(f"/api/sessions/{sid}/start")
    assert started.status == 200
    assert (await started.json())["program"]["runs"] == 2
    # Deleted while it waits: gone, and nothing restarts it (its session would be back).
    await state_is(authed, sid, "backoff")
    program = authed.app[keys.SESSIONS].get(sid).program
    assert program is not None
    assert (await authed.delete(f"/api/sessions/{sid}")).status == 204
    listing = await (await authed.get("/api/sessions")).json()
    assert sid not in [s["id"] for s in listing]
    assert program.closed  # its pending restart is cancelled


async def test_on_failure_stays_down_after_exit_0_and_always_restarts(
    authed: AppClient, open_ws: OpenWS
) -> None:
    clean = await create_program(authed, "done", "echo fine; exit 0", restart="on-failure",
                                 **FAST)
    program = (await state_is(authed, clean, "exited"))["program"]
    assert program["restarts"] == 0
    assert program["lastExitCode"] == 0
    assert program["runs"] == 1

    again = await create_program(authed, "again", "echo once-more; exit 0", restart="always",
                                 maxRestarts=2, **FAST)
    term = await viewer(open_ws, again)
    await term.read_until("gave up after 2 restarts")
    assert term.text.count("once-more") == 3
    assert "run 1 · exited 0 · restarting in 50 ms" in term.text


async def test_stop_start_restart_keep_the_viewer(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create_program(authed, "web", SERVICE, restart="always", **FAST)
    term = await viewer(open_ws, sid)
    await term.read_until("serving-")

    stopped = await authed.post(f"/api/sessions/{sid}/stop")
    assert stopped.status == 200
    program = (await stopped.json())["program"]
    assert program["state"] == "stopped"
    await term.read_until("run 1 · exited 3 · stopped")
    assert "got-term" in term.text  # SIGTERM first: the program's trap ran
    assert (await info(authed, sid))["program"]["lastExitCode"] == 3

    started = await authed.post(f"/api/sessions/{sid}/start")
    assert (await started.json())["program"]["state"] == "running"
    await term.read_until("── run 2 ──")
    await read_count(term, "serving-", 2)

    restarted = await authed.post(f"/api/sessions/{sid}/restart")
    body = await restarted.json()
    assert body["program"]["state"] == "running"
    assert body["program"]["runs"] == 3
    await term.read_until("── run 3 ──")
    # Manual restarts are not the policy's: the crash-loop counter did not move.
    assert body["program"]["restarts"] == 0
    assert not exits(term)
    assert not term.closed

    # Each control is in the audit log.
    controls = await logged(authed, "program.controlled")
    assert [(e["action"], e["name"], e["session"], e["actor"]) for e in controls] == [
        (action, "web", sid, "owner") for action in ("stop", "start", "restart")]

    # Deleting the session ends it for its viewers as any session.
    assert (await authed.delete(f"/api/sessions/{sid}")).status == 204
    await term.expect("exit")


async def test_stop_kills_a_program_that_ignores_sigterm(
    authed: AppClient, open_ws: OpenWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(program_module, "STOP_GRACE", 0.3)
    sid = await create_program(authed, "stubborn",
                               "trap '' TERM; echo stubborn; while :; do read -r _; done")
    term = await viewer(open_ws, sid)
    await term.read_until("stubborn")
    stopped = await (await authed.post(f"/api/sessions/{sid}/stop")).json()
    assert (stopped["program"]["state"], stopped["program"]["lastExitCode"]) == ("stopped", 137)
    await term.read_until("run 1 · killed by signal 9 · stopped")


async def test_controls_refuse_other_sessions_and_bad_programs(
    authed: AppClient, session_id: str
) -> None:
    for action in ("start", "stop", "restart"):
        response = await authed.post(f"/api/sessions/{session_id}/{action}")
        assert response.status == 400
        assert await response.json() == {"error": "Not a program session"}
    bad: list[dict[str, Any]] = [{}, {"command": ""}, {"command": "true", "restart": "sometimes"},
           {"command": "true", "maxRestarts": -1}, {"command": "true", "backoffMax": 0},
           {"command": "true", "env": {"1X": "y"}}, {"command": "true", "env": {"X": 1}}]
    for body in bad:
        response = await authed.post("/api/sessions", json={"type": "program", **body})
        assert response.status == 400, body
    assert (await authed.post("/api/sessions/nope/stop")).status == 404


async def test_environment_and_folder_reach_the_program(
    authed: AppClient, open_ws: OpenWS, tmp_path: Any
) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    sid = await create_program(authed, "envy", 'echo "v=$GREETING in $(pwd)"; exit 0',
                               cwd=str(folder), env={"GREETING": "hi"}, restart="no")
    term = await viewer(open_ws, sid)
    await term.read_until(f"v=hi in {folder}")
    assert (await state_is(authed, sid, "exited"))["program"]["restart"] == "no"


async def test_program_figures_in_metrics(authed: AppClient) -> None:
    crashy = await create_program(authed, "crashy", "exit 4", maxRestarts=2, **FAST)
    up = await create_program(authed, "up", SERVICE)
    await state_is(authed, crashy, "failed")
    samples = await scrape(authed)
    assert of_session(samples, "termbeam_program_restarts_total", crashy) == 2
    assert of_session(samples, "termbeam_program_up", crashy) == 0
    assert of_session(samples, "termbeam_program_last_exit_code", crashy) == 4
    assert of_session(samples, "termbeam_program_up", up) == 1
    assert of_session(samples, "termbeam_program_restarts_total", up) == 0
    assert [s for s in samples["termbeam_program_last_exit_code"]
            if s.labels["name"] == "up"] == []  # no run of it has ended


async def test_a_workspace_starts_its_programs(authed: AppClient) -> None:
    created = await boot(authed, {"workspaces": [{"id": "w", "name": "W", "sessions": [
        {"id": "p", "name": "svc", "kind": "program", "command": SERVICE, "restart": "always",
         "maxRestarts": 7, "backoffMax": 9, "env": {"MODE": "dev"}},
        {"id": "bad", "name": "no-command", "kind": "program"},
        {"id": "t", "name": "shell"},
    ]}]})
    assert [(s["name"], s["type"]) for s in created] == [("svc", "program"),
                                                         ("shell", "terminal")]
    program = created[0]["program"]
    assert (program["command"], program["restart"], program["maxRestarts"],
            program["backoffMax"], program["state"]) == (SERVICE, "always", 7, 9, "running")


async def test_the_web_app_s_workspace_launch_body_starts_a_recorded_program(
    authed: AppClient,
) -> None:
    """The body the hub's workspace launcher sends for a saved program entry (planLaunch in
    frontend/src/hub/workspaces.ts): a program that records from its start."""
    session_id = await create_program(authed, "web", SERVICE, restart="always", maxRestarts=3,
                                      backoffMax=30, recording=True, cols=80, rows=24)
    found = await info(authed, session_id)
    assert (found["type"], found["recording"]) == ("program", True)
    assert (found["program"]["restart"], found["program"]["maxRestarts"]) == ("always", 3)


# -- real server processes: a keep-sessions restart, and the CLI ----------------------------


async def _api(http: aiohttp.ClientSession, server: Server, method: str, path: str,
               body: dict[str, Any] | None = None) -> Any:
    async with http.request(method, server.base + path, json=body,
                            headers=server.headers) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def _program(http: aiohttp.ClientSession, server: Server, name: str) -> dict[str, Any]:
    listing = await _api(http, server, "GET", "/api/sessions")
    [found] = [s for s in listing if s["name"] == name]
    return dict(found)


@pytest.mark.blocks_loop(reason="servers are forked from the test body")
async def test_a_keep_sessions_restart_goes_on_supervising(
    spawn: Callable[..., Server]
) -> None:
    async with aiohttp.ClientSession() as http:
        server = spawn(extra=("--keep-sessions",))
        await server.start()
        await server.started()
        make = {"type": "program", "restart": "always"}
        web = (await _api(http, server, "POST", "/api/sessions",
                          {**make, "name": "web", "command": SERVICE}))["id"]
        # Waits 3 s after its first failure: a restart of the server fits in that wait.
        retry = (await _api(http, server, "POST", "/api/sessions",
                            {**make, "name": "retry", "command": "echo try; exit 5",
                             "maxRestarts": 1, "backoffInitial": 3}))["id"]
        idle = (await _api(http, server, "POST", "/api/sessions",
                           {**make, "name": "idle", "command": SERVICE}))["id"]
        await _api(http, server, "POST", f"/api/sessions/{idle}/stop")

        async def retry_backs_off() -> bool:
            found = await _program(http, server, "retry")
            return bool(found["program"]["state"] == "backoff")

        await eventually(retry_backs_off, "the retry program's backoff")
        web_pid = (await _program(http, server, "web"))["pid"]
        server.signal(signal.SIGINT)
        assert await server.wait_exit() == 0
        store = holder_dir(server.cfg) / paths.SESSIONS
        saved = read_record(store, retry)
        assert saved is not None
        assert saved["program"] is not None
        assert saved["program"]["state"] == "backoff"

        again = spawn(extra=("--keep-sessions",))
        await again.start()
        await again.started()
        listing = {s["name"]: s for s in await _api(http, again, "GET", "/api/sessions")}
        assert {"web", "retry", "idle"} <= set(listing)
        # The running one was adopted (same process), the stopped one stays stopped...
        assert (listing["web"]["pid"], listing["web"]["program"]["state"]) == (web_pid, "running")
        assert listing["idle"]["program"]["state"] == "stopped"

        # ...and the one in backoff is restarted on schedule, then given up (maxRestarts 1).
        async def retry_failed() -> dict[str, Any]:
            found = await _program(http, again, "retry")
            return found if found["program"]["state"] == "failed" else {}

        program = (await eventually(retry_failed, "the retry program to run again and fail"))[
            "program"]
        assert (program["runs"], program["restarts"], program["lastExitCode"]) == (2, 1, 5)

        # The adopted run is supervised: stop reaches it.
        stopped = await _api(http, again, "POST", f"/api/sessions/{web}/stop")
        assert stopped["program"]["state"] == "stopped"
        assert stopped["program"]["lastExitCode"] == 3


@pytest.mark.blocks_loop(reason="servers and the CLI are forked from the test body")
async def test_cli_program_add_list_stop_start(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    status, out = await termbeam_cli("program", "add", "api", "--restart", "always",
                                     "--max-restarts", "3", *cfg, "--", SERVICE)
    assert status == 0, out
    assert "Program 'api' started (always" in out
    status, out = await termbeam_cli("program", "add", "api", *cfg, "--", "true")
    assert status == 1
    assert "A program named 'api' exists already" in out

    status, out = await termbeam_cli("program", "list", *cfg)
    assert status == 0, out
    header, row = out.strip().splitlines()[:2]
    assert header.split()[:3] == ["NAME", "STATE", "RESTARTS"]
    assert row.split()[:4] == ["api", "running", "0", "-"]

    status, out = await termbeam_cli("program", "stop", "api", *cfg)
    assert (status, out.strip()) == (0, "api: stopped")
    status, out = await termbeam_cli("program", "list", *cfg)
    assert out.strip().splitlines()[1].split()[:4] == ["api", "stopped", "0", "3"]
    status, out = await termbeam_cli("program", "start", "api", *cfg)
    assert (status, out.strip()) == (0, "api: running")
    status, out = await termbeam_cli("program", "restart", "api", *cfg)
    assert (status, out.strip()) == (0, "api: running")

    status, out = await termbeam_cli("program", "stop", "nothing-here", *cfg)
    assert status == 1
    assert "No program named 'nothing-here'" in out
