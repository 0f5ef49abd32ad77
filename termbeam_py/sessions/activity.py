"""Command-complete detection: "your build finished".

Two sources, per session:

- **Shell integration marks** in the output: OSC 133 `A` (prompt start), `B` (prompt end),
  `C` (command starts), `D[;exit]` (command finished) and OSC 633 `E;<command line>[;nonce]`
  (the command text, VS Code's escaping). They give the exact command, exit code and duration.
  Once a session has shown one, its heuristics are off for good.
- **Heuristics** (the original's), for shells without marks: one of the shell's direct
  children exited, or an output burst (>= 1 s, >= 100 bytes) was followed by 5 s of silence
  while the shell still has a child. A 30 s per-session cooldown holds for both.

`SessionActivity.feed` sits on the hot output path, so it does a few attribute updates and a
`bytes` search per chunk; marks are parsed only when an OSC introducer is present. The
process table is read by `ActivityMonitor`: one scan per tick for every session (in a worker
thread), and no ticking at all while there are no sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from termbeam_py.sessions import procfs
from termbeam_py.timefmt import now_ms

log = logging.getLogger(__name__)

#: Seconds between process-table scans; the first WARMUP scans of a session only record the
#: children it already has (shell start-up helpers must not count as finished commands).
POLL_INTERVAL = 2.0
WARMUP = 3
#: Burst-then-silence heuristic thresholds, and the per-session heuristic cooldown.
BURST_SECONDS = 1.0
BURST_BYTES = 100
SILENCE_SECONDS = 5.0
COOLDOWN_SECONDS = 30.0
#: Output carried over to the next read, for marks split across reads; a longer mark (a
#: command line over ~4 KiB) is lost.
MAX_MARK = 4096
_OSC = b"\x1b]"
#: Searched for as ints: `int in bytes` is a plain memchr, `bytes in bytes` costs far more.
_BEL, _BACKSLASH, _ESC = 0x07, 0x5C, 0x1B
_PREFIXES = (b"133;", b"633;")


@dataclass(frozen=True, slots=True)
class CommandDone:
    """A finished command; fields the source could not know are None."""

    timestamp_ms: int
    command: str | None = None
    exit_code: int | None = None
    duration_ms: int | None = None


def unescape_633(value: str) -> str:
    r"""Undo OSC 633 escaping: `\\` is a backslash, `\xAB` a byte (e.g. `\x3b` for `;`)."""
    if "\\" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and value[i + 1 : i + 2] == "\\":
            out.append("\\")
            i += 2
        elif ch == "\\" and value[i + 1 : i + 2] == "x" and _is_hex(value[i + 2 : i + 4]):
            out.append(chr(int(value[i + 2 : i + 4], 16)))
            i += 4
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def _ignore(_done: CommandDone) -> None:
    pass


class SessionActivity:
    """Command tracking for one session; `emit` gets each `CommandDone` worth notifying.

    `clock` times output bursts and commands; the `now` given to `on_children` and
    `check_silence` must be a reading of the same clock (ActivityMonitor uses time.monotonic).
    """

    def __init__(
        self, emit: Callable[[CommandDone], None], *, min_seconds: float = 10.0,
        nonce: str | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._clock = clock
        self.min_seconds = min_seconds
        self._nonce = nonce
        self.integrated = False
        """True once the shell emitted a mark: the heuristics are off from then on."""
        self.last_exit_code: int | None = None
        """The exit status of the last D mark that had one (the drawer's activity line)."""
        self._tail = b""
        self._command: str | None = None
        self._started: float | None = None
        # Heuristic state: output burst, known children (pid -> start time), cooldown.
        self._burst_start = 0.0
        self._burst_bytes = 0
        self._last_output = -SILENCE_SECONDS
        self._children: dict[int, float | None] = {}
        self._polls = 0
        self._cooldown_until = 0.0
        self.on_change: Callable[[], None] | None = None
        """Called when the marks change the command state (the session record is saved)."""
        self.on_mark: Callable[[str, str, int, int], None] | None = None
        """Called with each OSC 133 mark: (kind, the rest of its payload, the sequence numbers
        of its first byte and of the byte after it); the terminal API's `run` listens here."""

    def close(self) -> None:
        """The session ended: emit nothing more (and hold no reference back to it)."""
        self._emit = _ignore
        self.on_change = None
        self.on_mark = None

    # -- what outlives the server (sessions/record.py) ------------------------------------

    @property
    def command(self) -> str | None:
        """The command line running now, as the marks told it."""
        return self._command

    def running_for(self) -> float | None:
        """Seconds since the running command started (its C mark), or None."""
        return None if self._started is None else self._clock() - self._started

    def restore(self, *, integrated: bool, command: str | None,
                running_for: float | None) -> None:
        """Continue where a previous server's tracker left off: a command still running
        then notifies when it finishes, with its whole duration."""
        self.integrated = integrated
        self._command = command
        self._started = None if running_for is None else self._clock() - running_for

    # -- the output stream (hot path) -----------------------------------------------------

    def feed(self, data: bytes, end: int = 0) -> None:
        """Account for one chunk of PTY output; `end` is the sequence number just after it
        (only `on_mark` uses it)."""
        if not self.integrated:
            now = self._clock()
            if now - self._last_output >= SILENCE_SECONDS:
                self._burst_start, self._burst_bytes = now, 0
            self._burst_bytes += len(data)
            self._last_output = now
        # Single-byte searches are memchr-fast; a two-byte one costs ~1 µs per KiB. So marks
        # are searched for only in chunks holding a terminator (BEL, or the backslash of ST),
        # behind what is carried over: an OSC still open at the end of the previous read.
        if _BEL in data or _BACKSLASH in data:
            buf = self._tail + data
            self._tail = _open_osc(buf, self._scan(buf, end - len(buf)))
        elif self._tail or _ESC in data:
            self._tail = _open_osc(self._tail + data, 0)

    def _scan(self, buf: bytes, base: int) -> int:
        """Handle the complete marks in `buf` (whose first byte has sequence number `base`);
        returns the index after the last one."""
        pos = consumed = 0
        while (start := buf.find(_OSC, pos)) >= 0:
            head = buf[start + 2 : start + 6]
            if head not in _PREFIXES:
                pos = start + 2
                continue
            end, after = _terminator(buf, start + 6)
            if end < 0:
                break  # unterminated: the rest of it comes with a later read
            payload = buf[start + 6 : end].decode("utf-8", "replace")
            self._mark(head == b"633;", payload)
            if head == b"133;" and self.on_mark is not None:
                kind, _, rest = payload.partition(";")
                self.on_mark(kind, rest, base + start, base + after)
            pos = consumed = after
        return consumed

    # -- marks ----------------------------------------------------------------------------

    def _mark(self, vscode: bool, payload: str) -> None:
        self.integrated = True
        kind, _, rest = payload.partition(";")
        if kind == "C":
            self._started = self._clock()
        elif kind == "D":
            self._finished(rest)
        elif kind == "E" and vscode:
            self._command = self._command_text(rest)
        elif kind == "A":
            self._started = None  # a new prompt: nothing is running any more
        else:
            return
        if self.on_change is not None:
            self.on_change()

    def _command_text(self, rest: str) -> str | None:
        text, _, nonce = rest.partition(";")
        if self._nonce is not None and nonce != self._nonce:
            return None  # not from our integration script: do not trust the text
        return unescape_633(text).strip() or None

    def _finished(self, rest: str) -> None:
        started, command = self._started, self._command
        self._started = self._command = None
        code = rest.split(";", 1)[0]
        exit_code = int(code) if code.lstrip("-").isdigit() else None
        if exit_code is not None:
            self.last_exit_code = exit_code
        if started is None:
            return  # D without C: an empty command line, or Ctrl+C at the prompt
        duration = self._clock() - started
        if duration < self.min_seconds:
            return
        self._emit(CommandDone(now_ms(), command, exit_code, round(duration * 1000)))

    # -- heuristics (driven by ActivityMonitor) -------------------------------------------

    def on_children(self, children: procfs.ChildAges, now: float) -> None:
        """One process-table reading: `children` are the shell's direct children now."""
        if self.integrated:
            return
        self._polls += 1
        gone = [start for pid, start in self._children.items() if pid not in children]
        self._children = {
            pid: self._children.get(pid) or (None if age is None else now - age)
            for pid, age in children.items()
        }
        if self._polls <= WARMUP or not gone:
            return
        # A child exit ends the burst, so silence detection does not fire again for it.
        self._burst_bytes = 0
        known = [now - start for start in gone if start is not None]
        self._heuristic(now, max(known) if known else None)

    def check_silence(self, now: float) -> None:
        """Burst, then SILENCE_SECONDS of quiet, while a child still runs → notify."""
        if self.integrated or not self._children or self._polls <= WARMUP:
            return
        if now - self._last_output < SILENCE_SECONDS or self._burst_bytes < BURST_BYTES:
            return
        long_enough = self._last_output - self._burst_start >= BURST_SECONDS
        self._burst_bytes = 0
        if long_enough:
            starts = [s for s in self._children.values() if s is not None]
            self._heuristic(now, now - min(starts) if starts else None)

    def _heuristic(self, now: float, duration: float | None) -> None:
        if now < self._cooldown_until:
            return
        if duration is not None and duration < self.min_seconds:
            return
        self._cooldown_until = now + COOLDOWN_SECONDS
        duration_ms = None if duration is None else round(duration * 1000)
        self._emit(CommandDone(now_ms(), duration_ms=duration_ms))


def _open_osc(buf: bytes, start: int) -> bytes:
    """The unterminated OSC at the end of `buf[start:]` (to carry to the next read), or b""."""
    # An OSC payload holds no ESC, so an open one starts at the last ESC, unless that ESC
    # ends the buffer: then it may be the first half of an ST.
    end = len(buf) - 1 if buf.endswith(b"\x1b") else len(buf)
    esc = buf.rfind(b"\x1b", start, end)
    if esc < 0 or buf[esc + 1 : esc + 2] != b"]" or len(buf) - esc > MAX_MARK:
        return buf[end:]
    return buf[esc:]


def _terminator(data: bytes, start: int) -> tuple[int, int]:
    """(end of the OSC payload, index after its terminator) for BEL or ST; (-1, -1) if none."""
    bel = data.find(b"\x07", start)
    st = data.find(b"\x1b\\", start, bel if bel >= 0 else len(data))
    if st >= 0:
        return st, st + 2
    return (bel, bel + 1) if bel >= 0 else (-1, -1)


class ActivityMonitor:
    """Reads the process table once per tick for every session relying on the heuristics."""

    def __init__(self, interval: float = POLL_INTERVAL) -> None:
        self.interval = interval
        self._watched: dict[int, SessionActivity] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, pid: int, activity: SessionActivity) -> None:
        self._watched[pid] = activity
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="activity-monitor")

    def remove(self, pid: int) -> None:
        self._watched.pop(pid, None)

    async def close(self) -> None:
        self._watched.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # Ends when the last session is gone; `add` starts it again.
        while self._watched:
            await asyncio.sleep(self.interval)
            watched = {p: a for p, a in self._watched.items() if not a.integrated}
            if not watched:
                continue
            try:
                children = await asyncio.to_thread(procfs.direct_children, list(watched))
            except OSError as exc:
                log.debug("process table scan failed: %s", exc)
                continue
            now = time.monotonic()
            for pid, activity in watched.items():
                if self._watched.get(pid) is activity:
                    activity.on_children(children.get(pid, {}), now)
                    activity.check_silence(now)
