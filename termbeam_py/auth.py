"""Who may talk to the server: password, cookies, share links, rate limits, Origin and Host.

Every request passes `guard_middleware` (Host and Origin checks, no localhost exemption:
any web page can reach 127.0.0.1) and then `auth_middleware` (cookie, Bearer password or
one-time `?ott=` link). The password is compared in constant time and never logged.
Parsing of Host, Origin and X-Forwarded-For values lives in `hosts.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from termbeam_py import keys
from termbeam_py.apitokens import FILE_NAME as API_TOKENS_FILE
from termbeam_py.apitokens import ApiTokenStore
from termbeam_py.audit import note, note_as, note_use
from termbeam_py.config import Config
from termbeam_py.errors import (
    Forbidden,
    NotFound,
    TermbeamError,
    TooManyRequests,
    Unauthorized,
)
from termbeam_py.hosts import (
    HostNames,
    effective_port,
    is_loopback,
    limit_key,
    parse_forwarded_for,
    parse_host,
    parse_origin,
)
from termbeam_py.httputil import json_body
from termbeam_py.ratelimit import SlidingWindow
from termbeam_py.scopes import OWNER, PRINCIPAL, Principal, Reach, Scope, check_route, requires
from termbeam_py.tokens import TOKEN_TTL, ShareTokens, TokenStore
from termbeam_py.totp import ALONE_REFUSED, TotpStore, check_login, refused_login
from termbeam_py.totp import FILE_NAME as TOTP_FILE
from termbeam_py.viewlinks import ViewLinks

log = logging.getLogger(__name__)

COOKIE = "pty_token"
#: A view-only link's cookie (viewlinks.py): its holder watches one session.
VIEW_COOKIE = "tb_view"
PAGE_ROUTES = frozenset({"/", "/terminal", "/view"})
#: Pages under a path of their own: the code viewer, pasted images (`/uploads/ID`) and view
#: links (`/view/LINK`).
PAGE_PREFIXES = ("/code/", "/uploads/", "/view/")
#: The view pages answer for themselves: a dead link gets its own page, not the login page.
PUBLIC_PATHS = frozenset({
    "/login", "/api/auth", "/api/config", "/api/version", "/health", "/ws", "/view",
    "/favicon.ico", "/manifest.webmanifest", "/sw.js", "/robots.txt",
})
PUBLIC_PREFIXES = ("/assets/", "/icons/", "/fonts/", "/view/")
#: Paths outside /api/ that machines call (a Prometheus scraper): 401, not the login page.
MACHINE_PATHS = frozenset({"/metrics"})
METRICS_REFUSED = ("/metrics needs a token, also on a server without a password: "
                        "Authorization: Bearer <token> (termbeam token create --scope read)")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_MANY_REQUESTS = "Too many requests, please try again later."
#: Password attempts a minute over all clients together (login and Bearer failures share one
#: budget, WebSocket failures have another). Behind a tunnel that adds no X-Forwarded-For
#: (ssh to a plain sshd), every client names its own address, so only this stops guessing.
ATTEMPTS_FROM_EVERYONE = 30
#: The most X-Forwarded-For entries examined: proxies on this machine in a row, from the right.
MAX_PROXY_HOPS = 16

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class Auth:
    """Password check, tokens and the rate limiters of one server."""

    def __init__(self, config: Config) -> None:
        self._password_digest = _digest(config.password) if config.password else None
        #: The password now (`termbeam password` changes it while the server runs).
        self.password = config.password
        self.tokens = TokenStore(config.config_dir / "tokens.json")
        self.api_tokens = ApiTokenStore(config.config_dir / API_TOKENS_FILE)
        self.share = ShareTokens(config.share_token_ttl)
        self.views = ViewLinks()
        self.totp = TotpStore(config.config_dir / TOTP_FILE)
        #: The owner's credential for the command line on this machine (connection.json,
        #: 0600): it stands for the password without the one-time code, which a script
        #: cannot type; whoever can read that file can read the TOTP secret next to it.
        self.machine_key = "tbm_" + secrets.token_urlsafe(32)
        self.login_limiter = SlidingWindow(5, total=ATTEMPTS_FROM_EVERYONE)
        self.ws_limiter = SlidingWindow(5, total=ATTEMPTS_FROM_EVERYONE)
        self.api_limiter = SlidingWindow(120) if config.rate_limit else None
        self.page_limiter = SlidingWindow(120) if config.rate_limit else None
        self.hosts = HostNames(config.host, config.allow_hosts)
        self.set_public_urls(config.public_url)

    @property
    def enabled(self) -> bool:
        return self._password_digest is not None

    def check_password(self, candidate: object) -> bool:
        if self._password_digest is None or not isinstance(candidate, str):
            return False
        return hmac.compare_digest(_digest(candidate), self._password_digest)

    def set_password(self, password: str) -> None:
        """Use `password` from the next request on (logins.py revokes what it must)."""
        self.password = password
        self._password_digest = _digest(password)

    def cookie_valid(self, request: web.Request) -> bool:
        token = request.cookies.get(COOKIE)
        if not self.tokens.valid(token):
            return False
        self.tokens.seen(token, client_ip(request))  # the devices list's "last seen"
        return True

    def set_public_urls(self, *urls: str | None) -> None:
        """Accept these public URLs' Host names; behind https, their cookies get `Secure`."""
        self.hosts.set_public_urls(*urls)

    def via_public_https(self, request: web.Request) -> bool:
        """A request an https tunnel relayed: its Host, from a loopback peer (the tunnel
        program), whatever X-Forwarded-Proto says (ssh -R forwards no headers)."""
        host = parse_host(request.headers.get("Host", ""))
        return self.hosts.public_https(host) and is_loopback_peer(request)

    def host_allowed(self, request: web.Request) -> bool:
        host = parse_host(request.headers.get("Host", ""))
        return host is not None and self.hosts.allowed(host, _local_address(request))

    def authenticated(self, request: web.Request) -> bool:
        """Whether `principal` finds a caller (it raises for a wrong Bearer credential)."""
        return self.principal(request) is not None

    def principal(self, request: web.Request) -> Principal | None:
        """The caller: the owner for a login cookie or a Bearer password (or on a server
        without one), a scoped token's own principal for `Bearer tbk_…`, else a view-only
        link's viewer for its cookie; None when no credential was sent. A wrong Bearer
        credential (an unknown, revoked or expired token included) is counted like a wrong
        password: 401, and 429 once the client used its attempts."""
        if not self.enabled or self.cookie_valid(request):
            return OWNER
        header = request.headers.get("Authorization", "")
        if header[:7].lower() != "bearer ":
            return self.viewer(request)
        key = client_key(request)
        if not self.login_limiter.allowed(key):
            raise TooManyRequests()
        found = self.credential(header[7:])
        if found is not None:
            note_use(request, found, "bearer")
            return found
        self.login_limiter.hit(key)
        note_as(request, None, "login.failed", method="bearer", reason="wrong credential")
        raise Unauthorized(ALONE_REFUSED if self.totp.enabled else "unauthorized")

    def viewer(self, request: web.Request) -> Principal | None:
        """A view-only link's holder (its cookie, see viewlinks.py); None for anyone else."""
        link = self.views.verify(request.cookies.get(VIEW_COOKIE))
        return link.principal if link is not None else None

    def credential(self, secret: object) -> Principal | None:
        """Who the password, the machine key or a scoped token stands for; None for anything
        else. The password alone counts for nothing while the one-time code is on."""
        if self.check_password(secret):
            return None if self.totp.enabled else OWNER
        if isinstance(secret, str) and hmac.compare_digest(_digest(secret),
                                                           _digest(self.machine_key)):
            return OWNER
        token = self.api_tokens.verify(secret) if isinstance(secret, str) else None
        return token.principal if token is not None else None


