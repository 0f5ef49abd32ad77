"""The real `python -m termbeam_py` process: banner, connection.json, signals, shutdown,
the one-server-per-config-dir rule and that no shell outlives its session or the server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shlex
import signal
import stat
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py import __version__, qr
from termbeam_py.sessions import procfs
from tests.conftest import process_exists
from tests.helpers import (
    EXIT_TIMEOUT,
    LOCAL,
    PW,
    START_TIMEOUT,
    Server,
    TermWS,
    eventually,
    free_port,
    proc_strings,
)

QR_CHARS = set("█▀▄ ")
# The tests start `termbeam` servers (fork and exec) in their own bodies, which may take a
# loop step past 0.1 s on a busy machine; the servers run in their own processes.
pytestmark = pytest.mark.blocks_loop(reason="servers are forked from the test body")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


async def _sessions(http: aiohttp.ClientSession, server: Server) -> list[dict[str, object]]:
    async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
        assert response.status == 200, await response.text()
        return list(await response.json())


async def _attach(http: aiohttp.ClientSession, server: Server, session_id: str) -> TermWS:
    ws = await http.ws_connect(server.base.replace("http", "ws", 1) + "/ws")
    term = TermWS(ws)
    if server.password:
        await term.send({"type": "auth", "password": server.password})
        await term.expect("auth_ok")
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    return term


async def _background_sleep(term: TermWS) -> int:
    out = await term.run("sleep 300 & echo started-$!")
    match = re.search(r"started-(\d+)", out)
    assert match, out
    pid = int(match.group(1))
    assert process_exists(pid)
    return pid


def _proc_gone(pid: int) -> bool:
    return not os.path.exists(f"/proc/{pid}")


class Impostor:
    """A plain loopback listener on a port that termbeam may think is its own: it records
    every byte it receives and answers every request with 401, fishing for credentials."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.received = b""
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                self.received += await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"
                             b"Content-Length: 0\r\n\r\n")
                await writer.drain()
        except asyncio.IncompleteReadError as exc:
            self.received += exc.partial
        except (ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def leaked(self, *secrets: str) -> list[str]:
        """Which of `secrets` reached this listener (in any header or body)."""
        return [secret for secret in secrets if secret.encode() in self.received]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def impostor() -> AsyncIterator[Impostor]:
    listener = Impostor()
    await listener.start()
    yield listener
    await listener.close()


async def dead_pid() -> int:
    """The PID of a process that has exited (as in a connection.json left by a crash)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()
    return proc.pid


async def write_stale_connection(cfg: Path, port: int, password: str) -> None:
    """connection.json as a server that crashed left it; `port` now belongs to someone else."""
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "connection.json").write_text(json.dumps(
        {"port": port, "host": "localhost", "password": password, "pid": await dead_pid()}))


# --------------------------------------------------------------------------- banner


async def test_banner(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    port = await server.started()
    assert port > 0
    await server.wait_line(r"^\s*Password:")
    text = "\n".join(server.lines)
    assert f"v{__version__}" in text
    assert re.search(r"^\s*Shell:\s+/bin/bash --norc --noprofile\s*$", text, re.M), text
    assert re.search(r"^\s*Auth:\s+.*password", text, re.M), text
    assert re.search(r"^\s*Bind:\s+127\.0\.0\.1\b", text, re.M), text
    assert re.search(rf"^\s*Password:\s+{re.escape(PW)}\s*$", text, re.M), text
    assert re.search(r"^\s*Session:\s+\S+", text, re.M), text
    assert not _qr_lines(server.lines)
    # The password is never written to the log.
    assert PW not in server.stderr


def _qr_lines(lines: list[str]) -> list[str]:
    return [
        line for line in lines
        if len(line.strip()) >= 10 and set(line.strip()) <= QR_CHARS and "█" in line
    ]


async def test_banner_with_qr_code(spawn: Callable[..., Server]) -> None:
    server = spawn(qr=True)
    await server.start()
    await server.started()
    await server.wait_line(r"^\s*Password:")
    qr = _qr_lines(server.lines)
    assert len(qr) >= 8, server.lines
    assert len({len(line.strip()) for line in qr}) <= 2, qr


@pytest.mark.parametrize(("choice", "loop"), [("auto", "uvloop"), ("asyncio", "asyncio")])
async def test_event_loop_choice_serves_a_session_end_to_end(
    spawn: Callable[..., Server], http: aiohttp.ClientSession, choice: str, loop: str
) -> None:
    """By default the server runs on uvloop (a dependency); TERMBEAM_EVENT_LOOP=asyncio keeps
    the standard loop. Either way a session streams output, takes input and reports its exit."""
    server = spawn(extra=("--log-level", "debug"), env={"TERMBEAM_EVENT_LOOP": choice})
    await server.start()
    await server.started()
    assert f"event loop: {loop}" in server.stderr
    [session] = await _sessions(http, server)
    term = await _attach(http, server, str(session["id"]))
    out = await term.run("seq 1 200000 | sha256sum")
    expected = hashlib.sha256("".join(f"{n}\n" for n in range(1, 200001)).encode()).hexdigest()
    assert expected in out
    await term.type("exit 7\r")
    assert (await term.expect("exit"))["code"] == 7
    await term.ws.close()


async def test_unknown_event_loop_is_a_usage_error(spawn: Callable[..., Server]) -> None:
    server = spawn(env={"TERMBEAM_EVENT_LOOP": "trio"})
    await server.start()
    assert await server.wait_exit() == 2
    assert "invalid event loop 'trio'" in server.stderr


async def test_qr_code_is_drawn_by_a_child_and_matches_segno(tmp_path: Path) -> None:
    url = "http://localhost:3456/?ott=0123456789abcdef"
    expected = qr.draw_here(url)
    assert set(expected.strip()) <= QR_CHARS | {"\n"}
    assert await qr.draw_in_child(url) == expected
    assert await qr.draw(url) == expected
    # A child that fails (or cannot start) falls back to drawing in-process.
    for python in ("/bin/false", str(tmp_path / "missing")):
        assert await qr.draw_in_child(url, python=python) is None
        assert await qr.draw(url, python=python) == expected


async def test_qr_child_that_hangs_is_killed(tmp_path: Path) -> None:
    url = "http://localhost:3456/"
    pid_file = tmp_path / "qr.pid"
    hangs = tmp_path / "python"
    hangs.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    hangs.chmod(0o755)
    assert await qr.draw(url, python=str(hangs), time_limit=0.5) == qr.draw_here(url)
    assert not process_exists(int(pid_file.read_text()))


async def test_banner_without_password(spawn: Callable[..., Server]) -> None:
    server = spawn(password=None, qr=True)
    await server.start()
    await server.started()
    await server.wait_line(r"Scan the QR code or open:")
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0
    text = "\n".join(server.lines)
    assert "Password:" not in text
    assert re.search(r"^\s*Auth:\s+.*none", text, re.M), text
    assert len(_qr_lines(server.lines)) >= 8
    assert "ott=" not in text
    # The client commands' hints name this server's own state directory (#18).
    own = re.escape(shlex.quote(str(server.cfg)))
    assert re.search(rf"termbeam list --config-dir {own}$", text, re.M), text
    assert re.search(rf"termbeam attach --config-dir {own} \[NAME\]$", text, re.M), text


# --------------------------------------------------------------------------- connection.json


async def test_connection_file(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    port = await server.started()
    path = server.cfg / "connection.json"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["port"] == port
    assert data["host"] == "localhost"
    assert data["password"] == PW


# --------------------------------------------------------------------------- SIGTERM


async def test_sigterm_closes_sockets_and_kills_every_shell(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    sessions = await _sessions(http, server)
    assert len(sessions) == 1, sessions
    session_id, shell_pid = str(sessions[0]["id"]), int(sessions[0]["pid"])  # type: ignore[call-overload]
    assert process_exists(shell_pid)

    term = await _attach(http, server, session_id)
    sleep_pid = await _background_sleep(term)

    server.signal(signal.SIGTERM)
    async with asyncio.timeout(EXIT_TIMEOUT):
        while await term.receive() is not None:
            pass
    assert term.ws.close_code == 1001

    assert await server.wait_exit() == 0
    assert "[termbeam] Shutting down, ending 1 session..." in server.lines
    assert not (server.cfg / "connection.json").exists()
    await eventually(lambda: not process_exists(sleep_pid), "the background job to end", 5)
    assert not process_exists(shell_pid)
    assert _proc_gone(shell_pid), "the shell was left as an unreaped zombie"


async def test_sigint_also_shuts_down(spawn: Callable[..., Server],
                                      http: aiohttp.ClientSession) -> None:
    server = spawn()
    await server.start()
    await server.started()
    (session,) = await _sessions(http, server)
    shell_pid = int(session["pid"])  # type: ignore[call-overload]
    async with http.delete(f"{server.base}/api/sessions/{session['id']}",
                           headers=server.headers) as response:
        assert response.status == 204
    server.signal(signal.SIGINT)
    assert await server.wait_exit() == 0
    assert "[termbeam] Shutting down..." in server.lines  # no session left to end
    assert not (server.cfg / "connection.json").exists()
    assert _proc_gone(shell_pid)


# --------------------------------------------------------------------------- one server per dir


async def test_second_server_refuses_while_first_runs(spawn: Callable[..., Server]) -> None:
    first = spawn()
    await first.start()
    port = await first.started()

    second = spawn()
    await second.start()
    assert await second.wait_exit(START_TIMEOUT) == 1
    assert "already running" in second.stderr
    assert str(port) in second.stderr
    assert not any(LOCAL.search(line) for line in second.lines)
    # The first one is untouched and still owns connection.json.
    assert first.alive
    assert json.loads((first.cfg / "connection.json").read_text())["port"] == port


async def test_force_replaces_the_running_server(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    first = spawn()
    await first.start()
    await first.started()
    (old,) = await _sessions(http, first)
    old_shell = int(old["pid"])  # type: ignore[call-overload]

    second = spawn(extra=("--force",))
    await second.start()
    assert await first.wait_exit(START_TIMEOUT) == 0
    new_port = await second.started()
    assert second.alive
    assert json.loads((second.cfg / "connection.json").read_text())["port"] == new_port
    # The replaced server's session carries over (tests/test_durable.py has the details).
    sessions = await _sessions(http, second)
    assert [(s["id"], s["pid"]) for s in sessions] == [(old["id"], old_shell)]
    assert not _proc_gone(old_shell)


async def test_second_server_refuses_on_ipv6_loopback(spawn: Callable[..., Server]) -> None:
    """One server per config dir holds whatever loopback address the first one bound."""
    first = spawn(extra=("--host", "::1"))
    await first.start()
    await first.started()

    second = spawn(extra=("--host", "::1"))
    await second.start()
    assert await second.refused_or_started() == "refused", "\n".join(second.lines)
    assert second.proc is not None
    assert second.proc.returncode == 1
    assert "already running" in second.stderr
    assert first.alive


async def test_force_stops_a_server_holding_the_port(spawn: Callable[..., Server]) -> None:
    """--force also probes the target port (a stale or missing connection.json)."""
    port = str(free_port())
    first = spawn(extra=("--port", port), cfg="cfg-a")
    await first.start()
    assert await first.started() == int(port)

    second = spawn(extra=("--port", port, "--force"), cfg="cfg-b")
    await second.start()
    assert await second.started() == int(port), second.stderr
    assert await first.wait_exit(START_TIMEOUT) == 0
    assert second.alive


STALE_PW = "stale-connection-pw"


@pytest.mark.parametrize("force", [False, True])
async def test_stale_connection_file_sends_no_password_to_the_port(
    spawn: Callable[..., Server], impostor: Impostor, tmp_path: Path, force: bool
) -> None:
    """The server that wrote connection.json is gone and another program took its port:
    start-up (and --force) must neither refuse nor hand that program a password."""
    await write_stale_connection(tmp_path / "cfg", impostor.port, STALE_PW)
    server = spawn(extra=("--force",) if force else ())
    await server.start()
    outcome = await server.refused_or_started()
    assert impostor.leaked(STALE_PW, PW) == [], impostor.received
    assert outcome == "started", server.stderr
    await server.started()
    assert not any("Stopping" in line for line in server.lines)
    assert json.loads((server.cfg / "connection.json").read_text())["port"] == server.port


async def test_force_leaves_another_program_on_the_port_alone(
    spawn: Callable[..., Server], impostor: Impostor, tmp_path: Path
) -> None:
    """--force --port P where P is held by something that is not a termbeam server of ours:
    no password goes to it, it is not stopped, and the new server cannot bind."""
    await write_stale_connection(tmp_path / "cfg", impostor.port, STALE_PW)
    server = spawn(extra=("--port", str(impostor.port), "--force"))
    await server.start()
    assert await server.wait_exit(START_TIMEOUT) == 1
    assert impostor.leaked(STALE_PW, PW) == [], impostor.received
    assert f"cannot listen on 127.0.0.1:{impostor.port}" in server.stderr
    _, writer = await asyncio.open_connection("127.0.0.1", impostor.port)  # still there
    writer.close()


async def test_password_from_the_environment_reaches_no_shell(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    server = spawn(password_env=True)
    await server.start()
    await server.started()
    assert server.proc is not None
    assert PW not in proc_strings(server.proc.pid, "cmdline")
    [session] = await _sessions(http, server)  # and the password works
    shell_env = proc_strings(int(session["pid"]), "environ")  # type: ignore[call-overload]
    assert not [v for v in shell_env if v.startswith(("TERMBEAM_PASSWORD=", "PTY_PASSWORD="))]
    assert not [v for v in shell_env if PW in v]


# --------------------------------------------------------------------------- DELETE / shutdown


async def test_delete_session_kills_its_processes(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    async with http.post(server.base + "/api/sessions", json={"cols": 80, "rows": 24},
                         headers=server.headers) as response:
        assert response.status == 201, await response.text()
        session_id = (await response.json())["id"]
    by_id = {s["id"]: s for s in await _sessions(http, server)}
    shell_pid = int(by_id[session_id]["pid"])  # type: ignore[call-overload]

    term = await _attach(http, server, session_id)
    sleep_pid = await _background_sleep(term)

    url = f"{server.base}/api/sessions/{session_id}"
    async with http.delete(url, headers=server.headers) as response:
        assert response.status == 204
    await eventually(lambda: not process_exists(shell_pid), "the shell to end after DELETE", 10)
    await eventually(lambda: not process_exists(sleep_pid), "the job to end after DELETE", 10)
    await eventually(lambda: _proc_gone(shell_pid), "the shell to be reaped", 10)
    assert session_id not in {s["id"] for s in await _sessions(http, server)}
    async with http.delete(url, headers=server.headers) as response:
        assert response.status == 404
        assert await response.json() == {"error": "not found"}
    # The viewer hears about it and the other (default) session is untouched.
    await term.expect("exit")
    assert len(await _sessions(http, server)) == 1
    await term.ws.close()


#: Starts the rest of its arguments with SIGHUP, SIGINT and SIGQUIT ignored, as `nohup cmd &`
#: from a script does.
IGNORING_LAUNCHER = (
    "import os, signal, sys\n"
    "for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):\n"
    "    signal.signal(sig, signal.SIG_IGN)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def _signal_mask(status: str, field: str) -> int:
    match = re.search(rf"{field}:\s*([0-9a-f]+)", status)
    assert match, status
    return int(match.group(1), 16)


def _running(shell: int, command: str) -> bool:
    """Whether a member of the shell's terminal session runs `command`."""
    for pid in procfs.session_members(shell):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().replace(b"\0", b" ").strip() == command.encode():
                    return True
        except OSError:
            continue
    return False


async def test_a_server_started_ignoring_signals_gives_shells_the_defaults(
    spawn: Callable[..., Server], http: aiohttp.ClientSession
) -> None:
    server = spawn()
    server.args = [sys.executable, "-c", IGNORING_LAUNCHER, *server.args]
    await server.start()
    await server.started()
    (session,) = await _sessions(http, server)
    term = await _attach(http, server, str(session["id"]))

    # What a command run from the shell inherits.
    status = await term.run("grep ^Sig /proc/self/status")
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        bit = 1 << (sig - 1)
        assert not _signal_mask(status, "SigIgn") & bit, (sig.name, status)
        assert not _signal_mask(status, "SigBlk") & bit, (sig.name, status)

    # Ctrl-C stops a foreground command (ignored, the prompt would wait for the sleep).
    await term.type("sleep 120\r")
    await term.read_until("sleep 120\r\n")
    # Once it runs: a ^C typed while bash is still starting it goes to bash, not to sleep.
    shell = int(session["pid"])  # type: ignore[call-overload]
    await eventually(lambda: _running(shell, "sleep 120"), "sleep to start", 10)
    await term.type("\x03")
    assert "back-42" in await term.run("echo back-$((6*7))", timeout=30)

    # A deleted session's background job gets its SIGHUP and ends.
    sleep_pid = await _background_sleep(term)
    url = f"{server.base}/api/sessions/{session['id']}"
    async with http.delete(url, headers=server.headers) as response:
        assert response.status == 204
    await eventually(lambda: not process_exists(sleep_pid), "the job to end after DELETE", 10)
    await term.ws.close()

    # The server itself still ignores SIGHUP, as it was started to.
    server.signal(signal.SIGHUP)  # delivered before the server reads the next request
    async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
        assert response.status == 200


async def test_shutdown_endpoint(spawn: Callable[..., Server],
                                 http: aiohttp.ClientSession) -> None:
    server = spawn()
    await server.start()
    await server.started()
    (session,) = await _sessions(http, server)
    shell_pid = int(session["pid"])  # type: ignore[call-overload]

    async with http.post(server.base + "/api/shutdown") as response:
        assert response.status == 401
    assert server.alive

    async with http.post(server.base + "/api/sessions", json={},
                         headers=server.headers) as response:
        assert response.status == 201
    async with http.post(server.base + "/api/shutdown", headers=server.headers) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}
    assert await server.wait_exit() == 0
    assert "[termbeam] Shutting down, ending 2 sessions..." in server.lines
    assert not (server.cfg / "connection.json").exists()
    assert _proc_gone(shell_pid)
