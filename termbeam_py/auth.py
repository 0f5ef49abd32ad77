"""Who may talk to the server: password, cookies, share links, rate limits, Origin and Host.

Every request passes `guard_middleware` (Host and Origin checks, no localhost exemption:
any web page can reach 127.0.0.1) and then `auth_middleware` (cookie, Bearer password or
one-time `?ott=` link). The password is compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from termbeam_py import keys
from termbeam_py.config import LOOPBACK_NAMES, Config
from termbeam_py.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from termbeam_py.httputil import json_body
from termbeam_py.ratelimit import SlidingWindow
from termbeam_py.tokens import TOKEN_TTL, ShareTokens, TokenStore

log = logging.getLogger(__name__)

COOKIE = "pty_token"
PAGE_ROUTES = frozenset({"/", "/terminal"})
PUBLIC_PATHS = frozenset({
    "/login", "/api/auth", "/api/config", "/api/version", "/health", "/ws",
    "/favicon.ico", "/manifest.webmanifest", "/sw.js", "/robots.txt",
})
PUBLIC_PREFIXES = ("/assets/", "/icons/", "/fonts/")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_MANY_REQUESTS = "Too many requests, please try again later."

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class Auth:
    """Password check, tokens and the rate limiters of one server."""

    def __init__(self, config: Config) -> None:
        self._password_digest = _digest(config.password) if config.password else None
        self.tokens = TokenStore(config.config_dir / "tokens.json")
        self.share = ShareTokens(config.share_token_ttl)
        self.login_limiter = SlidingWindow(5)
        self.ws_limiter = SlidingWindow(5)
        self.api_limiter = SlidingWindow(120) if config.rate_limit else None
        self.page_limiter = SlidingWindow(120) if config.rate_limit else None
        self.extra_hosts = {h.lower() for h in config.allow_hosts}
        self.public_hosts: dict[str, bool] = {}
        """Host name → reached over https, for --public-url and the live tunnel URL."""
        self.set_public_urls(config.public_url)
        if not _is_loopback(config.host):
            hostname = socket.gethostname().lower()
            self.extra_hosts |= {hostname, f"{hostname}.local"}

    @property
    def enabled(self) -> bool:
        return self._password_digest is not None

    def check_password(self, candidate: object) -> bool:
        if self._password_digest is None or not isinstance(candidate, str):
            return False
        return hmac.compare_digest(_digest(candidate), self._password_digest)

    def cookie_valid(self, request: web.Request) -> bool:
        return self.tokens.valid(request.cookies.get(COOKIE))

    def set_public_urls(self, *urls: str | None) -> None:
        """Accept these public URLs' Host names; behind https, their cookies get `Secure`.

        A quick tunnel's name changes on every restart, so the set is replaced, not grown.
        """
        self.public_hosts = {}
        for url in filter(None, urls):
            parts = urlsplit(url)
            if parts.hostname:
                self.public_hosts[parts.hostname.lower()] = parts.scheme == "https"

    def via_public_https(self, request: web.Request) -> bool:
        """A request an https tunnel relayed: its Host, from a loopback peer (the tunnel
        program), whatever X-Forwarded-Proto says (ssh -R forwards no headers)."""
        host = _hostname(request.headers.get("Host", ""))
        return self.public_hosts.get(host, False) and _is_loopback(peer_address(request))

    def host_allowed(self, host: str) -> bool:
        name = _hostname(host)
        if name in LOOPBACK_NAMES or name.endswith(".localhost") or name in self.extra_hosts:
            return True
        if name in self.public_hosts:
            return True
        # A DNS-rebinding page always sends its own domain name, never an IP literal.
        return _is_ip(name)


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(address: str | None) -> bool:
    if not address:
        return False
    if address.strip("[]") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def peer_address(request: web.Request) -> str:
    """The socket peer's address (never a header)."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return str(peer[0]) if peer else ""


def client_ip(request: web.Request) -> str:
    """The client's address; X-Forwarded-For is trusted only from a loopback proxy."""
    peer = peer_address(request)
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and _is_loopback(peer):
        return forwarded.split(",")[0].strip() or peer
    return peer


def is_https(request: web.Request) -> bool:
    if request.secure:
        return True
    auth = request.app.get(keys.AUTH)
    if auth is not None and auth.via_public_https(request):
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https" and _is_loopback(peer_address(request))


def is_loopback_peer(request: web.Request) -> bool:
    return _is_loopback(peer_address(request))


def _normal_netloc(scheme: str, netloc: str) -> str:
    netloc = netloc.lower()
    default = {"http": ":80", "https": ":443", "ws": ":80", "wss": ":443"}.get(scheme)
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def origin_allowed(request: web.Request) -> bool:
    """No Origin (scripts, curl) passes; a browser's Origin must be this very host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    host = request.headers.get("Host", "")
    own_scheme = "https" if is_https(request) else "http"
    return _normal_netloc(parts.scheme, parts.netloc) == _normal_netloc(own_scheme, host)


def set_login_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        COOKIE, token, max_age=TOKEN_TTL, path="/", httponly=True, samesite="Strict",
        secure=is_https(request),
    )


def _is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse foreign Host names (DNS rebinding) and cross-origin writes or sockets."""
    auth = request.app[keys.AUTH]
    host = request.headers.get("Host")
    if host is not None and not auth.host_allowed(host):
        raise Forbidden("Host not allowed")
    needs_origin = request.method in STATE_CHANGING or _is_websocket(request)
    if needs_origin and not origin_allowed(request) and not _sandboxed_preview_origin(request):
        raise Forbidden("Origin not allowed")
    return await handler(request)


