"""Port preview: `/preview/<port>/…` reverse-proxies to a dev server on 127.0.0.1:<port>.

Two ways in, one proxy (see docs/security.md, "Port preview"):

* Each previewed port gets a listener of its own (`listeners.py`): its own origin, so apps
  keep cookies, storage and hot reload without a sandbox, and stay as separate from each
  other as when loaded directly. `opening.py` sends the browser there.
* On the main origin every proxied response carries a sandboxing CSP, so a previewed page
  runs in an opaque origin and cannot use the TermBeam API with your login. Its subresources
  authenticate with a per-port grant in the path (`grants.py`), because a sandboxed page
  sends no cookies. This is the way in through a tunnel, which forwards only the main port.

The upstream is always 127.0.0.1 and never one of our own ports; TermBeam's cookie and
`Authorization` header are never forwarded, nor other apps' cookies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.errors import Forbidden
from termbeam_py.preview.listeners import (
    Listener,
    ListenerPool,
    RunnerOptions,
    SiteFactory,
    track_middleware,
)
from termbeam_py.preview.opening import checked_port, open_preview, preview_info
from termbeam_py.preview.proxy import (
    PreviewService,
    open_upstream,
    parse_port,
    parse_target,
    relay,
)
from termbeam_py.preview.wsproxy import close_websockets, proxy_websocket
from termbeam_py.scopes import Scope, requires

__all__ = [
    "PreviewService", "close_sockets", "listener_headers", "listener_routes", "routes",
    "setup", "track_middleware",
]

#: What a listener's responses outside its own app's path carry: a document there shares the
#: app's origin, and could read the cookies scoped to another port's path (`/preview/<other>/`).
_FOREIGN_PATH_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}


def _is_navigation(request: web.Request) -> bool:
    return request.method == "GET" and request.headers.get("Sec-Fetch-Mode") == "navigate"


def _requested_port(request: web.Request) -> int:
    """The port to proxy to: valid, the listener's own on a listener, never one of ours
    (checked on every request: a listener started later may hold a port previewed earlier)."""
    raw = request.match_info["port"]
    listener = request.app.get(keys.PREVIEW_LISTENER)
    if listener is not None and parse_port(raw) != listener.target:
        raise Forbidden(f"This preview origin serves port {listener.target} only")
    return checked_port(request, raw)


@requires(Scope.WRITE)
async def proxy(request: web.Request) -> web.StreamResponse:
    """Every method on `/preview/{port}` and `/preview/{port}/{tail}`."""
    port = _requested_port(request)
    service = request.app[keys.PREVIEW]
    sandboxed = request.app[keys.PREVIEW_SANDBOXED]
    target = parse_target(request, port, service.grants if sandboxed else None)
    if sandboxed and not target.granted and _is_navigation(request):
        # A logged-in browser opening a preview: from here on its sandboxed page (which
        # sends no cookies) authenticates with the port's grant in the path.
        note(request, "preview.granted", port=port)
        raise web.HTTPFound(f"/preview/{port}/~{service.grants.issue(port)}{target.path}")
    if request.headers.get("Upgrade", "").lower() == "websocket":
        listener = request.app.get(keys.PREVIEW_LISTENER)
        sockets = listener.sockets if listener is not None else service.sockets
        return await proxy_websocket(request, service, target, sockets)
    upstream = await open_upstream(request, service, target)
    try:
        return await relay(request, upstream, target, sandboxed)
    finally:
        upstream.release()


@requires(Scope.WRITE)
async def listener_root(request: web.Request) -> web.StreamResponse:
    """`/` on a listener: its app."""
    raise web.HTTPFound(f"/preview/{request.app[keys.PREVIEW_LISTENER].target}/")


def _add_proxy_routes(table: web.RouteTableDef) -> None:
    table.route("*", "/preview/{port}")(proxy)
    table.route("*", "/preview/{port}/{tail:.*}")(proxy)


routes = web.RouteTableDef()
_add_proxy_routes(routes)
routes.get("/api/preview")(preview_info)
routes.get("/api/preview/{port}/open")(open_preview)
#: A preview listener serves the proxy for its one port and nothing else.
listener_routes = web.RouteTableDef()
_add_proxy_routes(listener_routes)
listener_routes.get("/")(listener_root)


async def listener_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Sandbox whatever a listener serves outside its app's path (errors, redirects)."""
    own = f"/preview/{request.app[keys.PREVIEW_LISTENER].target}"
    path = request.raw_path.partition("?")[0]
    if path != own and not path.startswith(own + "/"):
        response.headers.update(_FOREIGN_PATH_HEADERS)


def setup(
    app: web.Application, *, timeout: float,
    listener_app: Callable[[web.Application, Listener], web.Application] | None,
) -> None:
    """The preview service and routes of the main app; per-port listeners unless
    `listener_app` is None (`--no-preview-port`)."""
    service = PreviewService(timeout=timeout)
    config = app[keys.CONFIG]
    if listener_app is not None and config.preview_port is not None:
        service.listeners = ListenerPool(
            lambda listener: listener_app(app, listener), config.host, config.preview_port,
            **_guarded(app),
        )
    app[keys.PREVIEW] = service
    app[keys.PREVIEW_SANDBOXED] = True
    app.cleanup_ctx.append(_client_ctx)
    app.on_shutdown.append(close_sockets)
    app.router.add_routes(routes)


class _Guarded(TypedDict, total=False):
    site: SiteFactory
    runner_options: RunnerOptions


def _guarded(app: web.Application) -> _Guarded:
    """Listeners count against the server's connection caps, as the main listener does."""
    guard = app.get(keys.CONNECTIONS)
    if guard is None:
        return {}
    return {"site": guard.site,
            "runner_options": {"keepalive_timeout": guard.limits.keepalive_timeout}}


async def close_sockets(app: web.Application) -> None:
    """On shutdown: a listener closes its proxied sockets; the main app closes its own and
    every listener."""
    listener = app.get(keys.PREVIEW_LISTENER)
    if listener is not None:
        await close_websockets(listener.sockets)
        return
    service = app[keys.PREVIEW]
    await close_websockets(service.sockets)
    if service.listeners is not None:
        await service.listeners.close_all()


async def _client_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[keys.PREVIEW]
    service.start()
    yield
    await service.close()
