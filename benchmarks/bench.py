#!/usr/bin/env python3
"""Performance harness for termbeam_py: latency, throughput, fan-out, slow reader, memory,
idle CPU and paste, each measured against the no-server PTY ceiling of the same run.

Run from the repository root:

    python benchmarks/bench.py                      # start a server per repetition, all scenarios
    python benchmarks/bench.py --scenarios echo,throughput --proto binary --reps 1
    python benchmarks/bench.py --summarize benchmarks/results/latest.jsonl

Everything talks to 127.0.0.1 only, every wait has a timeout and every loop is bounded.
See benchmarks/README.md for what each scenario measures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import platform
import pty
import re
import secrets
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "results" / "latest.jsonl"

SCENARIOS = (
    "ceiling", "echo", "create", "throughput", "fanout", "memory", "slowreader", "paste", "idle",
)
#: Scenarios measured once per protocol mode; the others do not depend on it.
PER_PROTO = {"echo", "create", "throughput", "fanout", "slowreader", "paste"}

COLS, ROWS = 120, 30  # the server's default size: our resize never sends SIGWINCH
FILL = "X"  # the burst byte: octal 130, typed as '\130' so the command line never contains it
FILL_B = FILL.encode()
PROMPT = "$ "
MB = 1_000_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

WS_CONNECT_TIMEOUT = 10.0
ATTACH_TIMEOUT = 10.0
PROMPT_TIMEOUT = 10.0
ECHO_GAP = 0.0  # seconds between keystrokes (a pause lets idle CPUs sleep, adding wake-up time)
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 8.0


class BenchError(Exception):
    """A scenario could not complete (timeout, closed socket, protocol surprise)."""


# ---------------------------------------------------------------------------------------------
# small helpers


def now() -> float:
    return time.perf_counter()


def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100) of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def rnd(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def make_sentinel() -> tuple[str, str]:
    """An `echo` command whose output the typed command line never contains."""
    base = secrets.randbelow(900_000) + 100_000
    return f"echo tb$(({base}+1))done", f"tb{base + 1}done"


def burst_command(nbytes: int) -> tuple[str, str]:
    echo, sentinel = make_sentinel()
    pipeline = f"head -c {nbytes} /dev/zero | tr '\\0' '\\130' | fold -w 100 | cat"
    return f"{pipeline}; {echo}", sentinel


class SentinelScanner:
    """Finds a marker in a stream of chunks, including across chunk boundaries."""

    def __init__(self, sentinel: str) -> None:
        self.s = sentinel
        self.b = sentinel.encode()
        self.keep = len(sentinel) - 1
        self.tail_s = ""
        self.tail_b = b""

    def reset(self) -> None:
        self.tail_s, self.tail_b = "", b""

    def feed_text(self, chunk: str) -> bool:
        found = self.s in chunk or self.s in self.tail_s + chunk[: self.keep]
        self.tail_s = (self.tail_s + chunk)[-self.keep :] if len(chunk) < self.keep else (
            chunk[-self.keep :]
        )
        return found

    def feed_bytes(self, chunk: bytes) -> bool:
        found = self.b in chunk or self.b in self.tail_b + chunk[: self.keep]
        self.tail_b = (self.tail_b + chunk)[-self.keep :] if len(chunk) < self.keep else (
            chunk[-self.keep :]
        )
        return found


# ---------------------------------------------------------------------------------------------
# /proc readings of the server process (no children)


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` itself, in seconds."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise BenchError(f"{key} missing for pid {pid}")


def own_cpu_seconds() -> float:
    """CPU time of this harness process (the client side of every measurement)."""
    t = os.times()
    return t.user + t.system


def rss_mb(pid: int) -> float:
    return proc_status_kb(pid, "VmRSS") / 1024


def machine_info() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------------------------------------
# the no-server ceiling: the same burst read straight from a PTY in this process


def pty_ceiling(nbytes: int, timeout: float) -> dict[str, Any]:
    command, sentinel = burst_command(nbytes)
    scanner = SentinelScanner(sentinel)
    start = now()
    pid, fd = pty.fork()
    if pid == 0:  # child: the slave is our controlling terminal on fds 0-2
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execv("/bin/sh", ["sh", "-c", command])  # noqa: S606 (our own fixed pipeline)
        finally:
            os._exit(127)
    fill = 0
    found = False
    deadline = start + timeout
    try:
        while not found:
            remaining = deadline - now()
            if remaining <= 0:
                raise BenchError("ceiling: timeout")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break  # EIO: the child closed the terminal
            if not chunk:
                break
            fill += chunk.count(FILL_B)
            found = scanner.feed_bytes(chunk)
        elapsed = now() - start
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    if not found:
        raise BenchError("ceiling: the sentinel never arrived")
    return {"mbps": rnd(nbytes / MB / elapsed), "seconds": rnd(elapsed), "complete": fill == nbytes}


def _read_until(fd: int, needle: bytes, deadline: float) -> None:
    seen = b""
    while needle not in seen:
        remaining = deadline - now()
        if remaining <= 0:
            raise BenchError(f"local pty: no {needle!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise BenchError("local pty closed")
            seen = seen[-64:] + chunk


def pty_echo_floor(count: int, target: str) -> dict[str, Any]:
    """The echo scenario on a local PTY, no server: the latency floor."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PS1": PROMPT,
                   "HOME": tempfile.gettempdir(), "TERM": "xterm-256color"}
            argv = ["cat"] if target == "cat" else ["bash", "--norc", "--noprofile"]
            os.execve(shutil.which(argv[0]) or argv[0], argv, env)  # noqa: S606
        finally:
            os._exit(127)
    samples: list[float] = []
    try:
        if target != "cat":
            _read_until(fd, PROMPT.encode(), now() + PROMPT_TIMEOUT)
        for i in range(count + 10):
            t0 = now()
            os.write(fd, b"x")
            _read_until(fd, b"x", now() + 5.0)
            if i >= 10:
                samples.append((now() - t0) * 1000)
            os.write(fd, b"\x7f")
            _read_until(fd, b"\x08", now() + 5.0)
            time.sleep(0.002)
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    return {"echo_p50_ms": rnd(percentile(samples, 50)),
            "echo_p99_ms": rnd(percentile(samples, 99))}