def _preview_grant(request: web.Request) -> bool:
    """A main-origin preview path carrying a live grant for its port (see preview/grants.py)."""
    return (
        request.path.startswith("/preview/")
        and request.app.get(keys.PREVIEW_SANDBOXED, False)
        and request.app[keys.PREVIEW].grants.authorizes(request.path)
    )


def _sandboxed_preview_origin(request: web.Request) -> bool:
    # A sandboxed preview page has an opaque origin, sent as "null"; the grant in the path,
    # not the Origin, is what authorises its form posts and hot-reload sockets.
    return request.headers.get("Origin") == "null" and _preview_grant(request)


def _login_redirect(request: web.Request) -> web.HTTPFound:
    if request.app.get(keys.PREVIEW_SANDBOXED, True):
        return web.HTTPFound("/login")
    # The preview listener has no login page: send the browser to the main origin's.
    host = urlsplit(f"//{request.headers.get('Host', request.host)}").hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    scheme = "https" if is_https(request) else "http"
    return web.HTTPFound(f"{scheme}://{host}:{request.app[keys.RUNTIME].port}/login")


def _limit(
    limiter: SlidingWindow | None, request: web.Request, message: str = TOO_MANY_REQUESTS
) -> dict[str, str]:
    if limiter is None:
        return {}
    ip = client_ip(request)
    if not limiter.allowed(ip):
        raise TooManyRequests(message, retry_after=limiter.reset_in(ip))
    limiter.hit(ip)
    return {
        "X-RateLimit-Limit": str(limiter.limit),
        "X-RateLimit-Remaining": str(limiter.remaining(ip)),
        "X-RateLimit-Reset": str(limiter.reset_in(ip)),
    }


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """120 requests a minute per address on the API and on page routes.

    A browser holding a valid login cookie is not counted: it already has the shell, and
    every device behind one tunnel shares the tunnel's loopback address, so a phone and a
    laptop polling sessions, git status and previews would otherwise lock each other out.
    """
    auth = request.app[keys.AUTH]
    path = request.path
    limiter = None
    if auth.enabled and auth.cookie_valid(request):
        pass
    elif path.startswith("/api/") and path != "/api/auth":
        limiter = auth.api_limiter
    elif path in PAGE_ROUTES:
        limiter = auth.page_limiter
    headers = _limit(limiter, request)
    response = await handler(request)
    response.headers.update(headers)
    return response


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _without_ott(request: web.Request) -> str:
    query = [(k, v) for k, v in request.query.items() if k != "ott"]
    return request.path + ("?" + urlencode(query) if query else "")


async def _share_login(request: web.Request, auth: Auth) -> None:
    """Exchange a valid `?ott=` for a login cookie and redirect to the clean URL."""
    target = _without_ott(request)
    if auth.cookie_valid(request):
        # Already logged in (a tunnel interstitial may resend the link): keep the token.
        raise web.HTTPFound(target)
    if not auth.share.consume(request.query["ott"]):
        log.info("refused an expired or unknown share token")
        return
    redirect = web.HTTPFound(target)
    set_login_cookie(request, redirect, await auth.tokens.issue())
    raise redirect


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    auth = request.app[keys.AUTH]
    path = request.path
    if not auth.enabled or _is_public(path):
        return await handler(request)
    if path in PAGE_ROUTES and "ott" in request.query:
        await _share_login(request, auth)
    if auth.cookie_valid(request) or _preview_grant(request):
        return await handler(request)
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        ip = client_ip(request)
        if not auth.login_limiter.allowed(ip):
            raise TooManyRequests()
        if auth.check_password(header[7:]):
            return await handler(request)
        auth.login_limiter.hit(ip)
        raise Unauthorized()
    if path.startswith("/api/"):
        raise Unauthorized()
    raise _login_redirect(request)


routes = web.RouteTableDef()


@routes.post("/api/auth")
async def login(request: web.Request) -> web.Response:
    auth = request.app[keys.AUTH]
    ip = client_ip(request)
    # Every attempt counts, successful ones included (shared with Bearer failures).
    headers = _limit(auth.login_limiter, request, TooManyRequests().message)
    body = await json_body(request)
    if not auth.check_password(body.get("password")):
        log.info("wrong password from %s", ip)
        raise Unauthorized("wrong password")
    response = web.json_response({"ok": True}, headers=headers)
    set_login_cookie(request, response, await auth.tokens.issue())
    return response


@routes.get("/api/config")
async def public_config(request: web.Request) -> web.Response:
    return web.json_response({"passwordRequired": request.app[keys.AUTH].enabled})


@routes.get("/api/share-token")
async def share_token(request: web.Request) -> web.Response:
    auth = request.app[keys.AUTH]
    if not auth.enabled:
        raise NotFound("auth disabled")
    scheme = "https" if is_https(request) else "http"
    own = f"{scheme}://{request.headers.get('Host', request.host)}"
    base = request.app[keys.RUNTIME].share_base(own)
    return web.json_response({"url": f"{base}/?ott={auth.share.issue()}"})
