"""Facts known only once the server runs: the bound port, public URLs and how to stop."""

from __future__ import annotations

import asyncio
import secrets
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
    keep_sessions: bool = False
    """This stop keeps the sessions running in the session holder (an update, --force,
    `--keep-sessions`): viewers are told the server restarts rather than that it went away."""
    sessions_decided: bool = False
    """Whoever asked for the stop said whether to keep the sessions (`termbeam stop`, with or
    without --keep-sessions): the server's own setting does not apply."""
    boot_id: str = field(default_factory=lambda: secrets.token_hex(8))
    """Differs for every server process: a viewer that reconnects to another boot id knows
    the server restarted under it."""

    @property
    def local_url(self) -> str:
        return f"http://localhost:{self.port}"

    def share_base(self, fallback: str) -> str:
        """Where a share link points: the tunnel, else the LAN address, else `fallback`."""
        return self.public_url or self.lan_url or fallback