def ceiling(nbytes: int, echo_count: int, echo_target: str) -> dict[str, Any]:
    return {**pty_ceiling(nbytes, burst_timeout(nbytes)),
            **pty_echo_floor(echo_count, echo_target)}


# ---------------------------------------------------------------------------------------------
# the server: started here, or an already running one


@dataclass
class Server:
    url: str
    password: str
    pid: int | None
    workdir: Path
    proc: asyncio.subprocess.Process | None = None
    log_path: Path | None = None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1).rstrip("/") + "/ws"


async def start_server(python: str, workdir: Path, src: Path = REPO) -> Server:
    home = workdir / "home"
    config = workdir / "config"
    cwd = workdir / "cwd"
    for d in (home, config, cwd):
        d.mkdir(parents=True, exist_ok=True)
    (home / ".bashrc").write_text("")
    password = secrets.token_urlsafe(18)
    env = dict(os.environ)
    env.update({
        "HOME": str(home),
        "PS1": PROMPT,
        "SHELL": "/bin/bash",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p),
    })
    for key in ("TERMBEAM_PASSWORD", "PORT", "TERMBEAM_CWD", "TERMBEAM_CONFIG_DIR"):
        env.pop(key, None)
    log_path = workdir / "server.log"
    argv = [
        python, "-m", "termbeam_py", "--host", "127.0.0.1", "--port", "0",
        "--password", password, "--config-dir", str(config), "--cwd", str(cwd), "--no-qr",
        "/bin/bash", "--norc", "--noprofile",
    ]
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=log_file,
            env=env, cwd=str(src), start_new_session=True,
        )
    pattern = re.compile(r"Local:\s+http://localhost:(\d+)")
    deadline = now() + SERVER_START_TIMEOUT
    while now() < deadline:
        match = pattern.search(log_path.read_text(errors="replace"))
        if match:
            server = Server(
                url=f"http://127.0.0.1:{match.group(1)}", password=password, pid=proc.pid,
                workdir=workdir, proc=proc, log_path=log_path,
            )
            await wait_http_ready(server)
            return server
        if proc.returncode is not None:
            break
        await asyncio.sleep(0.05)
    await stop_process(proc)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise BenchError(f"the server did not start; its output:\n{tail}")


