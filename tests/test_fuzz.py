"""Fuzzing (#13, docs/security.md "Fuzzing"): hypothesis against the WebSocket parser, every
route of a real app (bodies, query strings, headers, path parameters, methods; logged in and
not), the /ws endpoint (any frame, before and after login, attached or not), raw malformed
HTTP through the connection guard, and a real `termbeam` process.

After every case: no 500 `internal error` or undocumented 5xx, API errors are JSON, `Server`
names no versions, no traceback in the log, /health answers 200 and the harness's one session
is all that is left (tests/fuzz_harness.py).

CI runs 3,300 cases, derandomised, with no example database. `--fuzz-long` (or
TERMBEAM_FUZZ_LONG=1) runs 20 times as many, with fresh random cases each time:

    .venv/bin/pytest tests/test_fuzz.py --fuzz-long -s -p no:cacheprovider
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from termbeam_py import protocol
from termbeam_py.app import create_app
from termbeam_py.sessions.manager import MAX_COLS, MAX_ROWS
from tests.conftest import fuzz_long, make_config
from tests.fuzz_harness import (
    Answer,
    AppTarget,
    LogTrap,
    ProcessTarget,
    Stats,
    Target,
    check_answer,
)
from tests.fuzz_strategies import (
    EXCLUDED,
    MAX_LINE,
    METHODS,
    Confinement,
    Plan,
    bodies,
    encoded,
    header_text,
    header_values,
    json_scalars,
    json_values,
    numbers,
    plans,
    query_strings,
    repeated,
    route_key,
    sendable,
    serialised,
    texts,
    weighted,
)

# Hypothesis draws and checks thousands of cases in the tests' own coroutines, which may take
# a loop step past 0.1 s; the server's own callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="hypothesis draws and checks cases in test code")
LONG_FACTOR = 20
#: Cases per test in CI; --fuzz-long multiplies them by LONG_FACTOR.
CASES = {"parser": 1000, "rest_logged_in": 1000, "rest_anonymous": 400, "websocket": 350,
         "raw_http": 400, "process": 150}


@pytest.fixture(scope="module")
def long_run(request: pytest.FixtureRequest) -> bool:
    return fuzz_long(request.config)


def fuzz(long_run: bool, name: str) -> settings:
    """CI: derandomised, no example database. Long runs: new random cases every time."""
    return settings(
        max_examples=CASES[name] * (LONG_FACTOR if long_run else 1), deadline=None,
        derandomize=not long_run, database=None, print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def trap() -> Iterator[LogTrap]:
    with LogTrap().installed() as installed:
        yield installed


@pytest.fixture
def app_target(tmp_path: Path, trap: LogTrap,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTarget]:
    target = AppTarget(tmp_path, trap)
    for name, value in target.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(target.work)
    target.start()
    try:
        yield target
    finally:
        target.close()


def report(stats: Stats, target: Target | None = None) -> None:
    """The test's summary line (run with -s to see it): the figures in docs/security.md."""
    tracebacks = target.tracebacks_seen if target else 0
    warnings = target.warnings_seen if target else 0
    print("\n" + stats.summary(tracebacks, warnings))
    if isinstance(target, AppTarget):
        for message, count in target.trap.warnings.most_common(5):
            print(f"    {count} x {message}")


# -- the WebSocket message parser -------------------------------------------------------------


