"""Hypothesis strategies for tests/test_fuzz.py: hostile JSON, query strings, headers, path
parameters and request bodies, and one fuzz plan per route of the app.

Every value that could reach a shell or the file system outside the test's temp dir is
confined by construction (see `Confinement`): fuzzing must never run a command it made up,
write outside tmp, talk to anything but loopback, or start a real update.
"""

from __future__ import annotations

import functools
import json
import math
import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hypothesis import strategies as st

SearchStrategy = st.SearchStrategy

# -- scalars ------------------------------------------------------------------------------

EXTREME_INTS: tuple[int, ...] = (
    0, -1, 1, 2, 79, 80, 200, 201, 500, 501, 65535, 65536, 2**31 - 1, 2**31, 2**32,
    2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400, -(10**400),
)
EXTREME_FLOATS: tuple[float, ...] = (
    math.nan, math.inf, -math.inf, -0.0, 0.5, 1e308, -1e308, 5e-324, 1.7976931348623157e308,
    80.9, 1e16, 2.0**63,
)
#: Strings that have broken parsers somewhere: traversal, NUL, lone surrogates, bidi controls,
#: look-alikes, numbers in disguise, over-long values.
INTERESTING_TEXT: tuple[str, ...] = (
    "", " ", "\t", "\x00", "a\x00b", ".", "..", "../..", "../../../../etc", "/", "//", "\\",
    "..\\..", "%", "%00", "%2e%2e", "%2F", "\ud800", "\udfff", "a\ud83d", "\u202e", "\ufeff",
    "\u2215", "\uff0e\uff0e", "😀", "\r\n", "\n", "null", "true", "NaN", "Infinity", "-1",
    "0", "1e309", "0x10", "٣", "1_000", "+5", "#fff", "#4a9eff", "javascript:", "<script>",
    "'; --", "${HOME}", "$(id)", "`id`", "~", "~/", "C:\\Windows", "CON", "true", "1", "yes",
)


@st.composite
def weighted(draw: st.DrawFn, *choices: tuple[int, SearchStrategy[Any]]) -> Any:
    """One of `choices`, picked in proportion to its weight. (`st.one_of` gives each branch
    about the same chance whatever is repeated, and long values crowd out the rest.)"""
    pick = draw(st.integers(0, sum(weight for weight, _ in choices) - 1))
    for weight, strategy in choices:
        if pick < weight:
            return draw(strategy)
        pick -= weight
    raise AssertionError("unreachable")


def repeated(unit: str, *counts: int) -> SearchStrategy[str]:
    """Long strings, built when drawn (a literal would bloat every repr hypothesis makes)."""
    return st.sampled_from(counts).map(lambda n: unit * n)


@functools.cache
def long_texts() -> SearchStrategy[str]:
    return st.one_of(repeated("9", 400, 5000), repeated("a", 300, 70000), repeated("é", 5000),
                     repeated("../", 2000))


@functools.cache
def _chars() -> SearchStrategy[str]:
    # Hypothesis leaves surrogates out by default; lone ones must reach the server too.
    return st.one_of(
        st.characters(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.characters(max_codepoint=0x7F),
    )


@functools.cache
def texts(max_size: int = 40) -> SearchStrategy[str]:
    return weighted(
        (5, st.text(_chars(), max_size=max_size)), (3, st.sampled_from(INTERESTING_TEXT)),
        (1, st.text(st.sampled_from("./\\%~a0"), max_size=max_size)), (1, long_texts()))


@functools.cache
def numbers() -> SearchStrategy[int | float]:
    return st.one_of(
        st.sampled_from(EXTREME_INTS), st.sampled_from(EXTREME_FLOATS),
        st.sampled_from((10**400, 2**64, math.nan, math.inf)),  # the ones that break parsers
        st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    )


@functools.cache
def json_scalars() -> SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), numbers(), texts())


