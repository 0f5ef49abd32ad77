"""One listener per previewed port, so that every previewed app has an origin of its own.

A page previewed at `http://host:<listener>/preview/<port>/` is then as separate from the other
previewed apps, and from TermBeam, as when it is loaded directly: the same-origin policy keeps
its scripts out of their pages, responses, storage and service workers. Listeners start on
demand; at most `cap` run at once (the least recently used one closes to make room); one
closes after `idle` seconds without a request, and all close at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.auth import Handler

log = logging.getLogger(__name__)

MAX_LISTENERS = 16
IDLE_CLOSE = 30 * 60.0
#: How long requests still running on a closing listener get to finish.
CLOSE_GRACE = 2.0
#: Listener ports remembered per previewed port, so a preview opened again keeps its origin
#: (and with it the app's storage) while that port is free.
_REMEMBERED = 256


@dataclass(eq=False)
class Listener:
    """The listener of one previewed port, and how busy it is."""

    target: int
    """The previewed app's port: the only one this listener serves."""
    port: int = 0
    """The port it listens on, once bound."""
    active: int = 0
    """Requests in progress, open proxied WebSockets included."""
    last_used: float = field(default_factory=time.monotonic)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    """Its proxied WebSockets, closed with it."""
    runner: web.AppRunner | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)


AppFactory = Callable[[Listener], web.Application]
SiteFactory = Callable[[web.AppRunner, str, int], web.BaseSite]


class RunnerOptions(TypedDict, total=False):
    """Extra `web.AppRunner` arguments for every listener."""

    keepalive_timeout: float


def _tcp_site(runner: web.AppRunner, host: str, port: int) -> web.BaseSite:
    return web.TCPSite(runner, host, port)


@web.middleware
async def track_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the listener's requests in progress, so an idle one can be told from a busy one."""
    listener = request.app[keys.PREVIEW_LISTENER]
    listener.active += 1
    listener.last_used = time.monotonic()
    try:
        return await handler(request)
    finally:
        listener.active -= 1
        listener.last_used = time.monotonic()


class ListenerPool:
    """The live listeners of one server, by previewed port.

    Args:
        make_app: builds the listener's application (the proxy for that one port).
        host: the address to bind, the main listener's.
        first_port: 0 for ports the system picks; otherwise listeners take the first free
            port of `first_port` … `first_port + cap - 1`.
        site: makes the listening site (the connection guard's, when there is one).
        runner_options: extra `web.AppRunner` arguments (e.g. the keep-alive timeout).
    """

    def __init__(
        self, make_app: AppFactory, host: str, first_port: int, *, cap: int = MAX_LISTENERS,
        idle: float = IDLE_CLOSE, site: SiteFactory = _tcp_site,
        runner_options: RunnerOptions | None = None,
    ) -> None:
        self.cap = cap
        self._idle = idle
        self._idle_changed = asyncio.Event()
        self._make_app = make_app
        self._host = host
        self._first_port = first_port
        self._site = site
        self._runner_options = runner_options or {}
        self._live: dict[int, Listener] = {}
        self._last_port: dict[int, int] = {}
        self._lock = asyncio.Lock()
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def idle(self) -> float:
        """Seconds without a request after which a listener closes."""
        return self._idle

    @idle.setter
    def idle(self, seconds: float) -> None:
        self._idle = seconds
        self._idle_changed.set()  # a sweep already waiting applies it now

    def ports(self) -> set[int]:
        """The ports the live listeners listen on (ours: never a preview target)."""
        return {listener.port for listener in self._live.values()}

    def find(self, target: int) -> Listener | None:
        return self._live.get(target)

    async def open(self, target: int) -> Listener | None:
        """The listener of port `target`, started if needed; None if no port could be bound."""
        async with self._lock:
            listener = self._live.get(target)
            if listener is None:
                if len(self._live) >= self.cap:
                    await self._evict()
                listener = await self._start(target)
                if listener is None:
                    return None
            listener.last_used = time.monotonic()
            if self._sweeper is None or self._sweeper.done():
                self._sweeper = asyncio.create_task(self._sweep(), name="preview-listener-sweep")
            return listener

    async def close_all(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        async with self._lock:
            for listener in list(self._live.values()):
                await self._close(listener)
        await asyncio.gather(*self._closing, return_exceptions=True)

    def _candidates(self, target: int) -> list[int]:
        """Ports to try for `target`: the one it had last, then (in a fixed range) the free
        ports no other app had before, in order, then those other apps had."""
        taken = self.ports()
        remembered = self._last_port.get(target)
        first = [remembered] if remembered is not None and remembered not in taken else []
        if self._first_port == 0:
            return [*first, 0]
        others = set(self._last_port.values())
        span = range(self._first_port, min(self._first_port + self.cap, 65536))
        rest = [port for port in span if port not in taken and port != remembered]
        return first + sorted(rest, key=lambda port: port in others)

    async def _start(self, target: int) -> Listener | None:
        for port in self._candidates(target):
            listener = await self._bind(target, port)
            if listener is not None:
                return listener
        log.warning("no preview listener for port %d: no free port to listen on%s", target,
                    "" if self._first_port == 0 else
                    f" in {self._first_port}-{self._first_port + self.cap - 1}")
        return None

    async def _bind(self, target: int, port: int) -> Listener | None:
        listener = Listener(target)
        runner = web.AppRunner(self._make_app(listener), handle_signals=False, access_log=None,
                               shutdown_timeout=CLOSE_GRACE, **self._runner_options)
        await runner.setup()
        try:
            await self._site(runner, self._host, port).start()
        except OSError as exc:
            log.debug("preview listener for port %d cannot use port %d: %s", target, port, exc)
            await runner.cleanup()
            return None
        listener.runner = runner
        listener.port = next(
            int(address[1]) for address in runner.addresses if isinstance(address, tuple)
        )
        self._live[target] = listener
        self._last_port.pop(target, None)
        self._last_port[target] = listener.port
        if len(self._last_port) > _REMEMBERED:
            del self._last_port[next(iter(self._last_port))]
        log.debug("preview of port %d listens on port %d", target, listener.port)
        return listener

    async def _evict(self) -> None:
        """Make room: close the least recently used listener, an idle one if there is one."""
        victim = min(self._live.values(), key=lambda item: (item.active > 0, item.last_used))
        log.info("closing the preview listener of port %d to make room", victim.target)
        await self._close(victim)

    async def _close(self, listener: Listener) -> None:
        """Stop listening now (its port is free when this returns); finish closing it (its
        sockets, then its requests, for up to CLOSE_GRACE) in the background."""
        del self._live[listener.target]
        runner = listener.runner
        if runner is None:
            listener.closed.set()
            return
        for site in list(runner.sites):
            await site.stop()
        task = asyncio.create_task(self._finish(listener, runner))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _finish(listener: Listener, runner: web.AppRunner) -> None:
        try:
            await runner.cleanup()
        finally:
            listener.closed.set()

    async def _sweep(self) -> None:
        """Close listeners idle for `idle` seconds, until none is left."""
        while self._live:
            self._idle_changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.01, min(self._idle / 4, 60.0))):
                    await self._idle_changed.wait()
            async with self._lock:
                now = time.monotonic()
                for listener in list(self._live.values()):
                    if listener.active == 0 and now - listener.last_used >= self.idle:
                        log.debug("closing the idle preview listener of port %d",
                                  listener.target)
                        await self._close(listener)