def ws_messages(session_id: Callable[[], str] | None = None,
                token: Callable[[], str] | None = None,
                password: str | None = None) -> st.SearchStrategy[Any]:
    """Messages of every known type with fields of any type and extreme values, and others."""
    sid = st.builds(session_id) if session_id else st.just("0" * 32)
    tok = st.builds(token) if token else st.just("f" * 64)
    data = st.one_of(st.sampled_from(("ls\r", "\x03", "\x04", "\x1a", "\x1b[6n", "\x1b]11;?\x07",
                                      "\x1b[?1049h", "é", "\r")), texts(60), json_values(4),
                     repeated("\x1b[?1049h", 3000))
    number = weighted((2, st.sampled_from((10**400, -(10**400), 2**64, math.nan, math.inf, -1,
                                           0, 1e308, 0.5))), (1, numbers()), (1, json_values(3)))
    typed = {
        "input": {"data": data},
        "resize": {"cols": number, "rows": number},
        "ack": {"seq": number},
        "attach": {"sessionId": st.one_of(sid, sid, texts(70), json_scalars()),
                   "since": number,
                   "binary": st.one_of(st.booleans(), json_scalars())},
        "auth": {"password": st.one_of(st.sampled_from((password or "", "wrong", "")),
                                       json_scalars()),
                 "token": st.one_of(tok, texts(70), json_scalars())},
    }
    known = [weighted((3, st.fixed_dictionaries({"type": st.just(kind), **fields})),
                      (1, st.fixed_dictionaries({"type": st.just(kind)}, optional=fields)))
             for kind, fields in typed.items()]
    return weighted(
        *((3, message) for message in known),
        (1, st.fixed_dictionaries({"type": st.one_of(st.sampled_from(
            ("ping", "Input", "INPUT", "resize ", "", "attach\x00")), json_values(3))},
            optional={"data": json_values(3)})),
        (1, json_values()),
    )


def frame_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        serialised(ws_messages()).map(lambda b: b.decode("utf-8", "surrogateescape")),
        texts(200),
        repeated("[", 100000),
        repeated("9", 400, 5000).map(lambda n: '{"type":"ack","seq":' + n + "}"),
        st.sampled_from(('{"type":"input","data":"\\ud800"}', '{"type":"resize"}')),
    )


def test_parse_client_message_takes_any_text(long_run: bool) -> None:
    """Any text gives a message of a known type with valid fields, or InvalidMessage."""
    stats = Stats("parse_client_message")

    @fuzz(long_run, "parser")
    @given(frame_texts())
    def check(text: str) -> None:
        try:
            message = protocol.parse_client_message(text)
        except protocol.InvalidMessage:
            stats.count("invalid")
            return
        stats.count(type(message).__name__)
        if isinstance(message, protocol.Resize):
            assert 1 <= message.cols <= MAX_COLS
            assert 1 <= message.rows <= MAX_ROWS
        if isinstance(message, protocol.Ack):
            assert isinstance(message.seq, int)
            assert message.seq >= 0
        if isinstance(message, protocol.Attach):
            assert 0 < len(message.session_id) <= protocol.MAX_ID
            assert message.since is None or (isinstance(message.since, int) and message.since >= 0)
        if isinstance(message, protocol.Input):
            assert isinstance(message.data, str)

    check()
    report(stats)


# -- every route ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteInfo:
    method: str
    canonical: str


def app_routes(app: web.Application) -> list[RouteInfo]:
    found = {RouteInfo(r.method, r.resource.canonical) for r in app.router.routes()
             if r.resource is not None}
    return sorted(found, key=lambda r: (r.canonical, r.method))


def test_every_route_has_a_fuzz_decision(tmp_path: Path) -> None:
    """A new route must get a plan in tests/fuzz_strategies.py (or a reason in EXCLUDED);
    until then the generic plan fuzzes it anyway."""
    app = create_app(make_config(tmp_path))
    routes = {route_key(r.method, r.canonical) for r in app_routes(app)}
    c = Confinement(root="/x", work="/x/w", main_port=1, upstream_port=2, dead_port=3,
                    session_id=lambda: "s", upload_id="u", password="p", token=lambda: "t")
    decided = set(plans(c)) | set(EXCLUDED)
    assert routes - decided == set(), "routes without a fuzz plan"
    assert decided - routes == set(), "fuzz plans for routes that no longer exist"


@dataclass
class RestCase:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes | None

    def __repr__(self) -> str:
        body = None if self.body is None else self.body[:300]
        return f"RestCase({self.method} {self.target[:300]!r} {self.headers!r} {body!r})"


