#!/usr/bin/env python3
"""Soak test for termbeam_py: many sessions and viewers over loopback for a while, checking
that no output byte is lost, duplicated, reordered or garbled, that memory and file
descriptors stay flat and that no shell outlives its session or the server.

Run from the repository root:

    python benchmarks/soak.py --duration 600 --seed 13 --out /tmp/soak.json

The shells print deterministic lines (`@<burst>:<line>:<payload>`, a pure function of the
burst and line numbers, with multi-byte UTF-8 in every fifth line), so every viewer knows the
exact bytes it must receive and compares whole stretches of them. Binary viewers also check
every frame's sequence number against their position in the log. The summary is one JSON
object; the exit status is 1 when a pass criterion failed (see `failures`). Loopback only;
every wait is bounded. See benchmarks/README.md, "Soak".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by tests/test_soak.py, or run as a script
    sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (the harness's server start/stop and /proc helpers)

# ---------------------------------------------------------------------------------------------
# the deterministic output: awk in the shell, the same function here

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
WIDE = "é─😀".encode()  # 2-, 3- and 4-byte characters: a split one must survive decoding
WIDE_AWK = "".join(f"\\{byte:03o}" for byte in WIDE)  # typed as octal: the command stays ASCII
#: Writes of an odd size, as `cat` of a file makes: they end anywhere, often inside a
#: character, so the log's head (where a replay ends) does too.
WRITE_BLOCK = 4093
#: `g B N` prints burst B: N lines, then `@B:end`. One shell function per session.
DEFINE = (
    "g(){ awk -v b=\"$1\" -v n=\"$2\" 'BEGIN{a=\"" + ALPHABET.decode() + "\";a=a a a;"
    "for(i=0;i<n;i++){s=substr(a,(i*7+b)%64+1,20+(i*13+b)%60) \"" + WIDE_AWK + "\";"
    "if(i%5==0)s=s \"" + WIDE_AWK + "\";printf \"@%d:%d:%s\\n\",b,i,s};"
    f"printf \"@%d:end\\n\",b}}' | dd bs={WRITE_BLOCK} iflag=fullblock status=none; }}"
)
LINE_BYTES = 73  # the mean line length, for sizing bursts
MARKER = re.compile(rb"@(\d{1,9}):(\d{1,9}):")
MARKER_KEEP = 24  # bytes kept between chunks to find a marker split across them
PID_RE = re.compile(rb"PID=(\d+)=")
PID_COMMAND = "echo P''ID=$$="  # the echoed command line never matches PID_RE
#: A job left running, deaf to SIGHUP: deleting the session (or stopping the server) must
#: still end it, or it shows up among the orphans (it stays in the shell's session, SID).
JOB = "(trap '' HUP; exec sleep 86400) &"
WATCH_KEEP = 64
#: The first burst of every session: past the log's 1 MB cap, so every session's log is at
#: its steady size before anything is measured (outlog.MAX_BYTES).
FILL_LINES = 15_500


def burst_line(burst: int, i: int) -> bytes:
    """Line `i` of burst `burst` as the PTY delivers it (ONLCR: \\r\\n)."""
    offset = (i * 7 + burst) % 64
    payload = (ALPHABET * 3)[offset : offset + 20 + (i * 13 + burst) % 60] + WIDE
    if i % 5 == 0:
        payload += WIDE
    return b"@%d:%d:%s\r\n" % (burst, i, payload)


@dataclass(frozen=True)
class Burst:
    number: int
    lines: int
    data: bytes
    offsets: tuple[int, ...]
    """Where each line starts in `data`."""


@functools.lru_cache(maxsize=256)
def make_burst(number: int, lines: int) -> Burst:
    parts = [burst_line(number, i) for i in range(lines)]
    offsets, pos = [], 0
    for part in parts:
        offsets.append(pos)
        pos += len(part)
    data = b"".join(parts) + b"@%d:end\r\n" % number
    return Burst(number, lines, data, tuple(offsets))


# ---------------------------------------------------------------------------------------------
# counters


@dataclass
class Stats:
    sessions_created: int = 0
    sessions_deleted: int = 0
    floods: int = 0
    flood_bytes: int = 0
    reconnects: int = 0
    reattaches_same_socket: int = 0
    aborted_sockets: int = 0
    resumed: int = 0
    resume_misses: int = 0
    attach_replays: int = 0
    resyncs: int = 0
    pauses: int = 0
    resizes: int = 0
    bytes_received: int = 0
    bytes_checked: int = 0
    seq_bytes: int = 0
    bursts_verified: int = 0
    lost_bytes: int = 0
    lost_events: int = 0
    reordered: int = 0
    garbled: int = 0
    lost_bursts: int = 0
    driver_timeouts: int = 0
    attach_failures: int = 0
    connect_failures: int = 0
    unexpected_closes: int = 0
    unexpected_exits: int = 0
    unexpected_errors: int = 0
    setup_failures: int = 0
    quiesce_timeouts: int = 0
    delete_failures: int = 0
    orphans_after_delete: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def sample(self, kind: str, **detail: Any) -> None:
        if len(self.samples) < 40:
            self.samples.append({"kind": kind, "t": round(bench.now(), 2), **detail})


def _hex(data: bytes) -> str:
    return data[:48].hex(" ")


# ---------------------------------------------------------------------------------------------
# the content checker of one viewer


class Checker:
    """Compares what one viewer received, contiguously, with the bursts the shell printed.

    Between bursts (prompts, echoed commands) it looks for the next `@B:I:` marker; inside a
    burst it compares whole stretches with the expected bytes. After a reset (a replay, a
    sequence gap) it is unsynced: it picks up at the next line start and checks from there.
    Once it has followed a burst to its end it is synced, and the next burst must be the
    very next one the driver ran, from its first line.
    """

    def __init__(self, session: SessionState, stats: Stats, who: str) -> None:
        self.session = session
        self.stats = stats
        self.who = who
        self.burst: Burst | None = None
        self.pos = 0
        self.last_done: int | None = None
        """The burst last followed to its end since the last reset (then synced)."""
        self.tail = b""

    def reset(self) -> None:
        self.burst, self.pos, self.last_done, self.tail = None, 0, None, b""

    def feed(self, data: bytes) -> None:
        while data:
            if self.burst is not None:
                data = self._compare(self.burst, data)
                continue
            buf = self.tail + data
            match = MARKER.search(buf)
            if match is None:
                self.tail = buf[-MARKER_KEEP:]
                return
            data = self._enter(buf, match)

    def _enter(self, buf: bytes, match: re.Match[bytes]) -> bytes:
        """Start comparing at a marker; returns the bytes still to feed."""
        self.tail = b""
        number, line = int(match.group(1)), int(match.group(2))
        burst = self.session.lookup(number)
        if burst is None or line >= burst.lines:
            self.stats.garbled += 1
            self.stats.sample("garbled-marker", who=self.who, marker=match.group(0).decode())
            self.last_done = None
            return buf[match.start() + 1 :]
        if self.last_done is not None:
            expected = self.session.next_after(self.last_done)
            if (number, line) != (expected, 0):
                if number < expected:
                    self.stats.reordered += 1
                else:
                    self.stats.lost_events += 1
                    self.stats.lost_bursts += number - expected
                self.stats.sample("gap", who=self.who, expected=f"@{expected}:0",
                                  got=match.group(0).decode())
        self.burst, self.pos = burst, burst.offsets[line]
        return buf[match.start() :]

    def _compare(self, burst: Burst, data: bytes) -> bytes:
        want = burst.data
        k = min(len(data), len(want) - self.pos)
        if data[:k] != want[self.pos : self.pos + k]:
            bad = next(j for j in range(k) if data[j] != want[self.pos + j])
            self.stats.garbled += 1
            self.stats.bytes_checked += bad
            self.stats.sample("garbled", who=self.who, burst=burst.number,
                              at=self.pos + bad, got=_hex(data[bad:]),
                              want=_hex(want[self.pos + bad :]))
            self.burst, self.last_done = None, None
            return data[bad:]
        self.stats.bytes_checked += k
        self.pos += k
        if self.pos == len(want):
            self.stats.bursts_verified += 1
            self.burst, self.last_done = None, burst.number
        return data[k:]


# ---------------------------------------------------------------------------------------------
# sessions and their viewers


@dataclass
class Watch:
    pattern: re.Pattern[bytes]
    future: asyncio.Future[re.Match[bytes]]


class SessionState:
    """One server session as the harness sees it: its bursts, shell PID and watchers."""

    def __init__(self, soak: Soak, slot: Slot, session_id: str) -> None:
        self.soak = soak
        self.slot = slot
        self.id = session_id
        self.pid: int | None = None
        self.bursts: dict[int, int] = {}
        self.abandoned: set[int] = set()
        self.next_burst = 0
        self.watches: list[Watch] = []
        self.ready = False
        self.retiring = False
        self.deleting = False
        self.parked = False
        self.driver_task: asyncio.Task[None] | None = None

    def lookup(self, number: int) -> Burst | None:
        lines = self.bursts.get(number)
        return None if lines is None else make_burst(number, lines)

    def next_after(self, number: int) -> int:
        number += 1
        while number in self.abandoned:
            number += 1
        return number

    def observe(self, data: bytes) -> None:
        for watch in list(self.watches):
            match = watch.pattern.search(data)
            if match is not None and not watch.future.done():
                watch.future.set_result(match)

    async def wait_for(self, pattern: re.Pattern[bytes], send: str | None,
                       timeout: float) -> re.Match[bytes] | None:
        """Type `send` (if any) and wait until a viewer sees `pattern`; None on timeout."""
        watch = Watch(pattern, asyncio.get_running_loop().create_future())
        self.watches.append(watch)
        try:
            if send is not None:
                await self.type(send)
            async with asyncio.timeout(timeout):
                return await watch.future
        except TimeoutError:
            return None
        finally:
            self.watches.remove(watch)

    async def type(self, text: str) -> None:
        """Input through the driver (the first viewer): only attached sockets may type."""
        driver = self.slot.viewers[0]
        for _ in range(3):
            async with asyncio.timeout(self.soak.cfg.op_timeout):
                await driver.ready.wait()
            ws = driver.ws
            if ws is None or ws.closed:
                await asyncio.sleep(0.2)
                continue
            try:
                await ws.send_str(json.dumps({"type": "input", "data": text}))
                return
            except (ConnectionError, RuntimeError):
                await asyncio.sleep(0.2)
        raise bench.BenchError("the driver could not type")


@dataclass
class Slot:
    """A place for one session and its viewers; a deleted session's slot gets a new one."""

    index: int
    viewers: list[Viewer] = field(default_factory=list)
    session: SessionState | None = None


