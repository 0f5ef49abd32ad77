"""Small routes about the server itself: version, health and shutdown."""

from __future__ import annotations

import time

from aiohttp import web

from termbeam_py import __version__, keys
from termbeam_py.audit import note
from termbeam_py.auth import is_loopback_peer
from termbeam_py.errors import Forbidden
from termbeam_py.scopes import Reach, Scope, requires

routes = web.RouteTableDef()


@routes.get("/api/version")
@requires(Scope.VIEW, reach=Reach.ANY)
async def version(request: web.Request) -> web.Response:
    # Per request: a source checkout shows new commits and dirty state without a restart.
    return web.json_response({"version": await request.app[keys.UPDATER].version()})


@routes.get("/health")
@requires(Scope.VIEW, reach=Reach.ANY)
async def health(request: web.Request) -> web.Response:
    """`{"status": "ok"}` for anyone (a supervisor's probe); version, uptime and session count
    only with a login cookie or Bearer password, since they help an attacker pick an exploit.

    /health is public, so the credentials are checked here: a wrong Bearer password is a 401
    and counts against the login limit, like everywhere else.
    """
    if not request.app[keys.AUTH].authenticated(request):
        return web.json_response({"status": "ok"})
    runtime = request.app[keys.RUNTIME]
    return web.json_response({
        "status": "ok",
        "version": __version__,
        "uptime": round(time.monotonic() - runtime.started, 1),
        "sessions": len(request.app[keys.SESSIONS]),
    })


@routes.post("/api/shutdown")
@requires(Scope.ADMIN)
async def shutdown(request: web.Request) -> web.Response:
    # Checked on the socket address: a tunnel or proxy header cannot fake it.
    if not is_loopback_peer(request):
        raise Forbidden("Shutdown is only available from localhost")
    note(request, "shutdown.requested")
    request.app[keys.RUNTIME].stop.set()
    return web.json_response({"ok": True})


def setup(app: web.Application) -> None:
    """Add this module's routes to `app` (called by create_app)."""
    app.router.add_routes(routes)
