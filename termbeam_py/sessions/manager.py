"""SessionManager: create, list, update and delete sessions; the one owner of every PTY."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from termbeam_py.errors import BadRequest, Conflict, NotFound
from termbeam_py.holder.client import HeldSession
from termbeam_py.ptyspawn import Child, terminal_size
from termbeam_py.sessions import integration, procfs
from termbeam_py.sessions.activity import ActivityMonitor
from termbeam_py.sessions.children import ExitWatch, LocalSpawner, Spawner
from termbeam_py.sessions.events import Notification
from termbeam_py.sessions.lease import Leases
from termbeam_py.sessions.outlog import OutputLog
from termbeam_py.sessions.program import Program, ProgramSpec, spec_from_record
from termbeam_py.sessions.record import SessionRecord
from termbeam_py.sessions.records import RecordKeeper
from termbeam_py.sessions.session import Session, SessionSpec
from termbeam_py.sessions.shells import Shell, detect_shells
from termbeam_py.timefmt import now_ms

log = logging.getLogger(__name__)

PALETTE = ("#4a9eff", "#4ade80", "#fbbf24", "#c084fc", "#f87171", "#22d3ee", "#fb923c", "#f472b6")
DEFAULT_COLS, DEFAULT_ROWS = 120, 30
#: The largest terminal, for REST and WebSocket sizes alike.
MAX_COLS, MAX_ROWS = 500, 200
#: Environment variables that must never reach a child shell.
SECRET_ENV = ("TERMBEAM_PASSWORD", "PTY_PASSWORD")


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(extra)
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "TERMBEAM_SESSION": "1"})
    return env


def clamp_size(value: Any, maximum: int, default: int) -> int:
    """A numeric `value` within 1..maximum (floored), else `default`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    if value != value or not 1 <= value <= maximum:  # NaN fails every comparison
        return default
    return int(value)


def check_cwd(cwd: Any) -> Path:
    """Validate a requested working directory (blocking: run in a thread)."""
    if not isinstance(cwd, str) or not os.path.isabs(cwd):
        raise BadRequest("cwd must be an absolute path")
    path = Path(cwd)
    if not path.exists():
        raise BadRequest("cwd does not exist")
    if not path.is_dir():
        raise BadRequest("cwd is not a directory")
    return path


MAX_SESSIONS = 200
"""Live sessions at once. Each is a process and up to a megabyte of log; nothing else bounds
them for a logged-in client (cookie requests are not rate-limited)."""


@dataclass
class Adoption:
    """What a starting server found in the session holder."""

    restored: list[Session] = field(default_factory=list)
    exited: list[tuple[str, int]] = field(default_factory=list)
    """(name, exit code) of sessions whose shell ended while no server ran."""
    lost: int = 0
    """Sessions with a record but no shell any more (the holder itself was gone)."""
    error: str | None = None


EndHow = Literal["exited", "deleted", "stopped", "lost"]


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """A session that ended, for `SessionManager.end_listeners` (the audit log): its shell
    `exited` by itself (with `code`), it was `deleted`, `stopped` with the server, or `lost`
    with the session holder while no server ran."""

    id: str
    name: str
    how: EndHow
    code: int | None = None


