"""Test helpers: a WebSocket terminal client that waits on markers, never on sleeps,
`eventually` for state that has no marker to wait on, the environment of a child process,
and small fakes shared by several test modules."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import re
import signal
import socket
import struct
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeAlias, TypeVar, overload

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

READ_TIMEOUT = 15.0
#: The password of a `Server` child, unless a test picks another.
PW = "process-test-pw"
START_TIMEOUT = 20.0
EXIT_TIMEOUT = 15.0
#: The banner's Local: line, which carries the port a `--port 0` server bound.
LOCAL = re.compile(r"^\s*Local:\s+http://localhost:(\d+)\s*$")
#: A fixed prompt, no history file, no bracketed-paste noise in the output.
SHELL_ENV = {"PS1": "$ ", "HISTFILE": "/dev/null", "INPUTRC": "/dev/null", "LC_ALL": "C.UTF-8"}
#: The checkout's root: a child process imports termbeam_py from here.
ROOT = Path(__file__).resolve().parent.parent
#: Variables that would pick a child's password, config folder or port from the
#: developer's own shell.
SCRUBBED = ("TERMBEAM_PASSWORD", "PTY_PASSWORD", "TERMBEAM_CONFIG_DIR", "PORT")

#: The `client` and `authed` fixtures: aiohttp's test client of a real app.
AppClient: TypeAlias = TestClient[web.Request, web.Application]

#: Fake tunnel programs (cloudflared, ngrok, devtunnel, ssh) that tests put first on PATH.
FAKES = Path(__file__).resolve().parent / "fake_tunnels"

T = TypeVar("T")


def unavailable(reason: str) -> NoReturn:
    """A tool a test needs is missing: skip on a developer's machine, fail under CI (`CI` set,
    as .ci/run does), where .ci/run installs every such tool and a skip would hide a gap."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@overload
async def eventually(
    check: Callable[[], Awaitable[T]], what: str, timeout: float = ..., interval: float = ...,
) -> T: ...
@overload
async def eventually(
    check: Callable[[], T], what: str, timeout: float = ..., interval: float = ...,
) -> T: ...
async def eventually(
    check: Callable[[], Any], what: str, timeout: float = 10.0, interval: float = 0.02,
) -> Any:
    """Poll `check` (plain or async) until it returns something truthy, and return that;
    fail naming `what` after `timeout` seconds."""
    scope = asyncio.timeout(timeout)
    try:
        async with scope:
            while True:
                result = check()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(interval)
    except TimeoutError:
        if not scope.expired():  # raised by `check` itself: not ours to rename
            raise
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None


