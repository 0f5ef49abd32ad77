"""The tunnel as the web app sees it: who starts it, where its URL goes (share links, Host
allow-list, Secure cookies), the status route and the `tunnel-status` broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from termbeam_py import keys
from termbeam_py.config import Config
from termbeam_py.tunnel.providers import make_provider
from termbeam_py.tunnel.status import TunnelStatus
from termbeam_py.tunnel.supervisor import Probe, Supervisor

log = logging.getLogger(__name__)


def target_host(bound: str) -> str:
    """Where a local tunnel program dials us: loopback unless we bound one address only."""
    if bound in ("", "0.0.0.0", "127.0.0.1", "localhost"):  # noqa: S104 - not binding
        return "127.0.0.1"
    if bound in ("::", "::1", "[::1]"):
        return "[::1]"
    return f"[{bound}]" if ":" in bound else bound


class TunnelService:
    """Starts the configured supervisor and mirrors its status into the rest of the app."""

    def __init__(self, app: web.Application, probe: Probe | None = None) -> None:
        self._app = app
        self._probe = probe
        self.supervisor: Supervisor | None = None
        self._queue: asyncio.Queue[TunnelStatus] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None

    @property
    def status(self) -> TunnelStatus:
        return self.supervisor.status if self.supervisor else TunnelStatus()

    async def start(self, port: int) -> Supervisor | None:
        """Start the tunnel towards our bound `port`; None when no tunnel is configured."""
        config: Config = self._app[keys.CONFIG]
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
        config: Config = self._app[keys.CONFIG]
        self._app[keys.RUNTIME].public_url = status.url or config.public_url
        self._app[keys.AUTH].set_public_urls(config.public_url, status.url)
        if status.state in ("connected", "expiring") and status.url:
            log.info("tunnel %s: %s (%s)", status.tunnel, status.state, status.url)
        elif status.message and status.reason != "missing-binary":  # the banner says it
            log.warning("tunnel %s: %s: %s", status.tunnel, status.state, status.message)
        self._queue.put_nowait(status)

    async def _send_updates(self) -> None:
        """Broadcast every change in order, so a slow socket never stalls the supervisor."""
        hub = self._app[keys.HUB]
        while True:
            status = await self._queue.get()
            await hub.broadcast(status.as_message())


routes = web.RouteTableDef()


@routes.get("/api/tunnel/status")
async def tunnel_status(request: web.Request) -> web.Response:
    """The supervisor's current snapshot: no provider command runs on this request."""
    return web.json_response(request.app[keys.TUNNEL].status.as_api())


def setup(app: web.Application, probe: Probe | None = None) -> None:
    """Register the tunnel service and its status route on `app` (called by create_app)."""
    app[keys.TUNNEL] = TunnelService(app, probe)
    app.on_shutdown.append(_stop)
    app.router.add_routes(routes)


async def _stop(app: web.Application) -> None:
    await app[keys.TUNNEL].stop()
