"""GET /api/sessions/:id/stats and GET /api/machine (#19): the HTTP side of machine.py, for
the drawer's activity line and the hub's machine card."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiohttp import web

from termbeam_py import keys, machine
from termbeam_py.errors import BadRequest, NotFound
from termbeam_py.scopes import Scope, requires

routes = web.RouteTableDef()

FOLDER_NOT_FOUND = "Folder not found"
NOT_A_SESSION_FOLDER = "path must be a session's folder"


@routes.get("/api/sessions/{id}/stats")
@requires(Scope.READ)
async def session_stats(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"], "Session not found")
    return web.json_response(machine.session_stats(request.app, session))


@routes.get("/api/machine")
@requires(Scope.READ)
async def machine_info(request: web.Request) -> web.Response:
    """The machine's figures, with the disk of `?path=` (a session's folder) or else of the
    folder new sessions start in.

    Only those folders: a stat of any path a caller names could wait on an automounter or a
    dead network share, holding a worker thread that git and the file routes need."""
    manager = request.app[keys.SESSIONS]
    query = request.query.get("path")
    if query is None:
        path = manager.default_cwd
    elif not os.path.isabs(query) or "\x00" in query:
        raise BadRequest("path must be an absolute path")
    elif query in {str(manager.default_cwd), *(s.cwd for s in manager.all())}:
        path = Path(query)
    else:
        raise BadRequest(NOT_A_SESSION_FOLDER)
    try:
        info = await asyncio.to_thread(machine.machine_info, path)
    except OSError as exc:
        raise NotFound(FOLDER_NOT_FOUND) from exc
    return web.json_response(info)


def setup(app: web.Application) -> None:
    machine.setup(app)
    app.router.add_routes(routes)