async def wait_http_ready(server: Server) -> None:
    deadline = now() + 10.0
    async with aiohttp.ClientSession(headers=auth_headers(server)) as http:
        while now() < deadline:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(
                    server.url + "/api/sessions", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise BenchError("the server never answered GET /api/sessions")


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM our own child by its PID, then SIGKILL it if it lingers."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), SERVER_STOP_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), SERVER_STOP_TIMEOUT)


def auth_headers(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.password}"}


#: The server allows 120 API requests a minute per address; stay under it on our side.
API_BUDGET = 110
API_WINDOW = 60.0


class Api:
    """The REST calls the harness needs, with the Bearer password.

    The server rate-limits /api/* (120 a minute per address), so calls are budgeted here:
    `reserve(n)` waits, outside any timed interval, until n more calls fit in the window.
    """

    def __init__(self, server: Server, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.timeout = aiohttp.ClientTimeout(total=10)
        self.calls: list[float] = []
        self.waited = 0.0

    async def reserve(self, n: int) -> None:
        while True:
            t = now()
            self.calls = [c for c in self.calls if c > t - API_WINDOW]
            if len(self.calls) + n <= API_BUDGET:
                return
            pause = self.calls[len(self.calls) + n - API_BUDGET - 1] + API_WINDOW - t + 0.05
            self.waited += pause
            print(f"    (API budget: waiting {pause:.1f} s)", file=sys.stderr, flush=True)
            await asyncio.sleep(pause)

    async def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        for _ in range(3):  # bounded: a 429 (someone else's traffic) waits once or twice
            await self.reserve(1)
            self.calls.append(now())
            async with self.http.request(
                method, self.server.url + path, headers=auth_headers(self.server),
                timeout=self.timeout, **kwargs,
            ) as resp:
                if resp.status == 429:
                    pause = min(61.0, float(resp.headers.get("Retry-After", "5")))
                    self.waited += pause
                    await asyncio.sleep(pause)
                    continue
                body = await resp.json() if resp.content_type == "application/json" else None
                return resp.status, body
        raise BenchError(f"{method} {path}: still rate-limited")

    async def create(self, **body: Any) -> str:
        payload = {"cols": COLS, "rows": ROWS, **body}
        status, data = await self._call("POST", "/api/sessions", json=payload)
        if status != 201 or not isinstance(data, dict):
            raise BenchError(f"POST /api/sessions: HTTP {status} {data}")
        return str(data["id"])

    async def delete(self, session_id: str) -> None:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, BenchError):
            await self._call("DELETE", f"/api/sessions/{session_id}")


# ---------------------------------------------------------------------------------------------
# one viewer: a WebSocket attached to one session, JSON or binary


@dataclass
class PumpResult:
    found: bool = False
    fill: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class Viewer:
    ws: aiohttp.ClientWebSocketResponse
    binary: bool
    next_seq: int | None = None
    replays: int = 0
    gaps: int = 0
    frames: int = 0
    replay_data: list[str] = field(default_factory=list)

    @classmethod
    async def connect(cls, server: Server, http: aiohttp.ClientSession, binary: bool) -> Viewer:
        ws = await http.ws_connect(
            server.ws_url, timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
            max_msg_size=8 * 1024 * 1024, autoping=True, heartbeat=None,
        )
        viewer = cls(ws=ws, binary=binary)
        await viewer.send({"type": "auth", "password": server.password})
        msg = await viewer.receive_json(WS_CONNECT_TIMEOUT)
        if msg.get("type") != "auth_ok":
            await ws.close()
            raise BenchError(f"auth failed: {msg}")
        return viewer

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message, separators=(",", ":")))

    async def receive_json(self, timeout: float) -> dict[str, Any]:
        deadline = now() + timeout
        while True:
            msg = await self._receive(deadline)
            if msg.type == aiohttp.WSMsgType.TEXT:
                parsed: dict[str, Any] = json.loads(msg.data)
                return parsed

    async def _receive(self, deadline: float) -> aiohttp.WSMessage:
        remaining = deadline - now()
        if remaining <= 0:
            raise BenchError("timeout waiting for the server")
        try:
            msg = await self.ws.receive(timeout=remaining)
        except TimeoutError as exc:
            raise BenchError("timeout waiting for the server") from exc
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
            raise BenchError(f"socket closed: {msg.type.name} {msg.data!r}")
        return msg

    async def attach(self, session_id: str, *, resize: bool = True,
                     since: int | None = None) -> dict[str, Any]:
        """attach, wait for `attached` (keeping any replay), then resize (see protocol.md)."""
        message: dict[str, Any] = {"type": "attach", "sessionId": session_id}
        if self.binary:
            message["binary"] = True
            if since is not None:
                message["since"] = since
        await self.send(message)
        deadline = now() + ATTACH_TIMEOUT
        while True:
            msg = await self._receive(deadline)
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            parsed = json.loads(msg.data)
            kind = parsed.get("type")
            if kind == "replay":
                self._on_replay(parsed)
            elif kind == "attached":
                if self.binary and "seq" in parsed:
                    self.next_seq = int(parsed["seq"])
                if resize:
                    await self.resize()
                return dict(parsed)
            elif kind == "error":
                raise BenchError(f"attach: {parsed}")

    async def resize(self, cols: int = COLS, rows: int = ROWS) -> None:
        await self.send({"type": "resize", "cols": cols, "rows": rows})

    async def type(self, text: str) -> None:
        await self.send({"type": "input", "data": text})

    def _on_replay(self, parsed: dict[str, Any]) -> None:
        self.replays += 1
        self.replay_data.append(str(parsed.get("data", "")))
        if self.binary and "seq" in parsed:
            self.next_seq = int(parsed["seq"])

    async def next_output(self, deadline: float) -> str | bytes:
        """The next output chunk (str for JSON, bytes for binary); replays come back as str."""
        while True:
            msg = await self._receive(deadline)
            if msg.type == aiohttp.WSMsgType.BINARY:
                return await self._on_frame(msg.data)
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            parsed = json.loads(msg.data)
            kind = parsed.get("type")
            if kind == "output":
                return str(parsed["data"])
            if kind == "replay":
                self._on_replay(parsed)
                return str(parsed.get("data", ""))
            if kind == "exit":
                raise BenchError(f"the session exited: {parsed}")

    async def _on_frame(self, data: bytes) -> bytes:
        if len(data) < 9 or data[0] != 1:
            return b""
        seq = int.from_bytes(data[1:9], "big")
        payload = data[9:]
        if self.next_seq is not None and seq != self.next_seq:
            self.gaps += 1
        self.next_seq = seq + len(payload)
        self.frames += 1
        await self.send({"type": "ack", "seq": self.next_seq})  # "rendered" at once
        return payload

    async def wait_for(self, needle: str, timeout: float) -> float:
        """Seconds until `needle` shows up in the output (or a replay)."""
        start = now()
        deadline = start + timeout
        scanner = SentinelScanner(needle)
        while True:
            chunk = await self.next_output(deadline)
            hit = scanner.feed_bytes(chunk) if isinstance(chunk, bytes) else (
                scanner.feed_text(chunk)
            )
            if hit:
                return now() - start

    async def drain(self, quiet: float = 0.15, limit: float = 3.0) -> None:
        """Read until the session has been silent for `quiet` seconds (at most `limit`)."""
        end = now() + limit
        while now() < end:
            try:
                await self.next_output(min(end, now() + quiet))
            except BenchError as exc:
                if "timeout" in str(exc):
                    return
                raise

    async def pump(self, scanner: SentinelScanner, deadline: float,
                   stop_fill: int | None = None, result: PumpResult | None = None) -> PumpResult:
        """Consume output counting fill bytes until the sentinel (or `stop_fill` bytes)."""
        res = result or PumpResult()
        start = now()
        while True:
            msg = await self._receive(deadline)
            if msg.type == aiohttp.WSMsgType.BINARY:
                payload = await self._on_frame(msg.data)
                res.bytes += len(payload)
                res.fill += payload.count(FILL_B)
                if scanner.feed_bytes(payload):
                    res.found = True
                    break
            elif msg.type == aiohttp.WSMsgType.TEXT:
                parsed = json.loads(msg.data)
                kind = parsed.get("type")
                if kind == "output":
                    text = parsed["data"]
                    res.bytes += len(text)
                    res.fill += text.count(FILL)
                    if scanner.feed_text(text):
                        res.found = True
                        break
                elif kind == "replay":
                    self._on_replay(parsed)
                    scanner.reset()
                    if scanner.feed_text(str(parsed.get("data", ""))):
                        res.found = True
                        break
                elif kind == "exit":
                    raise BenchError(f"the session exited: {parsed}")
            if stop_fill is not None and res.fill >= stop_fill:
                break
        res.seconds += now() - start
        return res

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 3.0)


async def open_session(server: Server, api: Api, http: aiohttp.ClientSession, binary: bool,
                       ) -> tuple[str, Viewer]:
    """A fresh session with one attached viewer that has seen the first prompt."""
    session_id = await api.create()
    viewer = await Viewer.connect(server, http, binary)
    await viewer.attach(session_id)
    if not any(PROMPT in r for r in viewer.replay_data):
        await viewer.wait_for(PROMPT, PROMPT_TIMEOUT)
    await viewer.drain()
    viewer.replays, viewer.replay_data = 0, []
    return session_id, viewer


# ---------------------------------------------------------------------------------------------
# scenarios


@dataclass
class Context:
    server: Server
    http: aiohttp.ClientSession
    api: Api
    args: argparse.Namespace

    @property
    def pid(self) -> int | None:
        return self.server.pid