@functools.cache
def json_values(max_leaves: int = 12) -> SearchStrategy[Any]:
    return st.recursive(
        json_scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(texts(12), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def field_values(*plausible: Any) -> SearchStrategy[Any]:
    """A field's value: one the route expects, or anything JSON can carry."""
    if plausible:
        return st.one_of(st.sampled_from(plausible), json_values(6))
    return json_values(6)


# -- serialised bodies --------------------------------------------------------------------


def _dumps(value: Any, ascii_only: bool, indent: int | None) -> bytes:
    # NaN and Infinity come out as the bare literals Python's decoder also accepts.
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent, allow_nan=True)
    # A lone surrogate cannot be UTF-8: sent as the bytes Python would smuggle it as.
    return text.encode("utf-8", "surrogatepass")


@st.composite
def serialised(draw: st.DrawFn, values: SearchStrategy[Any], *, utf8: bool = False) -> bytes:
    """`values` as JSON text: ASCII or UTF-8 (a lone surrogate as the bytes it would be),
    indented or not, sometimes damaged. `utf8`: always valid UTF-8 (lone surrogates escaped
    as \\ud800), still sometimes truncated or with trailing junk."""
    value = draw(values)
    body = _dumps(value, utf8 or draw(st.booleans()), draw(st.sampled_from((None, 0, 2))))
    damages = ("truncate", "trailing") if utf8 else ("truncate", "bom", "trailing", "utf16")
    damage = draw(st.sampled_from(("none",) * 8 + damages))
    if damage == "truncate" and body:
        body = body[: draw(st.integers(0, len(body) - 1))]  # ASCII when utf8: cut anywhere
    elif damage == "bom":
        body = b"\xef\xbb\xbf" + body
    elif damage == "trailing":
        body += draw(st.sampled_from((b" ", b"\x00", b"}", b",", b"\n{}")))
    elif damage == "utf16":
        body = body.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass")
    return body


def nested(depth: int, opener: str = "[") -> bytes:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return (b'{"a":' * depth) + b"1" + b"}" * depth
    return opener.encode() * depth + closer.encode() * depth


@functools.cache
def hostile_bodies() -> SearchStrategy[bytes]:
    """Bodies no route should accept, each a clear 400/413 (or ignored by routes that take none)."""
    return st.one_of(
        st.binary(max_size=200),
        st.builds(nested, st.sampled_from((50, 900, 1100, 5000, 50000)),
                  st.sampled_from(("[", "{"))),
        st.sampled_from((
            b"", b"   ", b"null", b"[]", b'"str"', b"1", b"NaN", b"-Infinity",
            b'{"a":1,"a":2}', b'{"\\ud800":"\\udfff"}', b"\xff\xfe", b"{\x00\x00",
        )),
        repeated("1", 5000).map(str.encode),
        repeated("9", 400).map(lambda digits: b'{"password":' + digits.encode() + b"}"),
        repeated("x", 100 * 1024 + 1).map(str.encode),
    )


def bodies(fields: dict[str, SearchStrategy[Any]] | None = None) -> SearchStrategy[bytes]:
    """A JSON object with the route's fields (wrong types included), any JSON, or junk."""
    objects: SearchStrategy[Any] = st.dictionaries(texts(12), json_values(6), max_size=4)
    if fields:
        objects = st.one_of(st.fixed_dictionaries({}, optional=fields), objects)
    return st.one_of(serialised(objects), serialised(json_values()), hostile_bodies())


# -- request pieces -------------------------------------------------------------------------

#: Bytes a request-target may carry as they are; everything else is percent-encoded.
_TARGET_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/"
)
PERCENT_JUNK = ("%", "%z", "%zz", "%0", "%00", "%2F", "%2f", "%5C", "%2e%2e", "%ED%A0%80",
                "%C0%AE", "%FF", "%E2%80%AE", "%25", "%%", "%u002e")


def _percent_table(keep: bytes) -> list[str]:
    return [chr(b) if (b in _TARGET_SAFE and b not in b"/?&=;+") or b in keep else f"%{b:02X}"
            for b in range(256)]


_TABLES = {keep: _percent_table(keep) for keep in (b"", b"/")}


def encode(text: str, keep: bytes = b"") -> str:
    """Percent-encode `text`'s UTF-8 (lone surrogates as the bytes they would be)."""
    table = _TABLES.get(keep) or _percent_table(keep)
    return "".join(map(table.__getitem__, text.encode("utf-8", "surrogatepass")))


