"""The update routes (/api/update-check, /api/update, /api/update/status, /api/changelog) and
`setup`, which puts an `Updater` on the app."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import WSCloseCode, web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest, Conflict, NotFound, TermbeamError, TooManyRequests
from termbeam_py.scopes import Scope, requires
from termbeam_py.update.updater import ServerHooks, Updater

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

TOO_SOON = "Update already attempted recently. Try again in a few minutes."


@routes.get("/api/update-check")
@requires(Scope.READ)
async def update_check(request: web.Request) -> web.Response:
    force = request.query.get("force", "").lower() in ("1", "true", "yes")
    return web.json_response(await request.app[keys.UPDATER].check(force))


@routes.post("/api/update")
@requires(Scope.ADMIN)
async def trigger_update(request: web.Request) -> web.Response:
    updater = request.app[keys.UPDATER]
    install, current = await updater.install(), await updater.version()
    # From here on nothing awaits, so two requests cannot both start an update.
    if updater.busy:
        raise Conflict("Update already in progress", extra={"state": updater.state})
    if not install.can_auto_update:
        raise BadRequest("Auto-update not available for this installation method", extra={
            "method": install.method, "command": install.command, "canAutoUpdate": False,
        })
    if not updater.limiter.allowed("update"):
        raise TooManyRequests(TOO_SOON, retry_after=updater.limiter.reset_in("update"))
    updater.limiter.hit("update")
    note(request, "update.started", method=install.method, version=current)
    updater.start(install, current)
    return web.json_response({"status": "updating", "method": install.method})


@routes.get("/api/update/status")
@requires(Scope.READ)
async def update_status(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.UPDATER].state)


def _read_changelog(paths: list[Path]) -> str:
    for path in paths:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("could not read %s: %s", path, exc)
            raise TermbeamError("Failed to read changelog") from exc
    raise NotFound("Changelog not available")


@routes.get("/api/changelog")
@requires(Scope.READ)
async def changelog(request: web.Request) -> web.Response:
    updater = request.app[keys.UPDATER]
    await updater.find_checkout()
    text = await asyncio.to_thread(_read_changelog, list(updater.changelog_paths))
    return web.Response(text=text, content_type="text/markdown", charset="utf-8")


async def _close(app: web.Application) -> None:
    await app[keys.UPDATER].close()


def _server_hooks(app: web.Application) -> ServerHooks:
    hub, runtime = app[keys.HUB], app[keys.RUNTIME]

    async def close_sockets() -> None:
        await hub.close_all(WSCloseCode.SERVICE_RESTART, b"Server updated")

    return ServerHooks(broadcast=hub.broadcast, close_sockets=close_sockets,
                       stop=runtime.stop.set)


def setup(app: web.Application) -> None:
    """Put an `Updater` on `app` and add this package's routes (called by create_app)."""
    app[keys.UPDATER] = Updater(app[keys.CONFIG].config_dir, _server_hooks(app))
    app.on_cleanup.append(_close)
    app.router.add_routes(routes)