async def echo_round_trips(viewer: Viewer, count: int, key: str = "x") -> list[float]:
    """Type one key, wait for its echo, erase it again; milliseconds per key."""
    samples: list[float] = []
    for _ in range(count):
        t0 = now()
        await viewer.type(key)
        await viewer.wait_for(key, 5.0)
        samples.append((now() - t0) * 1000)
        await viewer.type("\x7f")
        await viewer.wait_for("\x08", 5.0)
        await asyncio.sleep(ECHO_GAP)
    return samples


async def start_echo_target(viewer: Viewer, target: str) -> None:
    """Type into `cat` (the line discipline echoes) or into the shell (readline echoes)."""
    if target == "cat":
        await viewer.type("exec cat\r")
        await viewer.drain(quiet=0.3, limit=3.0)


async def scenario_echo(ctx: Context, binary: bool) -> dict[str, Any]:
    session_id, viewer = await open_session(ctx.server, ctx.api, ctx.http, binary)
    try:
        await start_echo_target(viewer, ctx.args.echo_target)
        for _ in range(10):  # warm up
            await echo_round_trips(viewer, 1)
        samples = await echo_round_trips(viewer, ctx.args.echo_count)
    finally:
        await viewer.close()
        await ctx.api.delete(session_id)
    return {
        "samples": len(samples),
        "p50_ms": rnd(percentile(samples, 50)),
        "p95_ms": rnd(percentile(samples, 95)),
        "p99_ms": rnd(percentile(samples, 99)),
        "max_ms": rnd(max(samples)),
    }


async def scenario_create(ctx: Context, binary: bool) -> dict[str, Any]:
    """POST /api/sessions, open a WebSocket and authenticate, attach, wait for `$ `."""
    samples: list[float] = []
    parts: dict[str, list[float]] = {"rest": [], "connect": [], "prompt": []}
    for _ in range(ctx.args.create_count):
        await ctx.api.reserve(2)  # the create and the delete: never wait inside the timing
        t0 = now()
        session_id = await ctx.api.create()
        t1 = now()
        viewer = await Viewer.connect(ctx.server, ctx.http, binary)
        t2 = now()
        try:
            await viewer.attach(session_id)
            if not any(PROMPT in r for r in viewer.replay_data):
                await viewer.wait_for(PROMPT, PROMPT_TIMEOUT)
            t3 = now()
            samples.append((t3 - t0) * 1000)
            for key, value in (("rest", t1 - t0), ("connect", t2 - t1), ("prompt", t3 - t2)):
                parts[key].append(value * 1000)
        finally:
            await viewer.close()
            await ctx.api.delete(session_id)
        await asyncio.sleep(0.05)
    return {
        "samples": len(samples),
        "p50_ms": rnd(percentile(samples, 50)),
        "p95_ms": rnd(percentile(samples, 95)),
        "max_ms": rnd(max(samples)),
        # where the time goes (medians): REST create, WebSocket + auth, attach to prompt
        **{f"{key}_p50_ms": rnd(percentile(values, 50)) for key, values in parts.items()},
    }


def burst_timeout(nbytes: int) -> float:
    return max(60.0, nbytes / MB * 2.0)


async def scenario_throughput(ctx: Context, binary: bool) -> dict[str, Any]:
    nbytes = ctx.args.burst_mb * MB
    session_id, viewer = await open_session(ctx.server, ctx.api, ctx.http, binary)
    try:
        command, sentinel = burst_command(nbytes)
        cpu0 = proc_cpu_seconds(ctx.pid) if ctx.pid else None
        own0 = own_cpu_seconds()
        t0 = now()
        await viewer.type(command + "\r")
        res = await viewer.pump(SentinelScanner(sentinel), t0 + burst_timeout(nbytes))
        elapsed = now() - t0
        cpu = proc_cpu_seconds(ctx.pid) - cpu0 if ctx.pid and cpu0 is not None else None
        client_cpu = own_cpu_seconds() - own0
    finally:
        await viewer.close()
        await ctx.api.delete(session_id)
    return {
        "mbps": rnd(nbytes / MB / elapsed),
        "seconds": rnd(elapsed),
        "fill_bytes": res.fill,
        "complete": res.fill == nbytes,
        "replays": viewer.replays,
        "gaps": viewer.gaps,
        "frames": viewer.frames,
        "cpu_s": rnd(cpu),
        "cpu_s_per_50mb": rnd(cpu * 50 * MB / nbytes) if cpu is not None else None,
        "client_cpu_s": rnd(client_cpu),
    }


async def scenario_fanout(ctx: Context, binary: bool) -> dict[str, Any]:
    nbytes = ctx.args.burst_mb * MB
    session_id, first = await open_session(ctx.server, ctx.api, ctx.http, binary)
    viewers = [first]
    try:
        for _ in range(ctx.args.viewers - 1):
            viewer = await Viewer.connect(ctx.server, ctx.http, binary)
            await viewer.attach(session_id)
            viewers.append(viewer)
        for viewer in viewers:
            await viewer.drain(quiet=0.1, limit=1.0)
            viewer.replays = 0
        command, sentinel = burst_command(nbytes)
        cpu0 = proc_cpu_seconds(ctx.pid) if ctx.pid else None
        own0 = own_cpu_seconds()
        t0 = now()
        deadline = t0 + burst_timeout(nbytes) * 2

        async def run(viewer: Viewer) -> tuple[float, PumpResult]:
            res = await viewer.pump(SentinelScanner(sentinel), deadline)
            return now() - t0, res

        tasks = [asyncio.ensure_future(run(v)) for v in viewers]
        await first.type(command + "\r")
        outcomes = await asyncio.gather(*tasks)
        cpu = proc_cpu_seconds(ctx.pid) - cpu0 if ctx.pid and cpu0 is not None else None
        client_cpu = own_cpu_seconds() - own0
    finally:
        for viewer in viewers:
            await viewer.close()
        await ctx.api.delete(session_id)
    times = [t for t, _ in outcomes]
    return {
        "viewers": len(viewers),
        "slowest_mbps": rnd(nbytes / MB / max(times)),
        "fastest_mbps": rnd(nbytes / MB / min(times)),
        "slowest_seconds": rnd(max(times)),
        "complete_viewers": sum(1 for _, r in outcomes if r.fill == nbytes),
        "resynced_viewers": sum(1 for v in viewers if v.replays),
        "gaps": sum(v.gaps for v in viewers),
        "cpu_s": rnd(cpu),
        "client_cpu_s": rnd(client_cpu),
    }


