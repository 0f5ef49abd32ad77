"""Facts known only once the server runs: the bound port, public URLs and how to stop."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Runtime:
    """Mutable run-time state shared by the server loop and the routes."""

    port: int = 0
    lan_url: str | None = None
    public_url: str | None = None
    started: float = field(default_factory=time.monotonic)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    """Set to ask `server.run` to shut down (signals, POST /api/shutdown)."""

    @property
    def local_url(self) -> str:
        return f"http://localhost:{self.port}"

    def share_base(self, fallback: str) -> str:
        """Where a share link points: the tunnel, else the LAN address, else `fallback`."""
        return self.public_url or self.lan_url or fallback
