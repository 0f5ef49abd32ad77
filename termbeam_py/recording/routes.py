"""REST routes for recordings (/api/recordings*), and the service's wiring into the app: it
hears of every session's start and end, and outlives the sessions' own clean-up."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.recording.cast import CONTENT_TYPE, download_name
from termbeam_py.recording.service import Recordings
from termbeam_py.recording.store import FOLDER
from termbeam_py.scopes import Scope, requires

routes = web.RouteTableDef()


@routes.get("/api/recordings")
@requires(Scope.READ)
async def list_recordings(request: web.Request) -> web.Response:
    session = request.query.get("session") or None
    return web.json_response(await request.app[keys.RECORDINGS].listing(session))


@routes.get("/api/recordings/{id}")
@requires(Scope.READ)
async def download_recording(request: web.Request) -> web.StreamResponse:
    path, meta = await request.app[keys.RECORDINGS].find(request.match_info["id"])
    note(request, "recording.downloaded", recording=meta["id"], session=meta["sessionId"])
    return web.FileResponse(path, headers={
        "Content-Type": CONTENT_TYPE,
        "Content-Disposition": f'attachment; filename="{download_name(meta)}"',
    })


@routes.delete("/api/recordings/{id}")
@requires(Scope.WRITE)
async def delete_recording(request: web.Request) -> web.Response:
    part_id = request.match_info["id"]
    await request.app[keys.RECORDINGS].delete(part_id)
    note(request, "recording.deleted", recording=part_id)
    return web.Response(status=204)


async def _recordings_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[keys.RECORDINGS]
    manager = app[keys.SESSIONS]
    await service.start_up()
    manager.start_listeners.append(service.session_started)
    manager.exit_listeners.append(service.session_ended)
    yield
    # Registered before the sessions' clean-up, so this runs after it: a session the holder
    # keeps is recording still, and the next server continues it.
    keep = app[keys.RUNTIME].keep_sessions and manager.durable
    await service.close(manager.all(), keep=keep)


def setup(app: web.Application) -> None:
    """Call before the sessions' cleanup context is added (see `_recordings_ctx`)."""
    config = app[keys.CONFIG]
    app[keys.RECORDINGS] = Recordings(
        config.config_dir / FOLDER, max_bytes=int(config.record_max_mb * 1024 * 1024),
        record_all=config.record,
    )
    app.cleanup_ctx.append(_recordings_ctx)
    app.router.add_routes(routes)
