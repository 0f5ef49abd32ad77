"""The WebSocket half of the preview proxy: dev-server hot reload (Vite, webpack) end to end.

The upstream socket is opened first, so a dead port still answers 502 as plain HTTP. Then the
browser's upgrade is accepted with the subprotocol the app chose, and two pumps copy text and
binary frames each way until one side closes; its close code is passed on to the other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from termbeam_py.memory import forget_error_frames
from termbeam_py.preview.proxy import PreviewService, Target, connect

log = logging.getLogger(__name__)

MAX_MESSAGE = 16 * 1024 * 1024
#: Codes that describe a close but may not be sent in a close frame (RFC 6455 §7.4.1).
_UNSENDABLE = frozenset({1004, 1005, 1006, 1015})

AnySocket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


def _protocols(request: web.Request) -> list[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


async def _connect(
    request: web.Request, service: PreviewService, target: Target
) -> aiohttp.ClientWebSocketResponse:
    """The app's socket (or a 502/504, before the browser's upgrade is answered)."""

    def open_socket(
        client: aiohttp.ClientSession, url: URL, headers: CIMultiDict[str]
    ) -> Awaitable[aiohttp.ClientWebSocketResponse]:
        return client.ws_connect(
            url, headers=headers, protocols=_protocols(request), autoclose=False,
            max_msg_size=MAX_MESSAGE,
        )

    return await connect(request, service, target, open_socket)


async def _pump(source: AnySocket, sink: AnySocket) -> tuple[int, bytes]:
    """Copy frames until `source` closes; its close code and reason."""
    while True:
        msg = await source.receive()
        if msg.type is aiohttp.WSMsgType.TEXT:
            await sink.send_str(msg.data)
        elif msg.type is aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(msg.data)
        elif msg.type is aiohttp.WSMsgType.CLOSE:
            return msg.data, (msg.extra or "").encode()
        elif msg.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED,
                          aiohttp.WSMsgType.ERROR):
            return source.close_code or aiohttp.WSCloseCode.GOING_AWAY, b""


def _sendable(code: int) -> int:
    if code not in _UNSENDABLE:
        return code
    return aiohttp.WSCloseCode.OK if code == 1005 else aiohttp.WSCloseCode.GOING_AWAY


async def _bridge(
    browser: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse
) -> None:
    """Relay both ways; when one side closes, stop reading and pass its code to the other."""
    pumps: dict[asyncio.Task[tuple[int, bytes]], tuple[AnySocket, AnySocket]] = {
        asyncio.create_task(_pump(browser, upstream)): (browser, upstream),
        asyncio.create_task(_pump(upstream, browser)): (upstream, browser),
    }
    done, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    # No receive() may be pending while a socket closes: stop the other pump first.
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    first = done.pop()
    closed, other = pumps[first]
    try:
        code, reason = first.result()
    except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
        log.debug("preview socket failed: %s", exc)
        code, reason = aiohttp.WSCloseCode.GOING_AWAY, b""
    code = _sendable(code)
    await other.close(code=code, message=reason)
    await closed.close(code=code)


async def close_websockets(sockets: set[web.WebSocketResponse]) -> None:
    """Say "going away" to these proxied sockets, so a shutdown need not wait for them."""
    for ws in list(sockets):
        await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server shutdown")


async def proxy_websocket(
    request: web.Request, service: PreviewService, target: Target,
    sockets: set[web.WebSocketResponse],
) -> web.StreamResponse:
    """Bridge the browser's socket to the app's; `sockets` tracks it while it is open."""
    upstream = await _connect(request, service, target)
    protocols = (upstream.protocol,) if upstream.protocol else ()
    browser = web.WebSocketResponse(protocols=protocols, autoclose=False,
                                    max_msg_size=MAX_MESSAGE)
    try:
        await browser.prepare(request)
        sockets.add(browser)
        await _bridge(browser, upstream)
    finally:
        sockets.discard(browser)
        await upstream.close()
        # A browser handshake prepare() refused (a bad Sec-WebSocket-Key) is its 400 to
        # answer: there is no socket to close, and close() would raise over it.
        if browser.prepared and not browser.closed:
            await browser.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        forget_error_frames(browser.exception())
        forget_error_frames(upstream.exception())
    return browser