_PARAM = re.compile(r"\{(\w+)\}")
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def rest_cases(routes: list[RouteInfo], c: Confinement, logged_in: bool,
               excluded: frozenset[tuple[str, str]] = frozenset()) -> st.SearchStrategy[RestCase]:
    """A request to one of `routes` (sometimes to no route at all) built from its plan."""
    table = plans(c)
    pool = header_values(c)
    skipped = excluded | set(EXCLUDED)  # EXCLUDED routes are never fuzzed
    usable = st.sampled_from([r for r in routes
                              if route_key(r.method, r.canonical) not in skipped])
    return _rest_case(usable, table, pool, c, logged_in)


@st.composite
def _rest_case(draw: st.DrawFn, routes: st.SearchStrategy[RouteInfo],
               table: dict[tuple[str, str], Plan], pool: dict[str, st.SearchStrategy[str]],
               c: Confinement, logged_in: bool) -> RestCase:
    route = draw(routes)
    plan = table.get(route_key(route.method, route.canonical), Plan())
    if draw(st.integers(0, 19)) == 0:  # a path no route has
        path = "/" + draw(encoded(texts(30), keep_slash=True))
        if draw(st.booleans()):
            path = "/api" + path
    else:
        path = _PARAM.sub(
            lambda m: draw(plan.params.get(m.group(1), encoded(texts(20)))), route.canonical)
    allowed = METHODS if route.method == "*" else (route.method,)
    method = draw(st.sampled_from(allowed)) if draw(st.integers(0, 9)) else \
        draw(st.sampled_from(METHODS))
    query = draw(st.one_of(st.just(""), query_strings(plan.query)))
    target = path + ("?" + query if query or draw(st.integers(0, 9)) == 0 else "")
    # The server never sees a longer request line: aiohttp answers 400 first (raw cases).
    target = target[:MAX_LINE]

    headers: list[tuple[str, str]] = []
    names = list(plan.headers)
    names += draw(st.lists(st.sampled_from(sorted(pool)), max_size=3))
    for name in names:
        if draw(st.integers(0, 3)):
            value = draw(pool[name])
            if sendable(value):
                headers.append((name, value))
    if method in STATE_CHANGING and not any(n == "Origin" for n, _ in headers) \
            and draw(st.booleans()):
        headers.append(("Origin", f"http://127.0.0.1:{c.main_port}"))
    if logged_in:
        # A valid cookie wins over any Authorization header: the odd broken Cookie is kept.
        if draw(st.integers(0, 3)):
            headers = [(n, v) for n, v in headers if n != "Cookie"]
        if not any(n == "Cookie" for n, _ in headers):
            headers.append(("Cookie", f"pty_token={c.token()}"))
    else:
        headers = [(n, v) for n, v in headers if not _valid_credentials(n, v, c)]

    body = draw(plan.body) if plan.body is not None else draw(st.one_of(
        st.none(), st.none(), bodies()))
    if body is not None and not any(n == "Content-Type" for n, _ in headers) \
            and draw(st.booleans()):
        headers.append(("Content-Type", "application/json"))
    return RestCase(method, target, headers, body)


def _valid_credentials(name: str, value: str, c: Confinement) -> bool:
    if name == "Cookie":
        return c.token() in value
    return name == "Authorization" and c.password in value


async def send_rest(target: Target, case: RestCase) -> Answer:
    return await target.request(case.method, case.target, body=case.body, headers=case.headers)


def run_rest(target: AppTarget, long_run: bool, name: str, logged_in: bool) -> Stats:
    stats = Stats(name)
    routes = app_routes(target.app)

    @fuzz(long_run, name)
    @given(rest_cases(routes, target.confinement, logged_in))
    def check(case: RestCase) -> None:
        answer = target.run(send_rest(target, case))
        stats.count(answer.status)
        check_answer(case.method, case.target.split("?", 1)[0], answer)
        target.after_case()

    check()
    return stats


def test_rest_routes_logged_in(app_target: AppTarget, long_run: bool) -> None:
    stats = run_rest(app_target, long_run, "rest_logged_in", logged_in=True)
    report(stats, app_target)


def test_rest_routes_without_a_login(app_target: AppTarget, long_run: bool) -> None:
    """No credentials, or wrong ones in every form: refused cleanly, and nothing leaks."""
    stats = run_rest(app_target, long_run, "rest_anonymous", logged_in=False)
    report(stats, app_target)


