"""Which headers cross the proxy, in each direction, and how they change on the way."""

from __future__ import annotations

from collections.abc import Mapping

from multidict import CIMultiDict, CIMultiDictProxy

from termbeam_py.auth import COOKIE
from termbeam_py.preview.rewrite import (
    cookie_name,
    rewrite_location,
    rewrite_set_cookie,
    upstream_cookies,
)

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
})
#: Never forwarded upstream: TermBeam's credentials stay here; encodings must stay
#: rewritable; the X-Forwarded-* set is ours; WebSocket handshake headers are redone.
_REQUEST_DROP = HOP_BY_HOP | {
    "host", "authorization", "cookie", "accept-encoding", "x-forwarded-for",
    "x-forwarded-proto", "x-forwarded-host", "x-forwarded-prefix", "forwarded",
    "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
    "sec-websocket-accept", "sec-websocket-protocol",
}
#: `Clear-Site-Data` would let a previewed app wipe TermBeam's own cookies (log you out).
_RESPONSE_DROP = HOP_BY_HOP | {"clear-site-data"}


def _connection_listed(headers: Mapping[str, str]) -> set[str]:
    listed = headers.get("Connection", "")
    return {name.strip().lower() for name in listed.split(",") if name.strip()}


def upstream_headers(
    incoming: CIMultiDictProxy[str], port: int, *, proto: str, host: str, prefix: str,
    same_origin: bool,
) -> CIMultiDict[str]:
    """What the upstream app sees: the browser's headers, minus ours, plus X-Forwarded-*.

    The app sees itself as loaded directly: `Host` is its own address, and so is `Origin`
    when the page is its own (`same_origin`: the Origin is the one the request came to), so
    host and CSRF checks of dev servers pass. A foreign Origin is passed on as it is.
    """
    dropped = _REQUEST_DROP | _connection_listed(incoming)
    out: CIMultiDict[str] = CIMultiDict(
        (name, value) for name, value in incoming.items() if name.lower() not in dropped
    )
    cookies = upstream_cookies("; ".join(incoming.getall("Cookie", [])), port)
    if cookies:
        out["Cookie"] = cookies
    out["Host"] = f"127.0.0.1:{port}"
    if same_origin and "Origin" in out:
        out["Origin"] = f"http://127.0.0.1:{port}"
    out["X-Forwarded-Proto"] = proto
    out["X-Forwarded-Host"] = host
    out["X-Forwarded-Prefix"] = prefix
    return out


def downstream_headers(
    upstream: CIMultiDictProxy[str], port: int, prefix: str, upstream_path: str
) -> CIMultiDict[str]:
    """The upstream's response headers: redirects under the prefix, cookies in the port's
    namespace (`upstream_path` is the request's path as the app saw it)."""
    dropped = _RESPONSE_DROP | _connection_listed(upstream)
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in upstream.items():
        lower = name.lower()
        if lower in dropped:
            continue
        if lower == "location":
            value = rewrite_location(value, port, prefix)
        elif lower == "set-cookie":
            if cookie_name(value) == COOKIE:
                continue  # an app must not plant or overwrite TermBeam's login cookie
            for cookie in rewrite_set_cookie(value, port, upstream_path):
                out.add(name, cookie)
            continue
        out.add(name, value)
    return out
