"""The tunnel's state as the API and the WebSocket broadcast describe it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

State = Literal[
    "disconnected", "connected", "expiring", "auth-expired", "reconnecting", "failed"
]
#: `connected` turns into `expiring` when the provider's login token has less left than this.
EXPIRING_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class TunnelStatus:
    """One immutable snapshot; the supervisor replaces it on every change."""

    state: State = "disconnected"
    tunnel: str | None = None
    """Our provider name (devtunnel, cloudflared, ngrok, ssh, custom); None: no tunnel."""
    url: str | None = None
    public: bool = False
    auth_provider: str | None = None
    """Who the tunnel's login belongs to (microsoft, github), as the API reference names it."""
    token_expires_at: float | None = None
    """time.monotonic() at which that login token runs out, when the provider tells us."""
    attempt: int = 0
    retry_in: float | None = None
    reason: str | None = None
    """Why the tunnel is not connected: exited, url-timeout, login, network, missing-binary."""
    message: str | None = None
    """One line for a human: what happened or what to run."""

    def expires_in(self) -> int | None:
        if self.token_expires_at is None:
            return None
        return max(0, int(self.token_expires_at - time.monotonic()))

    def as_api(self) -> dict[str, Any]:
        """`GET /api/tunnel/status`: the reference's three fields, then ours."""
        return {
            "state": self.state,
            "provider": self.auth_provider,
            "tokenLifetimeSeconds": self.expires_in(),
            "tunnel": self.tunnel,
            "url": self.url,
            "public": self.public,
            "attempt": self.attempt,
            "retryIn": self.retry_in,
            "reason": self.reason,
            "message": self.message,
        }

    def as_message(self) -> dict[str, Any]:
        """The `tunnel-status` broadcast: optional fields only when they mean something."""
        message: dict[str, Any] = {"type": "tunnel-status", "state": self.state}
        expires = self.expires_in()
        if expires is not None and self.state in ("connected", "expiring"):
            message["expiresIn"] = expires
        optional = {
            "provider": self.auth_provider, "tunnel": self.tunnel, "url": self.url,
            "reason": self.reason, "message": self.message,
            "attempt": self.attempt or None, "retryIn": self.retry_in,
        }
        message.update({k: v for k, v in optional.items() if v is not None})
        return message
