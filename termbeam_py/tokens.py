"""Login tokens (stored hashed, surviving restarts, each with the device it signed in) and
one-time share tokens."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
#: The User-Agent kept for a login, cut to this length (it is shown, never parsed again).
MAX_AGENT = 300
#: How often a login's "last seen" may mark the store as needing a write.
SEEN_EVERY = 60.0


def _digest(token: str) -> str:
    # A token comes from a cookie, a WebSocket message or a query string: it may hold lone
    # surrogates (undecodable header bytes, `\ud800` in JSON), which plain UTF-8 refuses.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Login:
    """One login token's device: shown in Settings → Security, revocable by `id` (random, so
    the list never shows the token or its hash)."""

    expires: float
    id: str
    agent: str = ""
    address: str = ""
    first: float | None = None
    last: float | None = None


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadShape("a login's time is not a number")
    return float(value)


def _login(entry: object) -> Login:
    # Before the device list, an entry was its expiry alone: keep such logins, unnamed.
    if not isinstance(entry, dict):
        expires = _number(entry)
        if expires is None:
            raise BadShape("a token's expiry is not a number")
        return Login(expires, secrets.token_hex(6))
    expires = _number(entry.get("expires"))
    if expires is None:
        raise BadShape("a login has no expiry")
    text = {k: entry.get(k) for k in ("id", "agent", "address")}
    if not all(isinstance(v, str) for v in text.values()):
        raise BadShape("a login's id, agent or address is not text")
    return Login(expires, str(text["id"]), str(text["agent"]), str(text["address"]),
                 _number(entry.get("first")), _number(entry.get("last")))


def _shape(data: Any) -> dict[str, Login]:
    """`{"tokens": {sha256: {expires, id, agent, address, first, last}}}` (or, as written
    before, `{sha256: expiry}`): digests and their logins."""
    stored = field(obj(data), "tokens", dict)
    return {digest: _login(entry) for digest, entry in stored.items()}


class TokenStore:
    """Cookie tokens: only their SHA-256 is kept, in memory and in `tokens.json` (0600)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._logins: dict[str, Login] = {}
        self._lock = asyncio.Lock()
        #: Last-seen times changed since the file was written (written at the next change
        #: or at shutdown, not per request).
        self.unsaved = False

    async def load(self) -> None:
        stored = await asyncio.to_thread(read_json, self._path, _shape) or {}
        now = time.time()
        self._logins = {k: v for k, v in stored.items() if v.expires > now}

    async def issue(self, agent: str = "", address: str = "") -> str:
        """A new login token for the device `agent` (its User-Agent) at `address`."""
        token = secrets.token_hex(32)
        now = time.time()
        self._logins = {k: v for k, v in self._logins.items() if v.expires > now}
        while len(self._logins) >= MAX_TOKENS:
            del self._logins[min(self._logins, key=lambda k: self._logins[k].expires)]
        self._logins[_digest(token)] = Login(now + TOKEN_TTL, secrets.token_hex(6),
                                             agent[:MAX_AGENT], address, now, now)
        await self._save()
        return token

    def logins(self) -> list[tuple[str, Login]]:
        """(digest, login) of every live login, the most recently seen first."""
        now = time.time()
        live = [(k, v) for k, v in self._logins.items() if v.expires > now]
        return sorted(live, key=lambda kv: -(kv[1].last or 0))

    def find(self, token: str | None) -> Login | None:
        """The live login of `token`, if it is one."""
        if not token or len(token) > 128:
            return None
        login = self._logins.get(_digest(token))
        return login if login is not None and login.expires > time.time() else None

    def seen(self, token: str | None, address: str) -> None:
        """Note a request from this login (in memory; `unsaved` says a write is due)."""
        login = self.find(token)
        if login is None:
            return
        now = time.time()
        if login.last is None or now - login.last >= SEEN_EVERY or login.address != address:
            self.unsaved = True
        login.last, login.address = now, address

    async def revoke(self, login_id: str) -> bool:
        """End the login with this id; False when there is none."""
        found = [k for k, v in self._logins.items() if v.id == login_id]
        for digest in found:
            del self._logins[digest]
        if found:
            await self._save()
        return bool(found)

    async def revoke_token(self, token: str | None) -> bool:
        login = self.find(token)
        return login is not None and await self.revoke(login.id)

    async def revoke_all(self) -> int:
        count = len(self._logins)
        self._logins = {}
        await self._save()
        return count

    async def save(self) -> None:
        """Write the last-seen times kept in memory (at shutdown)."""
        if self.unsaved:
            await self._save()

    async def _save(self) -> None:
        async with self._lock:
            self.unsaved = False
            data = {"tokens": {k: asdict(v) for k, v in self._logins.items()}}
            try:
                await asyncio.to_thread(write_json, self._path, data)
            except OSError as exc:
                # The login still works, in memory, until the server restarts: a full disk must
                # not lock the user out of the shell they need to free space.
                log.warning("could not save login tokens to %s (%s): this login ends when "
                            "the server restarts", self._path, exc)

    def valid(self, token: str | None) -> bool:
        return self.find(token) is not None


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

    def clear(self) -> int:
        """Forget every live link (a password change); how many there were."""
        count = len(self._expiry)
        self._expiry, self._ids = {}, {}
        return count

    def link_id(self, token: str) -> str | None:
        """The id of the live link `token` belongs to (None for an unknown one)."""
        return self._ids.get(_digest(token)) if token and len(token) <= 128 else None

    def consume(self, token: str) -> bool:
        if not token or len(token) > 128:
            return False
        expiry = self._expiry.pop(_digest(token), None)
        self._ids.pop(_digest(token), None)
        return expiry is not None and expiry > self._clock()