async def scenario_slowreader(ctx: Context, binary: bool) -> dict[str, Any]:
    """Two viewers; one stops reading (and acking) for `stall` seconds early in a burst."""
    if not ctx.pid:
        raise BenchError("slowreader needs the server PID (--pid)")
    pid = ctx.pid
    nbytes = ctx.args.burst_mb * MB
    stall = ctx.args.stall
    session_id, reader = await open_session(ctx.server, ctx.api, ctx.http, binary)
    staller = await Viewer.connect(ctx.server, ctx.http, binary)
    samples: list[tuple[float, float]] = []
    sampling = asyncio.Event()
    try:
        await staller.attach(session_id)
        await staller.drain(quiet=0.1, limit=1.0)
        await reader.drain(quiet=0.1, limit=1.0)
        staller.replays = reader.replays = 0
        await asyncio.sleep(0.3)
        base = rss_mb(pid)
        command, sentinel = burst_command(nbytes)
        t0 = now()
        deadline = t0 + burst_timeout(nbytes) + stall + 30

        async def sample() -> None:
            while not sampling.is_set() and now() < deadline:
                samples.append((now() - t0, rss_mb(pid)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sampling.wait(), 0.25)

        sampler = asyncio.ensure_future(sample())
        reader_task = asyncio.ensure_future(reader.pump(SentinelScanner(sentinel), deadline))
        await reader.type(command + "\r")
        scanner = SentinelScanner(sentinel)
        progress = await staller.pump(scanner, deadline, stop_fill=ctx.args.stall_after_mb * MB)
        stalled_at = now() - t0
        await asyncio.sleep(stall)  # neither read nor ack: the socket and the kernel fill up
        resumed_at = now() - t0
        during = [rss for t, rss in samples if t <= resumed_at]
        replays_before = staller.replays
        recovered = await staller.pump(scanner, deadline, result=progress)
        staller_done = now() - t0
        reader_res = await reader_task
        reader_done = t0 + reader_res.seconds
        sampling.set()
        await sampler
    finally:
        sampling.set()
        await staller.close()
        await reader.close()
        await ctx.api.delete(session_id)
    peak = max(rss for _, rss in samples) if samples else base
    return {
        "rss_base_mb": rnd(base, 1),
        "rss_growth_mb": rnd((max(during) if during else base) - base, 2),
        "rss_growth_total_mb": rnd(peak - base, 2),
        "samples": len(samples),
        "stalled_at_s": rnd(stalled_at, 2),
        "stall_s": stall,
        "reader_mbps": rnd(nbytes / MB / (reader_done - t0)),
        "reader_complete": reader_res.fill == nbytes,
        "reader_finished_during_stall": reader_done - t0 <= resumed_at,
        "replay_after_stall": staller.replays > replays_before,
        "staller_sentinel": recovered.found,
        "staller_gaps": staller.gaps,
        "staller_done_s": rnd(staller_done, 2),
        "recovered": recovered.found and staller.replays > replays_before and staller.gaps == 0,
    }


async def scenario_paste(ctx: Context, binary: bool) -> dict[str, Any]:
    """1 MB of lines into `cat > file` in one session while typing in another."""
    size = ctx.args.paste_kb * 1000
    if not ctx.args.url and not ctx.server.proc:
        raise BenchError("paste needs a server URL")
    lines: list[str] = []
    total = 0
    n = 0
    while total < size:
        line = f"paste line {n:07d} " + "abcdefghijklmnopqrstuvwxyz0123456789" * 2
        line = line[: max(1, min(len(line), size - total - 1))]
        lines.append(line)
        total += len(line) + 1
        n += 1
    expected = "".join(line + "\n" for line in lines).encode()
    typed = "".join(line + "\r" for line in lines)  # what a terminal sends for Enter
    target = Path(tempfile.mkdtemp(prefix="tb-paste-", dir=ctx.server.workdir)) / "paste.txt"
    paste_id, paster = await open_session(ctx.server, ctx.api, ctx.http, binary)
    echo_id, typist = await open_session(ctx.server, ctx.api, ctx.http, binary)
    await typist.close()
    stop_file = target.with_suffix(".stop")
    # The typist runs in its own process: in this one, reading the 1 MB echo of the paste
    # would delay it and blame the server for the harness's own CPU time.
    probe = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()),
        "--probe-echo", echo_id, "--url", ctx.server.url, "--proto",
        "binary" if binary else "json", "--probe-stop", str(stop_file),
        "--echo-target", ctx.args.echo_target,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, PROBE_PASSWORD_ENV: ctx.server.password},
    )
    try:
        assert probe.stdout is not None
        ready = await asyncio.wait_for(probe.stdout.readline(), 30.0)
        if ready.strip() != b"ready":
            raise BenchError(f"echo probe did not start: {ready!r}")
        await paster.type(f"cat > {target}\r")
        await paster.drain(quiet=0.3, limit=3.0)
        echo_cmd, sentinel = make_sentinel()
        scanner = SentinelScanner(sentinel)
        t0 = now()
        deadline = t0 + 120.0
        drain_task = asyncio.ensure_future(paster.pump(scanner, deadline))
        chunk = ctx.args.paste_chunk or len(typed)
        for i in range(0, len(typed), chunk):
            await paster.type(typed[i : i + chunk])
        await paster.type("\x04")
        await paster.type(echo_cmd + "\r")
        res = await drain_task
        paste_s = now() - t0
        stop_file.touch()
        out, _ = await asyncio.wait_for(probe.communicate(), 30.0)
        probe_samples = json.loads(out)
    finally:
        stop_file.touch()
        if probe.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                probe.kill()
            await probe.wait()
        await paster.close()
        await ctx.api.delete(paste_id)
        await ctx.api.delete(echo_id)
    # samples are (perf_counter at the keystroke, ms): CLOCK_MONOTONIC, shared by processes
    latencies = [ms for t, ms in probe_samples["samples"] if t0 <= t <= t0 + paste_s]
    data = target.read_bytes() if target.exists() else b""
    return {
        "paste_bytes": len(expected),
        "chunk_bytes": chunk,
        "paste_s": rnd(paste_s),
        "file_bytes": len(data),
        "byte_exact": hashlib.sha256(data).digest() == hashlib.sha256(expected).digest(),
        "sentinel": res.found,
        "echo_samples": len(latencies),
        "echo_p50_ms": rnd(percentile(latencies, 50)),
        "echo_p99_ms": rnd(percentile(latencies, 99)),
        "echo_max_ms": rnd(max(latencies)) if latencies else None,
    }


