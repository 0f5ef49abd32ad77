"""Pure rewriting of what an upstream app says about its own URLs, so it works under a prefix.

The app believes it lives at `/`; the browser sees it at `/preview/<port>/…`. `Location`
headers, `Set-Cookie` paths and absolute `/…` URLs in HTML and CSS are moved under the prefix,
and cookie names into the port's namespace (see `rewrite_set_cookie`).
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
_COOKIE_DOMAIN = re.compile(r";\s*domain\s*=[^;]*", re.IGNORECASE)
_HTTP_ONLY = re.compile(r";\s*httponly\s*(?=;|$)", re.IGNORECASE)
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


def cookie_namespace(port: int) -> str:
    """What the names of the cookies an app on `port` sets through the proxy start with."""
    return f"tbp{port}_"


def _default_cookie_dir(upstream_path: str) -> str:
    """RFC 6265's default cookie path for a request to `upstream_path` (the app's view)."""
    path = upstream_path.partition("?")[0]
    if path.count("/") <= 1:
        return "/"
    return path[: path.rfind("/")]


def _split_cookie(set_cookie: str) -> tuple[str, str, str]:
    """(name, value, `;attributes`); a pair without `=` is a nameless cookie's value."""
    pair, _, attributes = set_cookie.partition(";")
    name, equals, value = pair.partition("=")
    if not equals:
        return "", pair.strip(), attributes
    return name.strip(), value.strip(), attributes


def rewrite_set_cookie(set_cookie: str, port: int, upstream_path: str) -> list[str]:
    """An app's `Set-Cookie` as the browser gets it.

    Cookies ignore ports, so the browser sends every cookie of the host to every previewed
    app; the proxy forwards only the ones named in the app's namespace (`upstream_cookies`).
    The path moves under `/preview/<port>/` (an explicit one is added where the browser's
    default would fall outside it) and `Domain` goes, so the cookie stays on this host. A
    cookie scripts may read (no HttpOnly) is also set under its own name, for the app's
    scripts (a CSRF token read from `document.cookie`); that copy is never forwarded.
    """
    name, value, attributes = _split_cookie(set_cookie)
    attributes = _COOKIE_DOMAIN.sub("", ";" + attributes if attributes else "")
    own = _port_prefix(port)
    if _COOKIE_PATH.search(attributes):
        def _path(match: re.Match[str]) -> str:
            path = match.group(2).strip()
            if not path.startswith("/"):  # invalid: the browser would use the default
                path = _default_cookie_dir(upstream_path)
            return match.group(1) + _prefixed(path, own, port)

        attributes = _COOKIE_PATH.sub(_path, attributes)
    else:
        attributes += f"; Path={_prefixed(_default_cookie_dir(upstream_path), own, port)}"
    cookies = [f"{cookie_namespace(port)}{name}={value}{attributes}"]
    if not _HTTP_ONLY.search(attributes):
        cookies.append(f"{name}={value}{attributes}" if name else f"{value}{attributes}")
    return cookies


def upstream_cookies(header: str, port: int) -> str:
    """The Cookie header the app on `port` gets: its own cookies, back under their names.

    Everything else the browser sent (TermBeam's login, other apps' cookies, the script
    copies) stays here.
    """
    namespace = cookie_namespace(port)
    kept = []
    for pair in header.split(";"):
        name, _, value = pair.strip().partition("=")
        if name.startswith(namespace):
            name = name[len(namespace) :]
            kept.append(f"{name}={value}" if name else value)
    return "; ".join(kept)


def cookie_name(set_cookie: str) -> str:
    return _split_cookie(set_cookie)[0]


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
