"""Programs that are kept running (#19): a command line with a restart policy, supervised in
one session whose log and viewers outlive each run.

A `Program` decides what happens when a run ends (restart after a backoff, give up, or stay
down), stops a run (SIGTERM to its process session, SIGKILL after a grace period) and starts
new ones through the manager's launcher. It knows nothing of HTTP; the session it belongs to
calls `run_ended` from its terminal's exit callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from termbeam_py.sessions import procfs
from termbeam_py.sessions.terminal import Terminal
from termbeam_py.timefmt import epoch_iso_ms

if TYPE_CHECKING:
    from termbeam_py.sessions.session import Session

log = logging.getLogger(__name__)

POLICIES = ("no", "on-failure", "always")
STATES = ("running", "backoff", "stopped", "exited", "failed")
State = Literal["running", "backoff", "stopped", "exited", "failed"]
#: The shell that runs a program's command line: predictable on every machine, unlike the
#: user's login shell (whose rc files a non-interactive `-c` would not read anyway).
PROGRAM_SHELL = "/bin/sh"
#: A run that stayed up this long was healthy: the next failure starts the backoff (and the
#: count towards maxRestarts) from the beginning again.
RESET_AFTER = 60.0
#: Seconds between SIGTERM and SIGKILL when a program is stopped.
STOP_GRACE = 5.0
DEFAULT_MAX_RESTARTS = 5
DEFAULT_BACKOFF_MAX = 60.0
DEFAULT_BACKOFF_INITIAL = 1.0


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """What a program runs and how it is kept running (validated by the caller)."""

    command: str
    restart: str = "on-failure"
    max_restarts: int = DEFAULT_MAX_RESTARTS
    backoff_max: float = DEFAULT_BACKOFF_MAX
    backoff_initial: float = DEFAULT_BACKOFF_INITIAL
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def argv(self) -> list[str]:
        return [PROGRAM_SHELL, "-c", self.command]

    def delay(self, streak: int) -> float:
        """The wait before restart number `streak + 1` of a crash loop: doubling, capped."""
        return min(self.backoff_initial * 2.0 ** min(streak, 64), self.backoff_max)


class ProgramInfo(TypedDict):
    """`program` in the session JSON (docs/programs.md)."""

    command: str
    restart: str
    maxRestarts: int
    backoffMax: float
    backoffInitial: float
    restarts: int
    lastExitCode: int | None
    state: State
    nextRestartAt: str | None
    backoffSeconds: float | None
    runs: int


class ProgramRecord(TypedDict):
    """What a later server needs to go on supervising (in the session's record)."""

    command: str
    restart: str
    maxRestarts: int
    backoffMax: float
    backoffInitial: float
    env: dict[str, str]
    state: State
    restarts: int
    streak: int
    lastExitCode: int | None
    nextRestartAt: float | None
    """Unix seconds of a scheduled restart (state backoff)."""
    backoffSeconds: float | None
    runs: int
    runStartedAt: float | None
    """Unix seconds when the live run started."""


class IdleTerminal(Terminal):
    """The terminal of a program session with no process (stopped, given up, or waiting to
    restart after a server restart): takes no input, never resizes, ends nothing."""

    def __init__(self, *, cols: int, rows: int, exit_code: int) -> None:
        # Deliberately not Terminal.__init__: there is no child, fd or exit watch.
        self._loop = asyncio.get_running_loop()
        self.pid = 0
        self.fd = -1
        self.cols, self.rows = cols, rows
        self._pending = bytearray()
        self._writable = asyncio.Event()
        self._writable.set()
        self._reading = False
        self.exit_code = exit_code
        self.exited = asyncio.Event()
        self.exited.set()
        self._leftovers = None

    @property
    def held(self) -> bool:
        return True  # nothing here can be lost by a server restart

    def let_go(self) -> None:
        pass


def separator(text: str) -> bytes:
    """A dim line between runs, on a line of its own, with colours and modes reset."""
    return f"\r\n\x1b[0m\x1b[2m── {text} ──\x1b[0m\r\n".encode()


def _code_word(code: int) -> str:
    return f"killed by signal {code - 128}" if code > 128 else f"exited {code}"


def _seconds(value: float) -> str:
    return f"{value:g} s" if value >= 1 else f"{round(value * 1000)} ms"


Launcher = Callable[["Session"], Awaitable[None]]
"""Starts a new run of the session's program (the manager spawns it); raises OSError."""


class Program:
    """The supervision of one program session."""

    def __init__(self, spec: ProgramSpec, session: Session, launch: Launcher,
                 on_change: Callable[[], None]) -> None:
        self.spec = spec
        self.session = session
        self._launch = launch
        self._on_change = on_change
        self.state: State = "running"
        self.restarts = 0
        """Automatic restarts ever (the metrics counter)."""
        self.streak = 0
        """Restarts since the last healthy run: the backoff exponent and the maxRestarts count."""
        self.last_exit_code: int | None = None
        self.next_restart_at: float | None = None
        self.backoff_seconds: float | None = None
        self.runs = 0
        self.run_started_at: float | None = None
        self.active = False
        """A run is live: its end is ours to judge."""
        self.closed = False
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- runs -----------------------------------------------------------------------------

    def run_started(self) -> None:
        """The manager started a run in the session."""
        self.runs += 1
        self.active = True
        self.run_started_at = time.time()
        self._set("running")

    def run_ended(self, code: int) -> bool:
        """The run's process ended with `code`: decide what comes next. False when the
        session ends with it (it was deleted)."""
        if not self.active:
            return not self.closed
        self.active = False
        self.last_exit_code = code
        if self.closed:
            return False
        uptime = time.time() - (self.run_started_at or time.time())
        self.run_started_at = None
        if self.state == "stopped":
            self._show(f"run {self.runs} · {_code_word(code)} · stopped")
            self._changed()
            return True
        if uptime >= RESET_AFTER:
            self.streak = 0
        self._judge(code)
        return True

    def _judge(self, code: int) -> None:
        spec = self.spec
        wanted = spec.restart == "always" or (spec.restart == "on-failure" and code != 0)
        what = f"run {self.runs} · {_code_word(code)}"
        if not wanted:
            self._show(what)
            self._set("exited")
            return
        if self.streak >= spec.max_restarts:
            self._show(f"{what} · gave up after {self.streak} restarts")
            log.warning("program %r %s: gave up after %d restarts", self.session.name,
                        _code_word(code), self.streak)
            self._set("failed")
            return
        delay = spec.delay(self.streak)
        self.streak += 1
        self.restarts += 1
        self.backoff_seconds = delay
        self.next_restart_at = time.time() + delay
        self._show(f"{what} · restarting in {_seconds(delay)}")
        log.warning("program %r %s: restarting in %s (restart %d of at most %d)",
                    self.session.name, _code_word(code), _seconds(delay), self.streak,
                    spec.max_restarts)
        self._schedule(delay)
        self._set("backoff")

    def _schedule(self, delay: float) -> None:
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(max(delay, 0.0), self._due)

    def _due(self) -> None:
        self._timer = None
        self._spawn_task(self._restart_due())

    async def _restart_due(self) -> None:
        async with self._lock:
            if self.state == "backoff" and not self.closed:
                await self._start_run()

    async def _start_run(self) -> None:
        """Launch a run now (the lock is held); a launch that fails counts as a failed run."""
        self._cancel_timer()
        self.next_restart_at = self.backoff_seconds = None
        if self.runs:
            self._show(f"run {self.runs + 1}")
        try:
            await self._launch(self.session)
        except OSError as exc:
            if self.closed:  # deleted (or the server stopping) while it started
                return
            log.warning("program %r could not start: %s", self.session.name, exc)
            self.session.show(f"\x1b[31m{exc}\x1b[0m\r\n".encode())
            self.runs += 1
            self.last_exit_code = 127
            self._judge(127)
            return
        if self.closed:  # deleted while its run started: end that run too
            await self.session.terminal.kill()
            return
        self.run_started()

    # -- the user's controls --------------------------------------------------------------

    async def start(self) -> None:
        """Run it now unless it runs (a fresh start: the crash-loop count starts again)."""
        async with self._lock:
            if self.active or self.closed:
                return
            self.streak = 0
            await self._start_run()

    async def stop(self) -> None:
        """Stop it for good (until started): SIGTERM, then SIGKILL after STOP_GRACE."""
        async with self._lock:
            await self._stop()

    async def restart(self) -> None:
        async with self._lock:
            await self._stop()
            if not self.closed:
                self.streak = 0
                await self._start_run()

    async def _stop(self) -> None:
        self._cancel_timer()
        self.next_restart_at = self.backoff_seconds = None
        self._set("stopped")
        terminal = self.session.terminal
        if not self.active or terminal.exit_code is not None:
            return
        await _end_run(terminal, STOP_GRACE)

    # -- the server's life ----------------------------------------------------------------

    def close(self) -> None:
        """The session is being deleted: no more runs."""
        self.closed = True
        self._cancel_timer()

    def let_go(self) -> None:
        """The server stops and keeps its sessions: the next one supervises (record first)."""
        self._cancel_timer()
        for task in list(self._tasks):
            task.cancel()

    def _spawn_task(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _set(self, state: State) -> None:
        self.state = state
        self._changed()

    def _changed(self) -> None:
        self._on_change()

    def _show(self, text: str) -> None:
        self.session.show(separator(text))

    # -- what it looks like ---------------------------------------------------------------

    def info(self) -> ProgramInfo:
        spec = self.spec
        return {
            "command": spec.command, "restart": spec.restart, "maxRestarts": spec.max_restarts,
            "backoffMax": spec.backoff_max, "backoffInitial": spec.backoff_initial,
            "restarts": self.restarts, "lastExitCode": self.last_exit_code,
            "state": self.state,
            "nextRestartAt": None if self.next_restart_at is None
            else epoch_iso_ms(self.next_restart_at),
            "backoffSeconds": self.backoff_seconds, "runs": self.runs,
        }

    def record(self) -> ProgramRecord:
        spec = self.spec
        return {
            "command": spec.command, "restart": spec.restart, "maxRestarts": spec.max_restarts,
            "backoffMax": spec.backoff_max, "backoffInitial": spec.backoff_initial,
            "env": dict(spec.env), "state": self.state, "restarts": self.restarts,
            "streak": self.streak, "lastExitCode": self.last_exit_code,
            "nextRestartAt": self.next_restart_at, "backoffSeconds": self.backoff_seconds,
            "runs": self.runs, "runStartedAt": self.run_started_at,
        }

    def restore(self, saved: ProgramRecord, *, alive: bool) -> None:
        """Go on from what a previous server recorded. `alive`: its run is still live (the
        holder kept it); else a run it recorded as running ended while no server ran."""
        self.state, self.restarts, self.streak = saved["state"], saved["restarts"], saved["streak"]
        self.last_exit_code, self.runs = saved["lastExitCode"], saved["runs"]
        self.backoff_seconds = saved["backoffSeconds"]
        if alive:
            self.active = True
            self.run_started_at = saved["runStartedAt"] or time.time()
            self.state = "running"
            return
        if self.state == "running":
            # Its process is gone and nobody saw it end: judge it as a failure.
            self.active, self.run_started_at = True, saved["runStartedAt"]
            self.run_ended(-1)
        elif self.state == "backoff":
            due = saved["nextRestartAt"] or time.time()
            self.next_restart_at = due
            self._schedule(due - time.time())


def spec_from_record(saved: ProgramRecord) -> ProgramSpec:
    return ProgramSpec(
        command=saved["command"], restart=saved["restart"], max_restarts=saved["maxRestarts"],
        backoff_max=saved["backoffMax"], backoff_initial=saved["backoffInitial"],
        env=dict(saved["env"]),
    )


def valid_record(data: object) -> ProgramRecord | None:
    """A program record from a session record's JSON, or None when damaged."""
    if not isinstance(data, dict):
        return None
    texts = ("command", "restart", "state")
    numbers = ("backoffMax", "backoffInitial")
    ints = ("maxRestarts", "restarts", "streak", "runs")
    env = data.get("env")
    if (not all(isinstance(data.get(k), str) for k in texts)
            or not all(isinstance(data.get(k), int | float) for k in numbers)
            or not all(isinstance(data.get(k), int) for k in ints)
            or data["restart"] not in POLICIES or data["state"] not in STATES
            or not isinstance(env, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        return None
    optional: dict[str, type | tuple[type, ...]] = {
        "lastExitCode": int, "nextRestartAt": (int, float), "backoffSeconds": (int, float),
        "runStartedAt": (int, float)}
    if any(data.get(k) is not None and not isinstance(data.get(k), t)
           for k, t in optional.items()):
        return None
    return {
        "command": data["command"], "restart": data["restart"],
        "maxRestarts": data["maxRestarts"], "backoffMax": float(data["backoffMax"]),
        "backoffInitial": float(data["backoffInitial"]), "env": dict(env),
        "state": data["state"], "restarts": data["restarts"], "streak": data["streak"],
        "lastExitCode": data.get("lastExitCode"), "nextRestartAt": data.get("nextRestartAt"),
        "backoffSeconds": data.get("backoffSeconds"), "runs": data["runs"],
        "runStartedAt": data.get("runStartedAt"),
    }


async def _end_run(terminal: Terminal, grace: float) -> None:
    """SIGTERM the run's whole process session, SIGKILL what is left after `grace`."""
    pid = terminal.pid
    members = await asyncio.to_thread(procfs.session_members, pid)
    procfs.signal_all(members | {pid}, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(grace):
            await terminal.exited.wait()
    members = await asyncio.to_thread(procfs.session_members, pid)
    if terminal.exit_code is None:
        members.add(pid)
    procfs.signal_all(members, signal.SIGKILL)
    await terminal.exited.wait()
