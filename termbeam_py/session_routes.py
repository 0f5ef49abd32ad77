"""REST routes for sessions, shells and the folder picker (/api/sessions*, /api/shells,
/api/dirs): the HTTP side of `sessions/`, which itself knows nothing of aiohttp."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Literal, TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest
from termbeam_py.gitbadge import GitBadge
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Reach, Scope, principal_of, requires
from termbeam_py.sessions import Session
from termbeam_py.sessions.lease import MAX_LEASE, MIN_LEASE, valid_lease
from termbeam_py.sessions.manager import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    MAX_COLS,
    MAX_ROWS,
    check_cwd,
    clamp_size,
)
from termbeam_py.sessions.program import ProgramInfo
from termbeam_py.sessions.record import KINDS

routes = web.RouteTableDef()


class SessionInfo(TypedDict):
    """One entry of `GET /api/sessions`, as the API reference lists it."""

    id: str
    name: str
    cwd: str
    shell: str
    pid: int
    clients: int
    createdAt: str
    color: str
    lastActivity: int
    type: Literal["terminal", "agent", "program"]
    agent: str | None
    """The agent's id (GET /api/agents) for an agent session, else None."""
    hidden: bool
    git: GitBadge | None
    restored: bool
    """Adopted by this server from the session holder: it outlived a server restart."""
    program: ProgramInfo | None
    """A program kept running: its command, policy and state (docs/programs.md)."""
    recording: bool
    """Being recorded (GET /api/recordings, #19)."""
    recordingInput: bool
    """Its recording includes what is typed (off unless asked for)."""
    lease: float | None
    """Seconds it may go unused before the server ends it (`termbeam run`'s), else None."""


def session_info(session: Session, git: GitBadge | None) -> SessionInfo:
    return {
        "id": session.id,
        "name": session.name,
        "cwd": session.cwd,
        "shell": session.shell,
        "pid": session.pid,
        "clients": len(session.clients),
        "createdAt": session.created_at,
        "color": session.color,
        "lastActivity": session.last_activity,
        "type": "program" if session.program is not None
        else "agent" if session.kind == "agent" else "terminal",
        "agent": session.agent,
        "hidden": session.hidden,
        "git": git,
        "restored": session.restored,
        "program": None if session.program is None else session.program.info(),
        "recording": session.recorder is not None and session.recorder.active,
        "recordingInput": session.recorder is not None and session.recorder.active
        and session.recorder.record_input,
        "lease": None if session.lease is None else session.lease.seconds,
    }

MAX_INITIAL_COMMAND = 8192
AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_NAME = 128
MAX_DIRS = 500
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


