"""The tunnel's state as the API and the WebSocket broadcast describe it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

State = Literal[
    "disconnected", "connected", "expiring", "auth-expired", "reconnecting", "failed"
]
#: `connected` turns into `expiring` when the provider's login token has less left than this.
EXPIRING_SECONDS = 3600.0


class TunnelApiStatus(TypedDict):
    """`GET /api/tunnel/status`: the reference's three fields, then ours."""

    state: State
    provider: str | None
    tokenLifetimeSeconds: int | None
    tunnel: str | None
    url: str | None
    public: bool
    attempt: int
    retryIn: float | None
    reason: str | None
    message: str | None


class TunnelStatusMsg(TypedDict):
    """The `tunnel-status` broadcast: the optional fields only when they mean something."""

    type: Literal["tunnel-status"]
    state: State
    expiresIn: NotRequired[int]
    provider: NotRequired[str]
    tunnel: NotRequired[str]
    url: NotRequired[str]
    reason: NotRequired[str]
    message: NotRequired[str]
    attempt: NotRequired[int]
    retryIn: NotRequired[float]


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

    def as_api(self) -> TunnelApiStatus:
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

    def as_message(self) -> TunnelStatusMsg:
        message: TunnelStatusMsg = {"type": "tunnel-status", "state": self.state}
        expires = self.expires_in()
        if expires is not None and self.state in ("connected", "expiring"):
            message["expiresIn"] = expires
        if self.auth_provider is not None:
            message["provider"] = self.auth_provider
        if self.tunnel is not None:
            message["tunnel"] = self.tunnel
        if self.url is not None:
            message["url"] = self.url
        if self.reason is not None:
            message["reason"] = self.reason
        if self.message is not None:
            message["message"] = self.message
        if self.attempt:
            message["attempt"] = self.attempt
        if self.retry_in is not None:
            message["retryIn"] = self.retry_in
        return message