class Viewer:
    """One WebSocket client following one session at a time, checking all it receives."""

    def __init__(self, soak: Soak, slot: Slot, index: int, binary: bool) -> None:
        self.soak = soak
        self.slot = slot
        self.binary = binary
        self.name = f"s{slot.index}v{index}{'b' if binary else 'j'}"
        self.rng = random.Random(f"{soak.cfg.seed}:{slot.index}:{index}")
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.session: SessionState | None = None
        self.checker: Checker | None = None
        self.assigned = asyncio.Event()
        self.ready = asyncio.Event()
        """Attached (set) or not; the driver types only through a ready viewer."""
        self.busy = False
        self.next_seq: int | None = None
        self.tail = b""
        self.last_rx = 0.0
        self.expect_first_replay = False
        self.dims = (bench.COLS, bench.ROWS)
        self.poke_at: float | None = None
        """When the driver asked for a reconnect in the middle of a flood."""

    # -- assignment and the main loop -------------------------------------------------------

    def assign(self, session: SessionState) -> None:
        self.session = session
        self.checker = Checker(session, self.soak.stats, self.name)
        self.next_seq = None
        self.assigned.set()

    async def run(self) -> None:
        try:
            while not self.soak.stopping:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.assigned.wait()
                session = self.session
                if session is None or not self.assigned.is_set():
                    continue
                self.assigned.clear()
                await self._follow(session)
        finally:
            self.ready.clear()
            await self._close()

    async def _follow(self, session: SessionState) -> None:
        """Attach to `session` and read it until it exits or the run ends."""
        same_socket = self.ws is not None and not self.ws.closed and self.rng.random() < 0.5
        if not same_socket:
            await self._close()
        attempts = 0
        since: int | None = None
        while not self.soak.stopping and self.session is session:
            if attempts > 5:
                self.soak.stats.attach_failures += 1
                self.soak.stats.sample("gave-up", who=self.name)
                return
            attempts += 1
            if not await self._attach(session, since):
                await asyncio.sleep(0.5)
                continue
            outcome = await self._pump(session)
            if outcome in ("exit", "stop"):
                self.ready.clear()
                if self.session is session:
                    self.session = None
                return
            attempts = 0  # "lost": reconnect and carry on, resuming where we were
            since = self.next_seq if self.binary else None

    # -- connecting and attaching -----------------------------------------------------------

    async def _connect(self) -> bool:
        soak = self.soak
        mode = self.rng.choice(("cookie", "password", "token"))
        http = soak.cookie_http if mode == "cookie" else soak.plain_http
        try:
            async with asyncio.timeout(soak.cfg.op_timeout):
                ws = await http.ws_connect(
                    soak.server.ws_url, max_msg_size=16 * 1024 * 1024, autoping=True,
                    heartbeat=None, timeout=aiohttp.ClientWSTimeout(ws_close=5.0),
                )
                if mode != "cookie":
                    auth = ({"password": soak.server.password} if mode == "password"
                            else {"token": soak.token})
                    await ws.send_str(json.dumps({"type": "auth", **auth}))
                    msg = await ws.receive()
                    if msg.type != aiohttp.WSMsgType.TEXT or json.loads(msg.data).get(
                        "type"
                    ) != "auth_ok":
                        soak.stats.connect_failures += 1
                        soak.stats.sample("auth", who=self.name, msg=str(msg.data)[:200])
                        await ws.close()
                        return False
        except aiohttp.WSServerHandshakeError as exc:
            key = f"HTTP {exc.status}"
            soak.stats.refusals[key] = soak.stats.refusals.get(key, 0) + 1
            soak.stats.connect_failures += 1
            soak.stats.sample("refused", who=self.name, status=exc.status, message=exc.message)
            return False
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            soak.stats.connect_failures += 1
            soak.stats.sample("connect", who=self.name, error=repr(exc)[:200])
            return False
        self.ws = ws
        return True

    async def _attach(self, session: SessionState, since: int | None) -> bool:
        """(Re)attach, on the current socket if there is one; True once `attached` came."""
        if (self.ws is None or self.ws.closed) and not await self._connect():
            return False
        ws = self.ws
        assert ws is not None
        message: dict[str, Any] = {"type": "attach", "sessionId": session.id}
        if self.binary:
            message["binary"] = True
            if since is not None:
                message["since"] = since
        pending_replay: dict[str, Any] | None = None
        try:
            await ws.send_str(json.dumps(message))
            async with asyncio.timeout(self.soak.cfg.op_timeout):
                while True:
                    msg = await ws.receive()
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        if msg.type == aiohttp.WSMsgType.BINARY:
                            continue  # the previous attachment's output, superseded
                        raise ConnectionError(f"closed while attaching: {msg.type.name}")
                    parsed = json.loads(msg.data)
                    kind = parsed.get("type")
                    if kind == "replay":
                        pending_replay = parsed  # the last one before `attached` is ours
                    elif kind == "attached":
                        break
                    elif kind == "error":
                        if session.deleting:
                            self.session = None if self.session is session else self.session
                            return False
                        raise ConnectionError(f"attach: {parsed}")
        except (ConnectionError, RuntimeError, aiohttp.ClientError, TimeoutError) as exc:
            if not session.deleting:
                self.soak.stats.attach_failures += 1
                self.soak.stats.sample("attach", who=self.name, error=repr(exc)[:200])
            await self._close()
            return False
        self._attached(parsed, pending_replay, since)
        await self._send({"type": "resize", "cols": self.dims[0], "rows": self.dims[1]})
        self.ready.set()
        return True

    def _attached(self, parsed: dict[str, Any], replay: dict[str, Any] | None,
                  since: int | None) -> None:
        checker = self.checker
        assert checker is not None
        stats = self.soak.stats
        self.expect_first_replay = False
        if self.binary:
            seq = int(parsed["seq"])
            if parsed.get("resumed"):
                stats.resumed += 1
                if seq != since:
                    stats.lost_events += 1
                    stats.sample("resume-seq", who=self.name, since=since, seq=seq)
                    checker.reset()
                self.next_seq = seq
                return  # exactly the missing bytes follow: the checker carries on
            if since is not None:
                stats.resume_misses += 1
            self.next_seq = seq
        checker.reset()
        if replay is None:
            # The first viewer ever: its replay follows its first resize (docs/protocol.md).
            self.expect_first_replay = True
            return
        stats.attach_replays += 1
        if self.binary and int(replay.get("seq", -1)) != self.next_seq:
            stats.lost_events += 1
            stats.sample("replay-seq", who=self.name, replay=replay.get("seq"),
                         attached=self.next_seq)
        self._feed(str(replay.get("data", "")).encode())

    # -- reading ----------------------------------------------------------------------------

    async def _pump(self, session: SessionState) -> str:
        """Read until the session exits ("exit"), the run ends ("stop") or the socket is
        lost ("lost"), acting (reconnect, resize, pause) when an action falls due."""
        ws = self.ws
        assert ws is not None
        cfg = self.soak.cfg
        due = {
            "reconnect": bench.now() + self.rng.expovariate(1 / cfg.reconnect_every),
            "resize": bench.now() + self.rng.expovariate(1 / cfg.resize_every),
            "pause": bench.now() + self.rng.expovariate(1 / cfg.pause_every),
        }
        while True:
            if self.soak.stopping:
                return "stop"
            if self.poke_at is not None:
                due["reconnect"], self.poke_at = min(due["reconnect"], self.poke_at), None
            wait = max(0.01, min(1.0, min(due.values()) - bench.now()))
            try:
                msg = await ws.receive(timeout=wait)
            except TimeoutError:
                msg = None
            except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                self._unexpected_close(session, repr(exc))
                return "lost"
            if msg is not None:
                outcome = await self._handle(session, msg)
                if outcome is not None:
                    return outcome
            action = next((a for a, t in due.items() if t <= bench.now()), None)
            if action is None:
                continue
            mean = {"reconnect": cfg.reconnect_every, "resize": cfg.resize_every,
                    "pause": cfg.pause_every}[action]
            due[action] = bench.now() + self.rng.expovariate(1 / mean)
            if not self.soak.running.is_set() or session.deleting or session.retiring:
                continue
            if action == "resize":
                await self._resize()
            elif action == "pause":
                await self._pause()
            elif not await self._reconnect(session):
                return "lost"
            ws = self.ws
            if ws is None:
                return "lost"

    async def _handle(self, session: SessionState, msg: aiohttp.WSMessage) -> str | None:
        stats = self.soak.stats
        self.last_rx = bench.now()
        if msg.type == aiohttp.WSMsgType.BINARY:
            await self._on_frame(msg.data)
            return None
        if msg.type != aiohttp.WSMsgType.TEXT:
            if session.deleting:
                return "exit"
            self._unexpected_close(session, f"{msg.type.name} {msg.data!r} {msg.extra!r}")
            return "lost"
        parsed = json.loads(msg.data)
        kind = parsed.get("type")
        if kind == "output":
            if self.binary:
                stats.unexpected_errors += 1
                stats.sample("json-output-to-binary", who=self.name)
            self._feed(str(parsed["data"]).encode())
        elif kind == "replay":
            if self.expect_first_replay:
                self.expect_first_replay = False
                stats.attach_replays += 1
            else:
                stats.resyncs += 1
            assert self.checker is not None
            self.checker.reset()
            if self.binary:
                self.next_seq = int(parsed["seq"])
            self._feed(str(parsed.get("data", "")).encode())
        elif kind == "exit":
            if not session.deleting:
                stats.unexpected_exits += 1
                stats.sample("exit", who=self.name, msg=parsed)
            return "exit"
        elif kind == "error":
            if session.deleting:
                return "exit"
            stats.unexpected_errors += 1
            stats.sample("error", who=self.name, msg=parsed)
        return None

    async def _on_frame(self, data: bytes) -> None:
        stats = self.soak.stats
        checker = self.checker
        assert checker is not None
        if not self.binary or len(data) < 9 or data[0] != 1 or self.next_seq is None:
            stats.unexpected_errors += 1
            stats.sample("bad-frame", who=self.name, head=_hex(data[:12]))
            return
        seq = int.from_bytes(data[1:9], "big")
        payload = data[9:]
        if seq != self.next_seq:
            if seq > self.next_seq:
                stats.lost_bytes += seq - self.next_seq
                stats.lost_events += 1
            else:
                stats.reordered += 1
            stats.sample("seq", who=self.name, expected=self.next_seq, got=seq)
            checker.reset()
        self.next_seq = seq + len(payload)
        stats.seq_bytes += len(payload)
        self._feed(payload)
        await self._send({"type": "ack", "seq": self.next_seq})  # "rendered" at once

    def _feed(self, data: bytes) -> None:
        session, checker = self.session, self.checker
        if session is None or checker is None or not data:
            return
        self.soak.stats.bytes_received += len(data)
        if session.watches:
            session.observe(self.tail + data)
        self.tail = (self.tail + data)[-WATCH_KEEP:]
        checker.feed(data)

    def _unexpected_close(self, session: SessionState, detail: str) -> None:
        self.ready.clear()
        if session.deleting or self.soak.stopping:
            return
        self.soak.stats.unexpected_closes += 1
        self.soak.stats.sample("closed", who=self.name, detail=detail[:200])

    # -- actions ----------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self.ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(json.dumps(message))

    async def _resize(self) -> None:
        self.soak.stats.resizes += 1
        self.dims = (self.rng.randint(40, 200), self.rng.randint(10, 60))
        await self._send({"type": "resize", "cols": self.dims[0], "rows": self.dims[1]})

    async def _pause(self) -> None:
        """Stop reading (and acking) for a while: the socket and the kernel fill up."""
        self.soak.stats.pauses += 1
        self.busy = True
        try:
            await asyncio.sleep(self.rng.uniform(0.5, self.soak.cfg.pause_max))
        finally:
            self.busy = False

    async def _reconnect(self, session: SessionState) -> bool:
        """Re-attach on this socket, or close it (gracefully or not) and open another;
        binary viewers mostly resume with `since`."""
        stats = self.soak.stats
        stats.reconnects += 1
        self.busy = True
        try:
            roll = self.rng.random()
            if roll < 0.25:
                stats.reattaches_same_socket += 1
            else:
                self.ready.clear()
                if roll < 0.4:
                    stats.aborted_sockets += 1
                    self._abort()
                await self._close()
                await asyncio.sleep(self.rng.uniform(0.0, self.soak.cfg.offline_max))
            since = self.next_seq if self.binary and self.rng.random() < 0.85 else None
            for _ in range(5):
                if self.soak.stopping or session.deleting:
                    return False
                if await self._attach(session, since):
                    return True
                await asyncio.sleep(0.5)
            return False
        finally:
            self.busy = False

    def _abort(self) -> None:
        """Drop the TCP connection without a closing handshake (a phone losing signal)."""
        ws = self.ws
        conn = getattr(ws, "_conn", None)
        transport = getattr(conn, "transport", None)
        if transport is not None:
            transport.abort()

    async def _close(self) -> None:
        ws, self.ws = self.ws, None
        self.ready.clear()
        if ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await ws.close()