@st.composite
def encoded(draw: st.DrawFn, values: SearchStrategy[str], keep_slash: bool = False) -> str:
    """A value as it appears in a URL: encoded, sometimes with junk spliced in."""
    text = draw(values)
    value = encode(text, b"/" if keep_slash or draw(st.booleans()) else b"")
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(st.sampled_from(PERCENT_JUNK)) + value[at:]
    return value


@st.composite
def query_strings(draw: st.DrawFn, keys: Sequence[str],
                  values: SearchStrategy[str] | None = None) -> str:
    """A raw query string: known keys repeated, missing or empty, junk keys, junk encoding."""
    values = values if values is not None else texts()
    key_choice = st.one_of(st.sampled_from(keys), texts(8)) if keys else texts(8)
    pairs = draw(st.lists(st.tuples(key_choice, values, st.integers(0, 5)), max_size=6))
    parts = []
    for key, value, form in pairs:
        k = draw(encoded(st.just(key)))
        v = draw(encoded(st.just(value)))
        parts.append({0: k, 1: f"{k}="}.get(form, f"{k}={v}"))
    query = "&".join(parts)
    extra = draw(st.sampled_from(("",) * 6 + ("&", "&&", "=", "==x", ";", "?", "#", "&=&")))
    if draw(st.integers(0, 29)) == 0:
        query += "&" + "a=" + "%41" * draw(st.sampled_from((1000, 2500, 3000)))
    return query + extra if extra != "#" else query


#: What aiohttp's client sends in one header line (and its server reads): no control
#: character but tab, at most 8190 bytes. The raw-HTTP cases send the rest.
MAX_LINE = 8000


def sendable(value: str) -> bool:
    """Whether the HTTP client sends `value` as a header value as it is."""
    if _has_surrogate(value) or any((c < " " and c != "\t") or c == "\x7f" for c in value):
        return False
    return len(value.encode()) <= MAX_LINE


def header_text(max_size: int = 60) -> SearchStrategy[str]:
    """Header values the HTTP client can send: non-ASCII, tabs, long values included."""
    chars = st.characters(blacklist_categories=("Cs", "Cc"))
    return st.one_of(
        st.text(st.one_of(chars, st.just("\t")), max_size=max_size),
        st.sampled_from([t for t in INTERESTING_TEXT if sendable(t)]),
        repeated("a", 300, 7000),
    )


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND",
           "get", "FOO")


@dataclass(frozen=True)
class Confinement:
    """What the fuzzed server may touch: its temp dirs, loopback ports we hold, our session."""

    root: str
    """The test's temp dir: every path the fuzz names that exists lies under it."""
    work: str
    """The session's directory: a git repo with files, a subdir and an image."""
    main_port: int
    upstream_port: int
    """A loopback app the preview may reach (it echoes and misbehaves on request)."""
    dead_port: int
    """A loopback port held bound but not listening: connections are refused."""
    session_id: Callable[[], str]
    upload_id: str
    password: str
    token: Callable[[], str]
    """A valid login token for the cookie."""
    home: str = "/nonexistent"
    """HOME of the server's shells: no upload may land there (a `.bashrc` would run)."""

    def path(self, value: str) -> str:
        """`value` if it names nothing outside the temp dir that exists (nor the shells'
        HOME), else a path under the work dir (an absolute path the fuzz made up may exist:
        /, /etc, /root…)."""
        if "\x00" in value or _has_surrogate(value) or not os.path.isabs(value):
            return value
        normal = posixpath.normpath(value)
        if _inside(normal, self.home):
            return self.work
        if _inside(normal, self.root) or not os.path.lexists(normal):
            return value
        return posixpath.join(self.work, normal.lstrip("/"))  # normal: no `..` is left


def _inside(normal: str, base: str) -> bool:
    return normal == base or normal.startswith(base.rstrip("/") + "/")


# -- values of the fields that matter ------------------------------------------------------


def fs_paths(c: Confinement) -> SearchStrategy[str]:
    """Paths a client names: relative, traversing, absolute under tmp, or made up (confined)."""
    inside = st.sampled_from((c.work, c.work + "/", c.work + "/sub", c.work + "/a.txt",
                              c.work + "/missing", c.work + "/sub/../sub", c.root))
    return st.one_of(
        inside,
        st.builds(lambda base, tail: base + "/" + tail, inside, texts(20)),
        texts(30),
    ).map(c.path)


