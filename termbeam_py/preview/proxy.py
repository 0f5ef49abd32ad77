"""The HTTP half of the preview proxy: one request to 127.0.0.1:<port>, streamed both ways.

Request bodies are piped from the browser to the app as they arrive and responses are relayed
chunk by chunk, so a JSON POST arrives intact and a large download keeps memory flat. Only
HTML and CSS are buffered, to move their absolute URLs under the prefix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from termbeam_py.auth import is_https, origin_allowed
from termbeam_py.errors import BadGateway, GatewayTimeout
from termbeam_py.preview.grants import GRANT_SEGMENT, Grants
from termbeam_py.preview.headers import downstream_headers, upstream_headers
from termbeam_py.preview.listeners import ListenerPool
from termbeam_py.preview.rewrite import rewrite_css, rewrite_html

log = logging.getLogger(__name__)
T = TypeVar("T")

INVALID_PORT = "Invalid port: must be an integer between 1 and 65535"
OWN_PORT = "Invalid port: that is TermBeam's own port"
BAD_GATEWAY = "Bad gateway: upstream server is not responding"
GATEWAY_TIMEOUT = "Gateway timeout: upstream server did not respond in time"
#: Served with every proxied response on the main origin: the page runs in an opaque origin,
#: so it can neither read TermBeam's responses nor send its SameSite=Strict cookie.
SANDBOX_CSP = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
#: HTML or CSS bigger than this is streamed as is rather than held in memory to rewrite.
REWRITE_LIMIT = 8 * 1024 * 1024


@dataclass
class PreviewService:
    """The shared upstream client, the grants, the per-port listeners and the main origin's
    open proxied sockets of one server."""

    timeout: float = 10.0
    grants: Grants = field(default_factory=Grants)
    client: aiohttp.ClientSession | None = None
    listeners: ListenerPool | None = None
    """One origin per previewed port; None with `--no-preview-port`."""
    sockets: set[web.WebSocketResponse] = field(default_factory=set)

    def start(self) -> None:
        self.client = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),  # the browser keeps the app's cookies
            auto_decompress=False,  # bytes are relayed exactly as the app sent them
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout),
        )

    async def close(self) -> None:
        if self.listeners is not None:
            await self.listeners.close_all()
        if self.client is not None:
            await self.client.close()


@dataclass(frozen=True, slots=True)
class Target:
    """Where one request goes: the port, the browser-side prefix and the upstream path."""

    port: int
    prefix: str
    path: str
    """Raw path and query string for the upstream, always starting with `/`."""
    granted: bool = False


def parse_port(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 5:
        return None
    port = int(raw)
    return port if 1 <= port <= 65535 else None


def parse_target(request: web.Request, port: int, grants: Grants | None) -> Target:
    """Split `/preview/<port>[/~grant]/rest?query`, keeping the raw rest byte for byte."""
    raw_path, sep, query = request.raw_path.partition("?")
    segments = raw_path.split("/", 3)
    rest = "/" + segments[3] if len(segments) > 3 else "/"
    prefix = f"/preview/{port}"
    granted = False
    if grants is not None and rest.startswith("/~"):
        token, _, after = rest[2:].partition("/")
        if GRANT_SEGMENT.fullmatch(token):
            rest = "/" + after
            granted = grants.valid(port, token)
            if granted:
                prefix += f"/~{token}"
    return Target(port, prefix, rest + sep + query, granted)


def upstream_address(request: web.Request, target: Target) -> tuple[URL, CIMultiDict[str]]:
    """Where a proxied request goes (always 127.0.0.1) and the headers it carries there."""
    headers = upstream_headers(
        request.headers, target.port, proto="https" if is_https(request) else "http",
        host=request.headers.get("Host", request.host), prefix=target.prefix,
        same_origin="Origin" in request.headers and origin_allowed(request),
    )
    return URL(f"http://127.0.0.1:{target.port}{target.path}", encoded=True), headers


Opener = Callable[[aiohttp.ClientSession, URL, CIMultiDict[str]], Awaitable[T]]


async def connect(
    request: web.Request, service: PreviewService, target: Target, opener: Opener[T]
) -> T:
    """Reach the previewed app: `opener(client, url, headers)` (a request or a socket) within
    the preview timeout.

    Raises:
        GatewayTimeout: it did not answer in time (504).
        BadGateway: it could not be reached (502).
    """
    if service.client is None:
        raise RuntimeError("the preview client starts with the app")
    url, headers = upstream_address(request, target)
    try:
        async with asyncio.timeout(service.timeout):
            return await opener(service.client, url, headers)
    except TimeoutError:  # first: aiohttp's connect timeout is a ClientError as well
        raise GatewayTimeout(GATEWAY_TIMEOUT) from None
    except (aiohttp.ClientError, OSError) as exc:
        log.debug("preview of port %d failed: %s", target.port, exc)
        raise BadGateway(BAD_GATEWAY) from exc


async def open_upstream(
    request: web.Request, service: PreviewService, target: Target
) -> aiohttp.ClientResponse:
    """Send the request upstream; the response once its headers arrive (or a 502/504)."""

    def send(
        client: aiohttp.ClientSession, url: URL, headers: CIMultiDict[str]
    ) -> Awaitable[aiohttp.ClientResponse]:
        return client.request(
            request.method, url, headers=headers, allow_redirects=False,
            data=request.content if request.body_exists else None,
        )

    return await connect(request, service, target, send)


def _rewriter(upstream: aiohttp.ClientResponse, method: str) -> str | None:
    """"html" or "css" when the body should be rewritten, else None (stream it)."""
    encoding = upstream.headers.get("Content-Encoding", "identity").lower()
    if method == "HEAD" or encoding != "identity":
        return None
    if upstream.content_length is not None and upstream.content_length > REWRITE_LIMIT:
        return None
    kind = upstream.content_type.lower()
    return {"text/html": "html", "text/css": "css"}.get(kind)


async def relay(
    request: web.Request, upstream: aiohttp.ClientResponse, target: Target, sandboxed: bool
) -> web.StreamResponse:
    headers = downstream_headers(upstream.headers, target.port, target.prefix, target.path)
    if sandboxed:
        headers.add("Content-Security-Policy", SANDBOX_CSP)
        # The grant is in the URL: keep it out of Referer headers sent elsewhere.
        headers["Referrer-Policy"] = "no-referrer"
    kind = _rewriter(upstream, request.method)
    head = b""
    if kind is not None:
        head, complete = await _read_up_to(upstream, REWRITE_LIMIT)
        if complete:
            rewrite = rewrite_html if kind == "html" else rewrite_css
            headers.popall("Content-Length", None)
            body = rewrite(head, target.port, target.prefix)
            return web.Response(status=upstream.status, reason=upstream.reason,
                                body=body, headers=headers)
        headers.popall("Content-Length", None)  # rewritten or not, our length is unknown
    return await _stream(request, upstream, headers, head)


async def _read_up_to(upstream: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the body, and whether that was all of it."""
    parts: list[bytes] = []
    size = 0
    async for chunk in upstream.content.iter_any():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(parts), False
    return b"".join(parts), True


async def _stream(
    request: web.Request, upstream: aiohttp.ClientResponse, headers: CIMultiDict[str],
    head: bytes,
) -> web.StreamResponse:
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason,
                                  headers=headers)
    await response.prepare(request)
    try:
        if head:
            await response.write(head)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
    except aiohttp.ClientError as exc:
        # Headers are gone: cut the connection so the browser sees a broken, not a
        # silently truncated, body.
        log.debug("preview upstream failed mid-body: %s", exc)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response