def peer_address(request: web.Request) -> str:
    """The socket peer's address (never a header)."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return str(peer[0]) if peer else ""


def _local_address(request: web.Request) -> str | None:
    """This end of the connection: the address the client dialled."""
    local = request.transport.get_extra_info("sockname") if request.transport else None
    return str(local[0]) if isinstance(local, tuple) and local else None


def client_ip(request: web.Request) -> str:
    """The client's address, as Express's `trust proxy = loopback` finds it.

    Each proxy appends the address it got the request from to X-Forwarded-For, so the header
    is trusted only from a loopback peer (a tunnel program or local reverse proxy) and read
    from the right: loopback entries are further proxies on this machine and are skipped; the
    first other entry is what the outermost of them saw, the client. Everything to its left
    is whatever the client wrote and is never used. An entry that is not an address gives
    the peer's own address (one bucket for all such clients); so does an empty header. When
    every entry is loopback, the leftmost is the client (a local browser behind a local proxy).
    """
    peer = peer_address(request)
    if not is_loopback(peer):
        return peer
    # A proxy may add its own header line instead of appending to the client's.
    entries = ",".join(request.headers.getall("X-Forwarded-For", ())).split(",")
    if entries == [""]:
        return peer
    client = peer
    for entry in reversed(entries[-MAX_PROXY_HOPS:]):
        address = parse_forwarded_for(entry)
        if address is None:
            return peer
        client = str(address)
        if not address.is_loopback:
            break
    return client


def client_key(request: web.Request) -> str:
    """The rate limiters' key for this request's client."""
    return limit_key(client_ip(request))


def is_https(request: web.Request) -> bool:
    """Whether the browser reached us over https: directly, through the https tunnel, or
    through a loopback proxy that says so in X-Forwarded-Proto."""
    if request.secure:
        return True
    auth = request.app.get(keys.AUTH)
    if auth is not None and auth.via_public_https(request):
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https" and is_loopback_peer(request)


def is_loopback_peer(request: web.Request) -> bool:
    """The request came straight from this machine (a local browser, proxy or tunnel)."""
    return is_loopback(peer_address(request))


def origin_allowed(request: web.Request) -> bool:
    """No Origin (scripts, curl) passes; a browser's Origin must be this very origin: the
    same scheme (as `is_https` sees it), host and port, a scheme's default port implied."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    parsed = parse_origin(origin)
    host = parse_host(request.headers.get("Host", ""))
    if parsed is None or host is None:
        return False
    scheme, origin_host = parsed
    own_scheme = "https" if is_https(request) else "http"
    return (
        scheme == own_scheme
        and origin_host.name == host.name
        and effective_port(scheme, origin_host.port) == effective_port(own_scheme, host.port)
    )


