"""The terminal client against a real server process: `termbeam list` and `termbeam attach`
driven through a real PTY (scrollback, typing, detach, nesting, selection, errors)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import struct
import sys
import termios
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from termbeam_py.client.chooser import DOWN, PICK, QUIT, UP, parse_keys
from termbeam_py.client.keys import describe_key, parse_detach_key
from termbeam_py.client.picking import age, matches
from tests.helpers import PW, SHELL_ENV, Server, TermWS, child_env
from tests.test_server_process import STALE_PW, Impostor, write_stale_connection

TIMEOUT = 15.0
# The tests start `termbeam` clients and servers (fork and exec) in their own bodies, which
# may take a loop step past 0.1 s on a busy machine; the server's callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="children are forked from the test body")


class PtyClient:
    """`python -m termbeam_py ARGS` with a PTY as its terminal; collects what it draws."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.args = args
        self.env = env
        self.output = b""
        self.proc: asyncio.subprocess.Process | None = None
        self.master = -1
        self._changed = asyncio.Event()
        self._eof = False

    async def start(self) -> None:
        self.master, slave = os.openpty()
        # A known size, so the client has something to send as its first resize.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "termbeam_py", *self.args,
                stdin=slave, stdout=slave, stderr=slave, env=self.env, start_new_session=True,
            )
        finally:
            os.close(slave)
        os.set_blocking(self.master, False)
        asyncio.get_running_loop().add_reader(self.master, self._read)

    def _read(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the slave side is gone
            data = b""
        if not data:
            self._eof = True
            asyncio.get_running_loop().remove_reader(self.master)
        self.output += data
        self._changed.set()

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    async def wait_for(self, marker: str, timeout: float = TIMEOUT) -> None:
        try:
            async with asyncio.timeout(timeout):
                while marker not in self.text:
                    if self._eof:
                        raise AssertionError(f"client ended before {marker!r}")
                    self._changed.clear()
                    await self._changed.wait()
        except (TimeoutError, AssertionError) as exc:
            raise AssertionError(f"no {marker!r} in {self.text[-2000:]!r}") from exc

    def type(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    async def wait_exit(self, timeout: float = TIMEOUT) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        if self.master >= 0:
            asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = -1


def client_env() -> dict[str, str]:
    env = child_env(**SHELL_ENV)
    env.pop("TERMBEAM_SESSION", None)  # the tests may well run inside a termbeam session
    return env


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(tmp_path)
    try:
        await srv.start()
        await srv.started()
        yield srv
    finally:
        await srv.kill()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


@pytest.fixture
async def pty_clients() -> AsyncIterator[list[PtyClient]]:
    clients: list[PtyClient] = []
    try:
        yield clients
    finally:
        for client in clients:
            await client.close()


async def run_client(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """A non-interactive client run (stdin is not a TTY): exit code, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", *args, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env or client_env(),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def sessions(http: aiohttp.ClientSession, server: Server) -> list[dict[str, object]]:
    async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
        assert response.status == 200
        return list(await response.json())


async def create(http: aiohttp.ClientSession, server: Server, name: str) -> str:
    async with http.post(server.base + "/api/sessions", headers=server.headers,
                         json={"name": name}) as response:
        assert response.status in (200, 201), await response.text()
        return str((await response.json())["id"])


async def type_over_ws(http: aiohttp.ClientSession, server: Server, session_id: str,
                       command: str, marker: str) -> None:
    ws = await http.ws_connect(server.base.replace("http", "ws", 1) + "/ws")
    try:
        term = TermWS(ws)
        await term.send({"type": "auth", "password": PW})
        await term.expect("auth_ok")
        await term.attach(session_id)
        await term.expect("attached")
        await term.resize(80, 24)
        await term.read_until("$ ")
        await term.type(command + "\r")
        await term.read_until(marker)
    finally:
        await ws.close()


def attach_args(server: Server, *extra: str) -> tuple[str, ...]:
    return ("attach", *extra, "--config-dir", str(server.cfg))


async def test_attach_shows_scrollback_types_and_detaches(
        server: Server, http: aiohttp.ClientSession, pty_clients: list[PtyClient]) -> None:
    [session] = await sessions(http, server)
    # The marker is computed by the shell, so only the output (not the echo) contains it.
    await type_over_ws(http, server, str(session["id"]), "echo before-$((40+2))", "before-42")

    first = PtyClient(*attach_args(server), env=client_env())
    pty_clients.append(first)
    await first.start()
    await first.wait_for("before-42")  # the scrollback is replayed
    first.type("echo hi-$((1+1))\r")
    await first.wait_for("hi-2")
    first.type(b"\x02")
    assert await first.wait_exit() == 0
    assert "Detached" in first.text

    [still] = await sessions(http, server)
    assert still["id"] == session["id"]

    again = PtyClient(*attach_args(server), env=client_env())
    pty_clients.append(again)
    await again.start()
    await again.wait_for("hi-2")  # what the first client typed is in the scrollback
    again.type("exit 3\r")
    await again.wait_for("Session ended.")
    assert await again.wait_exit() == 3


async def test_custom_detach_key_and_name_selection(
        server: Server, http: aiohttp.ClientSession, pty_clients: list[PtyClient]) -> None:
    second = await create(http, server, "Second")
    client = PtyClient(*attach_args(server, "second", "--detach-key", "^]"),
                       env=client_env())
    pty_clients.append(client)
    await client.start()
    await client.wait_for("$ ")
    client.type("echo in-$((2*3))-$TERMBEAM_SESSION\r")
    await client.wait_for("in-6-1")
    client.type(b"\x1d")
    assert await client.wait_exit() == 0

    by_prefix = PtyClient(*attach_args(server, second[:6]), env=client_env())
    pty_clients.append(by_prefix)
    await by_prefix.start()
    await by_prefix.wait_for("in-6-1")
    by_prefix.type(b"\x02")
    assert await by_prefix.wait_exit() == 0
    assert len(await sessions(http, server)) == 2


async def test_no_match_and_ambiguous_without_tty(
        server: Server, http: aiohttp.ClientSession) -> None:
    await create(http, server, "other")
    code, _, err = await run_client(*attach_args(server, "nope"))
    assert code == 1
    assert "No session matches 'nope'" in err
    assert "other" in err
    code, _, err = await run_client(*attach_args(server))
    assert code == 1
    assert "Several sessions" in err
    assert "other" in err


async def test_refuses_to_nest(tmp_path: Path) -> None:
    env = client_env()
    env["TERMBEAM_SESSION"] = "1"
    code, _, err = await run_client("attach", "--config-dir", str(tmp_path), env=env)
    assert code == 1
    assert "Already inside a TermBeam session" in err


async def test_list_table_and_json(server: Server, http: aiohttp.ClientSession) -> None:
    second = await create(http, server, "listed")
    code, out, err = await run_client("list", "--config-dir", str(server.cfg))
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "ID", "CWD", "UPTIME", "CLIENTS"]  # the original's order
    listed = [row.split() for row in rows if row.startswith("listed")]
    assert len(listed) == 1
    assert listed[0][1] == second[:8]
    assert re.fullmatch(r"\d+[sm]", listed[0][-2])
    assert listed[0][-1] == "0"
    assert len(rows) == 2
    assert "Tip: use --json" in err  # on stderr: the table on stdout stays parseable

    code, out, _ = await run_client("list", "--json", "--config-dir", str(server.cfg))
    assert code == 0
    listing = json.loads(out)
    assert {entry["id"] for entry in listing} == {s["id"] for s in await sessions(http, server)}

    # A hidden session (a script's) shows only with --all (#18).
    async with http.post(server.base + "/api/sessions", headers=server.headers,
                         json={"name": "secret-job", "hidden": True}) as response:
        assert response.status == 201
    code, out, _ = await run_client("list", "--config-dir", str(server.cfg))
    assert "secret-job" not in out
    code, out, _ = await run_client("list", "--all", "--config-dir", str(server.cfg))
    assert code == 0
    assert "secret-job" in out


async def test_flags_override_connection_file_and_bad_password(
        server: Server, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    code, out, _ = await run_client("list", "--json", "--config-dir", str(empty),
                                    "--port", str(server.port), "--password", PW)
    assert code == 0
    assert len(json.loads(out)) == 1
    code, _, err = await run_client("list", "--config-dir", str(server.cfg),
                                    "--password", "wrong")
    assert code == 1
    assert "Authentication failed" in err


async def test_stale_connection_file_sends_no_password(tmp_path: Path) -> None:
    """connection.json names a port that another program holds now (the server is gone)."""
    impostor = Impostor()
    await impostor.start()
    try:
        await write_stale_connection(tmp_path / "cfg", impostor.port, STALE_PW)
        for command in ("list", "attach"):
            code, _, err = await run_client(command, "--config-dir", str(tmp_path / "cfg"))
            assert impostor.leaked(STALE_PW) == [], impostor.received
            assert code == 1
            assert "Authentication failed" in err
            assert "not held by the server that wrote connection.json" in err
            assert "--password" in err
    finally:
        await impostor.close()
    assert impostor.connections == 2  # asked, without the password


@pytest.mark.parametrize("command", ["list", "attach"])
@pytest.mark.parametrize("elsewhere", ["host", "port"])
async def test_saved_password_goes_only_where_it_was_saved(
        server: Server, command: str, elsewhere: str) -> None:
    """--host or --port other than connection.json's never gets its password."""
    other = Impostor("127.0.0.2", server.port) if elsewhere == "host" else Impostor()
    await other.start()
    try:
        flag = ("--host", "127.0.0.2") if elsewhere == "host" else ("--port", str(other.port))
        code, _, err = await run_client(command, *flag, "--config-dir", str(server.cfg))
    finally:
        await other.close()
    assert other.leaked(PW) == [], other.received
    assert other.connections == 1
    assert code == 1
    assert f"only sent to localhost:{server.port}" in err


async def test_saved_password_for_the_same_place_spelled_differently(server: Server) -> None:
    code, out, err = await run_client("list", "--json", "--host", "127.0.0.1", "--port",
                                      str(server.port), "--config-dir", str(server.cfg))
    assert code == 0, err
    assert len(json.loads(out)) == 1


async def test_no_server(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        code, _, err = await run_client("list", "--config-dir", str(tmp_path),
                                        "--port", str(port))
    assert code == 1
    assert "No TermBeam server is running." in err


def test_detach_key_spellings() -> None:
    assert parse_detach_key("^B") == b"\x02"
    assert parse_detach_key("ctrl+b") == b"\x02"
    assert parse_detach_key("Ctrl-]") == b"\x1d"
    assert parse_detach_key("\\x1c") == b"\x1c"
    assert parse_detach_key("q") == b"q"
    assert describe_key(b"\x02") == "Ctrl+B"
    with pytest.raises(ValueError, match="single key"):
        parse_detach_key("abc")


def test_matching_and_age() -> None:
    listing = [{"id": "abcdef12", "name": "Work"}, {"id": "abc99999", "name": "abc"}]
    assert matches(listing, "work") == [listing[0]]
    assert matches(listing, "abc") == [listing[1]]  # a name beats an id prefix
    assert matches(listing, "abcd") == [listing[0]]
    assert matches(listing, "zzz") == []
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert age((now - timedelta(seconds=5)).isoformat(), now) == "5s"
    assert age((now - timedelta(minutes=7)).isoformat(), now) == "7m"
    assert age((now - timedelta(hours=2, minutes=3)).isoformat(), now) == "2h 3m"
    assert age((now - timedelta(days=1, hours=4)).isoformat(), now) == "1d 4h"
    assert age(None, now) == "?"


class DroppingProxy:
    """A TCP proxy to the server whose live connections the test can cut at will."""

    def __init__(self, port: int) -> None:
        self.target_port = port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.accepted = 0
        self._changed = asyncio.Event()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]
        self.accepted += 1
        self._changed.set()
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def wait_accepted(self, count: int) -> None:
        async with asyncio.timeout(TIMEOUT):
            while self.accepted < count:
                self._changed.clear()
                await self._changed.wait()

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_dropped_connection_resumes_exactly(
        server: Server, pty_clients: list[PtyClient], tmp_path: Path) -> None:
    proxy = DroppingProxy(server.port)
    await proxy.start()
    try:
        client = PtyClient("attach", "--config-dir", str(tmp_path / "none"), "--port",
                           str(proxy.port), "--password", PW, env=client_env())
        pty_clients.append(client)
        await client.start()
        await client.wait_for("$ ")
        client.type("echo one-$((0+1))\r")
        await client.wait_for("one-1")
        accepted = proxy.accepted
        proxy.cut()
        mark = len(client.output)
        await proxy.wait_accepted(accepted + 1)  # the client reconnected
        client.type("echo two-$((1+1))\r")
        await client.wait_for("two-2")
        after = client.output[mark:]
        assert b"\x1b[2J" not in after  # resumed: no replay, so no screen reset
        assert client.text.count("one-1\r\n") == 1  # and nothing written twice
        client.type(b"\x02")
        assert await client.wait_exit() == 0
    finally:
        await proxy.close()


def test_client_words_route_to_client_commands() -> None:
    from termbeam_py.cli import route_command, serve
    from termbeam_py.client.commands import attach_command, list_command

    assert route_command(["list", "--json"]) == (list_command, ["--json"], "termbeam list")
    assert route_command(["resume", "x"]) == (attach_command, ["x"], "termbeam resume")
    assert route_command(["attach"])[0] is attach_command
    assert route_command(["bash", "--login"]) == (serve, ["bash", "--login"], "termbeam")
    assert route_command([]) == (serve, [], "termbeam")


async def test_password_prompt_and_chooser_on_a_tty(
        server: Server, http: aiohttp.ClientSession, pty_clients: list[PtyClient],
        tmp_path: Path) -> None:
    await create(http, server, "picked")
    # No connection.json and no password: the 401 makes an interactive client ask.
    client = PtyClient("attach", "--config-dir", str(tmp_path / "none"), "--port",
                       str(server.port), env=client_env())
    pty_clients.append(client)
    await client.start()
    await client.wait_for(f"Password for http://127.0.0.1:{server.port}")
    client.type(PW + "\r")
    await client.wait_for("Enter to attach")  # the arrow-key chooser, as in the original
    assert re.search(r"❯ \S+ +[0-9a-f]{8} ", client.text)  # the first row is highlighted
    assert "  picked " in client.text
    client.type("\x1b[Bj\x1b[A\r")  # several keys in one read: down, down, up, Enter
    await client.wait_for("[termbeam] picked")  # the title names the chosen session
    # Once the output goes quiet, the original's banner line (#18).
    await client.wait_for("attached: picked ─── Ctrl+B to detach")
    client.type(b"\x02")
    assert await client.wait_exit() == 0


async def test_ctrl_c_in_the_chooser_leaves_with_0(
        server: Server, http: aiohttp.ClientSession, pty_clients: list[PtyClient]) -> None:
    await create(http, server, "other")
    client = PtyClient(*attach_args(server), env=client_env())
    pty_clients.append(client)
    await client.start()
    await client.wait_for("Enter to attach")
    client.type(b"\x03")
    assert await client.wait_exit() == 0
    assert "[termbeam]" not in client.text  # nothing was attached
    assert [s["clients"] for s in await sessions(http, server)] == [0, 0]


def test_chooser_keys_split_or_merged() -> None:
    assert parse_keys(b"\x1b[B\x1b[Aj\r") == ([DOWN, UP, DOWN, PICK], b"")
    assert parse_keys(b"\x1b[") == ([], b"\x1b[")  # the rest of the arrow is on its way
    keys, rest = parse_keys(b"k\x1b")
    assert (keys, rest) == ([UP], b"\x1b")
    assert parse_keys(rest + b"OB") == ([DOWN], b"")
    assert parse_keys(b"\x1b[1;5C2x\x03") == (["2", QUIT], b"")  # unknown keys are skipped
