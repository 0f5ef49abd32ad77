"""Scoped API tokens for scripts (#17): their store, kept hashed in `apitokens.json` (0600).

A token is `tbk_` + 32 random bytes (base64url), shown once when made; only its SHA-256 is
kept, with a unique name, a scope, an optional bound session and an optional expiry. The server
is the file's only writer (the CLI goes through the REST API), so what it holds in memory is
the truth: a revoked token is refused by the very next request. `lastUsed` changes on every
use, so it is written at most once a minute (and at shutdown), never once per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict

from termbeam_py.errors import BadRequest, Conflict, NotFound, write_failed
from termbeam_py.scopes import Principal, Scope
from termbeam_py.state import BadShape, field, obj, optional, read_json, write_json

log = logging.getLogger(__name__)

FILE_NAME = "apitokens.json"
#: Says what the secret is when it turns up in a script, a log or a secret scanner.
PREFIX = "tbk_"
#: Most tokens kept (expired ones count until revoked): a script looping on create is refused.
MAX_TOKENS = 100
#: Seconds between writes of `lastUsed` while tokens are in use.
FLUSH_INTERVAL = 60.0
#: Longest token accepted for a check: ours are 47 characters.
MAX_TOKEN_LENGTH = 128
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DURATION = re.compile(r"(\d{1,6})\s*([mhdw])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
#: The longest expiry: ten years is "never" written down.
MAX_EXPIRY = 3650 * 86400
#: The scopes a token may be made with (VIEW is for share links).
TOKEN_SCOPES = {s.label: s for s in (Scope.READ, Scope.WRITE, Scope.ADMIN)}
BAD_DURATION = ("{what} must be a number of minutes, hours, days or weeks, like 30m, 12h, "
                "30d or 2w")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def parse_duration(value: object, what: str = "expiresIn") -> float:
    """Seconds for `30d`, `12h`, `45m`, `2w` (or a positive number of seconds); BadRequest
    otherwise, with one message that says what is accepted (`what` names the field)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # JSON integers have no size limit: 10**400 has no float, and is out of range anyway.
        seconds = float(value) if abs(value) <= MAX_EXPIRY else float("inf")
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip().lower())):
        seconds = float(int(match[1]) * _UNIT_SECONDS[match[2]])
    else:
        raise BadRequest(BAD_DURATION.format(what=what))
    if not 0 < seconds <= MAX_EXPIRY:
        raise BadRequest(f"{what} must be more than 0 and at most 3650 days")
    return seconds


def check_name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise BadRequest("name must be 1-64 letters, digits, '.', '_' or '-', starting with a "
                         "letter or digit")
    return value


def check_scope(value: object) -> Scope:
    scope = TOKEN_SCOPES.get(value) if isinstance(value, str) else None
    if scope is None:
        raise BadRequest("scope must be one of read, write, admin")
    return scope


class TokenInfo(TypedDict):
    """One token as the API and `termbeam token list` show it (never the secret)."""

    name: str
    scope: str
    session: str | None
    created: float
    expires: float | None
    lastUsed: float | None
    expired: bool


@dataclass(frozen=True, slots=True)
class ApiToken:
    name: str
    digest: str
    scope: Scope
    session: str | None
    created: float
    expires: float | None = None
    last_used: float | None = None

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now

    @property
    def principal(self) -> Principal:
        return Principal(self.scope, session=self.session, token=self.name)

    def info(self, now: float) -> TokenInfo:
        return {
            "name": self.name, "scope": self.scope.label, "session": self.session,
            "created": self.created, "expires": self.expires, "lastUsed": self.last_used,
            "expired": self.expired(now),
        }

    def stored(self) -> dict[str, object]:
        return {
            "name": self.name, "sha256": self.digest, "scope": self.scope.label,
            "session": self.session, "created": self.created, "expires": self.expires,
            "lastUsed": self.last_used,
        }


