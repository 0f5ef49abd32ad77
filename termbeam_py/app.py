"""create_app(config): the one place where middlewares, services and routes are wired."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import WSCloseCode, web
from aiohttp.http import SERVER_SOFTWARE

from termbeam_py import (
    agents,
    audit,
    auth,
    files,
    gitbadge,
    gitrepo,
    keys,
    logins,
    machine_routes,
    meta,
    metrics,
    prefs,
    program_routes,
    push,
    session_routes,
    static,
    termapi,
    token_routes,
    totp_routes,
    update,
    view_routes,
    ws,
)
from termbeam_py.auth import Auth, Handler
from termbeam_py.config import Config
from termbeam_py.connlimits import ConnectionGuard, Limits
from termbeam_py.errors import TermbeamError
from termbeam_py.holder.client import HolderClient, holder_supported
from termbeam_py.holder.paths import SESSIONS as SESSIONS_DIR
from termbeam_py.holder.paths import holder_dir
from termbeam_py.memory import Allocator, Trimmer, trimming
from termbeam_py.preview import close_sockets as close_preview_sockets
from termbeam_py.preview import listener_headers as preview_listener_headers
from termbeam_py.preview import listener_routes as preview_listener_routes
from termbeam_py.preview import setup as setup_preview
from termbeam_py.preview import track_middleware as track_preview_listener
from termbeam_py.preview.listeners import Listener
from termbeam_py.recording.routes import setup as setup_recording
from termbeam_py.runtime import Runtime
from termbeam_py.sessions import SessionManager
from termbeam_py.sessions.children import HolderSpawner, LocalSpawner, Spawner
from termbeam_py.tunnel.service import setup as setup_tunnel
from termbeam_py.ws import Hub

log = logging.getLogger(__name__)

# 'wasm-unsafe-eval' lets the recordings player (asciinema-player, #19) compile its terminal
# emulator, WebAssembly bundled in our own script; it allows no JavaScript eval.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",
}
#: Our `Server` header: no versions to look exploits up by (aiohttp sends its own and Python's).
SERVER_NAME = "termbeam"
_HTTP_MESSAGES = {404: "not found", 405: "method not allowed", 413: "Request body too large"}
BAD_BODY = "Invalid request body"


def _error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """TermbeamError → its JSON body; API HTTP errors → JSON; anything else → logged 500."""
    try:
        return await handler(request)
    except TermbeamError as exc:
        response = web.json_response(exc.body(), status=exc.status)
        response.headers.update(exc.headers)
        return response
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api/"):
            return _error_response(exc.status, _HTTP_MESSAGES.get(exc.status, exc.reason))
        raise
    except web.RequestPayloadError as exc:
        # The body broke its own framing or Content-Encoding (bad chunk, bad gzip): the
        # client's doing, so one line and a 400, not a traceback and a 500.
        log.info("bad request body on %s %s: %s", request.method, request.path, exc)
        return _error_response(400, BAD_BODY)
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(500, "internal error")


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp has filled in its default by now; a previewed app's own `Server` is kept.
    if response.headers.get("Server", SERVER_SOFTWARE) == SERVER_SOFTWARE:
        response.headers["Server"] = SERVER_NAME


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/preview/"):
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")


def create_app(config: Config) -> web.Application:
    app = web.Application(
        middlewares=[
            error_middleware, auth.guard_middleware, auth.rate_limit_middleware,
            auth.auth_middleware,
        ],
        client_max_size=1024**2,
    )
    app[keys.CONFIG] = config
    app[keys.AUTH] = Auth(config)
    app[keys.RUNTIME] = Runtime(public_url=config.public_url)
    app[keys.HUB] = Hub()
    app[keys.CONNECTIONS] = ConnectionGuard(
        Limits.from_config(config),
        error_headers={"Server": SERVER_NAME, **SECURITY_HEADERS, "Cache-Control": "no-store"},
    )
    app[keys.SESSIONS] = _session_manager(config)
    app[keys.TRIMMER] = Trimmer(Allocator())
    audit.setup(app)  # before the sessions: its writer outlives their cleanup
    setup_recording(app)  # likewise: it hears which sessions the holder keeps
    app.cleanup_ctx.append(_sessions_ctx)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_server_header)
    app.on_response_prepare.append(_security_headers)
    for setup in FEATURES:
        setup(app)
    return app


def _preview(app: web.Application) -> None:
    setup_preview(app, timeout=app[keys.CONFIG].preview_timeout, listener_app=create_preview_app)


#: Every feature, each registering its services and its routes. Routes match in the order they
#: are added, so this is also the route order: the static pages' root patterns after every
#: API route, the preview proxy last.
FEATURES: tuple[Callable[[web.Application], None], ...] = (
    ws.setup, auth.setup, meta.setup, session_routes.setup, termapi.setup, files.setup,
    gitbadge.setup,
    gitrepo.setup, prefs.setup, agents.setup, update.setup, push.setup, token_routes.setup,
    totp_routes.setup, logins.setup,
    view_routes.setup, setup_tunnel, metrics.setup, program_routes.setup, machine_routes.setup,
    static.setup, _preview,
)


def create_preview_app(main: web.Application, listener: Listener) -> web.Application:
    """One previewed port's listener: only the proxy to that port, on its own origin, without
    a sandbox (see preview/listeners.py).

    It shares the main app's login check and upstream client, so it must be served while the
    main app runs. Host and Origin are checked as on the main origin.
    """
    app = web.Application(
        middlewares=[
            error_middleware, track_preview_listener, auth.guard_middleware,
            auth.auth_middleware,
        ],
        client_max_size=1024**2,
    )
    app[keys.CONFIG] = main[keys.CONFIG]
    app[keys.AUTH] = main[keys.AUTH]
    app[keys.RUNTIME] = main[keys.RUNTIME]
    app[keys.PREVIEW] = main[keys.PREVIEW]
    app[keys.PREVIEW_SANDBOXED] = False
    app[keys.PREVIEW_LISTENER] = listener
    app.on_response_prepare.append(_server_header)
    app.on_response_prepare.append(preview_listener_headers)
    app.on_shutdown.append(close_preview_sockets)
    app.router.add_routes(preview_listener_routes)
    return app


def _session_manager(config: Config) -> SessionManager:
    """Sessions live in the state directory's session holder, so they outlive this server,
    where the holder can run; else they are this process's children (docs/architecture.md)."""
    spawner: Spawner = LocalSpawner()
    store = None
    if holder_supported():
        directory = holder_dir(config.config_dir)
        spawner, store = HolderSpawner(HolderClient(directory)), directory / SESSIONS_DIR
    return SessionManager(
        default_shell=config.shell, default_args=config.shell_args, default_cwd=config.cwd,
        shell_env=config.shell_env, shell_integration=config.shell_integration,
        notify_min_seconds=config.notify_min_seconds, spawner=spawner, store=store,
    )


async def _sessions_ctx(app: web.Application) -> AsyncIterator[None]:
    manager = app[keys.SESSIONS]
    await app[keys.AUTH].tokens.load()
    await manager.start()
    trimmer = app[keys.TRIMMER]
    manager.exit_listeners.append(lambda _session: trimmer.note_freed())
    async with trimming(trimmer):
        yield
    if app[keys.RUNTIME].keep_sessions and manager.durable:
        await manager.keep_all()
    else:
        await manager.kill_all()


async def _close_sockets(app: web.Application) -> None:
    hub = app[keys.HUB]
    if app[keys.RUNTIME].keep_sessions:
        # The shells live on in the session holder: 1012 tells the web app the server is
        # restarting (not gone), so it says so and reconnects to the same sessions.
        await hub.close_all(WSCloseCode.SERVICE_RESTART, ws.RESTARTING)
    else:
        await hub.close_all()
