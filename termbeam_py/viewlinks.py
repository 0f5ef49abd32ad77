"""View-only share links (#17): the store of live and ended links, kept hashed, in memory.

A link is `tbv_` + 32 random bytes (base64url), shown once when made; only its SHA-256 is kept,
with the one session it shows and its expiry. Opening the link exchanges it for a cookie that
holds the same secret (httponly, so the page never sees it), and every request or socket that
carries the cookie is a VIEW principal bound to that session.

Links live in memory only: a restart ends every one (they last an hour by default, a week at
most, so little is lost), nothing about them is on disk to leak, and revoking one is a dict
delete the very next request sees. Ended links are remembered a while, so their page can say
"expired" or "revoked" (410) rather than "unknown" (404).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypedDict

from termbeam_py.apitokens import parse_duration
from termbeam_py.errors import BadRequest, Conflict, NotFound
from termbeam_py.scopes import Principal, Scope

PREFIX = "tbv_"
DEFAULT_TTL = 3600.0
MAX_TTL = 7 * 86400.0
#: Live links kept over all sessions: a script looping on create is refused, not remembered.
MAX_LINKS = 100
#: Ended links remembered for their page's wording; the oldest are forgotten first.
MAX_ENDED = 500
MAX_SECRET_LENGTH = 128

Ending = Literal["expired", "revoked"]


def _digest(secret: str) -> str:
    # From a cookie or a URL path: it may hold lone surrogates, which plain UTF-8 refuses.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def parse_ttl(value: object) -> float:
    """Seconds a new link lives: `expiresIn` as seconds or `30m`/`1h`/`2d`/`1w`, default an
    hour, at most seven days (BadRequest otherwise)."""
    if value is None:
        return DEFAULT_TTL
    seconds = parse_duration(value)
    if seconds > MAX_TTL:
        raise BadRequest("expiresIn must be at most 7 days")
    return seconds


class LinkInfo(TypedDict):
    """One link as the API shows it (never the secret)."""

    id: str
    session: str
    created: float
    expiresAt: float


@dataclass(frozen=True, slots=True)
class ViewLink:
    id: str
    digest: str
    session: str
    created: float
    expires: float

    @property
    def principal(self) -> Principal:
        return Principal(Scope.VIEW, session=self.session, link=self.id)

    def info(self) -> LinkInfo:
        return {"id": self.id, "session": self.session, "created": self.created,
                "expiresAt": self.expires}


class ViewLinks:
    """The server's view-only links, by id and by digest."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """`clock` gives epoch seconds; tests pass one they can move past an expiry."""
        self._clock = clock
        self._by_id: dict[str, ViewLink] = {}
        self._by_digest: dict[str, str] = {}
        self._ended: OrderedDict[str, Ending] = OrderedDict()
        """Digest → how the link ended."""
        self.end_listeners: list[Callable[[ViewLink, Ending], None]] = []
        """Called once with each link that ends, and how, whoever noticed: an expiry found
        by a request is ended like one found by its timer (view_routes.py ends its viewers)."""

    def create(self, session: str, ttl: float) -> tuple[str, ViewLink]:
        """A new link to `session` for `ttl` seconds; the secret exists only in the answer."""
        self._sweep()
        if len(self._by_id) >= MAX_LINKS:
            raise Conflict(f"Too many view links (max {MAX_LINKS}): revoke some first")
        secret = PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        link = ViewLink(id=secrets.token_hex(6), digest=_digest(secret), session=session,
                        created=now, expires=now + ttl)
        self._by_id[link.id] = link
        self._by_digest[link.digest] = link.id
        return secret, link

    def remaining(self, link: ViewLink) -> float:
        """Seconds until `link` expires."""
        return link.expires - self._clock()

    def of_session(self, session: str) -> list[ViewLink]:
        self._sweep()
        return [link for link in self._by_id.values() if link.session == session]

    def get(self, link_id: str, session: str) -> ViewLink:
        link = self._by_id.get(link_id)
        if link is None or link.session != session:
            raise NotFound("View link not found")
        return link

    def revoke(self, link_id: str, session: str) -> ViewLink:
        """End a link now: its cookie is refused by the very next request."""
        link = self.get(link_id, session)
        self._end(link, "revoked")
        return link

    def expire(self, link_id: str) -> ViewLink | None:
        """End a link whose time is up (the expiry timer); None when it already ended."""
        link = self._by_id.get(link_id)
        if link is None or link.expires > self._clock():
            return None
        self._end(link, "expired")
        return link

    def verify(self, secret: object) -> ViewLink | None:
        """The live link `secret` is; None when unknown, ended or not a link at all."""
        if not isinstance(secret, str) or not secret.startswith(PREFIX) \
                or len(secret) > MAX_SECRET_LENGTH:
            return None
        link_id = self._by_digest.get(_digest(secret))
        link = self._by_id.get(link_id) if link_id is not None else None
        if link is None:
            return None
        if link.expires <= self._clock():
            self._end(link, "expired")
            return None
        return link

    def ending(self, secret: str) -> Ending | None:
        """How the link `secret` ended, if it is one we remember; None for unknown ones."""
        if len(secret) > MAX_SECRET_LENGTH:
            return None
        self._sweep()
        return self._ended.get(_digest(secret))

    def _sweep(self) -> None:
        now = self._clock()
        for link in [link for link in self._by_id.values() if link.expires <= now]:
            self._end(link, "expired")

    def _end(self, link: ViewLink, how: Ending) -> None:
        self._by_id.pop(link.id, None)
        self._by_digest.pop(link.digest, None)
        self._ended[link.digest] = how
        while len(self._ended) > MAX_ENDED:
            self._ended.popitem(last=False)
        for listener in self.end_listeners:
            listener(link, how)
