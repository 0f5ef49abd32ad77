"""SessionManager: create, list, update and delete sessions; the one owner of every PTY."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from termbeam_py.errors import BadRequest, Conflict, NotFound
from termbeam_py.sessions import integration, procfs
from termbeam_py.sessions.activity import ActivityMonitor
from termbeam_py.sessions.events import Notification
from termbeam_py.sessions.session import Session, SessionSpec
from termbeam_py.sessions.shells import Shell, detect_shells

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


class SessionManager:
    """Holds every live session; sessions never outlive the server."""

    def __init__(
        self,
        *,
        default_shell: str,
        default_args: tuple[str, ...],
        default_cwd: Path,
        shell_env: Mapping[str, str],
        shell_integration: bool = True,
        notify_min_seconds: float = 10.0,
    ) -> None:
        self.default_shell = default_shell
        self.default_args = default_args
        self.default_cwd = default_cwd
        self._env = child_environment(shell_env)
        self._sessions: dict[str, Session] = {}
        self.shells: list[Shell] = []
        self.exit_listeners: list[Callable[[Session], None]] = []
        self.shell_integration = shell_integration
        self.notify_min_seconds = notify_min_seconds
        self.max_sessions = MAX_SESSIONS
        self.activity = ActivityMonitor()
        """Process-table polling for the command-complete heuristics."""
        self.notify_listeners: list[Callable[[Session, Notification], None]] = []
        """Called with every command-complete notification (Web Push listens here)."""

    async def start(self) -> None:
        self.shells = await asyncio.to_thread(detect_shells, self.default_shell)

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str, message: str = "not found") -> Session:
        session = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            raise NotFound(message)
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

    def create(
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
    ) -> Session:
        """Spawn a session; arguments are already validated by the caller."""
        if len(self._sessions) >= self.max_sessions:
            raise Conflict(f"Too many sessions (max {self.max_sessions})")
        shell = shell or self.default_shell
        session_id = secrets.token_hex(16)
        argv = list(self.default_args if args is None else args)
        launch = integration.Launch(argv, self._env)
        if self.shell_integration:
            launch = integration.prepare(shell, argv, self._env)
        try:
            spec = SessionSpec(
                id=session_id, name=name or self._pick_name(), shell=shell, args=launch.args,
                cwd=cwd or self.default_cwd, color=color or self._pick_color(),
                env=launch.env, cols=cols, rows=rows, initial_command=initial_command,
                notify_min_seconds=self.notify_min_seconds, shell_nonce=launch.nonce,
            )
            session = Session(spec, on_exit=self._on_exit, on_notify=self._notify)
        except (OSError, ValueError) as exc:
            log.warning("could not start %s: %s", shell, exc)
            raise BadRequest("Failed to create session") from exc
        self._sessions[session_id] = session
        self.activity.add(session.pid, session.activity)
        log.info("session %s started (%s, pid %d)", session_id[:8], shell, session.pid)
        return session

    def _notify(self, session: Session, event: Notification) -> None:
        for listener in self.notify_listeners:
            listener(session, event)

    def _on_exit(self, session: Session) -> None:
        self._sessions.pop(session.id, None)
        self.activity.remove(session.pid)
        log.info("session %s exited", session.id[:8])
        for listener in self.exit_listeners:
            listener(session)

    async def delete(self, session_id: str) -> None:
        session = self.get(session_id)
        # Gone from the list at once; viewers still get `exit` when the process dies.
        self._sessions.pop(session_id, None)
        self.activity.remove(session.pid)
        await session.kill()

    async def kill_all(self) -> None:
        sessions = list(self._sessions.values())
        self._sessions.clear()
        await self.activity.close()
        await asyncio.gather(*(s.kill() for s in sessions), return_exceptions=True)

    async def refresh_cwds(self) -> None:
        """Update every session's cwd from its shell's live cwd, off the event loop."""
        sessions = self.all()
        cwds = await asyncio.to_thread(procfs.live_cwds, [s.pid for s in sessions])
        for session in sessions:
            session.cwd = cwds.get(session.pid, session.cwd)

    async def live_cwd(self, session: Session) -> str:
        """The shell's current directory now (falls back to the last known one)."""
        cwd = await asyncio.to_thread(procfs.live_cwd, session.pid)
        if cwd is not None:
            session.cwd = cwd
        return session.cwd