# -- the WebSocket endpoint -------------------------------------------------------------------


@dataclass
class Frame:
    kind: str
    """text (UTF-8 or not), binary, ping, pong, continuation, big or close."""
    data: bytes = b""
    code: int = 1000


@dataclass
class WsCase:
    cookie: bool
    frames: list[Frame]


def frames(c: Confinement, attach: bool) -> st.SearchStrategy[list[Frame]]:
    """Frames a logged-in socket must take without being dropped, then sometimes one after
    which the server may close it (a protocol error, a message over the cap, a close)."""
    messages = ws_messages(c.session_id, c.token, c.password)
    text = weighted((8, serialised(messages, utf8=True)),
                    (1, texts(80).map(lambda s: s.encode("utf-8", "replace"))),
                    (1, repeated("[", 5000).map(str.encode)))
    normal = weighted(
        (12, text.map(lambda b: Frame("text", b))),
        (1, st.binary(max_size=64).map(lambda b: Frame("binary", b))),
        (1, st.binary(max_size=64).map(lambda b: Frame("ping", b))),
        (1, st.binary(max_size=8).map(lambda b: Frame("pong", b))),
    )
    ender = weighted(
        (12, st.none()),
        (1, serialised(messages).filter(lambda b: not _utf8(b)).map(
            lambda b: Frame("text", b))),
        (1, st.sampled_from((b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80")).map(
            lambda b: Frame("text", b))),
        (1, st.binary(max_size=8).map(lambda b: Frame("continuation", b))),
        (1, st.just(Frame("big"))),
        (2, st.sampled_from((1000, 1001, 1002, 1003, 1005, 1006, 1011, 1015, 2999, 3000, 4999,
                             5000, 0, 65535)).map(lambda code: Frame("close", code=code))),
    )
    attach_first = st.builds(lambda b: [Frame("text", json.dumps(
        {"type": "attach", "sessionId": c.session_id(), "binary": b}).encode())], st.booleans())
    body = st.builds(lambda frames, end: frames + ([end] if end else []),
                     st.lists(normal, max_size=8), ender)
    if attach:
        return st.builds(lambda a, r: a + r, attach_first, body)
    return body


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def ws_cases(c: Confinement) -> st.SearchStrategy[WsCase]:
    return st.builds(WsCase, st.booleans(), st.one_of(frames(c, True), frames(c, False)))


#: The probe after a case's frames: an attach to no session, which the server answers directly
#: ("Session not found" when logged in, "Unauthorized" and a close when not), then a ping.
#: The server reads frames in order, so its pong comes after every direct answer.
PROBE = json.dumps({"type": "attach", "sessionId": "probe-no-such-session"})
PROBE_PING = b"fuzz-probe"
#: What the handler sends itself; everything else (replay, attached, output…) comes from the
#: session's sender task, in its own order.
DIRECT = ("error", "auth_ok")


async def send_frame(ws: aiohttp.ClientWebSocketResponse, frame: Frame) -> None:
    if frame.kind == "text":
        await ws.send_frame(frame.data, WSMsgType.TEXT)
    elif frame.kind == "binary":
        await ws.send_bytes(frame.data)
    elif frame.kind == "ping":
        await ws.ping(frame.data)
    elif frame.kind == "pong":
        await ws.pong(frame.data)
    elif frame.kind == "continuation":
        await ws.send_frame(frame.data, WSMsgType.CONTINUATION)
    elif frame.kind == "big":
        await ws.send_frame(b"x" * (1024 * 1024 + 1), WSMsgType.TEXT)
    elif frame.kind == "close":
        await ws.close(code=frame.code)


async def ws_case(target: Target, case: WsCase) -> str:
    """Play the frames, then the probe; check what came back. The outcome, for statistics."""
    assert target.http is not None
    headers = [target.cookie] if case.cookie else []
    ws = await target.http.ws_connect(target.base + "/ws", headers=headers, max_msg_size=0,
                                      autoping=False)
    received: list[dict[str, Any]] = []
    probe_answered = asyncio.Event()

    async def read() -> None:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                received.append(json.loads(msg.data))
            elif msg.type == WSMsgType.BINARY:
                received.append({"type": "binary"})
            elif msg.type == WSMsgType.PONG and msg.data == PROBE_PING:
                probe_answered.set()
        probe_answered.set()  # the server closed the socket

    reader = asyncio.create_task(read())
    probed = False
    try:
        for frame in case.frames:
            if ws.closed:
                break
            with contextlib.suppress(ConnectionError, RuntimeError):
                await send_frame(ws, frame)
        if not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(PROBE)
                await ws.ping(PROBE_PING)
                probed = True
            async with asyncio.timeout(15):
                await probe_answered.wait()
    finally:
        await ws.close()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    _check_ws(case, received, probed)
    direct = [m for m in received if m["type"] in DIRECT]
    return str(direct[-1].get("message", "auth_ok")) if direct else "nothing"


def _may_close(frame: Frame) -> bool:
    """Frames after which the server may close a logged-in socket (protocol errors, a
    message over the size cap, the client's own close)."""
    if frame.kind in ("big", "continuation", "close"):
        return True
    return frame.kind == "text" and not _utf8(frame.data)


def _check_ws(case: WsCase, received: list[dict[str, Any]], probed: bool) -> None:
    if not case.cookie:  # without a login nothing but errors comes before auth_ok
        for message in received:
            if message["type"] == "auth_ok":
                break
            assert message["type"] == "error", f"sent before login: {message}"
    if case.cookie and not any(_may_close(f) for f in case.frames):
        # A logged-in socket is never dropped for well-formed frames, whatever they say, and
        # answers the probe last.
        assert probed, "the server closed a logged-in socket"
        direct = [m for m in received if m["type"] in DIRECT]
        assert direct, received[-5:]
        assert direct[-1].get("message") == "Session not found", received[-5:]


def test_websocket_frames(app_target: AppTarget, long_run: bool) -> None:
    stats = Stats("websocket")

    @fuzz(long_run, "websocket")
    @given(ws_cases(app_target.confinement))
    def check(case: WsCase) -> None:
        stats.count(app_target.run(ws_case(app_target, case)))
        app_target.after_case()

    check()
    report(stats, app_target)


# -- raw HTTP through the connection guard ----------------------------------------------------


@dataclass
class RawCase:
    data: bytes
    head_only: bool
    incomplete: bool

    def __repr__(self) -> str:
        return f"RawCase({self.data[:600]!r}, incomplete={self.incomplete})"


RAW_PATHS = ("/health", "/api/auth", "/api/sessions", "/api/upload", "/", "/ws", "*",
             "http://127.0.0.1/health", "//", "/%", "/api/sessions/{sid}/upload",
             "/api/sessions/{sid}/files?path=.", "/preview/{up}/", "/api/preferences",
             "/assets/../../etc/passwd")


def _raw_bytes(max_size: int = 40) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=max_size),
        st.text(st.characters(max_codepoint=0x7E, min_codepoint=0x20), max_size=max_size)
        .map(str.encode),
        st.sampled_from((b"", b" ", b"\x00", b"\x7f", b"\xff", b"\r", b"\n", b"\r\n x",
                         b"\t", b"\xc3\xa9", b"\xed\xa0\x80")),
        repeated("a", 9000).map(str.encode),
    )


