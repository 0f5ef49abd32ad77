"""Per-port preview capabilities: the credential of sandboxed pages on the main origin.

A page served with `Content-Security-Policy: sandbox` runs in an opaque origin, so the
browser sends no cookie (SameSite=Strict, and even SameSite=None) with the requests for its
stylesheets, scripts and images. A logged-in browser navigating to `/preview/<port>/…` is
therefore redirected once to `/preview/<port>/~<grant>/…`: the random grant in the path
authorises requests for that one port's proxy, never the TermBeam API. Grants live in memory
for `ttl` seconds and are rotated before they run out.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time

#: `/preview/<port>/~<grant>` at the start of a path.
GRANT_PATH = re.compile(r"^/preview/(\d{1,5})/~([A-Za-z0-9_-]{24})(?=/|$)")
GRANT_SEGMENT = re.compile(r"[A-Za-z0-9_-]{24}")
GRANT_TTL = 12 * 3600.0
#: A grant is replaced when less than this is left, so a fresh page never expires mid-use.
_ROTATE_BEFORE = 3600.0


class Grants:
    """One live grant per port."""

    def __init__(self, ttl: float = GRANT_TTL) -> None:
        self._ttl = ttl
        self._grants: dict[int, tuple[str, float]] = {}

    def issue(self, port: int) -> str:
        now = time.monotonic()
        current = self._grants.get(port)
        if current and current[1] - now > min(_ROTATE_BEFORE, self._ttl / 2):
            return current[0]
        token = secrets.token_urlsafe(18)
        self._grants[port] = (token, now + self._ttl)
        return token

    def valid(self, port: int, token: str) -> bool:
        current = self._grants.get(port)
        if current is None or current[1] <= time.monotonic():
            return False
        return hmac.compare_digest(current[0], token)

    def authorizes(self, path: str) -> bool:
        """True if `path` starts with a live grant for the port it names."""
        match = GRANT_PATH.match(path)
        return match is not None and self.valid(int(match.group(1)), match.group(2))