def device(request: web.Request) -> tuple[str, str]:
    """What a new login keeps of the device: its User-Agent and address."""
    return request.headers.get("User-Agent", ""), client_ip(request)


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
    if "Host" in request.headers and not auth.host_allowed(request):
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
    # The preview listener has no login page: send the browser to the main origin's. The Host
    # passed guard_middleware, so it is one of our own names.
    host = parse_host(request.headers.get("Host", request.host))
    name = host.url_host if host is not None else "localhost"
    scheme = "https" if is_https(request) else "http"
    return web.HTTPFound(f"{scheme}://{name}:{request.app[keys.RUNTIME].port}/login")


def _limit(
    limiter: SlidingWindow | None, request: web.Request, message: str = TOO_MANY_REQUESTS
) -> dict[str, str]:
    if limiter is None:
        return {}
    key = client_key(request)
    if not limiter.allowed(key):
        raise TooManyRequests(message, retry_after=limiter.reset_in(key))
    limiter.hit(key)
    return {
        "X-RateLimit-Limit": str(limiter.limit),
        "X-RateLimit-Remaining": str(limiter.remaining(key)),
        "X-RateLimit-Reset": str(limiter.reset_in(key)),
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
    elif (path.startswith("/api/") and path != "/api/auth") or path in MACHINE_PATHS:
        limiter = auth.api_limiter
    elif is_page(path):
        limiter = auth.page_limiter
    headers = _limit(limiter, request)
    try:
        response = await handler(request)
    except (TermbeamError, web.HTTPException) as exc:
        # Rendered by error_middleware further out (or a redirect to the login page): an
        # error answer counts and says so too.
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


def is_page(path: str) -> bool:
    """A page the app serves (not the API, not a static asset): the page rate limit and
    `?ott=` share links apply to every one, deep links included."""
    return path in PAGE_ROUTES or path.startswith(PAGE_PREFIXES)


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
    link = auth.share.link_id(request.query["ott"])
    if not auth.share.consume(request.query["ott"]):
        log.info("refused an expired or unknown share token")
        note_as(request, None, "login.failed", method="share-link",
                reason="expired or unknown share link")
        return
    note_as(request, OWNER, "share.used", link=link, kind="one-time")
    note_as(request, OWNER, "login", method="share-link", link=link)
    redirect = web.HTTPFound(target)
    set_login_cookie(request, redirect, await auth.tokens.issue(*device(request)))
    raise redirect


def _scraper(request: web.Request, auth: Auth) -> Principal:
    """The caller of /metrics on a server without a password. It is never open (#19), so it
    takes a token there too: a `read` token, or the machine key of this machine's CLI."""
    header = request.headers.get("Authorization", "")
    found = auth.credential(header[7:]) if header[:7].lower() == "bearer " else None
    if found is None:
        raise Unauthorized(METRICS_REFUSED)
    if found.restricted:
        check_route(request, found)
    return found


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    auth = request.app[keys.AUTH]
    path = request.path
    if not auth.enabled:
        request[PRINCIPAL] = _scraper(request, auth) if path in MACHINE_PATHS else OWNER
        return await handler(request)
    if _is_public(path):
        return await handler(request)
    if is_page(path) and "ott" in request.query:
        await _share_login(request, auth)
    if _preview_grant(request):
        return await handler(request)
    principal = auth.principal(request)
    if principal is None:
        if path.startswith("/api/") or path in MACHINE_PATHS:
            raise Unauthorized()
        raise _login_redirect(request)
    request[PRINCIPAL] = principal
    if principal.restricted:
        check_route(request, principal)
    return await handler(request)



routes = web.RouteTableDef()


@routes.post("/api/auth")
@requires(Scope.VIEW, reach=Reach.ANY)
async def login(request: web.Request) -> web.Response:
    auth = request.app[keys.AUTH]
    ip = client_ip(request)
    # Every attempt counts, successful ones included (shared with Bearer failures).
    headers = _limit(auth.login_limiter, request, TooManyRequests().message)
    body = await json_body(request)
    if auth.totp.enabled:
        if not await check_login(auth.totp, auth.check_password(body.get("password")), body):
            log.info("wrong password or one-time code from %s", ip)
            note_as(request, None, "login.failed", method="password",
                    reason="wrong password or code")
            raise refused_login()
    elif not auth.check_password(body.get("password")):
        log.info("wrong password from %s", ip)
        note_as(request, None, "login.failed", method="password", reason="wrong password")
        raise Unauthorized("wrong password")
    note_as(request, OWNER, "login", method="password")
    response = web.json_response({"ok": True}, headers=headers)
    set_login_cookie(request, response, await auth.tokens.issue(*device(request)))
    return response


@routes.get("/api/config")
@requires(Scope.VIEW, reach=Reach.ANY)
async def public_config(request: web.Request) -> web.Response:
    return web.json_response({"passwordRequired": request.app[keys.AUTH].enabled})


@routes.get("/api/share-token")
@requires(Scope.ADMIN)
async def share_token(request: web.Request) -> web.Response:
    auth = request.app[keys.AUTH]
    if not auth.enabled:
        raise NotFound("auth disabled")
    scheme = "https" if is_https(request) else "http"
    own = f"{scheme}://{request.headers.get('Host', request.host)}"
    base = request.app[keys.RUNTIME].share_base(own)
    token = auth.share.issue()
    note(request, "share.created", link=auth.share.link_id(token), kind="one-time")
    return web.json_response({"url": f"{base}/?ott={token}"})


def setup(app: web.Application) -> None:
    """Add the login and share routes to `app` (called by create_app); the `Auth` service
    itself is made with the app, since the middlewares need it."""
    app.router.add_routes(routes)
