"""Port preview: `/preview/<port>/…` reverse-proxies to a dev server on 127.0.0.1:<port>.

Two ways in, one proxy (see docs/security.md, "Port preview"):

* On the main origin every proxied response carries a sandboxing CSP, so a previewed page
  runs in an opaque origin and cannot use the TermBeam API with your login. Its subresources
  authenticate with a per-port grant in the path (`grants.py`), because a sandboxed page
  sends no cookies.
* A separate preview listener (`--preview-port`) serves only this proxy on its own port: a
  different origin, so apps keep cookies, storage and hot reload without the sandbox.

The upstream is always 127.0.0.1 (never a host from the request), and TermBeam's cookie and
`Authorization` header are never forwarded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest
from termbeam_py.preview.proxy import (
    INVALID_PORT,
    PreviewService,
    open_upstream,
    parse_port,
    parse_target,
    relay,
)
from termbeam_py.preview.wsproxy import proxy_websocket

__all__ = ["PreviewService", "close_sockets", "listener_routes", "routes", "setup"]


def _is_navigation(request: web.Request) -> bool:
    return request.method == "GET" and request.headers.get("Sec-Fetch-Mode") == "navigate"


async def proxy(request: web.Request) -> web.StreamResponse:
    """Every method on `/preview/{port}` and `/preview/{port}/{tail}`."""
    port = parse_port(request.match_info["port"])
    if port is None:
        raise BadRequest(INVALID_PORT)
    service = request.app[keys.PREVIEW]
    sandboxed = request.app[keys.PREVIEW_SANDBOXED]
    target = parse_target(request, port, service.grants if sandboxed else None)
    if sandboxed and not target.granted and _is_navigation(request):
        # A logged-in browser opening a preview: from here on its sandboxed page (which
        # sends no cookies) authenticates with the port's grant in the path.
        raise web.HTTPFound(f"/preview/{port}/~{service.grants.issue(port)}{target.path}")
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await proxy_websocket(request, service, target)
    upstream = await open_upstream(request, service, target)
    if isinstance(upstream, web.Response):
        return upstream
    try:
        return await relay(request, upstream, target, sandboxed)
    finally:
        upstream.release()


def _add_proxy_routes(table: web.RouteTableDef) -> None:
    table.route("*", "/preview/{port}")(proxy)
    table.route("*", "/preview/{port}/{tail:.*}")(proxy)


routes = web.RouteTableDef()
_add_proxy_routes(routes)
#: The preview listener serves the proxy and nothing else.
listener_routes = web.RouteTableDef()
_add_proxy_routes(listener_routes)


@routes.get("/api/preview")
async def preview_info(request: web.Request) -> web.Response:
    """Where the separate preview listener is, as this client reaches the server."""
    port = request.app[keys.PREVIEW].listener_port
    base = None
    host = urlsplit(f"//{request.headers.get('Host', request.host)}").hostname or ""
    public = request.app[keys.RUNTIME].public_url
    # A tunnel forwards only the main port: through it, the listener is unreachable.
    if port is not None and host and host != urlsplit(public or "").hostname:
        base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    return web.json_response({"previewPort": port, "previewBase": base})


def setup(app: web.Application, *, timeout: float) -> None:
    app[keys.PREVIEW] = PreviewService(timeout=timeout)
    app[keys.PREVIEW_SANDBOXED] = True
    app.cleanup_ctx.append(_client_ctx)
    app.on_shutdown.append(close_sockets)


async def close_sockets(app: web.Application) -> None:
    await app[keys.PREVIEW].close_sockets()


async def _client_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[keys.PREVIEW]
    service.start()
    yield
    await service.close()