#: Header names aiohttp and our routes treat specially, and broken ones.
RAW_HEADER_NAMES = (b"Content-Type", b"X-Filename", b"X-Target-Dir", b"Origin", b"Host",
                    b"Content-Length", b"Transfer-Encoding", b"Expect", b"Upgrade",
                    b"Content-Encoding", b"Cookie", b"Authorization", b"X-Forwarded-For",
                    b"X-Forwarded-Proto", b"Range", b"Connection", b"Sec-WebSocket-Key")
BROKEN_NAMES = (b"Foo ", b" Foo", b"", b"Foo\x00", b"F\xc3\xa9", b"a:b", b"(x)")


@st.composite
def raw_cases(draw: st.DrawFn, c: Confinement) -> RawCase:
    """A request as bytes: half of them well-formed (odd values, bodies and framing the
    parser accepts), half with defects anywhere from the request line to the chunks."""
    bad = 1 if draw(st.booleans()) else 0  # the weight of every defect below
    method = draw(weighted(
        (8, st.sampled_from((b"GET", b"POST", b"PUT", b"PATCH", b"HEAD", b"DELETE", b"OPTIONS"))),
        (bad, st.sampled_from((b"PRI", b"CONNECT", b"get", b"G\x00T", b"\x16\x03\x01", b"",
                               b"GET GET"))),
        (bad, _raw_bytes(10))))
    path = draw(weighted(
        (6, st.sampled_from(RAW_PATHS).map(lambda p: p.format(sid=c.session_id(),
                                                              up=c.upstream_port).encode())),
        (2, encoded(texts(30), keep_slash=True).map(lambda p: b"/" + p.encode()[:8000])),
        (bad, _raw_bytes(60).map(lambda b: b"/" + b))))
    version = draw(weighted((12, st.just(b"HTTP/1.1")), (2, st.just(b"HTTP/1.0")),
                            (bad, st.sampled_from((b"HTTP/2.0", b"HTTP/1.2", b"http/1.1",
                                                   b"HTTP/1", b"", b"HTTP/1.1 x",
                                                   b"HTTP/1.1\x00")))))
    eol = draw(weighted((15, st.just(b"\r\n")),
                        (bad, st.sampled_from((b"\n", b"\r", b"\n\r")))))
    headers: list[bytes] = []
    if not bad or draw(st.integers(0, 4)):
        headers.append(b"Host: 127.0.0.1:%d" % c.main_port)
    cookie = draw(weighted((6, st.just(c.token().encode())), (4, st.none()),
                           (bad, _raw_bytes(20))))
    if cookie is not None:
        headers.append(b"Cookie: pty_token=" + cookie)
    pipelined = draw(st.integers(0, 9)) == 0  # a second request behind the first
    if draw(st.integers(0, 3)) and (bad or not pipelined):
        headers.append(b"Connection: close")
    for _ in range(draw(st.integers(0, 4))):
        name = draw(weighted((8, st.sampled_from(RAW_HEADER_NAMES)),
                             (bad, st.sampled_from(BROKEN_NAMES)),
                             (bad, repeated("A", 9000).map(str.encode))))
        sep = draw(weighted((10, st.sampled_from((b": ", b":", b":\t"))),
                            (bad, st.sampled_from((b" : ", b"")))))
        value = draw(weighted((6, header_text(40).map(str.encode)), (2 * bad, _raw_bytes())))
        # Well-formed requests name each header once (aiohttp refuses a second Host…).
        if bad or (not any(h.lower().startswith(name.lower() + b":") for h in headers)
                   and name.lower() not in (b"content-length", b"transfer-encoding")):
            headers.append(name + sep + value)
    body = draw(st.one_of(st.just(b""), st.binary(max_size=80), st.just(b'{"password":"x"}'),
                          repeated("[", 3000).map(str.encode)))
    framing = draw(st.sampled_from(("none", "length", "length", "chunked", "expect", "short")
                                   + ("long", "badchunk", "both", "twice", "gzip") * bad))
    incomplete = False
    if framing == "length":
        headers.append(b"Content-Length: %d" % len(body))
    elif framing == "short":
        headers.append(b"Content-Length: %d" % max(0, len(body) - 3))
    elif framing == "long":
        headers.append(b"Content-Length: %d" % (len(body) + 5))
        incomplete = True
    elif framing in ("chunked", "badchunk", "both"):
        headers.append(b"Transfer-Encoding: chunked")
        if framing == "both":
            headers.append(b"Content-Length: 3")
        size = b"%x" % len(body) if framing != "badchunk" else draw(_raw_bytes(6))
        body = (size + b"\r\n" + body + b"\r\n0\r\n\r\n") if body else b"0\r\n\r\n"
        incomplete = framing == "badchunk"  # may wait for the chunk it announced
    elif framing == "twice":
        headers += [b"Content-Length: %d" % len(body), b"Content-Length: %d" % (len(body) + 1)]
    elif framing == "gzip":
        headers += [b"Content-Encoding: gzip", b"Content-Length: %d" % len(body)]
    elif framing == "expect":
        headers += [b"Expect: 100-continue", b"Content-Length: %d" % len(body)]
    if draw(st.integers(0, 3)) == 0:
        headers = draw(st.permutations(headers))
    head = method + b" " + path + (b" " + version if version else b"") + eol
    data = head + b"".join(h + eol for h in headers) + eol + body
    if pipelined:
        data += b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % c.main_port
    return RawCase(data, method == b"HEAD", incomplete)


