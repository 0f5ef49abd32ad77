"""Where a preview opens: on its port's own listener when this browser can reach it, else on
the main origin's sandboxed path (through a tunnel or a reverse proxy, which forward only the
main port).

`GET /api/preview/<port>/open` is what the Preview dialog opens in a new tab (a navigation,
so it runs within the click); `GET /api/preview?port=<port>` answers the same in JSON.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from termbeam_py import keys
from termbeam_py.auth import is_https
from termbeam_py.errors import BadRequest, Forbidden
from termbeam_py.preview.proxy import INVALID_PORT, OWN_PORT, parse_port
from termbeam_py.scopes import Scope, requires

#: `Sec-Fetch-Site` values of requests that may start a listener: TermBeam's own page, or
#: the user typing the URL. Another origin (a previewed app's page) must not start or evict
#: listeners; scripts send no `Sec-Fetch-Site`.
_OWN_SITES = frozenset({"same-origin", "none"})
OTHER_ORIGIN = "Previews open from TermBeam's own page"


def _local_port(request: web.Request) -> int | None:
    """The port this request came in on."""
    local = request.transport.get_extra_info("sockname") if request.transport else None
    return int(local[1]) if isinstance(local, tuple) and len(local) >= 2 else None


def own_ports(request: web.Request) -> set[int]:
    """Ports that are this server: previewing one would proxy into ourselves, recursively."""
    ports = {request.app[keys.RUNTIME].port, _local_port(request) or 0} - {0}
    listeners = request.app[keys.PREVIEW].listeners
    return ports | (listeners.ports() if listeners is not None else set())


def checked_port(request: web.Request, raw: str) -> int:
    port = parse_port(raw)
    if port is None:
        raise BadRequest(INVALID_PORT)
    if port in own_ports(request):
        raise BadRequest(OWN_PORT)
    return port


def listener_host(request: web.Request) -> str | None:
    """The host name to reach our listeners by, when this browser reaches us directly.

    Direct means: over http (listeners do not speak https), by a name that is not the
    tunnel's or `--public-url`'s, and on the port we listen on (a reverse proxy, a container
    port mapping or a tunnel show another port, and forward only the main one).
    """
    if is_https(request):
        return None
    parts = urlsplit(f"//{request.headers.get('Host', '')}")
    try:
        port = parts.port or 80
    except ValueError:
        return None
    name = parts.hostname
    public = urlsplit(request.app[keys.RUNTIME].public_url or "").hostname
    if not name or name == (public or "").lower() or port != _local_port(request):
        return None
    return f"[{name}]" if ":" in name else name


async def _listener_base(request: web.Request, port: int) -> tuple[int, str] | None:
    """(listener port, base URL) of port `port`'s own origin, started if needed; None when
    this browser cannot reach listeners or there are none."""
    listeners = request.app[keys.PREVIEW].listeners
    host = listener_host(request)
    if listeners is None or host is None:
        return None
    if request.headers.get("Sec-Fetch-Site", "none") not in _OWN_SITES:
        raise Forbidden(OTHER_ORIGIN)
    listener = await listeners.open(port)
    if listener is None:
        return None
    return listener.port, f"http://{host}:{listener.port}"


@requires(Scope.WRITE)
async def open_preview(request: web.Request) -> web.StreamResponse:
    """Redirect to port `port`'s preview: its own origin, or the sandboxed main-origin path."""
    port = checked_port(request, request.match_info["port"])
    where = await _listener_base(request, port)
    raise web.HTTPFound(f"{where[1] if where else ''}/preview/{port}/")


@requires(Scope.READ)
async def preview_info(request: web.Request) -> web.Response:
    """`?port=N`: that port's listener as this client reaches it (started if needed), or nulls
    (sandboxed path). Without `port`: nulls, and whether this client gets per-port origins."""
    raw = request.query.get("port")
    if raw is None:
        reachable = request.app[keys.PREVIEW].listeners is not None and bool(
            listener_host(request))
        return web.json_response(
            {"previewPort": None, "previewBase": None, "separateOrigins": reachable})
    where = await _listener_base(request, checked_port(request, raw))
    return web.json_response({"previewPort": where[0] if where else None,
                              "previewBase": where[1] if where else None})
