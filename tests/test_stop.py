"""`termbeam stop` against real server processes: it stops ours, found by its process, and
never anything else that holds the port."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import process_exists
from tests.helpers import EXIT_TIMEOUT, Server, TermWS, eventually, termbeam_cli

# The tests fork servers and the CLI from their bodies (see test_server_process.py).
pytestmark = pytest.mark.blocks_loop(reason="servers are forked from the test body")


async def termbeam_stop(*args: str) -> tuple[int, str]:
    """Run `termbeam stop ARGS` as a user would; its exit status and output."""
    return await termbeam_cli("stop", *args)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


async def _job_in_default_session(http: aiohttp.ClientSession, server: Server) -> int:
    async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
        (session,) = await response.json()
    ws = await http.ws_connect(server.base.replace("http", "ws", 1) + "/ws")
    term = TermWS(ws)
    await term.send({"type": "auth", "password": server.password})
    await term.expect("auth_ok")
    await term.attach(session["id"])
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    out = await term.run("sleep 300 & echo started-$!")
    await ws.close()
    return int(out.rsplit("started-", 1)[1].split()[0])


async def test_stop_ends_the_server_named_by_connection_json_and_its_sessions(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    server = spawn()
    await server.start()
    port = await server.started()
    job = await _job_in_default_session(http, server)

    status, out = await termbeam_stop("--config-dir", str(server.cfg))
    assert status == 0, out
    assert f":{port} (pid {server.proc.pid if server.proc else '?'})" in out
    assert "Stopped." in out
    assert await server.wait_exit() == 0
    assert not (server.cfg / "connection.json").exists()
    await eventually(lambda: not process_exists(job), "the session's job to end", 5)


async def test_stop_by_port(spawn: Callable[..., Server]) -> None:
    server = spawn(cfg="elsewhere")
    await server.start()
    port = await server.started()
    status, out = await termbeam_stop("--port", str(port))
    assert status == 0, out
    assert f"port {port}" in out
    assert await server.wait_exit() == 0


async def test_stop_with_nothing_running_says_so(tmp_path: Path) -> None:
    status, out = await termbeam_stop("--config-dir", str(tmp_path))
    assert (status, out.strip()) == (0, "No TermBeam server is running.")


async def test_stop_leaves_alone_whatever_holds_a_stale_files_port(tmp_path: Path) -> None:
    """connection.json of a server that crashed, its port since taken by another program:
    nothing is signalled, and neither is what holds the port asked to stop."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import socket, sys, time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "print(s.getsockname()[1], flush=True); sys.stdin.read()\n",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        port = int(await holder.stdout.readline())
        (tmp_path / "connection.json").write_text(json.dumps(
            {"port": port, "host": "localhost", "password": "x", "pid": holder.pid}))
        for args in (("--config-dir", str(tmp_path)), ("--port", str(port))):
            status, out = await termbeam_stop(*args)
            assert (status, out.strip()) == (0, "No TermBeam server is running."), args
        assert holder.returncode is None
        assert process_exists(holder.pid)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        async with asyncio.timeout(EXIT_TIMEOUT):
            await holder.wait()


def test_stop_is_routed_before_shell_names() -> None:
    from termbeam_py.cli import route_command

    command, args, prog = route_command(["stop", "--port", "3456"])
    assert (command.name, args, prog) == ("stop", ["--port", "3456"], "termbeam stop")