# ---------------------------------------------------------------------------------------------
# /proc


def proc_starttime(pid: int) -> int | None:
    """Start time of `pid` in clock ticks since boot (tells a reused PID apart)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(raw[raw.rindex(")") + 2 :].split()[19])


def proc_stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def alive(pid: int, starttime: int) -> bool:
    """The process that had `starttime` still exists (zombies count: nobody reaped it)."""
    return proc_starttime(pid) == starttime


def fd_count(pid: int) -> int:
    """Open descriptors of `pid`: the lowest of three readings a little apart, so a file a
    worker thread has open for a moment is not counted."""
    counts = []
    for _ in range(3):
        with contextlib.suppress(OSError):
            counts.append(len(os.listdir(f"/proc/{pid}/fd")))
        time.sleep(0.05)
    return min(counts) if counts else -1


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = proc_stat_fields(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def leftovers(shells: dict[int, int]) -> list[dict[str, Any]]:
    """Processes that outlived their shell's session: the shells themselves, and anything
    still in one of their terminal sessions (SID) whose leader is gone or is our shell."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        fields = proc_stat_fields(pid)
        if fields is None:
            continue
        sid, start = int(fields[3]), int(fields[19])
        if pid in shells and shells[pid] == start:
            found.append({"pid": pid, "why": "shell alive", "state": fields[0]})
        elif sid in shells and sid != pid:
            leader = proc_starttime(sid)
            if (leader is None or leader == shells[sid]) and start >= shells[sid]:
                found.append({"pid": pid, "why": f"in session of shell {sid}",
                              "state": fields[0]})
    return found