#: Allowed shells that start no daemon (tmux would outlive its session) and run nothing.
SAFE_SHELLS = ("bash", "/bin/bash", "sh", "/bin/sh", "dash", "/usr/bin/zsh", "zsh")


def _no_real_shell(value: str) -> bool:
    return os.path.basename(value) not in {"sh", "bash", "rbash", "dash", "zsh", "tmux"}


def session_fields(c: Confinement) -> dict[str, SearchStrategy[Any]]:
    """POST /api/sessions fields. Only harmless commands can run: initialCommand and args come
    from fixed lists (or are refused as too long or of the wrong type) and made-up args are
    options every shell refuses."""
    strings = texts(20)
    return {
        "shell": st.one_of(st.sampled_from(SAFE_SHELLS),
                           strings.filter(_no_real_shell),
                           json_values(4).filter(lambda v: not isinstance(v, str))),
        "args": st.one_of(
            st.sampled_from(([], ["--norc"], ["--noprofile", "--norc"], ["-i"])),
            st.lists(strings.map(lambda s: "--fuzz-" + s), max_size=3),
            st.lists(json_scalars(), min_size=1, max_size=3).filter(
                lambda v: not all(isinstance(a, str) for a in v)),
            json_scalars().filter(lambda v: v is not None),
        ),
        "initialCommand": st.one_of(
            st.sampled_from(("", "   ", "true", ":", "echo fuzz", "true # \ud800",
                             ": \udcff")),
            repeated("x", 8193),
            json_scalars().filter(lambda v: not isinstance(v, str)),
        ),
        "cwd": st.one_of(fs_paths(c), json_scalars().filter(lambda v: not isinstance(v, str))),
        "name": st.one_of(field_values("", " ", "fuzz"), repeated("n", 129)),
        "color": field_values("#fff", "#4a9eff", "#12345678", "#1234567890", "red"),
        "recording": field_values(True, False),
        "recordInput": field_values(True, False),
        "cols": numbers(),
        "rows": numbers(),
        "type": field_values("terminal", "code", ""),
        "lease": field_values(1, 60.5, 0, 86401),
    }


def ports(c: Confinement) -> SearchStrategy[str]:
    """Port path parameters: only ports we hold are valid numbers; the rest never parse
    (no request may reach a service on this machine that the test does not own)."""
    ours = (c.upstream_port, c.dead_port, c.main_port)
    invalid = texts(8).filter(lambda s: not (s.isascii() and s.isdigit() and len(s) <= 5
                                             and 1 <= int(s) <= 65535))
    return st.one_of(
        st.sampled_from([str(p) for p in ours] + [f"0{c.upstream_port}", "0", "65536", "-1",
                                                   "99999", "1e3", "٣٣", " 80", "80 "]),
        invalid,
    )


def push_subscriptions(c: Confinement) -> SearchStrategy[Any]:
    """Subscription objects: valid keys only ever with a loopback endpoint we hold (a
    finished command would be pushed there), else anything."""
    point = "BP" + "A" * 85  # 65 bytes, starting 0x04
    secret = "A" * 22  # 16 bytes
    endpoints = st.one_of(
        st.sampled_from((f"http://127.0.0.1:{c.dead_port}/push", f"https://127.0.0.1:{c.dead_port}/p",
                         f"http://[::1]:{c.dead_port}/", "http://example.com/", "ftp://x/")),
        texts(30).filter(_not_a_web_url),
        json_scalars(),
    )
    keys = st.fixed_dictionaries({}, optional={
        "p256dh": st.one_of(st.just(point), field_values("", "BP", point + "A")),
        "auth": st.one_of(st.just(secret), field_values("", "AAAA", "=")),
    })
    return st.one_of(
        st.fixed_dictionaries({}, optional={"endpoint": endpoints,
                                            "keys": st.one_of(keys, json_values(4))}),
        json_values(6),
    )


def _not_a_web_url(text: str) -> bool:
    try:
        return urlsplit(text).scheme not in ("http", "https")
    except ValueError:
        return True