async def _read_response(reader: asyncio.StreamReader, head_only: bool) -> Answer | None:
    """The first response on the connection (past any 100 Continue), or None if the server
    closed without one."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise AssertionError(f"a partial response: {exc.partial[:300]!r}") from exc
            return None
        except ConnectionResetError:
            return None
        status_line, *lines = head.decode("latin-1").split("\r\n")
        # aiohttp answers in the version it was asked in (`HTTP/2.0` included).
        assert re.fullmatch(r"HTTP/\d\.\d \d{3} .*", status_line), status_line
        status = int(status_line.split()[1])
        headers: CIMultiDict[str] = CIMultiDict()
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers.add(name, value.strip())
        if status != 100:
            break
    body = b""
    if not head_only and "Content-Length" in headers:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionResetError):
            body = await reader.readexactly(int(headers["Content-Length"]))
    return Answer(status, headers, body)


async def raw_case(target: Target, case: RawCase) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
    try:
        writer.write(case.data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        try:
            async with asyncio.timeout(0.3 if case.incomplete else 10):
                answer = await _read_response(reader, case.head_only)
        except TimeoutError:
            assert case.incomplete, "no answer to a complete request"
            return "waiting"
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    if answer is None:
        return "closed"
    words = case.data.split(b"\n", 1)[0].split(b" ")
    method, path = (w.decode("latin-1") for w in [*words, b"", b"/"][:2])
    check_answer(method, path.split("?", 1)[0], answer)
    return str(answer.status)


def test_raw_http_through_the_guard(app_target: AppTarget, long_run: bool) -> None:
    """Requests aiohttp cannot parse get our JSON 400 and one log line, not a traceback."""
    stats = Stats("raw_http")

    @fuzz(long_run, "raw_http")
    @given(raw_cases(app_target.confinement))
    def check(case: RawCase) -> None:
        stats.count(app_target.run(raw_case(app_target, case)))
        app_target.after_case()

    check()
    report(stats, app_target)


# -- a real termbeam process ------------------------------------------------------------------

#: The routes fuzzed against the real process: all but those that would stop it.
PROCESS_EXCLUDED = frozenset({("POST", "/api/shutdown"), ("POST", "/api/update")})


@pytest.fixture
def process_target(tmp_path: Path) -> Iterator[ProcessTarget]:
    target = ProcessTarget(tmp_path)
    target.start()
    try:
        yield target
    finally:
        target.close()


def test_real_termbeam_process(process_target: ProcessTarget, long_run: bool) -> None:
    """The whole stack of a `termbeam` process: raw HTTP, REST and WebSocket cases mixed."""
    stats = Stats("process")
    c = process_target.confinement
    (process_target.root / "routes").mkdir()
    routes = app_routes(create_app(make_config(process_target.root / "routes")))
    cases = st.one_of(raw_cases(c), rest_cases(routes, c, True, PROCESS_EXCLUDED),
                      rest_cases(routes, c, False, PROCESS_EXCLUDED), ws_cases(c))

    @fuzz(long_run, "process")
    @given(cases)
    def check(case: RawCase | RestCase | WsCase) -> None:
        if isinstance(case, RawCase):
            outcome = process_target.run(raw_case(process_target, case))
        elif isinstance(case, WsCase):
            outcome = process_target.run(ws_case(process_target, case))
        else:
            answer = process_target.run(send_rest(process_target, case))
            check_answer(case.method, case.target.split("?", 1)[0], answer)
            outcome = str(answer.status)
        stats.count(outcome)
        process_target.after_case()

    check()
    assert process_target.server.alive
    report(stats, process_target)