def _entry(raw: object) -> ApiToken:
    data = obj(raw, "a token")
    scope = TOKEN_SCOPES.get(field(data, "scope", str))
    if scope is None:
        raise BadShape("a token's scope is unknown")
    return ApiToken(
        name=field(data, "name", str), digest=field(data, "sha256", str), scope=scope,
        session=optional(data, "session", str), created=field(data, "created", float),
        expires=optional(data, "expires", float), last_used=optional(data, "lastUsed", float),
    )


def _shape(data: Any) -> list[ApiToken]:
    """`{"tokens": [{name, sha256, scope, session, created, expires, lastUsed}, …]}`."""
    return [_entry(item) for item in field(obj(data), "tokens", list)]


class ApiTokenStore:
    """The server's scoped tokens, by name and by digest."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        """`clock` gives epoch seconds; tests pass one they can move past an expiry."""
        self._path = path
        self._clock = clock
        self._by_name: dict[str, ApiToken] = {}
        self._by_digest: dict[str, str] = {}
        self._dirty = False
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        stored = await asyncio.to_thread(read_json, self._path, _shape) or []
        self._by_name = {token.name: token for token in stored}
        self._by_digest = {token.digest: token.name for token in stored}

    def list(self) -> list[TokenInfo]:
        now = self._clock()
        return [token.info(now) for token in self._by_name.values()]

    async def create(self, name: str, scope: Scope, session: str | None = None,
                     expires_in: float | None = None) -> tuple[str, TokenInfo]:
        """A new token and its description; the text exists only in the answer."""
        if name in self._by_name:
            raise Conflict(f"A token named '{name}' already exists")
        if len(self._by_name) >= MAX_TOKENS:
            raise Conflict(f"Too many tokens (max {MAX_TOKENS}): revoke some first")
        secret = PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        token = ApiToken(name=name, digest=_digest(secret), scope=scope, session=session,
                         created=now, expires=None if expires_in is None else now + expires_in)
        self._by_name[name] = token
        self._by_digest[token.digest] = name
        try:
            await self._save()
        except OSError as exc:
            # A token that would vanish at the next restart is worse than none.
            self._forget(name)
            raise write_failed(exc, "Could not save the token") from exc
        log.info("API token '%s' created (%s scope)", name, scope.label)
        return secret, token.info(now)

    async def revoke(self, name: str) -> None:
        if name not in self._by_name:
            raise NotFound("Token not found")
        self._forget(name)  # refused from now on, whether or not the file can be written
        log.info("API token '%s' revoked", name)
        try:
            await self._save()
        except OSError as exc:
            raise write_failed(exc, "Revoked until the server restarts: could not save the "
                                    "token list") from exc

    def _forget(self, name: str) -> None:
        token = self._by_name.pop(name)
        self._by_digest.pop(token.digest, None)

    def verify(self, secret: str) -> ApiToken | None:
        """The live token `secret` is, noting its use; None when unknown, revoked or expired."""
        if not secret.startswith(PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
            return None
        name = self._by_digest.get(_digest(secret))
        token = self._by_name.get(name) if name is not None else None
        if token is None:
            return None
        now = self._clock()
        if token.expired(now):
            log.info("refused the expired API token '%s'", token.name)
            return None
        self._by_name[token.name] = replace(token, last_used=now)
        self._dirty = True
        return token

    async def flush(self) -> None:
        """Write `lastUsed` changes, if any (the periodic and the shutdown write)."""
        if not self._dirty:
            return
        try:
            await self._save()
        except OSError as exc:
            log.warning("could not save API token use times to %s (%s)", self._path, exc)

    async def run_flusher(self, interval: float = FLUSH_INTERVAL) -> None:
        """Flush every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            await self.flush()

    async def _save(self) -> None:
        async with self._lock:
            # Taken under the lock: whichever write runs last writes the newest state.
            self._dirty = False
            data = {"tokens": [token.stored() for token in self._by_name.values()]}
            try:
                await asyncio.to_thread(write_json, self._path, data)
            except OSError:
                self._dirty = True
                raise
