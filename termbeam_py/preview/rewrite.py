"""Pure rewriting of what an upstream app says about its own URLs, so it works under a prefix.

The app believes it lives at `/`; the browser sees it at `/preview/<port>/…`. `Location`
headers, `Set-Cookie` paths and absolute `/…` URLs in HTML and CSS are moved under the prefix.
Protocol-relative `//host/…` URLs and URLs that already carry `/preview/<port>/` stay as
they are. JavaScript is never rewritten: URLs built at run time cannot be found reliably, so
apps that honour `X-Forwarded-Prefix` (or a `base` option) fare best.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: HTML attributes whose value is a URL (or, for `content`, may start with one).
_HTML_ATTR = rb"""(\b(?:href|src|action|poster|data|formaction|content)\s*=\s*["'])/(?!/|%s/)"""
_SRCSET = re.compile(rb"""(\bsrcset\s*=\s*)(["'])([^"']*)\2""", re.IGNORECASE)
_CSS_URL = rb"""(url\(\s*["']?)/(?!/|%s/)"""
_COOKIE_PATH = re.compile(r"(;\s*path\s*=\s*)([^;]*)", re.IGNORECASE)
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _port_prefix(port: int) -> str:
    return f"/preview/{port}"


def _prefixed(path: str, prefix: str, port: int) -> str:
    """`path` (starting with one `/`) under `prefix`, unless it is already there."""
    own = _port_prefix(port)
    if path == own or path.startswith(own + "/"):
        return path
    return prefix + path


def rewrite_location(value: str, port: int, prefix: str) -> str:
    """Absolute-path and loopback `http://…:<port>/` redirects → under the prefix."""
    if value.startswith("/") and not value.startswith("//"):
        return _prefixed(value, prefix, port)
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname in _LOOPBACK_HOSTS:
        try:
            same_port = parts.port == port
        except ValueError:
            return value
        if same_port:
            rest = value[len(f"{parts.scheme}://{parts.netloc}") :] or "/"
            return _prefixed(rest if rest.startswith("/") else "/" + rest, prefix, port)
    return value


def rewrite_set_cookie(value: str, port: int, prefix: str) -> str:
    """Move an explicit `Path=/…` under the prefix (no Path: the browser defaults below it)."""

    def _path(match: re.Match[str]) -> str:
        path = match.group(2).strip()
        if not path.startswith("/"):
            return match.group(0)
        return match.group(1) + _prefixed(path, prefix, port)

    return _COOKIE_PATH.sub(_path, value)


def cookie_name(set_cookie: str) -> str:
    return set_cookie.split("=", 1)[0].strip()


def _srcset(value: bytes, prefix: bytes, own: bytes) -> bytes:
    candidates = []
    for candidate in value.split(b","):
        stripped = candidate.lstrip()
        if stripped.startswith(b"/") and not stripped.startswith((b"//", own + b"/")):
            candidate = candidate[: len(candidate) - len(stripped)] + prefix + stripped
        candidates.append(candidate)
    return b",".join(candidates)


def _pattern(template: bytes, port: int) -> re.Pattern[bytes]:
    # The negative lookahead leaves URLs that already carry /preview/<port>/ alone.
    return re.compile(template % re.escape(_port_prefix(port).encode()[1:]), re.IGNORECASE)


def rewrite_css(body: bytes, port: int, prefix: str) -> bytes:
    """`url(/…)` → `url(<prefix>/…)`."""
    raw_prefix = prefix.encode()
    return _pattern(_CSS_URL, port).sub(lambda m: m.group(1) + raw_prefix + b"/", body)


def rewrite_html(body: bytes, port: int, prefix: str) -> bytes:
    """URL attributes, `srcset` lists and inline CSS `url(/…)` → under the prefix."""
    raw_prefix = prefix.encode()
    own = _port_prefix(port).encode()
    body = _pattern(_HTML_ATTR, port).sub(lambda m: m.group(1) + raw_prefix + b"/", body)

    def _set(match: re.Match[bytes]) -> bytes:
        quote = match.group(2)
        return match.group(1) + quote + _srcset(match.group(3), raw_prefix, own) + quote

    return rewrite_css(_SRCSET.sub(_set, body), port, prefix)
