"""The sessions a server starts with: the default workspace's (workspace autoboot), as the
stored preferences describe it, or one default session."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from termbeam_py.config import Config
from termbeam_py.errors import TermbeamError
from termbeam_py.prefs import Prefs, PrefsStore, SessionEntry
from termbeam_py.program_routes import program_spec
from termbeam_py.sessions import Session, SessionManager

#: Starts recording a session (recording/service.py's `Recordings.start`).
Record = Callable[[Session], object]

log = logging.getLogger(__name__)


def autoboot_entries(prefs: Prefs) -> list[SessionEntry]:
    """The session entries to start, by precedence; [] means "one default session"."""
    workspaces = prefs["workspaces"]
    for workspace in workspaces:
        if workspace.get("default") and workspace["sessions"]:
            return list(workspace["sessions"])
    if len(workspaces) == 1 and workspaces[0]["sessions"]:
        return list(workspaces[0]["sessions"])
    startup = prefs["startupWorkspace"]
    if startup["enabled"] and startup["sessions"]:
        return list(startup["sessions"])
    return []


def _usable_dir(cwd: str | None) -> bool:
    return cwd is not None and os.path.isabs(cwd) and os.path.isdir(cwd)


async def _spawn_entry(manager: SessionManager, config: Config, entry: SessionEntry,
                       record: Record | None = None) -> str:
    cwd = entry.get("cwd")
    usable = await asyncio.to_thread(_usable_dir, cwd)
    shell_name = entry.get("shell")
    shell = manager.allowed_shell(shell_name) if shell_name else None
    initial = (entry.get("initialCommand") or "").strip() or None
    # A program entry (#19): the same checks as POST /api/sessions (BadRequest skips it).
    program = program_spec(dict(entry)) if entry.get("kind") == "program" else None
    session = await manager.create(
        name=entry["name"],
        shell=shell.path if shell else None,
        args=list(config.shell_args),
        cwd=Path(cwd) if usable and cwd is not None else config.cwd,
        color=entry.get("color"),
        initial_command=initial,
        kind="program" if program is not None else "terminal",
        program=program,
    )
    if entry.get("record") and record is not None:
        record(session)
    return session.id


async def _default_session(manager: SessionManager, config: Config) -> str:
    return (await manager.create(name=config.cwd.name or "home")).id


async def start_sessions(store: PrefsStore, manager: SessionManager, config: Config,
                         record: Record | None = None) -> list[str]:
    """Spawn the start-up sessions (after app start-up); their ids. `record` starts recording
    the entries marked `record: true`.

    An entry that fails to start (a shell gone, the session cap) is logged and skipped; when
    none starts, one default session does.
    """
    prefs, _ = await store.load()
    entries = autoboot_entries(prefs)
    if not entries:
        return [await _default_session(manager, config)]
    ids: list[str] = []
    for entry in entries:
        try:
            ids.append(await _spawn_entry(manager, config, entry, record))
        except TermbeamError as exc:
            log.warning("workspace session %r failed to start: %s", entry["name"], exc.message)
    log.info("Spawned %d/%d workspace sessions", len(ids), len(entries))
    return ids or [await _default_session(manager, config)]
