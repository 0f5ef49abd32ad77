"""The optional second factor: a TOTP secret, its recovery codes and the used-code guard.

State lives in `totp.json` (0600) in the state directory: the base32 secret, the SHA-256 of
each unused recovery code and the last time step a code was accepted at (kept across
restarts, so a code seen once cannot be replayed after one). The server is its only writer;
`termbeam totp` goes through the server's admin API (docs/architecture.md says why).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp

from termbeam_py.errors import Unauthorized
from termbeam_py.state import BadShape, obj, optional, read_json, write_json

log = logging.getLogger(__name__)

FILE_NAME = "totp.json"
STEP = 30
DIGITS = 6
#: Steps of clock skew accepted either side of now (a phone a few seconds off, a code typed
#: just as it turned over); two steps away is refused.
SKEW = 1
RECOVERY_CODES = 8
#: How long `setup` keeps an unconfirmed secret waiting for its first code.
PENDING_TTL = 10 * 60
ISSUER = "TermBeam"
#: Recovery codes: 10 characters of an alphabet without look-alikes, shown as xxxxx-xxxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """A typed code without spaces or dashes, in lower case."""
    return "".join(ch for ch in code.lower() if ch not in " -\t")


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@dataclass
class Secret:
    """One TOTP secret with its unused recovery codes (hashed) and last accepted step."""

    secret: str
    recovery: list[str] = field(default_factory=list)
    last_step: int = -1

    def as_json(self) -> dict[str, object]:
        return {"secret": self.secret, "recovery": self.recovery, "lastStep": self.last_step}


def _shape(data: Any) -> Secret | None:
    """`{"secret": base32|null, "recovery": [sha256…], "lastStep": n}`."""
    stored = obj(data)
    secret = optional(stored, "secret", str)
    if secret is None:
        return None
    recovery = stored.get("recovery", [])
    if not isinstance(recovery, list) or not all(isinstance(h, str) for h in recovery):
        raise BadShape("recovery codes are not a list of strings")
    step = stored.get("lastStep", -1)
    if isinstance(step, bool) or not isinstance(step, int):
        raise BadShape("lastStep is not a number")
    return Secret(secret, list(recovery), step)


def matching_step(secret: str, code: str, now: float, after: int = -1) -> int | None:
    """The time step within ±SKEW of `now` whose code is `code` and that comes after
    `after` (the last one accepted); None when there is none."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    here = totp.timecode(now)
    found = None
    for step in range(here - SKEW, here + SKEW + 1):
        # Every candidate is compared, so the time taken says nothing about which matched.
        if hmac.compare_digest(totp.generate_otp(step), code) and step > after:
            found = step
    return found


@dataclass
class Pending:
    """A secret shown by `setup` and not yet confirmed by a code."""

    secret: Secret
    codes: list[str]
    expires: float


class TotpStore:
    """Whether the second factor is on, and checking codes against it."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        #: Wall-clock seconds; tests replace it to move between time steps without waiting.
        self.clock = clock
        self._secret: Secret | None = None
        self._pending: Pending | None = None
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self._secret is not None

    @property
    def recovery_left(self) -> int:
        return len(self._secret.recovery) if self._secret is not None else 0

    async def load(self) -> None:
        self._secret = await asyncio.to_thread(read_json, self._path, _shape)

    async def _save(self) -> None:
        data = self._secret.as_json() if self._secret is not None else {"secret": None}
        async with self._lock:
            await asyncio.to_thread(write_json, self._path, data)

    def begin(self, account: str) -> tuple[str, str, list[str]]:
        """A new secret waiting for its first code: its base32 text, otpauth:// URI and
        recovery codes (shown this once; only their hashes are kept)."""
        secret = pyotp.random_base32()
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        self._pending = Pending(Secret(secret, [_hash(c) for c in codes]), codes,
                                self.clock() + PENDING_TTL)
        uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(
            name=account, issuer_name=ISSUER)
        return secret, uri, codes

    async def confirm(self, code: str) -> bool | None:
        """Turn the pending secret on if `code` is its current code; None when nothing is
        pending (or it expired)."""
        pending = self._pending
        if pending is None or pending.expires < self.clock():
            self._pending = None
            return None
        step = matching_step(pending.secret.secret, normalise(code), self.clock())
        if step is None:
            return False
        pending.secret.last_step = step
        self._secret, self._pending = pending.secret, None
        await self._save()
        return True

    async def check(self, code: object) -> bool:
        """`code` is a current, unused TOTP code or an unused recovery code (which is then
        spent). Off: always False (callers ask only when it is on)."""
        current = self._secret
        if current is None or not isinstance(code, str) or len(code) > 64:
            return False
        typed = normalise(code)
        step = matching_step(current.secret, typed, self.clock(), current.last_step)
        if step is not None:
            current.last_step = step
            await self._save()
            return True
        digest = _hash(typed)
        spent = next((h for h in current.recovery if hmac.compare_digest(h, digest)), None)
        if spent is None:
            return False
        current.recovery.remove(spent)
        log.warning("a recovery code was used; %d left", len(current.recovery))
        await self._save()
        return True

    async def disable(self) -> None:
        self._secret = None
        self._pending = None
        await self._save()


CODE_REQUIRED = "code required"
WRONG = "wrong password or code"
WRONG_CODE = "wrong code"
#: A Bearer password, or a WebSocket `auth` password, while the second factor is on: one
#: answer whether the password was right or not, so it tells a guesser nothing.
ALONE_REFUSED = (
    "the password alone is not accepted while a one-time code is on: sign in on the web page, "
    "or use a scoped token (termbeam token create)")


def _asks_code(message: str) -> Unauthorized:
    refusal = Unauthorized(message)
    refusal.extra["totp"] = True
    return refusal


async def check_login(store: TotpStore, password_ok: bool, body: dict[str, object]) -> bool:
    """The password step and code step of POST /api/auth while the second factor is on.

    Without a code the answer is "code required" whatever the password: the page then asks
    for both, and a guesser never learns whether a password was right without a code that
    goes with it. The code is checked (and spent) only with the right password. False for a
    wrong password or code; the caller has already counted the attempt.
    """
    code = body.get("code")
    if code is None or code == "":
        raise _asks_code(CODE_REQUIRED)
    return password_ok and await store.check(code)


def refused_login() -> Unauthorized:
    """The 401 of a login whose password or code was wrong (the page asks again)."""
    return _asks_code(WRONG)
