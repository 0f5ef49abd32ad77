"""Login tokens (stored hashed, surviving restarts) and one-time share tokens."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from termbeam_py.state import BadShape, field, obj, read_json, write_json

log = logging.getLogger(__name__)

TOKEN_TTL = 24 * 3600
SHARE_TTL = 5 * 60
#: Most live login tokens kept; the oldest go first.
MAX_TOKENS = 500
#: Most live share links; issuing one more drops the oldest. Only a logged-in user can issue
#: them, but a script looping on /api/share-token must not grow the server's memory.
MAX_SHARE_TOKENS = 100


def _digest(token: str) -> str:
    # A token comes from a cookie, a WebSocket message or a query string: it may hold lone
    # surrogates (undecodable header bytes, `\ud800` in JSON), which plain UTF-8 refuses.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _shape(data: Any) -> dict[str, float]:
    """`{"tokens": {sha256: expiry}}`: digests and their expiry times (epoch seconds)."""
    stored = field(obj(data), "tokens", dict)
    expiry: dict[str, float] = {}
    for digest, when in stored.items():
        if isinstance(when, bool) or not isinstance(when, int | float):
            raise BadShape("a token's expiry is not a number")
        expiry[digest] = float(when)
    return expiry


class TokenStore:
    """Cookie tokens: only their SHA-256 is kept, in memory and in `tokens.json` (0600)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._expiry: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        stored = await asyncio.to_thread(read_json, self._path, _shape) or {}
        now = time.time()
        self._expiry = {k: v for k, v in stored.items() if v > now}

    async def issue(self) -> str:
        token = secrets.token_hex(32)
        now = time.time()
        self._expiry = {k: v for k, v in self._expiry.items() if v > now}
        while len(self._expiry) >= MAX_TOKENS:
            del self._expiry[min(self._expiry, key=self._expiry.__getitem__)]
        self._expiry[_digest(token)] = now + TOKEN_TTL
        await self._save()
        return token

    async def _save(self) -> None:
        async with self._lock:
            try:
                await asyncio.to_thread(write_json, self._path, {"tokens": dict(self._expiry)})
            except OSError as exc:
                # The login still works, in memory, until the server restarts: a full disk must
                # not lock the user out of the shell they need to free space.
                log.warning("could not save login tokens to %s (%s): this login ends when "
                            "the server restarts", self._path, exc)

    def valid(self, token: str | None) -> bool:
        if not token or len(token) > 128:
            return False
        expiry = self._expiry.get(_digest(token))
        return expiry is not None and expiry > time.time()


class ShareTokens:
    """Single-use tokens for `?ott=` links, valid for five minutes, in memory only."""

    def __init__(
        self, ttl: float = SHARE_TTL, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` gives seconds on a monotonic scale; tests pass one they can move."""
        self._ttl = ttl
        self._clock = clock
        self._expiry: dict[str, float] = {}
        #: A random id per live link, for the audit log (which must not hold the token).
        self._ids: dict[str, str] = {}

    def __len__(self) -> int:
        """Share tokens held (expired ones go at the next issue)."""
        return len(self._expiry)

    def issue(self) -> str:
        now = self._clock()
        self._expiry = {k: v for k, v in self._expiry.items() if v > now}
        while len(self._expiry) >= MAX_SHARE_TOKENS:
            # One TTL for all, so issue order is expiry order: the first key is the oldest.
            del self._expiry[next(iter(self._expiry))]
        self._ids = {k: v for k, v in self._ids.items() if k in self._expiry}
        token = secrets.token_hex(32)
        self._expiry[_digest(token)] = now + self._ttl
        self._ids[_digest(token)] = secrets.token_hex(4)
        return token

    def link_id(self, token: str) -> str | None:
        """The id of the live link `token` belongs to (None for an unknown one)."""
        return self._ids.get(_digest(token)) if token and len(token) <= 128 else None

    def consume(self, token: str) -> bool:
        if not token or len(token) > 128:
            return False
        expiry = self._expiry.pop(_digest(token), None)
        self._ids.pop(_digest(token), None)
        return expiry is not None and expiry > self._clock()
