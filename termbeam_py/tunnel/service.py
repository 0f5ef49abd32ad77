"""The tunnel as the web app sees it: who starts it, where its URL goes (share links, Host
allow-list, Secure cookies), the status route and the `tunnel-status` broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from termbeam_py import keys
from termbeam_py.config import Config
from termbeam_py.scopes import Scope, requires
from termbeam_py.tunnel.providers import make_provider
from termbeam_py.tunnel.status import TunnelStatus, TunnelStatusMsg
from termbeam_py.tunnel.supervisor import Probe, Supervisor

log = logging.getLogger(__name__)


def target_host(bound: str) -> str:
    """Where a local tunnel program dials us: loopback unless we bound one address only."""
    if bound in ("", "0.0.0.0", "127.0.0.1", "localhost"):  # noqa: S104 - not binding
        return "127.0.0.1"
    if bound in ("::", "::1", "[::1]"):
        return "[::1]"
    return f"[{bound}]" if ":" in bound else bound


#: Where the tunnel's public URL goes (None while there is none): share links, the Host
#: allow-list and Secure cookies.
UrlListener = Callable[[str | None], None]
#: How a status message reaches every viewer that may read it (`Hub.broadcast`).
Broadcast = Callable[[TunnelStatusMsg], Awaitable[None]]


class TunnelService:
    """Starts the configured supervisor and mirrors its status into the rest of the app:
    the public URL to `on_url`, every change to the viewers through `broadcast`."""

    def __init__(self, config: Config, *, on_url: UrlListener, broadcast: Broadcast,
                 probe: Probe | None = None) -> None:
        self._config = config
        self._on_url = on_url
        self._broadcast = broadcast
        self._probe = probe
        self.supervisor: Supervisor | None = None
        self._queue: asyncio.Queue[TunnelStatus] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None

    @property
    def status(self) -> TunnelStatus:
        return self.supervisor.status if self.supervisor else TunnelStatus()

    async def start(self, port: int) -> Supervisor | None:
        """Start the tunnel towards our bound `port`; None when no tunnel is configured."""
        config = self._config
        if config.tunnel is None or self.supervisor is not None:
            return self.supervisor
        provider = make_provider(
            config.tunnel, port=port, target_host=target_host(config.host),
            id_file=config.tunnel_file, public_url=config.public_url,
        )
        self.supervisor = Supervisor(provider, config.tunnel, listener=self._changed,
                                     probe=self._probe)
        self._sender = asyncio.create_task(self._send_updates(), name="tunnel-broadcast")
        await self.supervisor.start()
        return self.supervisor

    async def stop(self) -> None:
        """Stop the supervisor (killing the provider's process group); idempotent."""
        if self.supervisor is not None:
            await self.supervisor.stop()
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    def _changed(self, status: TunnelStatus) -> None:
        self._on_url(status.url)
        if status.state in ("connected", "expiring") and status.url:
            log.info("tunnel %s: %s (%s)", status.tunnel, status.state, status.url)
        elif status.message and status.reason != "missing-binary":  # the banner says it
            log.warning("tunnel %s: %s: %s", status.tunnel, status.state, status.message)
        self._queue.put_nowait(status)

    async def _send_updates(self) -> None:
        """Broadcast every change in order, so a slow socket never stalls the supervisor."""
        while True:
            status = await self._queue.get()
            await self._broadcast(status.as_message())


routes = web.RouteTableDef()


@routes.get("/api/tunnel/status")
@requires(Scope.READ)
async def tunnel_status(request: web.Request) -> web.Response:
    """The supervisor's current snapshot: no provider command runs on this request."""
    return web.json_response(request.app[keys.TUNNEL].status.as_api())


def setup(app: web.Application, probe: Probe | None = None) -> None:
    """Register the tunnel service and its status route on `app` (called by create_app)."""
    config, runtime, auth = app[keys.CONFIG], app[keys.RUNTIME], app[keys.AUTH]

    def on_url(url: str | None) -> None:
        runtime.public_url = url or config.public_url
        auth.set_public_urls(config.public_url, url)

    app[keys.TUNNEL] = TunnelService(config, on_url=on_url, broadcast=app[keys.HUB].broadcast,
                                     probe=probe)
    app.on_shutdown.append(_stop)
    app.router.add_routes(routes)


async def _stop(app: web.Application) -> None:
    await app[keys.TUNNEL].stop()