def child_env(base: Mapping[str, str] | None = None, /, **extra: str) -> dict[str, str]:
    """The environment for a child process (`python -m termbeam_py`, the client, a service
    runner): `base` (this process's environment by default) without SCRUBBED, with this
    checkout first on PYTHONPATH and unbuffered output, then `extra`."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in SCRUBBED}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    # Servers started by tests never ask the real package index for updates (loopback only);
    # the start-up check's own test turns it back on against a local index.
    env["TERMBEAM_UPDATE_CHECK"] = "0"
    env.update(extra)
    return env


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeClock:
    """A monotonic clock that moves only when told: `clock()` reads, `advance()` moves."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Fakes:
    """The fake programs' state directory and what they recorded."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def runs(self, name: str) -> list[tuple[int, int]]:
        path = self.state / f"{name}.runs"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(int(a), int(b)) for a, b in (line.split() for line in lines)]

    def pids(self, name: str) -> list[int]:
        return [pid for run in self.runs(name) for pid in run]

    def calls(self, name: str) -> list[list[str]]:
        path = self.state / "calls"
        lines = path.read_text().splitlines() if path.exists() else []
        return [call[1:] for call in map(json.loads, lines) if call[0] == name]

    def login(self, provider: str, lifetime: str) -> None:
        (self.state / "logged-in").write_text(f"{provider} {lifetime}\n")


class TermWS:
    """Wraps a client WebSocket speaking the /ws protocol; collects screen text."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""
        self.raw = bytearray()
        self.messages: list[dict[str, Any]] = []
        self.seq = 0
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def attach(self, session_id: str, **extra: Any) -> None:
        await self.send({"type": "attach", "sessionId": session_id, **extra})

    async def resize(self, cols: int, rows: int) -> None:
        await self.send({"type": "resize", "cols": cols, "rows": rows})

    async def type(self, data: str) -> None:
        await self.send({"type": "input", "data": data})

    async def receive(self, timeout: float = READ_TIMEOUT) -> dict[str, Any] | None:
        """One message (binary frames become {"type": "binary"}); None once closed."""
        msg = await self.ws.receive(timeout=timeout)
        if msg.type == aiohttp.WSMsgType.TEXT:
            data = json.loads(msg.data)
            self.messages.append(data)
            if data.get("type") in ("output", "replay"):
                if data["type"] == "replay":
                    self.text, self.raw = "", bytearray()
                self.text += data["data"]
                self.raw += data["data"].encode()
                if "seq" in data:
                    self.seq = data["seq"]
            return dict(data)
        if msg.type == aiohttp.WSMsgType.BINARY:
            op, seq = struct.unpack(">BQ", msg.data[:9])
            body = msg.data[9:]
            assert op == 1
            assert seq == self.seq, f"gap or overlap: frame at {seq}, expected {self.seq}"
            self.seq = seq + len(body)
            self.raw += body
            self.text += body.decode(errors="replace")
            return {"type": "binary", "seq": seq, "size": len(body)}
        self.closed = True
        return None

    async def expect(self, kind: str, timeout: float = READ_TIMEOUT) -> dict[str, Any]:
        """Read until a message of `kind` arrives (output keeps accumulating)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.receive(timeout)
                if message is None:
                    raise AssertionError(f"socket closed while waiting for {kind!r}")
                if message["type"] == kind:
                    return message

    async def read_until(self, marker: str, timeout: float = READ_TIMEOUT) -> str:
        """Read until `marker` appears in the accumulated text; returns the text."""
        async with asyncio.timeout(timeout):
            while marker not in self.text:
                if await self.receive(timeout) is None:
                    raise AssertionError(f"closed before {marker!r}; got {self.text[-500:]!r}")
        return self.text

    async def run(self, command: str, timeout: float = READ_TIMEOUT) -> str:
        """Run a command and return what it printed between two unique markers."""
        token = f"{id(self):x}{len(self.messages)}"
        start, end = f"S{token}S", f"E{token}E"
        await self.type(f"echo {start[:1]}''{start[1:]}; {command}; echo {end[:1]}''{end[1:]}\r")
        return await self._between(start, end, timeout)

    async def _between(self, start: str, end: str, timeout: float) -> str:
        await self.read_until(end, timeout)
        # The echoed command line shows the quoted form; the output shows the joined marker.
        body = self.text[self.text.rindex(start) + len(start) : self.text.rindex(end)]
        return body.strip("\r\n")


def proc_strings(pid: int, what: str) -> list[str]:
    """/proc/PID/cmdline or /proc/PID/environ as a list of strings."""
    return Path(f"/proc/{pid}/{what}").read_bytes().decode(errors="replace").split("\0")


class Server:
    """One `python -m termbeam_py` child; stdout is collected line by line."""

    def __init__(self, tmp_path: Path, *, password: str | None = PW, qr: bool = False,
                 extra: tuple[str, ...] = (), cfg: str = "cfg",
                 env: dict[str, str] | None = None, password_env: bool = False) -> None:
        self.cfg = tmp_path / cfg
        self.work = tmp_path / "work"
        self.cfg.mkdir(exist_ok=True)
        self.work.mkdir(exist_ok=True)
        auth = ["--password", password] if password else ["--no-password"]
        if password and password_env:  # given as TERMBEAM_PASSWORD instead
            auth, env = [], {**(env or {}), "TERMBEAM_PASSWORD": password}
        self.args = [
            sys.executable, "-m", "termbeam_py", "--port", "0", *auth,
            "--config-dir", str(self.cfg), "--cwd", str(self.work),
            *([] if qr else ["--no-qr"]), *extra, "/bin/bash", "--norc", "--noprofile",
        ]
        self.password = password
        self.env = child_env(**{**SHELL_ENV, **(env or {})})
        self.stderr_path = tmp_path / f"stderr-{id(self):x}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.port = 0
        self._changed = asyncio.Event()
        self._eof = False
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with self.stderr_path.open("wb") as err:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, stdout=asyncio.subprocess.PIPE, stderr=err,
                stdin=asyncio.subprocess.DEVNULL, env=self.env, cwd=str(self.work),
            )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._eof = True
        self._changed.set()

    async def wait_line(self, pattern: str | re.Pattern[str],
                        timeout: float = START_TIMEOUT) -> re.Match[str]:
        regex = re.compile(pattern)
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if match := regex.search(line):
                        return match
                if self._eof:
                    raise AssertionError(
                        f"no line matching {regex.pattern!r}; stdout={self.lines!r}; "
                        f"stderr={self.stderr_path.read_text(errors='replace')!r}"
                    )
                self._changed.clear()
                await self._changed.wait()

    async def started(self) -> int:
        self.port = int((await self.wait_line(LOCAL)).group(1))
        return self.port

    async def refused_or_started(self, timeout: float = START_TIMEOUT) -> str:
        """"started" once a Local: line is printed, "refused" if the process ends first."""
        assert self.proc is not None
        async with asyncio.timeout(timeout):
            while True:
                if any(LOCAL.search(line) for line in self.lines):
                    return "started"
                if self._eof:
                    await self.proc.wait()
                    return "refused"
                self._changed.clear()
                await self._changed.wait()

    async def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout)
        return code

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.password}"} if self.password else {}

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def kill(self) -> None:
        """Stop the server: SIGTERM first, so it ends what it started in sessions of their
        own (a tunnel program survives a SIGKILLed server), then SIGKILL."""
        if self.proc is not None and self.proc.returncode is None:
            for stop in (self.proc.terminate, self.proc.kill):
                with contextlib.suppress(ProcessLookupError):
                    stop()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)
                if self.proc.returncode is not None:
                    break
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader


async def termbeam_cli(*args: str) -> tuple[int, str]:
    """Run `termbeam ARGS` as a user would (`python -m termbeam_py`, no input); its exit
    status and its output, stdout and stderr together."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, env=child_env(),
    )
    async with asyncio.timeout(EXIT_TIMEOUT * 2):
        out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")