async def scenario_idle(ctx: Context) -> dict[str, Any]:
    if not ctx.pid:
        raise BenchError("idle needs the server PID (--pid)")
    ids: list[str] = []
    try:
        await ctx.api.reserve(2 * ctx.args.idle_sessions)
        for _ in range(ctx.args.idle_sessions):
            session_id, viewer = await open_session(ctx.server, ctx.api, ctx.http, False)
            ids.append(session_id)
            await viewer.close()
        await asyncio.sleep(1.0)
        cpu0, t0 = proc_cpu_seconds(ctx.pid), now()
        await asyncio.sleep(ctx.args.idle_seconds)
        cpu, elapsed = proc_cpu_seconds(ctx.pid) - cpu0, now() - t0
    finally:
        for session_id in ids:
            await ctx.api.delete(session_id)
    return {
        "sessions": len(ids),
        "seconds": rnd(elapsed, 2),
        "cpu_s": rnd(cpu),
        "cpu_pct": rnd(100 * cpu / elapsed, 2),
    }


PROBE_PASSWORD_ENV = "TERMBEAM_BENCH_PASSWORD"  # noqa: S105 (a variable name)
PROBE_MAX_SECONDS = 120.0
PROBE_MAX_SAMPLES = 20_000


async def probe_echo(args: argparse.Namespace) -> int:
    """The typist of the paste scenario, in its own process (see scenario_paste).

    Attaches to an existing session, prints `ready`, types round trips until the stop file
    exists, then prints {"samples": [[perf_counter, ms], ...]}.
    """
    server = Server(url=args.url.rstrip("/"), password=os.environ[PROBE_PASSWORD_ENV],
                    pid=None, workdir=Path(tempfile.gettempdir()))
    stop = Path(args.probe_stop)
    samples: list[tuple[float, float]] = []
    async with aiohttp.ClientSession() as http:
        viewer = await Viewer.connect(server, http, args.proto == "binary")
        try:
            await viewer.attach(args.probe_echo)
            await viewer.drain(quiet=0.15, limit=2.0)
            await start_echo_target(viewer, args.echo_target)
            await echo_round_trips(viewer, 10)
            print("ready", flush=True)
            deadline = now() + PROBE_MAX_SECONDS
            while not stop.exists() and now() < deadline and len(samples) < PROBE_MAX_SAMPLES:
                t0 = now()
                samples.append((t0, (await echo_round_trips(viewer, 1))[0]))
        finally:
            await viewer.close()
    print(json.dumps({"samples": samples}), flush=True)
    return 0


def memory_sample(ctx: Context, label: str) -> dict[str, Any]:
    if not ctx.pid:
        raise BenchError("memory needs the server PID (--pid)")
    return {
        f"rss_{label}_mb": rnd(rss_mb(ctx.pid), 1),
        f"hwm_{label}_mb": rnd(proc_status_kb(ctx.pid, "VmHWM") / 1024, 1),
    }


# ---------------------------------------------------------------------------------------------
# one repetition and the whole run


class Recorder:
    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: dict[str, Any]) -> None:
        record = {"run": self.run_id, **record}
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def protos(args: argparse.Namespace) -> list[str]:
    return ["json", "binary"] if args.proto == "both" else [args.proto]


async def run_step(rec: Recorder, rep: int, scenario: str, proto: str | None,
                   step: Callable[[], Awaitable[dict[str, Any]]], timeout: float) -> None:
    label = f"{scenario}{'/' + proto if proto else ''}"
    t0 = now()
    record: dict[str, Any] = {"type": "result", "rep": rep, "scenario": scenario, "proto": proto}
    try:
        record["metrics"] = await asyncio.wait_for(step(), timeout)
        record["ok"] = True
    except (BenchError, TimeoutError, aiohttp.ClientError, OSError) as exc:
        record["ok"] = False
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["wall_s"] = round(now() - t0, 2)
    rec.write(record)
    shown = record.get("metrics") if record["ok"] else record["error"]
    print(f"  rep {rep} {label:<18} {shown}", file=sys.stderr, flush=True)