def scan_log(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {"tracebacks": 0, "errors": 0, "warnings": 0, "excerpts": []}
    lines = path.read_text(errors="replace").splitlines()
    bad = [i for i, line in enumerate(lines)
           if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
           or "exception was never retrieved" in line]
    return {
        "tracebacks": sum("Traceback" in line for line in lines),
        "errors": sum("[ERROR]" in line or "[CRITICAL]" in line for line in lines),
        "warnings": sum("[WARNING]" in line for line in lines),
        "excerpts": ["\n".join(lines[i : i + 12]) for i in bad[:5]],
        "warning_excerpts": [line for line in lines if "[WARNING]" in line][:5],
    }


# ---------------------------------------------------------------------------------------------
# the run


@dataclass
class Config:
    duration: float = 60.0
    seed: int = 13
    sessions: int = 50
    viewers: int = 5
    warmup: float | None = None
    churn_every: float = 6.0
    reconnect_every: float = 45.0
    resize_every: float = 20.0
    pause_every: float = 60.0
    pause_max: float = 3.0
    offline_max: float = 2.0
    flood_kb: int = 96
    big_flood_kb: int = 1500
    big_flood_share: float = 0.02
    idle_max: float = 6.0
    midflood_reconnect: float = 0.15
    op_timeout: float = 60.0
    burst_timeout: float = 180.0
    setup_parallel: int = 4
    python: str = sys.executable
    server_src: str = str(bench.REPO)

    @property
    def warmup_s(self) -> float:
        return self.warmup if self.warmup is not None else min(60.0, 0.25 * self.duration)


class Soak:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.stats = Stats()
        self.running = asyncio.Event()
        self.stopping = False
        self.slots: list[Slot] = []
        self.shells: dict[int, int] = {}
        """Every shell PID ever seen, with its start time."""
        self.server: bench.Server
        self.cookie_http: aiohttp.ClientSession
        self.plain_http: aiohttp.ClientSession
        self.token = ""
        self.churn_idle = True
        self.rss_trace: list[tuple[float, float, int]] = []
        """(seconds, server RSS MB, MB checked so far) every 5 s."""
        self.stopped = asyncio.Event()
        """Set when the run is cut short (the server died)."""
        self.server_exit: dict[str, Any] | None = None
        self.t0 = bench.now()

    # -- REST (cookie-authenticated, as the web app is: not rate-limited) -------------------

    async def _rest(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        timeout = aiohttp.ClientTimeout(total=self.cfg.op_timeout)
        async with self.cookie_http.request(
            method, self.server.url + path, timeout=timeout, **kwargs
        ) as resp:
            body = await resp.json() if resp.content_type == "application/json" else None
            return resp.status, body

    async def login(self) -> None:
        status, body = await self._rest("POST", "/api/auth",
                                        json={"password": self.server.password})
        if status != 200:
            raise bench.BenchError(f"login: HTTP {status} {body}")
        for cookie in self.cookie_http.cookie_jar:
            if cookie.key == "pty_token":
                self.token = cookie.value
        if not self.token:
            raise bench.BenchError("login: no pty_token cookie")

    async def create_session(self) -> str:
        status, body = await self._rest("POST", "/api/sessions",
                                        json={"cols": bench.COLS, "rows": bench.ROWS})
        if status != 201 or not isinstance(body, dict):
            raise bench.BenchError(f"POST /api/sessions: HTTP {status} {body}")
        self.stats.sessions_created += 1
        return str(body["id"])

    async def delete_session(self, session: SessionState, *, ours: bool = True) -> None:
        session.deleting = True
        try:
            status, body = await self._rest("DELETE", f"/api/sessions/{session.id}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, body = -1, repr(exc)
        if status != 204:
            self.stats.delete_failures += 1
            self.stats.sample("delete", session=session.id, status=status, body=str(body)[:200])
            return
        self.stats.sessions_deleted += ours
        if session.pid is None:
            return
        start = self.shells.get(session.pid)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                while start is not None and alive(session.pid, start):
                    await asyncio.sleep(0.1)
        if start is not None and alive(session.pid, start):
            self.stats.orphans_after_delete += 1
            self.stats.sample("orphan-after-delete", pid=session.pid)

    async def delete_preexisting(self) -> None:
        """Delete the session the server opens at start-up, so the load is exactly ours."""
        status, listing = await self._rest("GET", "/api/sessions")
        if status != 200 or not isinstance(listing, list):
            raise bench.BenchError(f"GET /api/sessions: HTTP {status}")
        for entry in listing:
            pid = int(entry["pid"])
            start = proc_starttime(pid)
            if start is not None:
                self.shells[pid] = start
            session = SessionState(self, Slot(-1), str(entry["id"]))
            session.pid = pid
            await self.delete_session(session, ours=False)

    # -- sessions ---------------------------------------------------------------------------

    async def setup_session(self, slot: Slot) -> None:
        """Create a session, fill its log past the cap with only the driver attached, then
        attach the other viewers (each gets a replay of the full log)."""
        session_id = await self.create_session()
        session = SessionState(self, slot, session_id)
        slot.session = session
        timeout = self.cfg.op_timeout
        try:
            driver = slot.viewers[0]
            driver.assign(session)
            async with asyncio.timeout(timeout):
                await driver.ready.wait()
            match = await session.wait_for(PID_RE, f"{DEFINE}; {JOB} {PID_COMMAND}\r",
                                           timeout)
            if match is None:
                raise bench.BenchError("no PID echo")
            pid = int(match.group(1))
            start = proc_starttime(pid)
            if start is None:
                raise bench.BenchError(f"shell {pid} not found in /proc")
            session.pid = pid
            self.shells[pid] = start
            if not await self.run_burst(session, FILL_LINES):
                raise bench.BenchError("the fill burst never ended")
            for viewer in slot.viewers[1:]:
                viewer.assign(session)
            async with asyncio.timeout(timeout):
                for viewer in slot.viewers:
                    await viewer.ready.wait()
        except (bench.BenchError, TimeoutError) as exc:
            self.stats.setup_failures += 1
            self.stats.sample("setup", slot=slot.index, error=repr(exc)[:200])
            await self.delete_session(session)
            slot.session = None
            return
        session.ready = True
        session.driver_task = asyncio.create_task(self.drive(session))

    async def run_burst(self, session: SessionState, lines: int,
                        poke: Viewer | None = None) -> bool:
        """Print burst `lines` long; `poke` reconnects while it streams (its replay, or its
        resume, then starts in the middle of the flood, and often inside a character)."""
        number = session.next_burst
        session.next_burst += 1
        session.bursts[number] = lines
        end = re.compile(rb"@%d:end\r" % number)
        self.stats.floods += 1
        self.stats.flood_bytes += len(make_burst(number, lines).data)
        if poke is not None:
            poke.poke_at = bench.now() + self.rng.uniform(0.02, 0.3)
        if await session.wait_for(end, f"g {number} {lines}\r", self.cfg.burst_timeout):
            return True
        session.abandoned.add(number)
        self.stats.driver_timeouts += 1
        self.stats.sample("burst-timeout", session=session.id, burst=number, lines=lines)
        return False

    async def drive(self, session: SessionState) -> None:
        """Floods and idle periods in one session, one at a time (typing while a flood runs
        would echo the keys into its output)."""
        rng = random.Random(f"{self.cfg.seed}:drive:{session.id}")
        cfg = self.cfg
        while not session.retiring:
            if not await self.gate(session):
                return
            roll = rng.random()
            poke = (rng.choice(session.slot.viewers[1:])
                    if len(session.slot.viewers) > 1 and rng.random() < cfg.midflood_reconnect
                    else None)
            if roll < cfg.big_flood_share:
                await self.run_burst(session, cfg.big_flood_kb * 1000 // LINE_BYTES, poke)
            elif roll < 0.55:
                kb = rng.uniform(1, cfg.flood_kb)
                await self.run_burst(session, max(1, int(kb * 1000 / LINE_BYTES)), poke)
            else:
                longer = roll < 0.6
                session.parked = True  # idle: a measurement need not wait for the nap
                try:
                    await asyncio.sleep(rng.uniform(cfg.idle_max, 3 * cfg.idle_max) if longer
                                        else rng.uniform(0.2, cfg.idle_max))
                finally:
                    session.parked = False

    async def gate(self, session: SessionState | None = None) -> bool:
        """Wait while the run is held for a measurement; False once it is over."""
        if session is not None:
            session.parked = True
        try:
            while not self.running.is_set():
                await self.running.wait()
        finally:
            if session is not None:
                session.parked = False
        return not self.stopping and not (session is not None and session.retiring)

    async def replace(self, slot: Slot) -> None:
        """Delete the slot's session (its viewers get `exit`) and set up a new one."""
        old = slot.session
        if old is not None:
            old.retiring = True
            if old.driver_task is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.cfg.burst_timeout + 10):
                        await old.driver_task
            await self.delete_session(old)
            slot.session = None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.cfg.op_timeout):
                    while any(v.session is old for v in slot.viewers):
                        await asyncio.sleep(0.05)
        if not self.stopping:
            await self.setup_session(slot)

    async def churn(self) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.cfg.churn_every)
            if not await self.gate():
                return
            ready = [s for s in self.slots if s.session is None or s.session.ready]
            if not ready:
                continue
            self.churn_idle = False
            try:
                await self.replace(self.rng.choice(ready))
            finally:
                self.churn_idle = True

    # -- measurements -----------------------------------------------------------------------

    def _quiet(self) -> bool:
        if not self.churn_idle:
            return False
        for slot in self.slots:
            session = slot.session
            if session is not None and (not session.ready or not session.parked):
                return False
            if any(v.busy or (session is not None and not v.ready.is_set())
                   for v in slot.viewers):
                return False
        return True

    async def quiesce(self) -> float:
        """Hold every driver, viewer action and the churn; wait for output to settle."""
        self.running.clear()
        start = bench.now()
        try:
            async with asyncio.timeout(self.cfg.burst_timeout + 2 * self.cfg.op_timeout):
                while not self._quiet() and not self.stopping:
                    await asyncio.sleep(0.1)
                while bench.now() - max(v.last_rx for s in self.slots for v in s.viewers) < 1:
                    await asyncio.sleep(0.1)
        except TimeoutError:
            self.stats.quiesce_timeouts += 1
            self.stats.sample("quiesce-timeout")
        return bench.now() - start

    @property
    def server_dead(self) -> bool:
        return self.server.proc is not None and self.server.proc.returncode is not None

    async def watch_server(self) -> None:
        """End the load at once if the server process exits by itself, and say how."""
        assert self.server.proc is not None
        code = await self.server.proc.wait()
        if not self.stopping:
            self.server_exit = {"code": code, "t": round(bench.now() - self.t0, 1)}
            self.stats.sample("server-exit", code=code)
            self.stopping = True
            self.running.set()
            self.stopped.set()

    async def pause(self, seconds: float) -> None:
        """Sleep, but wake up when the run is cut short."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.stopped.wait()

    async def measure(self, label: str) -> dict[str, Any]:
        pid = self.server.pid
        assert pid is not None
        await asyncio.sleep(0.5)
        if self.server_dead:
            return {"label": label, "server_dead": True}
        try:
            status, listing = await self._rest("GET", "/api/sessions")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.stats.sample("measure", label=label, error=repr(exc)[:200])
            status, listing = -1, []
        if status != 200 or not isinstance(listing, list):
            listing = []
        known = {s.session.pid for s in self.slots if s.session is not None}
        listed = {e.get("pid") for e in listing}
        return {
            "label": label,
            "t": round(bench.now() - self.t0, 1),
            "rss_mb": round(bench.rss_mb(pid), 1),
            "fds": await asyncio.to_thread(fd_count, pid),
            "sessions": len(listing) if status == 200 else None,
            "clients": sum(int(e.get("clients", 0)) for e in listing),
            "pids_match": known == listed,
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }

    async def trace_rss(self) -> None:
        pid = self.server.pid
        assert pid is not None
        while not self.stopping:
            with contextlib.suppress(bench.BenchError, OSError):
                t, rss = bench.now() - self.t0, bench.rss_mb(pid)
                checked = self.stats.bytes_checked / bench.MB
                self.rss_trace.append((round(t, 1), round(rss, 1), round(checked)))
            await asyncio.sleep(5.0)

    # -- the whole run ----------------------------------------------------------------------

    async def run(self, workdir: Path) -> dict[str, Any]:
        cfg = self.cfg
        started = bench.now()
        date = datetime.now(UTC).isoformat(timespec="seconds")
        load_start = [round(x, 2) for x in os.getloadavg()]
        self.server = await bench.start_server(cfg.python, workdir, Path(cfg.server_src))
        pid = self.server.pid
        assert pid is not None
        self.t0 = bench.now()
        measures: dict[str, Any] = {}
        watcher: asyncio.Task[None] | None = None
        try:
            # No connection limit (250 WebSockets) and no keep-alive: an idle pooled REST
            # connection would show up in the server's descriptor count.
            async with aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                connector=aiohttp.TCPConnector(limit=0, force_close=True),
            ) as self.cookie_http, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, force_close=True),
            ) as self.plain_http:
                await self.login()
                await self.delete_preexisting()
                measures["baseline"] = await self.measure("baseline")
                cpu0, own0 = bench.proc_cpu_seconds(pid), bench.own_cpu_seconds()
                watcher = asyncio.create_task(self.watch_server())
                summary = await self._load(measures)
                with contextlib.suppress(OSError):
                    summary["server_cpu_s"] = round(bench.proc_cpu_seconds(pid) - cpu0, 1)
                summary["harness_cpu_s"] = round(bench.own_cpu_seconds() - own0, 1)
            await asyncio.sleep(1.0)  # the REST and WebSocket connections are closed now
            measures["closed"] = {"fds": await asyncio.to_thread(fd_count, pid)}
            with contextlib.suppress(OSError):
                measures["closed"]["rss_mb"] = round(bench.rss_mb(pid), 1)
            summary["server_children_after_delete"] = children_of(pid)
        finally:
            self.stopping = True
            self.running.set()
            if self.server.proc is not None:
                await bench.stop_process(self.server.proc)
        if watcher is not None:
            watcher.cancel()
        await asyncio.sleep(0.5)
        orphans = leftovers(self.shells)
        log = scan_log(self.server.log_path)
        warm, end = measures.get("warm", {}), measures.get("end", {})
        summary.update({
            "date": date,
            "commit": bench.git_describe(),
            "seed": cfg.seed,
            "duration_s": cfg.duration,
            "warmup_s": cfg.warmup_s,
            "wall_s": round(bench.now() - started, 1),
            "loadavg_start": load_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
            "server_exit": self.server_exit,
            "shells_seen": len(self.shells),
            "orphans": len(orphans),
            "orphan_detail": orphans[:10],
            "rss_mb": {
                "baseline": measures["baseline"]["rss_mb"],
                "warm": warm.get("rss_mb"), "end": end.get("rss_mb"),
                "drift": _diff(end.get("rss_mb"), warm.get("rss_mb")),
                "peak": max((r for _, r, _ in self.rss_trace), default=None),
                "trace": self.rss_trace,
            },
            "fds": {
                "baseline": measures["baseline"]["fds"],
                "warm": warm.get("fds"), "end": end.get("fds"),
                "drift": _diff(end.get("fds"), warm.get("fds")),
                "after_delete": measures.get("deleted", {}).get("fds"),
                "closed": measures["closed"]["fds"],
                "after_delete_vs_baseline": _diff(measures["closed"]["fds"],
                                                  measures["baseline"]["fds"]),
            },
            "measures": measures,
            "server_log": log,
        })
        summary["failures"] = failures(summary)
        summary["pass"] = not summary["failures"]
        return summary

    async def _load(self, measures: dict[str, Any]) -> dict[str, Any]:
        cfg = self.cfg
        rng = self.rng
        for index in range(cfg.sessions):
            slot = Slot(index)
            kinds = [rng.random() < 0.5 for _ in range(cfg.viewers)]
            slot.viewers = [Viewer(self, slot, i, binary) for i, binary in enumerate(kinds)]
            self.slots.append(slot)
        viewers = [v for s in self.slots for v in s.viewers]
        tasks = [asyncio.create_task(v.run()) for v in viewers]
        tracer = asyncio.create_task(self.trace_rss())
        self.running.set()
        limit = asyncio.Semaphore(cfg.setup_parallel)

        async def setup(slot: Slot) -> None:
            async with limit:
                await self.setup_session(slot)

        setup_start = bench.now()
        await asyncio.gather(*(setup(s) for s in self.slots))
        setup_s = bench.now() - setup_start
        print(f"soak: {cfg.sessions} sessions set up in {setup_s:.1f} s", file=sys.stderr)
        churn = asyncio.create_task(self.churn())
        load_start = bench.now()
        quiesce_s: list[float] = []
        try:
            await self.pause(cfg.warmup_s)
            if not self.stopping:
                quiesce_s.append(await self.quiesce())
                measures["warm"] = await self.measure("warm")
                print(f"soak: warm {measures['warm']}", file=sys.stderr)
                self.running.set()
            await self.pause(max(0.0, cfg.duration - (bench.now() - load_start)))
            if not self.stopping:
                quiesce_s.append(await self.quiesce())
                measures["end"] = await self.measure("end")
                print(f"soak: end {measures['end']}", file=sys.stderr)
        finally:
            load_s = bench.now() - load_start
            self.stopping = True
            self.running.set()
            churn.cancel()
            for slot in self.slots:
                if slot.session is not None and slot.session.driver_task is not None:
                    slot.session.driver_task.cancel()
            await asyncio.gather(churn, *tasks, return_exceptions=True)
            tracer.cancel()
        measures["viewers_closed"] = await self.measure("viewers closed")
        live = [s.session for s in self.slots if s.session is not None]
        if not self.server_dead:
            await asyncio.gather(*(self.delete_session(s) for s in live))
        measures["deleted"] = await self.measure("deleted")
        stats = self.stats
        return {
            "sessions": cfg.sessions,
            "viewers": len(viewers),
            "binary_viewers": sum(v.binary for v in viewers),
            "json_viewers": sum(not v.binary for v in viewers),
            "setup_s": round(setup_s, 1),
            "load_s": round(load_s, 1),
            "quiesce_s": [round(q, 1) for q in quiesce_s],
            **{k: v for k, v in vars(stats).items() if k != "samples"},
            "samples": stats.samples,
        }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


#: Pass criteria (issue #13): nothing lost, reordered or garbled; RSS within +10 MB between
#: the end of warm-up and the end; descriptors back where they were; no process left over;
#: no traceback or error in the server's log; no operation that had to give up.
RSS_DRIFT_MAX_MB = 10.0
FD_SLACK = 2


def rss_failures(summary: dict[str, Any]) -> list[str]:
    """The RSS criterion alone: at most +10 MB between the end of warm-up and the end."""
    rss = summary.get("rss_mb", {})
    if rss.get("drift") is None or rss["drift"] > RSS_DRIFT_MAX_MB:
        return [f"RSS drift {rss.get('drift')} MB (max +{RSS_DRIFT_MAX_MB})"]
    return []


def failures(summary: dict[str, Any], *, rss: bool = True) -> list[str]:
    """What failed in a soak summary (an empty list is a pass); `rss=False` leaves out the
    RSS criterion (see `rss_failures`)."""
    out = rss_failures(summary) if rss else []
    for key in ("lost_bytes", "lost_events", "lost_bursts", "reordered", "garbled",
                "driver_timeouts", "attach_failures", "connect_failures", "unexpected_closes",
                "unexpected_exits", "unexpected_errors", "setup_failures", "delete_failures",
                "quiesce_timeouts",
                "orphans_after_delete", "orphans"):
        if summary.get(key):
            out.append(f"{key} = {summary[key]}")
    if summary.get("server_exit"):
        out.append(f"the server exited by itself: {summary['server_exit']}")
    if summary.get("refusals"):
        out.append(f"connections refused: {summary['refusals']}")
    if summary.get("bytes_checked", 0) <= 0:
        out.append("no byte was checked")
    fds = summary.get("fds", {})
    if fds.get("drift") is None or abs(fds["drift"]) > FD_SLACK:
        out.append(f"fd drift {fds.get('drift')} at equal load (max ±{FD_SLACK})")
    if fds.get("after_delete_vs_baseline") is None or fds["after_delete_vs_baseline"] > FD_SLACK:
        out.append(f"fds after deleting everything: {fds.get('after_delete_vs_baseline')} "
                   f"over the baseline (max +{FD_SLACK})")
    if summary.get("server_children_after_delete"):
        out.append(f"server children left: {summary['server_children_after_delete']}")
    log = summary.get("server_log", {})
    if log.get("tracebacks") or log.get("errors"):
        out.append(f"server log: {log.get('tracebacks')} tracebacks, {log.get('errors')} errors")
    for label in ("warm", "end"):
        m = summary.get("measures", {}).get(label)
        if not m:
            out.append(f"no {label} measurement")
            continue
        if m.get("sessions") != summary.get("sessions") or not m.get("pids_match"):
            out.append(f"{label}: the server lists {m.get('sessions')} sessions "
                       f"(PIDs match: {m.get('pids_match')}), expected {summary.get('sessions')}")
        if m.get("clients") != summary.get("viewers"):
            out.append(f"{label}: {m.get('clients')} viewers attached, expected "
                       f"{summary.get('viewers')}")
    return out


# ---------------------------------------------------------------------------------------------
# command line


def parse_args(argv: list[str] | None = None) -> tuple[Config, argparse.Namespace]:
    defaults = Config()
    parser = argparse.ArgumentParser(
        description="Soak termbeam_py over loopback (see benchmarks/README.md, Soak).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=defaults.duration,
                        help="seconds of load after the sessions are set up")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--sessions", type=int, default=defaults.sessions)
    parser.add_argument("--viewers", type=int, default=defaults.viewers,
                        help="viewers per session")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before the first RSS/fd reading (default: 25%% of the "
                             "duration, at most 60)")
    parser.add_argument("--churn-every", type=float, default=defaults.churn_every,
                        help="mean seconds between session delete+create")
    parser.add_argument("--reconnect-every", type=float, default=defaults.reconnect_every,
                        help="mean seconds between reconnects, per viewer")
    parser.add_argument("--flood-kb", type=int, default=defaults.flood_kb,
                        help="largest ordinary flood, kB")
    parser.add_argument("--idle-max", type=float, default=defaults.idle_max,
                        help="longest ordinary idle period of a session, s")
    parser.add_argument("--out", help="also write the JSON summary to this file")
    parser.add_argument("--python", default=defaults.python, help="interpreter for the server")
    parser.add_argument("--server-src", default=defaults.server_src,
                        help="directory holding the termbeam_py package to start")
    parser.add_argument("--asyncio-debug", action="store_true",
                        help="keep PYTHONASYNCIODEBUG for the server (slower)")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 1 <= args.viewers <= 10:
        parser.error("--sessions 1..200, --viewers 1..10")
    if not 5 <= args.duration <= 24 * 3600:
        parser.error("--duration 5..86400")
    cfg = Config(
        duration=args.duration, seed=args.seed, sessions=args.sessions, viewers=args.viewers,
        warmup=args.warmup, churn_every=args.churn_every,
        reconnect_every=args.reconnect_every, flood_kb=args.flood_kb, idle_max=args.idle_max,
        python=args.python, server_src=args.server_src,
    )
    return cfg, args


async def run_soak(cfg: Config) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="termbeam-soak-"))
    try:
        return await Soak(cfg).run(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _run_until_signalled(cfg: Config) -> dict[str, Any]:
    """The soak, cancelled by SIGTERM/SIGINT: its clean-up still stops the server."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    return await run_soak(cfg)


def main(argv: list[str] | None = None) -> int:
    cfg, args = parse_args(argv)
    if not args.asyncio_debug:
        os.environ.pop("PYTHONASYNCIODEBUG", None)  # the server inherits our environment
    try:
        summary = asyncio.run(_run_until_signalled(cfg))
    except asyncio.CancelledError:
        print("soak: interrupted", file=sys.stderr)
        return 2
    text = json.dumps(summary, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
