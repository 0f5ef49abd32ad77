"""REST for programs kept running (#19): the program fields of `POST /api/sessions`
(`type: "program"`) and `POST /api/sessions/:id/start|stop|restart`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest
from termbeam_py.scopes import Scope, requires
from termbeam_py.session_routes import session_info
from termbeam_py.sessions.program import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_RESTARTS,
    POLICIES,
    Program,
    ProgramSpec,
)

routes = web.RouteTableDef()

MAX_COMMAND = 8192
MAX_RESTARTS = 1000
MAX_BACKOFF = 86400.0
MIN_BACKOFF = 0.01
"""A crash loop cannot spin faster than this (tests use tiny backoffs)."""
MAX_ENV = 100
MAX_ENV_VALUE = 32768
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,255}")


def _command(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("command is required for a program")
    if len(value) > MAX_COMMAND:
        raise BadRequest("command too long")
    if "\x00" in value:
        raise BadRequest("command must not contain NUL")
    return value.strip()


def _int(value: object, name: str, default: int, top: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise BadRequest(f"{name} must be a whole number from 0 to {top}")
    return value


def _seconds(value: object, name: str, default: float) -> float:
    if value is None:
        return default
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not MIN_BACKOFF <= value <= MAX_BACKOFF):
        raise BadRequest(f"{name} must be seconds from {MIN_BACKOFF} to {MAX_BACKOFF:g}")
    return float(value)


def _env(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_ENV:
        raise BadRequest(f"env must be an object of at most {MAX_ENV} names")
    for name, text in value.items():
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise BadRequest("env names are letters, digits and _ (not first a digit)")
        if not isinstance(text, str) or len(text) > MAX_ENV_VALUE or "\x00" in text:
            raise BadRequest(f"env {name} must be a string without NUL")
    return dict(value)


def program_spec(body: dict[str, Any]) -> ProgramSpec:
    """The program fields of a `POST /api/sessions` body (or a workspace entry)."""
    restart = body.get("restart", "on-failure")
    if restart not in POLICIES:
        raise BadRequest("restart must be one of: no, on-failure, always")
    return ProgramSpec(
        command=_command(body.get("command")),
        restart=restart,
        max_restarts=_int(body.get("maxRestarts"), "maxRestarts", DEFAULT_MAX_RESTARTS,
                          MAX_RESTARTS),
        backoff_max=_seconds(body.get("backoffMax"), "backoffMax", DEFAULT_BACKOFF_MAX),
        backoff_initial=_seconds(body.get("backoffInitial"), "backoffInitial",
                                 DEFAULT_BACKOFF_INITIAL),
        env=_env(body.get("env")),
    )


Control = Callable[[Program], Coroutine[Any, Any, None]]


async def _control(request: web.Request, action: Control) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"], "Session not found")
    if session.program is None:
        raise BadRequest("Not a program session")
    note(request, "program.controlled", session=session.id, name=session.name,
         action=action.__name__)
    await action(session.program)
    return web.json_response(session_info(session, request.app[keys.GIT].badge(session.cwd)))


@routes.post("/api/sessions/{id}/start")
@requires(Scope.WRITE)
async def start_program(request: web.Request) -> web.Response:
    return await _control(request, Program.start)


@routes.post("/api/sessions/{id}/stop")
@requires(Scope.WRITE)
async def stop_program(request: web.Request) -> web.Response:
    return await _control(request, Program.stop)


@routes.post("/api/sessions/{id}/restart")
@requires(Scope.WRITE)
async def restart_program(request: web.Request) -> web.Response:
    return await _control(request, Program.restart)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