async def run_rep(args: argparse.Namespace, rec: Recorder, rep: int, workroot: Path) -> None:
    selected = args.scenarios
    nbytes = args.burst_mb * MB
    if "ceiling" in selected:
        await run_step(rec, rep, "ceiling", None,
                       lambda: asyncio.to_thread(ceiling, nbytes, args.echo_count,
                                                 args.echo_target),
                       burst_timeout(nbytes) + 60)
    if not set(selected) - {"ceiling"}:
        return
    workdir = Path(tempfile.mkdtemp(prefix=f"rep{rep}-", dir=workroot))
    if args.url:
        server = Server(url=args.url.rstrip("/"), password=args.password, pid=args.pid,
                        workdir=workdir)
    else:
        server = await start_server(args.python, workdir, Path(args.server_src).resolve())
    print(f"  rep {rep} server {server.url} pid {server.pid}", file=sys.stderr, flush=True)
    try:
        async with aiohttp.ClientSession() as http:
            ctx = Context(server=server, http=http, api=Api(server, http), args=args)
            memory: dict[str, Any] = {}
            if "memory" in selected and server.pid:
                await asyncio.sleep(1.0)
                memory.update(memory_sample(ctx, "idle"))
            scenario_fns: dict[str, Callable[[Context, bool], Awaitable[dict[str, Any]]]] = {
                "echo": scenario_echo,
                "create": scenario_create,
                "throughput": scenario_throughput,
                "fanout": scenario_fanout,
            }
            long_wait = burst_timeout(nbytes) * 3 + 60
            for name in ("echo", "create", "throughput", "fanout"):
                if name not in selected:
                    continue
                fn = scenario_fns[name]
                for proto in protos(args):
                    await run_step(rec, rep, name, proto,
                                   functools.partial(fn, ctx, proto == "binary"), long_wait)
            if "memory" in selected and server.pid:
                await asyncio.sleep(1.0)
                memory.update(memory_sample(ctx, "after_bursts"))

                async def report_memory() -> dict[str, Any]:
                    return memory

                await run_step(rec, rep, "memory", None, report_memory, 5)
            later: dict[str, Callable[[Context, bool], Awaitable[dict[str, Any]]]] = {
                "slowreader": scenario_slowreader,
                "paste": scenario_paste,
            }
            for name, fn in later.items():
                if name not in selected:
                    continue
                for proto in protos(args):
                    await run_step(rec, rep, name, proto,
                                   functools.partial(fn, ctx, proto == "binary"), long_wait)
            if "idle" in selected:
                await run_step(rec, rep, "idle", None, lambda: scenario_idle(ctx),
                               args.idle_seconds + 120)
    finally:
        if server.proc is not None:
            await stop_process(server.proc)


async def run_all(args: argparse.Namespace) -> str:
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    rec = Recorder(Path(args.out), run_id)
    rec.write({
        "type": "run",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_describe(),
        "config": {
            "scenarios": args.scenarios, "proto": args.proto, "reps": args.reps,
            "burst_mb": args.burst_mb, "viewers": args.viewers, "stall": args.stall,
            "paste_kb": args.paste_kb, "paste_chunk": args.paste_chunk,
            "echo_target": args.echo_target,
            "target": args.url or "spawned", "server_src": args.server_src,
        },
    })
    workroot = Path(tempfile.mkdtemp(prefix="termbeam-bench-"))
    try:
        for rep in range(1, args.reps + 1):
            await run_rep(args, rec, rep, workroot)
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    return run_id


def git_describe() -> str | None:
    head = REPO / ".git" / "HEAD"
    with contextlib.suppress(OSError):
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (REPO / ".git" / ref[5:]).read_text().strip()[:12]
        return ref[:12]
    return None


# ---------------------------------------------------------------------------------------------
# summary table


@dataclass(frozen=True)
class Row:
    label: str
    scenario: str
    metric: str
    target: str = ""
    check: Callable[[float], bool] | None = None
    per_proto: bool = True
    share: bool = False  # metric / same-rep ceiling
    digits: int = 2
    extra: str | None = None  # a second metric shown after a slash


ROWS_SPEC: tuple[Row, ...] = (
    Row("no-server PTY ceiling, MB/s", "ceiling", "mbps", per_proto=False, digits=1),
    Row("no-server echo p50 / p99, ms (floor)", "ceiling", "echo_p50_ms", per_proto=False,
        extra="echo_p99_ms"),
    Row("throughput 50 MB, 1 viewer, MB/s", "throughput", "mbps", digits=1),
    Row("  share of ceiling", "throughput", "mbps", "≥ 0.80", lambda v: v >= 0.80, share=True),
    Row("fan-out 10 viewers, slowest, MB/s", "fanout", "slowest_mbps", digits=1),
    Row("  share of ceiling", "fanout", "slowest_mbps", "≥ 0.45", lambda v: v >= 0.45,
        share=True),
    Row("server CPU per 50 MB, s", "throughput", "cpu_s_per_50mb", "≤ 1.0", lambda v: v <= 1.0),
    Row("echo p50, ms", "echo", "p50_ms", "≤ 0.5", lambda v: v <= 0.5),
    Row("echo p95, ms", "echo", "p95_ms"),
    Row("echo p99, ms", "echo", "p99_ms", "≤ 2.0", lambda v: v <= 2.0),
    Row("create+attach+prompt p50, ms", "create", "p50_ms", "≤ 8", lambda v: v <= 8.0,
        digits=1),
    Row("create+attach+prompt p95, ms", "create", "p95_ms", digits=1),
    Row("RSS idle, MB", "memory", "rss_idle_mb", "≤ 45", lambda v: v <= 45, per_proto=False,
        digits=1),
    Row("RSS after bursts, MB", "memory", "rss_after_bursts_mb", "≤ 55", lambda v: v <= 55,
        per_proto=False, digits=1),
    Row("RSS growth, 1 viewer stalled 10 s, MB", "slowreader", "rss_growth_mb", "≤ +4",
        lambda v: v <= 4.0),
    Row("  stalled viewer recovered by replay", "slowreader", "recovered", "yes",
        lambda v: v >= 1.0),
    Row("  other viewer's MB/s during stall", "slowreader", "reader_mbps", digits=1),
    Row("CPU, 20 idle sessions, % of a core", "idle", "cpu_pct", "≤ 1", lambda v: v <= 1.0,
        per_proto=False),
    Row("paste 1 MB into cat, s", "paste", "paste_s"),
    Row("  byte-exact", "paste", "byte_exact", "yes", lambda v: v >= 1.0),
    Row("  echo p50 during paste, ms", "paste", "echo_p50_ms"),
    Row("  echo p99 during paste, ms", "paste", "echo_p99_ms", "≤ 2.0", lambda v: v <= 2.0),
)