# -- headers ------------------------------------------------------------------------------


def header_values(c: Confinement) -> dict[str, SearchStrategy[str]]:
    """Every request header the server reads, with values worth trying."""
    host = f"127.0.0.1:{c.main_port}"
    own = f"http://{host}"
    return {
        "Host": st.one_of(st.sampled_from((
            host, f"localhost:{c.main_port}", f"[::1]:{c.main_port}", "127.0.0.1",
            f"evil.example:{c.main_port}", f"[::1]evil:{c.main_port}", f"{host}:80", "",
            f"127.0.0.1:{c.main_port}.", f"LOCALHOST:{c.main_port}", "1.2.3.4",
            f"127.0.0.1:{c.upstream_port}", f"127.0.0.1:0{c.main_port}")), header_text()),
        "Origin": st.one_of(st.sampled_from((
            own, f"https://{host}", "null", "http://evil.example", f"http://localhost:{c.main_port}",
            own + "/", f"{own}:80", "file://", "")), header_text()),
        "X-Forwarded-For": st.one_of(st.sampled_from((
            "203.0.113.7", "10.0.0.1, 203.0.113.7", "127.0.0.1", "::1", "unknown", "",
            ", ,", "1.2.3.4:80", "[2001:db8::1]", "fe80::1%eth0")),
            repeated("1.1.1.1,", 40), header_text()),
        "X-Forwarded-Proto": st.one_of(st.sampled_from(("https", "http", "HTTPS, http", "",
                                                         "wss", "https,https")), header_text()),
        "Authorization": st.one_of(st.sampled_from((
            f"Bearer {c.password}", f"bearer {c.password}", f"Bearer  {c.password}",
            f"Bearer {c.password} ", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer wrong",
            f"Bearer {c.password}\x00", "Token x", "")), repeated("x", 5000).map("Bearer ".__add__),
            header_text().map(lambda s: "Bearer " + s)),
        "Cookie": st.one_of(
            st.builds(lambda t: f"pty_token={t}", st.builds(lambda: c.token())),
            st.sampled_from(("pty_token=", "pty_token=abc", 'pty_token="quoted"', "a=b; c",
                             "=; ;=", "pty_token=x; pty_token=y", "$Version=1; pty_token=x",
                             ";;;", "pty_token=\x00")),
            repeated("f", 5000).map("pty_token=".__add__),
            header_text().map(lambda s: "pty_token=" + s),
            header_text()),
        "Content-Type": st.one_of(st.sampled_from((
            "application/json", "application/json; charset=latin-1", "text/plain", "image/png",
            "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/svg+xml",
            "IMAGE/PNG", "image/png; x=y", "multipart/form-data; boundary=x", "image/",
            "application/x-www-form-urlencoded", ";", "")), header_text()),
        "X-Filename": header_text(),
        "X-Target-Dir": fs_paths(c).filter(sendable),
        "Range": st.one_of(st.sampled_from((
            "bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-1", "bytes=0-1,2-3",
            "bytes=99999999999999999999-", "bytes=-0", "bytes=", "items=0-1", "bytes=a-b")),
            repeated("9", 400, 5000).map("bytes=0-".__add__), header_text()),
        "If-Modified-Since": st.one_of(st.sampled_from((
            "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "garbage",
            "Mon, 32 Foo 2020 99:99:99 GMT")), header_text()),
        "If-None-Match": st.one_of(st.sampled_from(('"x"', "*", 'W/"a", "b"', '"')), header_text()),
        "If-Range": header_text(),
        "If-Unmodified-Since": header_text(),
        "If-Match": header_text(),
        "Accept-Encoding": st.sampled_from(("gzip", "br", "gzip, br, zstd", "*", "identity;q=0")),
        "Sec-Fetch-Site": st.one_of(st.sampled_from(("same-origin", "none", "cross-site",
                                                     "same-site")), header_text()),
        "Sec-Fetch-Mode": st.one_of(st.sampled_from(("navigate", "cors", "websocket")),
                                    header_text()),
        "Upgrade": st.sampled_from(("websocket", "WebSocket", "h2c", "")),
        "Connection": st.sampled_from(("Upgrade", "close", "keep-alive", "upgrade, foo")),
        "Sec-WebSocket-Protocol": header_text(),
        "Sec-WebSocket-Key": st.sampled_from(("dGhlIHNhbXBsZSBub25jZQ==", "x", "")),
        "Sec-WebSocket-Version": st.sampled_from(("13", "8", "x")),
        "Expect": st.sampled_from(("100-continue", "200-ok", "")),
        "Accept": st.sampled_from(("text/html", "application/json", "*/*")),
        "X-Forwarded-Host": header_text(),
    }


