"""Connection limits for every listener: the file-descriptor budget, per-address and total
caps, and the request-head timeout, applied below aiohttp's protocol (docs/security.md#limits).
Its connections are handled by `ClientErrorHandler`: what a client's bytes break in aiohttp
itself is a JSON 400 and one log line, not a traceback (docs/security.md#fuzzing).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError
from aiohttp.web_protocol import RequestHandler, RequestPayloadError
from aiohttp.web_request import BaseRequest

if TYPE_CHECKING:
    from termbeam_py.config import Config

log = logging.getLogger(__name__)

#: Descriptors kept out of the connection budget for PTYs, logs, git, listeners, the event
#: loop itself: a quarter of the limit, and never fewer than this.
RESERVED_FDS = 96
#: A served connection can hold a second descriptor: the upstream socket of a preview request,
#: or the file a download streams.
FDS_PER_CONNECTION = 2
#: However many descriptors there are: past this many connections the cost is memory, and a
#: single user's browsers never get near it.
MAX_TOTAL = 1024
MIN_TOTAL = 8
#: Refused connections still being answered (503 written, waiting for the client's end), over
#: all listeners; past this many, the oldest is cut short.
REFUSAL_SLOTS = 32
REFUSAL_LINGER = 2.0
RETRY_AFTER = 10
#: Highest soft open-files limit we ask for. The server never needs more (the caps above
#: bound its connections), and the shells it starts inherit the limit: programs that close
#: every possible descriptor before exec slow down with a limit of a million.
NOFILE_CEILING = 65536
#: Tried when the first target is refused (macOS caps a process at OPEN_MAX, 10,240).
NOFILE_FALLBACK = 10240

#: At shutdown, requests still in flight get this long before they are cancelled (aiohttp's
#: default is 60 s): an upload stalled half-way must not hold up SIGTERM (docs/security.md).
SHUTDOWN_GRACE = 3.0

TOO_MANY_FROM_YOU = "Too many connections from your address"
TOO_MANY = "Too many connections"
BAD_REQUEST = "Bad request"


def raise_nofile_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (at most NOFILE_CEILING); the soft
    limit now in effect.

    Never fails: a limit we cannot raise only makes the total connection cap smaller.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = NOFILE_CEILING if hard == resource.RLIM_INFINITY else min(hard, NOFILE_CEILING)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    for target in dict.fromkeys((want, min(want, NOFILE_FALLBACK))):
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.debug("cannot raise the open-files limit to %s: %s", target, exc)
            continue
        log.debug("open-files limit raised from %s to %s", soft, target)
        return target
    log.debug("open-files limit stays %s (hard limit %s)", soft, hard)
    return soft


def total_for(nofile: int) -> int:
    """The total connection cap for a soft RLIMIT_NOFILE, leaving headroom for everything
    else the server opens."""
    if nofile == resource.RLIM_INFINITY:
        return MAX_TOTAL
    spare = nofile - max(RESERVED_FDS, nofile // 4) - REFUSAL_SLOTS
    return max(MIN_TOTAL, min(MAX_TOTAL, spare // FDS_PER_CONNECTION))


@dataclass(frozen=True, slots=True)
class Limits:
    max_total: int
    max_per_address: int
    max_per_loopback: int
    head_timeout: float
    keepalive_timeout: float

    def __post_init__(self) -> None:
        if min(self.max_total, self.max_per_address, self.max_per_loopback) < 1:
            raise ValueError("connection caps must be at least 1")
        if self.head_timeout <= 0 or self.keepalive_timeout <= 0:
            raise ValueError("connection timeouts must be positive")

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        total = config.max_connections
        if total is None:
            total = total_for(resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        return cls(
            max_total=total,
            max_per_address=config.max_connections_per_address,
            max_per_loopback=config.max_connections_per_loopback or total,
            head_timeout=config.head_timeout,
            keepalive_timeout=config.keepalive_timeout,
        )


def peer_bucket(peername: Any) -> tuple[str, bool]:
    """The key a connection counts under, and whether it comes from this machine.

    IPv6 clients are counted per /64: one host usually owns the whole prefix. Anything that is
    not an IP address (a Unix socket) is local.
    """
    host = peername[0] if isinstance(peername, tuple) and peername else ""
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return str(host), True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return str(ip), True
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False)), False
    return str(ip), False


def _refusal(message: str) -> bytes:
    body = f'{{"error":"{message}"}}'.encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Retry-After: {RETRY_AFTER}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class ConnectionGuard:
    """The open-connection counts of every listener of one server (descriptors are per
    process, so the main and preview listeners share one guard).

    `error_headers` go on the answers aiohttp writes without the app (a request it cannot
    parse): the app's own response hooks never see those.
    """

    def __init__(self, limits: Limits, error_headers: Mapping[str, str] | None = None) -> None:
        self.limits = limits
        self.error_headers = dict(error_headers or {})
        self.total = 0
        self._per_bucket: dict[str, int] = {}
        self._full = False
        self._refusals: dict[asyncio.Transport, GuardedSite] = {}
        """Refused connections being answered, oldest first, with their listener."""

    def admit(self, bucket: str, loopback: bool) -> str | None:
        """Count a new connection in; the refusal message if a cap is reached."""
        cap = self.limits.max_per_loopback if loopback else self.limits.max_per_address
        if self.total >= self.limits.max_total:
            if not self._full:
                log.warning("connection limit reached (%s open): refusing new connections",
                            self.total)
            self._full = True
            return TOO_MANY
        count = self._per_bucket.get(bucket, 0)
        if count >= cap:
            log.debug("refused a connection from %s: %s open", bucket, count)
            return TOO_MANY_FROM_YOU
        self._per_bucket[bucket] = count + 1
        self.total += 1
        self._full = False
        return None

    def release(self, bucket: str) -> None:
        self.total -= 1
        count = self._per_bucket.pop(bucket) - 1
        if count:
            self._per_bucket[bucket] = count

    def refusing(self, transport: asyncio.Transport, site: GuardedSite) -> None:
        """Track a refused connection while its 503 is delivered. Past REFUSAL_SLOTS the
        oldest is reset: under a flood every new client still gets its 503 written."""
        if len(self._refusals) >= REFUSAL_SLOTS:
            oldest = next(iter(self._refusals))
            del self._refusals[oldest]
            oldest.abort()
        self._refusals[transport] = site

    def refused(self, transport: asyncio.Transport) -> None:
        self._refusals.pop(transport, None)

    def abort_refusals(self, site: GuardedSite) -> None:
        for transport, owner in list(self._refusals.items()):
            if owner is site:
                transport.abort()

    def runner(self, app: web.Application) -> web.AppRunner:
        """An AppRunner whose idle keep-alive connections close after the keep-alive timeout."""
        return web.AppRunner(app, handle_signals=False, access_log=None,
                             keepalive_timeout=self.limits.keepalive_timeout,
                             shutdown_timeout=SHUTDOWN_GRACE)

    def site(self, runner: web.AppRunner, host: str | None, port: int) -> GuardedSite:
        return GuardedSite(runner, host, port, self)

    async def serve(self, app: web.Application, host: str | None, port: int) -> web.AppRunner:
        """Set up `app` and listen on host:port under this guard; OSError if it cannot."""
        runner = self.runner(app)
        await runner.setup()
        try:
            await self.site(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        return runner


class GuardedSite(web.BaseSite):
    """A TCP listener whose connections pass the guard before aiohttp sees them."""

    __slots__ = ("_guard", "_host", "_port")

    def __init__(self, runner: web.AppRunner, host: str | None, port: int,
                 guard: ConnectionGuard) -> None:
        super().__init__(runner)
        self._host, self._port, self._guard = host, port, guard

    @property
    def name(self) -> str:
        return f"http://{self._host or '*'}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        if server is None:
            raise RuntimeError("set the runner up before starting its site")
        self._server = await asyncio.get_running_loop().create_server(
            lambda: GuardedProtocol(self._guard, server, self), self._host, self._port,
        )

    async def stop(self) -> None:
        await super().stop()
        self._guard.abort_refusals(self)


class ClientErrorHandler(RequestHandler):
    """aiohttp's handler of one connection, without a traceback for what a client's own bytes
    break in aiohttp: anyone can send them, and a traceback per request fills the log.

    A request aiohttp cannot parse (or whose body breaks its framing or content encoding) is
    answered with our JSON 400, with the guard's `error_headers` (`Server: termbeam`, not
    aiohttp's and Python's versions), and logged in one line; a client that hangs up
    mid-request in one debug line. Every other error is aiohttp's to answer and log.
    """

    __slots__ = ("_error_headers",)

    def __init__(self, manager: web.Server, *, error_headers: Mapping[str, str],
                 **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._error_headers = error_headers

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        # aiohttp keeps a WebSocket's data callback (a bound method of its WebSocketResponse)
        # after the connection is gone, and the response holds its request, which holds this
        # handler: a reference cycle. Every closed WebSocket, with its request, buffers and
        # transport, then waited for a full garbage collection, which a server with long-lived
        # objects runs rarely (the soak held ~30,000 such objects, 9 MB; tests/test_memory.py).
        self._data_received_cb = None

    def _client_fault(self, exc: object) -> str | None:
        """What the client did wrong, for the log line; None if `exc` is not its doing."""
        if isinstance(exc, HttpProcessingError | RequestPayloadError):
            first = (getattr(exc, "message", None) or str(exc)).strip().split("\n", 1)[0]
            return f"{type(exc).__name__}: {first[:120]}"
        if isinstance(exc, ConnectionError) and (
                self.transport is None or self.transport.is_closing()):
            return "the client closed the connection mid-request"
        return None

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        reason = self._client_fault(exc)
        if reason is None:
            return super().handle_error(request, status, exc, message)
        # Not HTTP at all (TLS to a plain port, a scanner) is as common as aiohttp says.
        quiet = isinstance(exc, BadHttpMethod | ConnectionError)
        log.log(logging.DEBUG if quiet else logging.INFO, "bad request from %s: %s",
                request.remote, reason)
        if request.writer.output_size > 0:  # as aiohttp: a response is already on its way
            raise ConnectionError("a response was already started")
        response = web.json_response({"error": BAD_REQUEST}, status=400,
                                     headers=self._error_headers)
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        # aiohttp also logs a body error it meets while draining a request after the answer.
        reason = self._client_fault(kwargs.get("exc_info"))
        if reason is None:
            super().log_exception(*args, **kwargs)
        else:
            log.debug("dropped the rest of a request: %s", reason)


def _handler(server: web.Server, error_headers: Mapping[str, str]) -> RequestHandler:
    """What `web.Server()` makes for a connection, as our handler class: the same options
    (the runner's keep-alive timeout, no access log…)."""
    # aiohttp keeps them only there, as the untyped **kwargs of RequestHandler.
    options: dict[str, Any] = server._kwargs
    return ClientErrorHandler(server, loop=asyncio.get_running_loop(),
                              error_headers=error_headers, **options)


class GuardedProtocol(asyncio.Protocol):
    """One accepted socket: refused with a 503, or handed to aiohttp's handler, which is
    closed if no complete request head arrives within the head timeout."""

    def __init__(self, guard: ConnectionGuard, server: web.Server, site: GuardedSite) -> None:
        self._guard = guard
        self._server = server
        self._site = site
        self._inner: asyncio.Protocol | None = None
        self._bucket: str | None = None
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._head = _HeadScanner()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        bucket, loopback = peer_bucket(transport.get_extra_info("peername"))
        refusal = self._guard.admit(bucket, loopback)
        if refusal is not None:
            self._refuse(transport, refusal)
            return
        self._bucket = bucket
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._guard.limits.head_timeout, self._head_expired)
        self._inner = _handler(self._server, self._guard.error_headers)
        self._inner.connection_made(transport)

    def _refuse(self, transport: asyncio.Transport, message: str) -> None:
        self._guard.refusing(transport, self._site)
        transport.write(_refusal(message))
        # Read (and drop) the request until the client closes: closing with its request unread
        # would reset the connection, and the client might lose the 503 before reading it.
        if transport.can_write_eof():
            transport.write_eof()
        self._timer = asyncio.get_running_loop().call_later(REFUSAL_LINGER, transport.abort)

    def _head_expired(self) -> None:
        self._timer = None
        if self._transport is not None:
            log.debug("closed a connection that sent no request head in %ss",
                      self._guard.limits.head_timeout)
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            return  # a refused connection: its request is dropped
        if self._timer is not None and self._head.complete(data):
            self._timer.cancel()
            self._timer = None
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._inner is None:
            return None  # refused: close once the client has closed its side
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._guard.refused(self._transport)
            self._transport = None
        if self._bucket is not None:
            self._guard.release(self._bucket)
            self._bucket = None
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class _HeadScanner:
    """Finds the end of the first request head (the first empty line) across chunks.

    aiohttp's parser wants CRLF line ends, so a head it accepts always ends in CRLF CRLF.
    Empty lines before the request line are skipped, as parsers do, so a client cannot
    end the timer by sending only those.
    """

    __slots__ = ("_started", "_tail")

    def __init__(self) -> None:
        self._started = False
        self._tail = b""

    def complete(self, data: bytes) -> bool:
        buf = self._tail + data
        if not self._started:
            buf = buf.lstrip(b"\r\n")
            self._started = bool(buf)
        if b"\r\n\r\n" in buf:
            return True
        self._tail = buf[-3:]
        return False