class SessionManager:
    """Holds every live session. With a holder spawner (the default in a server) the shells
    live in the session holder and outlive this manager unless it ends them."""

    def __init__(
        self,
        *,
        default_shell: str,
        default_args: tuple[str, ...],
        default_cwd: Path,
        shell_env: Mapping[str, str],
        shell_integration: bool = True,
        notify_min_seconds: float = 10.0,
        spawner: Spawner | None = None,
        store: Path | None = None,
    ) -> None:
        self.default_shell = default_shell
        self.default_args = default_args
        self.default_cwd = default_cwd
        self._env = child_environment(shell_env)
        self._sessions: dict[str, Session] = {}
        self.shells: list[Shell] = []
        self.exit_listeners: list[Callable[[Session], None]] = []
        self.end_listeners: list[Callable[[SessionEnd], None]] = []
        """Called once with every session that ends, and how."""
        self._stopping: set[str] = set()
        """Sessions being ended with the server (see `_on_exit`)."""
        self.start_listeners: list[Callable[[Session], None]] = []
        """Called with each session created or adopted (recordings listen here)."""
        self.shell_integration = shell_integration
        self.notify_min_seconds = notify_min_seconds
        self.max_sessions = MAX_SESSIONS
        self.activity = ActivityMonitor()
        """Process-table polling for the command-complete heuristics."""
        self.notify_listeners: list[Callable[[Session, Notification], None]] = []
        """Called with every command-complete notification (Web Push listens here)."""
        self.leases = Leases(self._end_lapsed)
        """Ends the sessions made with a lease that nobody renews (`termbeam run`'s)."""
        self.spawner: Spawner = spawner or LocalSpawner()
        self.records = RecordKeeper(store)
        self._creating = 0
    async def start(self) -> None:
        self.shells = await asyncio.to_thread(detect_shells, self.default_shell)

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str, message: str = "not found") -> Session:
        """The session a request is about. Every route about one session looks it up here,
        so this is where a request renews the session's lease."""
        session = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            raise NotFound(message)
        if session.lease is not None:
            session.lease.renew()
        return session

    def find(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    def allowed_shell(self, shell: str) -> Shell | None:
        return next((s for s in self.shells if shell in (s.path, s.cmd)), None)

    def _pick_color(self) -> str:
        used = {s.color for s in self._sessions.values()}
        free = [c for c in PALETTE if c not in used]
        return free[0] if free else PALETTE[len(self._sessions) % len(PALETTE)]

    def _pick_name(self) -> str:
        names = {s.name for s in self._sessions.values()}
        n = len(self._sessions) + 1
        while f"Session {n}" in names:
            n += 1
        return f"Session {n}"

    async def create(
        self,
        *,
        name: str | None = None,
        shell: str | None = None,
        args: list[str] | None = None,
        cwd: Path | None = None,
        color: str | None = None,
        cols: int = DEFAULT_COLS,
        rows: int = DEFAULT_ROWS,
        initial_command: str | None = None,
        hidden: bool = False,
        kind: str = "terminal",
        agent: str | None = None,
        program: ProgramSpec | None = None,
        lease: float | None = None,
    ) -> Session:
        """Spawn a session (a program's first run with `program`, ended when unused for
        `lease` seconds with one); arguments are already validated by the caller."""
        if len(self._sessions) + self._creating >= self.max_sessions:
            raise Conflict(f"Too many sessions (max {self.max_sessions})")
        self._creating += 1
        try:
            return await self._create(name=name, shell=shell or self.default_shell, args=args,
                                      cwd=cwd, color=color, cols=cols, rows=rows,
                                      initial_command=initial_command, hidden=hidden,
                                      kind=kind, agent=agent, program=program, lease=lease)
        finally:
            self._creating -= 1

    async def _create(self, *, name: str | None, shell: str, args: list[str] | None,
                      cwd: Path | None, color: str | None, cols: int, rows: int,
                      initial_command: str | None, hidden: bool = False,
                      kind: str = "terminal", agent: str | None = None,
                      program: ProgramSpec | None = None, lease: float | None = None) -> Session:
        session_id = secrets.token_hex(16)
        argv = list(self.default_args if args is None else args)
        launch = integration.Launch(argv, self._env)
        if program is not None:  # no shell integration: a program is not an interactive shell
            shell, *argv = program.argv
            launch = integration.Launch(argv, {**self._env, **program.env})
        elif self.shell_integration:
            launch = integration.prepare(shell, argv, self._env)
        spec = SessionSpec(
            id=session_id, name=name or self._pick_name(), shell=shell, args=launch.args,
            cwd=cwd or self.default_cwd, color=color or self._pick_color(),
            env=launch.env, cols=cols, rows=rows,
            initial_command=None if program is not None else initial_command,
            notify_min_seconds=self.notify_min_seconds, shell_nonce=launch.nonce,
            hidden=hidden, kind=kind, agent=agent, lease=lease,
        )
        # The log first: between the spawn and `_register` nothing may wait, or the exit of a
        # program that ends at once would come before anyone listens for it.
        output = await self.records.new_log(session_id)
        try:
            child, watch = await self.spawner.spawn(
                session_id, [shell, *launch.args], cwd=spec.cwd, env=launch.env, rows=rows,
                cols=cols,
            )
        except (OSError, ValueError) as exc:
            log.warning("could not start %s: %s", shell, exc)
            self.records.remove(session_id)
            raise BadRequest("Failed to create session") from exc
        session = self._register(spec, child, watch, output)
        self.records.started(session)  # first: its record write covers the program's state
        if program is not None:
            self._supervise(session, program).run_started()
        log.info("session %s started (%s, pid %d)", session_id[:8], shell, session.pid)
        return session

    def _supervise(self, session: Session, spec: ProgramSpec) -> Program:
        session.program = Program(spec, session, self._launch,
                                  lambda: self.records.save_soon(session))
        return session.program

    async def _launch(self, session: Session) -> None:
        """Start the next run of a program session (Program calls this)."""
        if session.program is None:
            raise OSError("not a program session")
        spec = session.program.spec
        cols, rows = session.sizer.target() or session.sizer.current
        try:
            child, watch = await self.spawner.spawn(
                session.id, spec.argv, cwd=Path(session.cwd), env={**self._env, **spec.env},
                rows=rows, cols=cols)
        except ValueError as exc:
            raise OSError(str(exc)) from exc
        session.new_run(child, watch)

    def _register(self, spec: SessionSpec, child: Child | None, watch: ExitWatch | None,
                  output: OutputLog) -> Session:
        session = Session(spec, child, watch, log=output, on_exit=self._on_exit,
                          on_notify=self._notify)
        # Cleared by activity.close() when the session ends: no lasting cycle.
        session.activity.on_change = lambda: self.records.save_soon(session)
        if spec.lease is not None:
            self.leases.grant(session, spec.lease)
        self._sessions[session.id] = session
        for listener in self.start_listeners:
            listener(session)
        if spec.kind != "program":  # a program runs, it has no commands to finish
            self.activity.add(session.pid, session.activity)
        return session

    def _notify(self, session: Session, event: Notification) -> None:
        for listener in self.notify_listeners:
            listener(session, event)

    def _on_exit(self, session: Session) -> None:
        # Still listed: it ended by itself. Otherwise it was deleted (the caller says so) or
        # is being stopped with the server.
        listed = self._sessions.pop(session.id, None) is not None
        how: EndHow = "exited" if listed else "stopped" if session.id in self._stopping \
            else "deleted"
        self._stopping.discard(session.id)
        self._ended(SessionEnd(session.id, session.name, how,
                               session.terminal.exit_code if listed else None))
        self.activity.remove(session.pid)
        self.records.remove(session.id)
        log.info("session %s exited", session.id[:8])
        for listener in self.exit_listeners:
            listener(session)

    def set_lease(self, session: Session, seconds: float | None) -> None:
        """Give `session` a lease of `seconds` from now, or none (it stays until deleted)."""
        self.leases.grant(session, seconds)
        self.records.save_soon(session)

    async def _end_lapsed(self, session_id: str) -> None:
        with contextlib.suppress(NotFound):  # the server is stopping
            await self.delete(session_id)

    def _ended(self, end: SessionEnd) -> None:
        for listener in self.end_listeners:
            listener(end)

    async def delete(self, session_id: str) -> None:
        session = self.get(session_id)
        # Gone from the list at once; viewers still get `exit` when the process dies.
        self._sessions.pop(session_id, None)
        self.leases.grant(session, None)
        self.activity.remove(session.pid)
        await session.kill()

    async def kill_all(self) -> None:
        """End every session (a deliberate stop): shells, jobs, records and output logs."""
        await self.leases.settle()
        sessions = list(self._sessions.values())
        self._sessions.clear()
        self._stopping.update(s.id for s in sessions)
        await self.activity.close()
        await asyncio.gather(*(s.kill() for s in sessions), return_exceptions=True)
        await self.records.settle()
        await self.records.close()
        self.spawner.close()

    @property
    def durable(self) -> bool:
        """Whether sessions can outlive this server (they are in the session holder)."""
        return self.spawner.durable

    async def keep_all(self) -> int:
        """Let go of every session without ending it (the holder keeps the shells); how many
        were kept. Call it only when `durable`."""
        await self.leases.settle()
        everything = list(self._sessions.values())
        self._sessions.clear()
        await self.activity.close()
        # A shell started here while the holder could not run cannot outlive us: it ends.
        sessions = [s for s in everything if s.terminal.held]
        local = [s for s in everything if not s.terminal.held]
        for session in sessions:
            self.records.save(session)
        for session in local:
            self.records.remove(session.id)
        self._stopping.update(s.id for s in local)
        await asyncio.gather(*(s.kill() for s in local), return_exceptions=True)
        await self.records.settle()
        for session in sessions:
            session.let_go()
        await self.records.close()
        self.spawner.close()
        return len(sessions)

    async def adopt(self) -> Adoption:
        """Take over the sessions a previous server left in the holder (at start-up)."""
        found = Adoption()
        if not self.spawner.durable:
            return found
        await self.records.remove_spares()
        try:
            held = await self.spawner.held()
        except OSError as exc:
            log.error("cannot adopt the kept sessions: %s", exc)
            found.error = str(exc)
            return found
        stored = await self.records.stored()
        for entry in held:
            stored.discard(entry.id)
            try:
                await self._adopt_one(entry, found)
            except (OSError, ValueError) as exc:
                log.error("could not adopt session %s: %s", entry.id[:8], exc)
                if entry.fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(entry.fd)
        for session_id in stored:
            if await self._adopt_idle_program(session_id, found):
                continue
            log.warning("session %s was lost while no server ran (its holder had ended)",
                        session_id[:8])
            saved = await self.records.read(session_id)
            self.records.remove(session_id)
            found.lost += 1
            self._ended(SessionEnd(session_id, saved["name"] if saved else "", "lost"))
        return found

    async def _adopt_idle_program(self, session_id: str, found: Adoption) -> bool:
        """A program session with no process in the holder (stopped, between runs, or its
        run lost): listed again, and restarted on schedule when its policy says so."""
        saved = await self.records.read(session_id)
        if saved is None or saved["program"] is None:
            return False
        output = await self.records.open_log(session_id)
        spec = self._restored_spec(None, saved, DEFAULT_ROWS, DEFAULT_COLS)
        session = self._register(spec, None, None, output)
        session.restored = session.ever_attached = True
        self._supervise(session, spec_from_record(saved["program"])).restore(
            saved["program"], alive=False)
        found.restored.append(session)
        return True

    async def _adopt_one(self, entry: HeldSession, found: Adoption) -> None:
        if entry.fd is None:
            raise ValueError("the holder sent no PTY for it")
        saved = await self.records.read(entry.id)
        output = await self.records.open_log(entry.id)
        spec = self._restored_spec(entry, saved, *terminal_size(entry.fd))
        child, watch = self.spawner.adopt(entry.id, entry.pid, entry.fd, entry.exit_code)
        session = self._register(spec, child, watch, output)
        if saved is not None and saved["program"] is not None:
            # Its run goes on; an exit while no server ran is judged once the watch reports it.
            self._supervise(session, spec_from_record(saved["program"])).restore(
                saved["program"], alive=True)
        session.restored = True
        session.ever_attached = True  # the screen has content: viewers get a replay
        if saved is not None:
            started = saved["commandStartedAt"]
            session.activity.restore(
                integrated=saved["integrated"], command=saved["command"],
                running_for=None if started is None else max(0, now_ms() - started) / 1000,
            )
            session.last_activity = saved["lastActivity"]
        if entry.exit_code is not None:
            log.info("session %s (%s) exited while no server ran (code %d)", entry.id[:8],
                     session.name, entry.exit_code)
            found.exited.append((session.name, entry.exit_code))
        else:
            found.restored.append(session)
            log.info("session %s restored (pid %d)", entry.id[:8], entry.pid)

    def _restored_spec(self, entry: HeldSession | None, saved: SessionRecord | None,
                       rows: int, cols: int) -> SessionSpec:
        if saved is None:
            if entry is None:
                raise ValueError("neither a held shell nor a record")
            return SessionSpec(
                id=entry.id, name=self._pick_name(), shell=self.default_shell, args=[],
                cwd=self.default_cwd, color=self._pick_color(), env={}, cols=cols, rows=rows,
                notify_min_seconds=self.notify_min_seconds,
            )
        return SessionSpec(
            id=saved["id"], name=saved["name"], shell=saved["shell"], args=saved["args"],
            cwd=Path(saved["cwd"]), color=saved["color"], env={}, cols=cols, rows=rows,
            notify_min_seconds=saved["notifyMinSeconds"], shell_nonce=saved["nonce"],
            created_at=saved["createdAt"], hidden=saved["hidden"], kind=saved["type"],
            agent=saved["agent"], lease=saved["lease"],
        )

    async def refresh_cwds(self) -> None:
        """Update every session's cwd from its shell's live cwd, off the event loop."""
        # A program keeps the folder it was given (each run starts there).
        sessions = [s for s in self.all() if s.program is None]
        cwds = await asyncio.to_thread(procfs.live_cwds, [s.pid for s in sessions])
        for session in sessions:
            session.cwd = cwds.get(session.pid, session.cwd)

    async def live_cwd(self, session: Session) -> str:
        """The shell's current directory now (falls back to the last known one)."""
        if session.program is not None:
            return session.cwd
        cwd = await asyncio.to_thread(procfs.live_cwd, session.pid)
        if cwd is not None:
            session.cwd = cwd
        return session.cwd