# -- route plans --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one route is fuzzed: its path parameters, query keys, the headers it reads and
    its body. Routes without a plan of their own get `Plan()`: anything goes."""

    params: dict[str, SearchStrategy[str]] = field(default_factory=dict)
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    body: SearchStrategy[bytes] | None = None


def session_ids(c: Confinement) -> SearchStrategy[str]:
    return st.one_of(st.builds(lambda: c.session_id()), st.builds(lambda: c.session_id()),
                     texts(70))


FILE_QUERY = ("file", "path", "dir", "depth")
GIT_QUERY = ("file", "staged", "untracked", "context", "limit")


def plans(c: Confinement) -> dict[tuple[str, str], Plan]:
    """Each route's plan, by (method, canonical path); HEAD uses its GET plan."""
    sid = {"id": encoded(session_ids(c))}
    file_route = Plan(sid, FILE_QUERY, ("Range", "If-Modified-Since", "If-None-Match",
                                        "If-Range", "If-Match", "If-Unmodified-Since",
                                        "Accept-Encoding"))
    preview = Plan({"port": encoded(ports(c)), "tail": encoded(texts(30), keep_slash=True)},
                   ("a", "ott"), ("Upgrade", "Connection", "Sec-WebSocket-Key",
                                  "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                                  "Sec-Fetch-Mode", "Sec-Fetch-Site", "Cookie", "Accept-Encoding",
                                  "X-Forwarded-Host", "Range"), bodies())
    sessions_body = st.one_of(serialised(st.fixed_dictionaries({}, optional=session_fields(c))),
                              hostile_bodies())
    recording_id = {"id": encoded(st.one_of(st.just("0123456789abcdef"), texts(30)))}
    return {
        ("GET", "/ws"): Plan(headers=("Upgrade", "Connection", "Sec-WebSocket-Key",
                                      "Sec-WebSocket-Version", "Sec-WebSocket-Protocol")),
        ("POST", "/api/auth"): Plan(body=st.one_of(
            bodies({"password": field_values(c.password, c.password + "x", "")}),
            st.just(json.dumps({"password": c.password}).encode()))),
        ("GET", "/api/config"): Plan(),
        ("GET", "/api/share-token"): Plan(),
        ("GET", "/api/version"): Plan(),
        ("GET", "/health"): Plan(),
        ("GET", "/metrics"): Plan(),
        # In this process `stop` is an Event nothing waits on: the app keeps serving. The run
        # against a real `termbeam` process leaves this route out.
        ("POST", "/api/shutdown"): Plan(),
        ("GET", "/api/sessions"): Plan(),
        ("POST", "/api/sessions"): Plan(body=sessions_body),
        ("GET", "/api/sessions/{id}"): Plan(sid),
        ("PATCH", "/api/sessions/{id}"): Plan(sid, body=bodies({
            "name": st.one_of(field_values("x", ""), repeated("n", 200)),
            "color": field_values("#abc", "bad"),
            "recording": field_values(True, False), "recordInput": field_values(True, False)})),
        ("DELETE", "/api/sessions/{id}"): Plan(sid),
        ("GET", "/api/sessions/{id}/detect-port"): Plan(sid),
        ("GET", "/api/shells"): Plan(),
        ("GET", "/api/dirs"): Plan(query=("q",)),
        ("GET", "/api/sessions/{id}/files"): file_route,
        ("GET", "/api/sessions/{id}/file-tree"): file_route,
        ("GET", "/api/sessions/{id}/download"): file_route,
        ("GET", "/api/sessions/{id}/file-raw"): file_route,
        ("GET", "/api/sessions/{id}/file-content"): file_route,
        ("POST", "/api/sessions/{id}/upload"): Plan(
            sid, headers=("X-Filename", "X-Target-Dir", "Content-Type"),
            body=st.one_of(st.binary(max_size=300), st.just(b""))),
        ("POST", "/api/upload"): Plan(headers=("Content-Type",), body=st.one_of(
            st.sampled_from((b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, b"\xff\xd8\xff\xe0",
                             b"GIF89a", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"BM", b"<svg/>",
                             b"")),
            st.binary(max_size=100))),
        ("GET", "/uploads/{id}"): Plan({"id": encoded(st.one_of(st.just(c.upload_id),
                                                                 texts(40)))},
                                       headers=("Range", "If-Modified-Since")),
        ("GET", "/api/sessions/{id}/git/status"): Plan(sid, GIT_QUERY),
        ("GET", "/api/sessions/{id}/git/diff"): Plan(sid, GIT_QUERY),
        ("GET", "/api/sessions/{id}/git/blame"): Plan(sid, GIT_QUERY),
        ("GET", "/api/sessions/{id}/git/log"): Plan(sid, GIT_QUERY),
        ("GET", "/api/preferences"): Plan(),
        ("PUT", "/api/preferences"): Plan(body=bodies({"prefs": json_values(20)})),
        ("GET", "/api/agents"): Plan(),
        ("GET", "/api/agent-sessions"): Plan(query=("limit", "agent", "search")),
        ("GET", "/api/agent-sessions/{agent}/{id}/resume-command"): Plan({
            "agent": encoded(st.one_of(st.sampled_from(("claude", "copilot", "opencode")),
                                       texts(12))),
            "id": encoded(st.one_of(st.just("abcdef12-3456"), texts(30)))}),
        ("GET", "/api/update-check"): Plan(query=("force",)),
        # Runs the installer: the fixture points it at pip with a dead index (see
        # tests/fuzz_harness.py), and a second attempt within 5 minutes is a 429.
        ("POST", "/api/update"): Plan(),
        ("GET", "/api/update/status"): Plan(),
        ("GET", "/api/changelog"): Plan(),
        ("GET", "/api/push/vapid-key"): Plan(),
        ("POST", "/api/push/subscribe"): Plan(body=st.one_of(
            serialised(st.fixed_dictionaries({}, optional={
                "subscription": push_subscriptions(c)})), hostile_bodies())),
        ("DELETE", "/api/push/unsubscribe"): Plan(body=bodies({"endpoint": field_values(
            f"http://127.0.0.1:{c.dead_port}/push", "")})),
        ("GET", "/api/tunnel/status"): Plan(),
        ("GET", "/api/tokens"): Plan(),
        ("POST", "/api/tokens"): Plan(body=bodies({
            "name": field_values("fz", "a.b-c_d", "", "x" * 65),
            "scope": field_values("read", "write", "admin", "view"),
            "session": session_ids(c),
            "expiresIn": field_values("1m", "30d", "2w", "0d", "9999999d", 60, -1)})),
        ("DELETE", "/api/tokens/{name}"): Plan({"name": encoded(texts(30))}),
        ("GET", "/api/logins"): Plan(),
        ("DELETE", "/api/logins/{id}"): Plan({"id": encoded(texts(30))}),
        # Never a valid new password: one would lock the harness out of every later case.
        ("POST", "/api/password"): Plan(body=st.sampled_from((
            b'{"password": ""}', b'{"password": 12}', b'{"generate": false}', b"{}",
            b'{"password": "a\\u0000b"}', b"[]", b"null", b'{"password": "' + b"x" * 300
            + b'"}'))),
        # A random code turns the second factor on or off once in a million tries or so.
        ("GET", "/api/totp"): Plan(),
        ("POST", "/api/totp/setup"): Plan(),
        ("POST", "/api/totp/enable"): Plan(body=bodies({
            "code": field_values("123456", "", " 1 2 3", "x" * 70, 123456)})),
        ("POST", "/api/totp/disable"): Plan(body=bodies({
            "code": field_values("123456", "abcde-fghij", "", 0)})),
        ("GET", "/api/audit"): Plan(query=("since", "before", "event", "limit")),
        # The terminal API (#17). Never `wait` (a long poll would hold each case for up to a
        # minute), and only harmless commands: a fuzzed command line would run in a shell.
        ("POST", "/api/sessions/{id}/input"): Plan(sid, body=bodies({
            "data": field_values("x", "", "\u0003", "\ud800", "x" * 70, 12)})),
        ("GET", "/api/sessions/{id}/output"): Plan(sid, ("since", "max", "encoding")),
        ("POST", "/api/sessions/{id}/run"): Plan(sid, body=bodies({
            "command": field_values("true", "echo fz", "", "a\nb", 7),
            "timeout": field_values(0.5, 0, -1, "x", 1e308),
            "stream": field_values(True, False, "yes")})),
        ("GET", "/api/sessions/{id}/screen"): Plan(sid),
        ("GET", "/api/sessions/{id}/search"): Plan(sid, ("q", "regex", "case")),
        # View-only links (#17).
        ("GET", "/api/sessions/{id}/viewers"): Plan(sid),
        ("POST", "/api/sessions/{id}/viewers/link"): Plan(sid, body=bodies({
            "expiresIn": field_values(60, "1h", "7d", "8d", 0, -5, "x", 1e308)})),
        ("DELETE", "/api/sessions/{id}/viewers/links/{linkId}"): Plan(
            {**sid, "linkId": encoded(texts(30))}),
        ("DELETE", "/api/sessions/{id}/viewers/{viewerId}"): Plan(
            {**sid, "viewerId": encoded(texts(30))}),
        ("GET", "/api/view"): Plan(headers=("Cookie",)),
        ("GET", "/view"): Plan(headers=("Cookie",)),
        ("GET", "/view/{link}"): Plan({"link": encoded(st.one_of(
            st.just("tbv_" + "A" * 43), texts(60)))}),
        ("GET", "/code/{id}"): Plan({"id": encoded(texts(30))}),
        ("GET", "/terminal"): Plan(query=("id", "ott")),
        ("GET", "/"): Plan(query=("ott",)),
        ("GET", "/login"): Plan(),
        ("GET", "/assets/{path}"): Plan({"path": encoded(texts(40), keep_slash=True)},
                                         headers=("Accept-Encoding", "Range")),
        ("GET", "/icons/{path}"): Plan({"path": encoded(texts(40))}),
        ("GET", "/{name}"): Plan({"name": st.one_of(st.sampled_from((
            "favicon.ico", "favicon.svg", "manifest.webmanifest", "sw.js", "robots.txt")),
            encoded(texts(20)))}),
        ("*", "/preview/{port}"): preview,
        ("*", "/preview/{port}/{tail}"): preview,
        ("GET", "/api/preview"): Plan(query=("port",), headers=("Sec-Fetch-Site",)),
        ("GET", "/api/preview/{port}/open"): Plan({"port": encoded(ports(c))},
                                                 headers=("Sec-Fetch-Site",)),
        # Recordings (#19): a well-formed id that names nothing, or anything.
        ("GET", "/api/recordings"): Plan(query=("session",)),
        ("GET", "/api/recordings/{id}"): Plan(recording_id),
        ("DELETE", "/api/recordings/{id}"): Plan(recording_id),
        # In-app figures (#19): any text for the disk's folder (refused unless a session's).
        ("GET", "/api/sessions/{id}/stats"): Plan(sid),
        ("GET", "/api/machine"): Plan(query=("path",)),
        # Program controls (#19): the harness makes no program (fuzzing runs no command it
        # made up), so these meet terminals (400) or unknown ids (404).
        ("POST", "/api/sessions/{id}/start"): Plan(sid),
        ("POST", "/api/sessions/{id}/stop"): Plan(sid),
        ("POST", "/api/sessions/{id}/restart"): Plan(sid),
    }


#: Routes that are not fuzzed, and why.
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "/api/logout"): "ends the harness's own login; tests/test_logins.py covers it",
    ("POST", "/api/logout-all"): "ends the harness's own login; tests/test_logins.py covers it",
}


def route_key(method: str, canonical: str) -> tuple[str, str]:
    return ("GET" if method == "HEAD" else method, canonical)