def load_records(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and results of the last run in `path`."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    runs = [r for r in records if r.get("type") == "run"]
    if not runs:
        raise SystemExit(f"{path}: no run recorded")
    header = runs[-1]
    return header, [r for r in records
                    if r.get("type") == "result" and r.get("run") == header["run"]]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def row_values(row: Row, results: list[dict[str, Any]], proto: str | None) -> list[float]:
    ceilings = {r["rep"]: r["metrics"]["mbps"] for r in results
                if r["scenario"] == "ceiling" and r.get("ok")}
    values: list[float] = []
    for r in results:
        if r["scenario"] != row.scenario or not r.get("ok"):
            continue
        if row.per_proto and r.get("proto") != proto:
            continue
        value = _as_number(r["metrics"].get(row.metric))
        if value is None:
            continue
        if row.share:
            ceiling = ceilings.get(r["rep"])
            if not ceiling:
                continue
            value /= ceiling
        values.append(value)
    return values


def fmt(row: Row, value: float | None, bool_metric: bool) -> str:
    if value is None:
        return "—"
    if bool_metric:
        return "yes" if value >= 1.0 else "no"
    if row.share:
        return f"{value:.2f}"
    return f"{value:.{row.digits}f}"


def summarize(path: Path) -> str:
    header, results = load_records(path)
    present = {r.get("proto") for r in results if r.get("proto")}
    modes = [m for m in ("json", "binary") if m in present] or ["json"]
    bool_metrics = {"recovered", "byte_exact"}
    machine = header.get("machine", {})
    cfg = header.get("config", {})
    lines = [
        f"Run {header['run']} — {header.get('date', '?')}, git {header.get('git') or '?'}, "
        f"{machine.get('cpus', '?')} CPU {machine.get('cpu_model', '')}, "
        f"Python {machine.get('python', '?')}; median of {cfg.get('reps', '?')} reps, "
        f"burst {cfg.get('burst_mb', '?')} MB",
        "",
        "| metric | target | " + " | ".join(modes) + " | pass |",
        "|---|---|" + "---|" * len(modes) + "---|",
    ]
    for row in ROWS_SPEC:
        cells: list[str] = []
        verdicts: list[str] = []
        for mode in modes:
            values = row_values(row, results, mode if row.per_proto else None)
            is_bool = row.metric in bool_metrics
            # a boolean holds only if it held in every repetition
            value = (min(values) if values else None) if is_bool else median(values)
            cell = fmt(row, value, is_bool)
            if row.extra is not None:
                second = Row(row.label, row.scenario, row.extra, per_proto=row.per_proto,
                             digits=row.digits)
                more = row_values(second, results, mode if row.per_proto else None)
                cell += " / " + fmt(second, median(more), False)
            cells.append(cell)
            if row.check is not None and value is not None:
                verdicts.append("pass" if row.check(value) else f"FAIL ({mode})")
            if not row.per_proto:
                cells.extend(["″"] * (len(modes) - 1))
                break
        if row.check is None:
            verdict = ""
        elif not verdicts:
            verdict = "n/a"
        elif all(v == "pass" for v in verdicts):
            verdict = "pass"
        else:
            verdict = ", ".join(v for v in verdicts if v != "pass")
        lines.append(f"| {row.label} | {row.target} | " + " | ".join(cells) + f" | {verdict} |")
    failures = [r for r in results if not r.get("ok")]
    if failures:
        lines.append("")
        lines.append("Errors:")
        lines.extend(
            f"- rep {r['rep']} {r['scenario']}/{r.get('proto') or '-'}: {r.get('error')}"
            for r in failures
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark termbeam_py over loopback (see benchmarks/README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated subset of: " + ", ".join(SCENARIOS))
    parser.add_argument("--proto", choices=("both", "json", "binary"), default="both",
                        help="output protocol: documented JSON, the binary extension, or both")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians reported)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON lines file (appended)")
    parser.add_argument("--summarize", metavar="FILE",
                        help="print the table of the last run in FILE and exit")
    parser.add_argument("--url", help="attach to a running server (http://127.0.0.1:PORT)")
    parser.add_argument("--password", help="its password (with --url)")
    parser.add_argument("--pid", type=int, help="its PID, for memory and CPU (with --url)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the server")
    parser.add_argument("--server-src", default=str(REPO),
                        help="directory holding the termbeam_py package to start (e.g. an "
                             "exported commit: git archive HEAD | tar -x -C DIR)")
    parser.add_argument("--burst-mb", type=int, default=50, help="burst size, MB")
    parser.add_argument("--viewers", type=int, default=10, help="fan-out viewers")
    parser.add_argument("--echo-count", type=int, default=200, help="echo round trips")
    parser.add_argument("--echo-target", choices=("cat", "shell"), default="cat",
                        help="type into `cat` (kernel echo) or the shell (readline echo)")
    parser.add_argument("--create-count", type=int, default=20, help="create samples")
    parser.add_argument("--stall", type=float, default=10.0, help="slow reader stall, s")
    parser.add_argument("--stall-after-mb", type=int, default=1,
                        help="the slow reader stops after this many MB of the burst")
    parser.add_argument("--idle-sessions", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--paste-kb", type=int, default=1000, help="paste size, kB")
    parser.add_argument("--probe-echo", metavar="SESSION", help=argparse.SUPPRESS)
    parser.add_argument("--probe-stop", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--paste-chunk", type=int, default=0,
                        help="characters per input message (0: the whole paste in one message, "
                             "as a browser sends it)")
    args = parser.parse_args(argv)
    if args.summarize or args.probe_echo:
        return args
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.scenarios = scenarios
    if args.url:
        if not args.password:
            parser.error("--url needs --password")
        if not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/?$", args.url):
            parser.error("--url must be a loopback http:// URL")
    if not 1 <= args.reps <= 20 or not 1 <= args.burst_mb <= 1000 or not 1 <= args.viewers <= 50:
        parser.error("--reps 1..20, --burst-mb 1..1000, --viewers 1..50")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.summarize:
        print(summarize(Path(args.summarize)))
        return 0
    if args.probe_echo:
        return asyncio.run(probe_echo(args))
    print(f"termbeam_py benchmark: {', '.join(args.scenarios)}; proto {args.proto}; "
          f"{args.reps} reps; results to {args.out}", file=sys.stderr, flush=True)
    asyncio.run(run_all(args))
    print(summarize(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