def _name(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("name must be a string")
    value = value.strip()
    if len(value) > MAX_NAME:
        raise BadRequest("name too long")
    return value or None


def _color(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise BadRequest("color must be a hex colour like #4a9eff")
    return value


def _args(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise BadRequest("args must be an array of strings")
    return value


def _agent(kind: str, value: object) -> str | None:
    """An agent session's agent id: a short plain word (GET /api/agents' ids), or None."""
    if value is None:
        return None
    if kind != "agent":
        raise BadRequest("agent needs type \"agent\"")
    if not isinstance(value, str) or not AGENT_ID.fullmatch(value):
        raise BadRequest("Invalid agent")
    return value


def _lease(value: object) -> float | None:
    """A lease in seconds (sessions/lease.py), or None for no lease."""
    if value is None:
        return None
    lease = valid_lease(value)
    if lease is None:
        raise BadRequest(f"lease must be a number of seconds from {MIN_LEASE:g} to "
                         f"{MAX_LEASE:g}, or null")
    return lease


def _initial_command(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("initialCommand must be a string")
    if len(value) > MAX_INITIAL_COMMAND:
        raise BadRequest("initialCommand too long")
    return value.strip() or None


@routes.get("/api/sessions")
@requires(Scope.READ, reach=Reach.OWN)
async def list_sessions(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    await manager.refresh_cwds()
    badges = request.app[keys.GIT]
    # Hidden sessions (`hidden: true`, e.g. `termbeam run`'s) are listed only when asked:
    # ?hidden=1 (the original's word; ?all=1 too).
    everything = any(request.query.get(k) in ("1", "true") for k in ("hidden", "all"))
    # The git badge is cached; listing never waits on git.
    caller = principal_of(request)
    listing = [session_info(s, badges.badge(s.cwd)) for s in manager.all()
               if (everything or not s.hidden) and (caller is None or caller.sees(s.id))]
    return web.json_response(listing)


@routes.post("/api/sessions")
@requires(Scope.WRITE)
async def create_session(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    body = await json_body(request, optional=True)
    shell = body.get("shell")
    if shell is not None and (not isinstance(shell, str) or manager.allowed_shell(shell) is None):
        raise BadRequest("Invalid shell")
    args = _args(body.get("args"))
    initial_command = _initial_command(body.get("initialCommand"))
    hidden = body.get("hidden", False)
    if not isinstance(hidden, bool):
        raise BadRequest("hidden must be a boolean")
    kind = body.get("type", "terminal")
    if kind not in KINDS:
        raise BadRequest("Invalid session type")
    agent = _agent(kind, body.get("agent"))
    # Imported here: program_routes builds on this module's session_info.
    from termbeam_py.program_routes import program_spec

    program = program_spec(body) if kind == "program" else None
    recording = _flags(body)
    lease = _lease(body.get("lease"))
    cwd = None
    if body.get("cwd") is not None:
        cwd = await asyncio.to_thread(check_cwd, body["cwd"])
    session = await manager.create(
        name=_name(body.get("name")),
        shell=shell,
        args=args if args is not None else ([] if shell else None),
        cwd=cwd,
        color=_color(body.get("color")),
        cols=clamp_size(body.get("cols"), MAX_COLS, DEFAULT_COLS),
        rows=clamp_size(body.get("rows"), MAX_ROWS, DEFAULT_ROWS),
        initial_command=initial_command,
        hidden=hidden,
        kind=kind,
        agent=agent,
        program=program,
        lease=lease,
    )
    await _record(request, session, *recording)
    note(request, "session.created", session=session.id, name=session.name, hidden=hidden)
    return web.json_response({"id": session.id, "url": f"/terminal?id={session.id}"}, status=201)


@routes.get("/api/sessions/{id}")
@requires(Scope.READ)
async def get_session(request: web.Request) -> web.Response:
    """One session as `GET /api/sessions` lists it, hidden ones too (a script's way to
    check on the session it made, and to renew its lease)."""
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"])
    await manager.live_cwd(session)
    return web.json_response(session_info(session, request.app[keys.GIT].badge(session.cwd)))


@routes.patch("/api/sessions/{id}")
@requires(Scope.WRITE)
async def update_session(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"])
    body = await json_body(request)
    name, color = _name(body.get("name")), _color(body.get("color"))
    recording = _flags(body)
    lease = _lease(body.get("lease"))
    if name is not None:
        session.name = name
    if color is not None:
        session.color = color
    if "lease" in body:  # null drops the lease: the session stays until deleted
        manager.set_lease(session, lease)
    await _record(request, session, *recording)
    if recording == (None, None):
        return web.json_response({"ok": True})  # the reference's answer
    # A recording toggle shows the state it left, from the session's fields (#19).
    info = session_info(session, request.app[keys.GIT].badge(session.cwd))
    return web.json_response({"ok": True, **info})


def _flags(body: dict[str, object]) -> tuple[bool | None, bool | None]:
    """The body's `recording` and `recordInput` (#19), each a boolean or absent."""
    values = body.get("recording"), body.get("recordInput")
    for key, value in zip(("recording", "recordInput"), values, strict=True):
        if value is not None and not isinstance(value, bool):
            raise BadRequest(f"{key} must be a boolean")
    return values  # type: ignore[return-value]


async def _record(request: web.Request, session: Session, recording: bool | None,
                  record_input: bool | None) -> None:
    """`recording` turns the session's recording on or off; `recordInput` whether it
    includes what is typed (only ever when asked: passwords are typed into terminals)."""
    recordings = request.app[keys.RECORDINGS]
    if recording is False:
        recordings.stop(session)
        await recordings.writer.sync()  # the part is complete once this answers
    elif recording or (record_input is not None and session.recorder is not None):
        recordings.start(session, record_input=record_input)
    else:
        return
    recorder = session.recorder
    note(request, "recording.changed", session=session.id, name=session.name,
         recording=recorder is not None, input=recorder is not None and recorder.record_input)


@routes.delete("/api/sessions/{id}")
@requires(Scope.WRITE)
async def delete_session(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"])
    await manager.delete(session.id)
    note(request, "session.deleted", session=session.id, name=session.name)
    return web.Response(status=204)


@routes.get("/api/sessions/{id}/detect-port")
@requires(Scope.READ)
async def detect_port(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    port = session.log.last_local_port()
    if port is None:
        return web.json_response({"detected": False})
    return web.json_response({"detected": True, "port": port})


@routes.get("/api/shells")
@requires(Scope.READ)
async def list_shells(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    default = manager.allowed_shell(manager.default_shell)
    return web.json_response({
        "shells": [s.as_json() for s in manager.shells],
        "default": default.cmd if default else manager.default_shell,
        "cwd": str(manager.default_cwd),
    })


class DirList(TypedDict):
    """`GET /api/dirs`: the folder picker's subdirectories of `base`."""

    base: str
    dirs: list[str]
    truncated: bool
    exists: bool


def list_dirs(query: str) -> DirList:
    """Subdirectories for the folder picker (blocking: run in a thread)."""
    if query.endswith(("/", os.sep)):
        base, prefix = query, ""
    else:
        base, prefix = os.path.dirname(query) or "/", os.path.basename(query).lower()
    base_path = Path(base)
    dirs: list[str] = []
    truncated = False
    try:
        with os.scandir(base_path) as entries:
            for entry in sorted(entries, key=lambda e: e.name.lower()):
                if entry.name.startswith(".") or not entry.name.lower().startswith(prefix):
                    continue
                if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                    continue
                if len(dirs) == MAX_DIRS:
                    truncated = True
                    break
                dirs.append(str(base_path / entry.name))
    except OSError:
        return {"base": str(base_path), "dirs": [], "truncated": False, "exists": False}
    return {"base": str(base_path), "dirs": dirs, "truncated": truncated, "exists": True}


@routes.get("/api/dirs")
@requires(Scope.READ)
async def dirs(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    query = request.query.get("q") or str(manager.default_cwd) + os.sep
    if not os.path.isabs(query) or "\x00" in query:
        raise BadRequest("q must be an absolute path")
    return web.json_response(await asyncio.to_thread(list_dirs, query))


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    app[keys.SESSIONS].leases.listeners.append(lambda session: _audit_lapse(app, session))


def _audit_lapse(app: web.Application, session: Session) -> None:
    """A leased session nobody used for its lease is ended by the server: audited as an
    end nobody asked for (`session.ended`, reason `lease`), like a shell that exited."""
    audit = app.get(keys.AUDIT)
    if audit is not None:
        audit.record("session.ended", session=session.id, name=session.name, reason="lease")
