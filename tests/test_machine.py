"""GET /api/sessions/:id/stats and GET /api/machine (#19): figures of a real session and of
this machine, checked against psutil and os; who may read them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psutil
import pytest

from termbeam_py import keys
from termbeam_py.app import create_app
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, TermWS, eventually

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
MB = 1024 * 1024


@pytest.fixture
async def fast(aiohttp_client: ClientFactory, tmp_path: Path) -> AppClient:
    """A logged-in client of a server that samples often: the same code, shorter waits."""
    app = create_app(make_config(tmp_path))
    app[keys.METRICS].sampler.every = 0.3
    app[keys.RATES].tick = 0.1
    client = await aiohttp_client(app)
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200, await response.text()
    return client


async def _session(client: AppClient, **headers: str) -> str:
    response = await client.post("/api/sessions", json={"cols": 80, "rows": 24},
                                 headers=headers or None)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _attach(client: AppClient, session_id: str) -> TermWS:
    term = TermWS(await client.ws_connect("/ws"))
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    return term


async def _json(client: AppClient, url: str, status: int = 200, **kw: Any) -> Any:
    response = await client.get(url, **kw)
    assert response.status == status, await response.text()
    return await response.json()


async def test_stats_count_output_input_and_viewers(fast: AppClient) -> None:
    sid = await _session(fast)
    term = await _attach(fast, sid)
    first = await _json(fast, f"/api/sessions/{sid}/stats")
    assert set(first) == {"outputRate", "bytesOut", "bytesIn", "cpu", "rss", "lastExitCode",
                          "viewers"}
    assert first["viewers"] == 1
    assert first["lastExitCode"] is None

    await term.type(f"head -c {MB} /dev/zero | tr '\\0' x; echo; echo bur''st\r")
    await term.read_until("burst\r\n", timeout=60)
    after = await _json(fast, f"/api/sessions/{sid}/stats")
    assert after["bytesOut"] - first["bytesOut"] >= MB
    assert after["bytesIn"] > 40
    # The rate is over the last few snapshots (0.4 s here): it falls back once output stops.

    async def quiet() -> bool:
        return bool((await _json(fast, f"/api/sessions/{sid}/stats"))["outputRate"] == 0)

    await eventually(quiet, "the output rate to fall to 0 after the burst")
    await term.ws.close()


async def test_output_rate_follows_a_steady_stream(fast: AppClient) -> None:
    sid = await _session(fast)
    term = await _attach(fast, sid)
    # ~41 bytes (40 x's and a newline) every 20 ms: about 2 KB a second.
    await term.type("while :; do printf '%040d\\n' 0 | tr 0 x; sleep 0.02; done\r")

    async def streaming() -> float:
        rate = (await _json(fast, f"/api/sessions/{sid}/stats"))["outputRate"]
        return float(rate) if rate > 500 else 0.0

    rate = await eventually(streaming, "a steady output rate")
    assert rate < 20_000  # a few KB/s, not the byte total over a fraction of a second
    await term.type("\x03")
    await term.ws.close()


async def test_cpu_and_memory_of_the_process_tree(fast: AppClient) -> None:
    sid = await _session(fast)
    term = await _attach(fast, sid)
    shell = psutil.Process((await _json(fast, "/api/sessions"))[0]["pid"])

    async def sampled() -> dict[str, Any] | None:
        stats: dict[str, Any] = await _json(fast, f"/api/sessions/{sid}/stats")
        return stats if stats["rss"] is not None and stats["cpu"] is not None else None

    idle = await eventually(sampled, "the session's tree to be sampled twice")
    # The tree is the shell alone: its resident memory as psutil sees it, give or take.
    assert 0.5 * shell.memory_info().rss < idle["rss"] < 4 * shell.memory_info().rss + MB
    await term.type("while :; do :; done\r")

    async def busy() -> float:
        cpu = (await _json(fast, f"/api/sessions/{sid}/stats"))["cpu"]
        return float(cpu) if cpu is not None and cpu > 10 else 0.0

    # A busy loop in the shell: a sizeable share of a core (the machine may be loaded).
    cpu = await eventually(busy, "the busy loop's CPU to show")
    assert cpu <= 100 * (os.cpu_count() or 1) + 10
    await term.type("\x03")

    async def calm() -> bool:
        stats = await _json(fast, f"/api/sessions/{sid}/stats")
        return stats["cpu"] is not None and stats["cpu"] < 5

    await eventually(calm, "the CPU figure to fall after Ctrl+C")
    await term.ws.close()


async def test_last_exit_code_from_shell_integration_marks(fast: AppClient) -> None:
    sid = await _session(fast)
    term = await _attach(fast, sid)
    # The marks a shell with integration prints around a command that failed with 3.
    await term.type("printf '\\033]133;C\\007'; printf '\\033]133;D;3\\007'\r")

    async def code() -> int | None:
        value = (await _json(fast, f"/api/sessions/{sid}/stats"))["lastExitCode"]
        return None if value is None else int(value)

    assert await eventually(code, "the exit code of the D mark") == 3
    await term.type("printf '\\033]133;C\\007'; printf '\\033]133;D;0\\007'\r")
    await eventually(lambda: _is(code, 0), "the next command's exit code")
    await term.ws.close()


async def _is(get: Any, value: int) -> bool:
    return bool(await get() == value)


async def test_last_exit_code_of_a_program_is_its_last_runs(fast: AppClient) -> None:
    """A program's shell prints no marks: its figure is its last ended run's, also while the
    next run is up (the live run has no exit status yet)."""
    # The first run fails with 5; the restarted one finds the marker and stays up.
    command = "test -f ran && exec sleep 600; touch ran; exit 5"
    body = {"type": "program", "name": "second-run", "command": command,
            "restart": "on-failure", "backoffInitial": 0.05}
    response = await fast.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    sid = (await response.json())["id"]

    async def second_run() -> dict[str, Any] | None:
        listed = await _json(fast, "/api/sessions")
        [program] = [s["program"] for s in listed if s["id"] == sid]
        return program if program["state"] == "running" and program["restarts"] == 1 else None

    await eventually(second_run, "the program's second run")
    assert (await _json(fast, f"/api/sessions/{sid}/stats"))["lastExitCode"] == 5


async def test_stats_of_an_unknown_session(authed: AppClient) -> None:
    body = await _json(authed, "/api/sessions/nosuch/stats", status=404)
    assert body == {"error": "Session not found"}


async def test_machine_figures_match_the_machine(authed: AppClient, tmp_path: Path) -> None:
    info = await _json(authed, "/api/machine")
    assert set(info) == {"load", "cpus", "memory", "disk"}
    assert info["cpus"] == os.cpu_count()
    assert len(info["load"]) == 3
    for ours, theirs in zip(info["load"], os.getloadavg(), strict=True):
        assert abs(ours - theirs) < 1.5
    memory = psutil.virtual_memory()
    assert info["memory"]["total"] == memory.total
    assert abs(info["memory"]["available"] - memory.available) < 0.2 * memory.total
    # The disk of the folder new sessions start in (the config's cwd).
    work = tmp_path / "work"
    disk = os.statvfs(work)
    assert info["disk"]["path"] == str(work)
    assert info["disk"]["total"] == disk.f_frsize * disk.f_blocks
    assert abs(info["disk"]["free"] - disk.f_frsize * disk.f_bavail) < 0.05 * info["disk"]["total"]


async def test_machine_disk_of_a_sessions_folder(authed: AppClient, tmp_path: Path) -> None:
    # Any folder but a session's (or the default one) is refused, before anything stats it.
    refused = await _json(authed, "/api/machine", status=400, params={"path": "/"})
    assert refused == {"error": "path must be a session's folder"}
    made = await authed.post("/api/sessions", json={"cwd": "/"})
    assert made.status == 201, await made.text()
    info = await _json(authed, "/api/machine", params={"path": "/"})
    disk = os.statvfs("/")
    assert info["disk"]["path"] == "/"
    assert info["disk"]["total"] == disk.f_frsize * disk.f_blocks
    work = await _json(authed, "/api/machine", params={"path": str(tmp_path / "work")})
    assert work["disk"]["path"] == str(tmp_path / "work")
    bad = await _json(authed, "/api/machine", status=400, params={"path": "relative/dir"})
    assert bad == {"error": "path must be an absolute path"}


async def _token(client: AppClient, **body: str) -> dict[str, str]:
    response = await client.post("/api/tokens", headers=ADMIN, json=body)
    assert response.status == 201, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def test_who_may_read_the_figures(client: AppClient) -> None:
    sid = await _session(client, **ADMIN)
    other = await _session(client, **ADMIN)
    stats = f"/api/sessions/{sid}/stats"
    for url in (stats, "/api/machine"):
        assert (await client.get(url)).status == 401
    reader = await _token(client, name="reader", scope="read")
    await _json(client, stats, headers=reader)
    await _json(client, "/api/machine", headers=reader)
    # Bound to one session: its own figures, nothing of another session or of the machine.
    bound = await _token(client, name="bound", scope="read", session=sid)
    await _json(client, stats, headers=bound)
    await _json(client, f"/api/sessions/{other}/stats", status=404, headers=bound)
    await _json(client, "/api/machine", status=403, headers=bound)
    # A view-only link's cookie shows the session's output and nothing else.
    made = await client.post(f"/api/sessions/{sid}/viewers/link", json={}, headers=ADMIN)
    secret = str((await made.json())["url"]).rsplit("/", 1)[1]
    viewer = {"Cookie": f"tb_view={secret}"}
    for url in (stats, "/api/machine"):
        assert (await client.get(url, headers=viewer)).status == 403
