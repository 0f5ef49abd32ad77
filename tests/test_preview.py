"""Port preview through the real server: a real aiohttp app on an ephemeral port behind it."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from click.testing import CliRunner
from yarl import URL

from termbeam_py import cli, keys, server
from termbeam_py.app import create_app
from termbeam_py.config import Config, ConfigError
from termbeam_py.preview.listeners import MAX_LISTENERS, ListenerPool
from termbeam_py.preview.proxy import SANDBOX_CSP
from tests.conftest import PASSWORD, make_config
from tests.helpers import AppClient, eventually, free_port

BLOCK = bytes(range(256)) * 256  # 64 KiB
BIG_BLOCKS = 960  # 60 MiB
INVALID = {"error": "Invalid port: must be an integer between 1 and 65535"}
OWN = {"error": "Invalid port: that is TermBeam's own port"}
BAD_GATEWAY = {"error": "Bad gateway: upstream server is not responding"}
TIMEOUT = {"error": "Gateway timeout: upstream server did not respond in time"}
PAGE = b"""<!doctype html><html><head><link rel="stylesheet" href="/style.css">
<meta http-equiv="refresh" content="/later"></head><body>
<a href="/docs/">docs</a> <a href='//cdn.example/x.js'>cdn</a> <a href="/preview/PORT/ok">ok</a>
<img src="/a.png" srcset="/a.png 1x, /b.png 2x"><form action="/submit"></form>
<div style="background: url(/bg.png)"></div><a href="relative/">rel</a></body></html>"""
CSS = b"body { background: url('/img/bg.png') } .x { background: url(//cdn/y.png) }"


class Backend:
    """The previewed app: echoes requests, redirects, streams, serves pages and a socket."""

    def __init__(self) -> None:
        self.release_chunk = asyncio.Event()
        self.ws_closed_with: list[int | None] = []
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/echo{tail:.*}", self.echo)
        app.router.add_get("/redirect-relative", self.redirect("/target?x=1"))
        app.router.add_get("/redirect-absolute", self.redirect(None))
        app.router.add_get("/redirect-away", self.redirect("https://example.com/x"))
        app.router.add_get("/cookie", self.cookie)
        app.router.add_get("/chunks", self.chunks)
        app.router.add_get("/big", self.big)
        app.router.add_get("/never", self.never)
        app.router.add_get("/page.html", self.page)
        app.router.add_get("/style.css", self.css)
        app.router.add_get("/ws", self.websocket)
        return app

    async def echo(self, request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({
            "method": request.method, "path": request.raw_path, "query": request.query_string,
            "headers": {k: v for k, v in request.headers.items()},
            "body": body.decode(errors="replace"),
        }, headers={"X-Backend": "yes"})

    def redirect(self, location: str | None) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.Response:
            target = location or f"http://127.0.0.1:{self.port}/absolute/"
            return web.Response(status=302, headers={"Location": target})
        return handler

    async def cookie(self, request: web.Request) -> web.Response:
        response = web.Response(text="ok")
        response.headers.add("Set-Cookie", "app=1; Path=/; HttpOnly")
        response.headers.add("Set-Cookie", "deep=2; Path=/admin")
        response.headers.add("Set-Cookie", "pty_token=planted; Path=/")
        return response

    async def chunks(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/plain"
        await response.prepare(request)
        await response.write(b"first;")
        await self.release_chunk.wait()  # only after the client has seen the first chunk
        await response.write(b"second")
        await response.write_eof()
        return response

    async def big(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "application/octet-stream"
        response.content_length = len(BLOCK) * BIG_BLOCKS
        await response.prepare(request)
        for _ in range(BIG_BLOCKS):
            await response.write(BLOCK)
        await response.write_eof()
        return response

    async def never(self, request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def page(self, request: web.Request) -> web.Response:
        body = PAGE.replace(b"PORT", str(self.port).encode())
        return web.Response(body=body, content_type="text/html")

    async def css(self, request: web.Request) -> web.Response:
        return web.Response(body=CSS, content_type="text/css")

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("hmr",))
        await ws.prepare(request)
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT and msg.data.startswith("close:"):
                await ws.close(code=int(msg.data[6:]), message=b"bye")
            elif msg.type is aiohttp.WSMsgType.TEXT:
                await ws.send_str("echo:" + msg.data)
            elif msg.type is aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(b"echo:" + msg.data)
        self.ws_closed_with.append(ws.close_code)
        return ws


@pytest.fixture
def preview_timeout() -> float:
    """Generous, so a refused port on a busy machine is still a 502; the 504 test shortens it."""
    return 10.0


@pytest.fixture
def config(tmp_path: Path, preview_timeout: float) -> Config:
    return make_config(tmp_path, preview_timeout=preview_timeout)


@pytest.fixture
async def backend(aiohttp_server: Callable[..., Any]) -> Backend:
    state = Backend()
    server: TestServer = await aiohttp_server(state.app())
    state.port = server.port or 0
    return state


def _cookie(client: AppClient) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["pty_token"].value


async def test_round_trips_keep_method_path_query_and_body(
    authed: AppClient, backend: Backend
) -> None:
    base = f"/preview/{backend.port}"
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        payload = {"method": method, "n": [1, 2, 3]} if method != "GET" else None
        response = await authed.request(method, f"{base}/echo/a/b/?x=1&y=%20z", json=payload)
        assert response.status == 200, await response.text()
        assert response.headers["X-Backend"] == "yes"
        echo = await response.json()
        assert echo["method"] == method
        assert echo["path"] == "/echo/a/b/?x=1&y=%20z"  # trailing slash and raw query kept
        if payload is not None:
            assert echo["body"] == '{"method": "' + method + '", "n": [1, 2, 3]}'
            assert echo["headers"]["Content-Type"] == "application/json"


async def test_head_gets_headers_and_no_body(authed: AppClient, backend: Backend) -> None:
    response = await authed.head(f"/preview/{backend.port}/echo")
    assert response.status == 200
    assert int(response.headers["Content-Length"]) > 0
    assert await response.read() == b""


async def test_bare_port_and_trailing_slash(authed: AppClient, backend: Backend) -> None:
    echo = await (await authed.get(f"/preview/{backend.port}/echo/")).json()
    assert echo["path"] == "/echo/"
    response = await authed.get(f"/preview/{backend.port}", allow_redirects=False)
    assert response.status == 404  # the backend's own 404 for "/", not ours


async def test_chunked_upload_is_streamed_upstream(authed: AppClient, backend: Backend) -> None:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"alpha-", b"beta-", b"gamma"):
            yield part

    response = await authed.post(f"/preview/{backend.port}/echo", data=body())
    assert (await response.json())["body"] == "alpha-beta-gamma"


async def test_termbeam_credentials_never_reach_the_app(
    authed: AppClient, client: AppClient, backend: Backend
) -> None:
    token = _cookie(authed)
    own = f"tbp{backend.port}_"
    response = await authed.get(
        f"/preview/{backend.port}/echo",
        headers={"Cookie": f"{own}app=1; pty_token={token}; b=2; {own}c=3"},
    )
    headers = (await response.json())["headers"]
    assert token not in str(headers)
    assert "pty_token" not in headers.get("Cookie", "")
    assert headers["Cookie"] == "app=1; c=3"  # only the app's own cookies (see listeners)
    assert headers["Host"] == f"127.0.0.1:{backend.port}"
    assert headers["X-Forwarded-Prefix"] == f"/preview/{backend.port}"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Host"] == f"127.0.0.1:{authed.port}"
    assert "Accept-Encoding" not in headers
    bearer = await client.get(
        f"/preview/{backend.port}/echo", headers={"Authorization": f"Bearer {PASSWORD}"}
    )
    assert bearer.status == 200
    assert "Authorization" not in (await bearer.json())["headers"]


async def test_unauthenticated_browser_goes_to_login(client: AppClient, backend: Backend) -> None:
    response = await client.get(f"/preview/{backend.port}/echo", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"


async def test_redirects_are_rewritten(authed: AppClient, backend: Backend) -> None:
    base = f"/preview/{backend.port}"
    cases = {
        "redirect-relative": f"{base}/target?x=1",
        "redirect-absolute": f"{base}/absolute/",
        "redirect-away": "https://example.com/x",
    }
    for path, expected in cases.items():
        response = await authed.get(f"{base}/{path}", allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == expected


async def test_set_cookie_paths_and_no_planted_login(authed: AppClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/cookie")
    cookies = response.headers.getall("Set-Cookie")
    own = f"tbp{backend.port}_"
    assert f"{own}app=1; Path=/preview/{backend.port}/; HttpOnly" in cookies
    assert f"{own}deep=2; Path=/preview/{backend.port}/admin" in cookies
    assert not any("pty_token" in c for c in cookies)


async def test_streaming_response_arrives_chunk_by_chunk(
    authed: AppClient, backend: Backend
) -> None:
    response = await authed.get(f"/preview/{backend.port}/chunks")
    async with asyncio.timeout(5):
        first = await response.content.readuntil(b";")
    assert first == b"first;"  # arrived while the backend still holds the second chunk
    backend.release_chunk.set()
    assert await response.content.read() == b"second"


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.slow
async def test_large_download_streams_with_flat_memory(
    authed: AppClient, backend: Backend
) -> None:
    expected = hashlib.sha256()
    for _ in range(BIG_BLOCKS):
        expected.update(BLOCK)
    before = _rss()
    response = await authed.get(f"/preview/{backend.port}/big")
    assert response.headers["Content-Length"] == str(len(BLOCK) * BIG_BLOCKS)
    digest, size = hashlib.sha256(), 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        digest.update(chunk)
        size += len(chunk)
    assert size == len(BLOCK) * BIG_BLOCKS
    assert digest.hexdigest() == expected.hexdigest()
    assert _rss() - before < 20 * 1024 * 1024


@pytest.mark.parametrize("preview_timeout", [0.5])
async def test_upstream_that_never_answers_is_504(authed: AppClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/never")
    assert response.status == 504
    assert await response.json() == TIMEOUT


async def test_closed_port_is_502(authed: AppClient) -> None:
    response = await authed.get(f"/preview/{free_port()}/")
    assert response.status == 502
    assert await response.json() == BAD_GATEWAY


@pytest.mark.parametrize("port", ["0", "65536", "abc", "-1", "80a"])
async def test_invalid_ports_are_400(authed: AppClient, port: str) -> None:
    for path in (f"/preview/{port}", f"/preview/{port}/x"):
        response = await authed.post(path)
        assert response.status == 400
        assert await response.json() == INVALID


async def test_html_and_css_are_rewritten(authed: AppClient, backend: Backend) -> None:
    base = f"/preview/{backend.port}"
    response = await authed.get(f"{base}/page.html")
    html = await response.text()
    assert "Content-Length" not in response.headers or int(
        response.headers["Content-Length"]) == len(html.encode())
    for url in ("/style.css", "/later", "/docs/", "/a.png", "/submit"):
        assert f'"{base}{url}"' in html
    assert f'srcset="{base}/a.png 1x, {base}/b.png 2x"' in html
    assert f"url({base}/bg.png)" in html
    assert "'//cdn.example/x.js'" in html
    assert f'"{base}/ok"' in html
    assert f"{base}{base}" not in html
    assert 'href="relative/"' in html
    css = await (await authed.get(f"{base}/style.css")).text()
    assert css == (
        f"body {{ background: url('{base}/img/bg.png') }} .x {{ background: url(//cdn/y.png) }}"
    )


async def test_main_origin_sandboxes_proxied_pages(authed: AppClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/page.html")
    assert SANDBOX_CSP in response.headers.getall("Content-Security-Policy")
    assert "X-Frame-Options" not in response.headers  # TermBeam's own headers stay off
    assert "Cross-Origin-Opener-Policy" not in response.headers


async def test_navigation_gets_a_port_grant_for_cookieless_subresources(
    authed: AppClient, client: AppClient, backend: Backend, aiohttp_client: Any
) -> None:
    base = f"/preview/{backend.port}"
    response = await authed.get(f"{base}/page.html?q=1", allow_redirects=False,
                                headers={"Sec-Fetch-Mode": "navigate"})
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(f"{base}/~")
    assert location.endswith("/page.html?q=1")
    grant_base = location.removesuffix("/page.html?q=1")
    # A sandboxed page sends no cookie: the grant alone authorises its requests...
    anonymous = aiohttp.ClientSession()
    try:
        page = await anonymous.get(authed.make_url(f"{grant_base}/page.html"))
        assert page.status == 200
        assert f'href="{grant_base}/style.css"' in await page.text()
        echo = await anonymous.post(authed.make_url(f"{grant_base}/echo/x/"),
                                    headers={"Origin": "null"}, data=b"form")
        assert (await echo.json())["path"] == "/echo/x/"
        # ...for that port only, and never for the API.
        other = await anonymous.get(authed.make_url(f"/preview/{free_port()}/~{'a' * 24}/"),
                                    allow_redirects=False)
        assert other.status == 302
        api = await anonymous.get(authed.make_url(f"{grant_base}/../../../api/sessions"))
        assert api.status == 401
    finally:
        await anonymous.close()
    # A null Origin without a grant is still refused.
    refused = await authed.post(f"{base}/echo", headers={"Origin": "null"})
    assert refused.status == 403


async def test_websocket_is_proxied_both_ways(authed: AppClient, backend: Backend) -> None:
    ws = await authed.ws_connect(f"/preview/{backend.port}/ws", protocols=("hmr",))
    assert ws.protocol == "hmr"
    await ws.send_str("hello")
    assert (await ws.receive(timeout=5)).data == "echo:hello"
    await ws.send_bytes(b"\x00\x01\xff")
    assert (await ws.receive(timeout=5)).data == b"echo:\x00\x01\xff"
    await ws.send_str("close:4001")
    msg = await ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.CLOSE
    assert msg.data == 4001
    await ws.close()
    # A browser-side close code reaches the app too.
    ws = await authed.ws_connect(f"/preview/{backend.port}/ws")
    await ws.send_str("ping")
    assert (await ws.receive(timeout=5)).data == "echo:ping"
    await ws.close(code=4002)
    await eventually(lambda: 4002 in backend.ws_closed_with, "close code 4002 at the backend", 5)


async def test_websocket_origin_and_dead_port(authed: AppClient, backend: Backend) -> None:
    own = f"http://127.0.0.1:{authed.port}"
    ws = await authed.ws_connect(f"/preview/{backend.port}/ws", origin=own)
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
        await authed.ws_connect(f"/preview/{backend.port}/ws", origin="http://evil.example")
    assert foreign.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as dead:
        await authed.ws_connect(f"/preview/{free_port()}/ws")
    assert dead.value.status == 502


async def test_a_broken_websocket_handshake_is_a_400_not_a_500(
    authed: AppClient, backend: Backend, caplog: pytest.LogCaptureFixture,
) -> None:
    """Found by tests/test_fuzz.py: with the app's socket already open, a browser handshake
    aiohttp refuses (an empty Sec-WebSocket-Key) raised again while being closed: a 500."""
    response = await authed.get(f"/preview/{backend.port}/ws", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": ""})
    assert response.status == 400
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


class Browser:
    """A browser talking to one server's listeners: the login cookie sent by hand (cookies
    ignore ports, so a real browser sends it to every listener of the host)."""

    def __init__(self, main: AppClient, session: aiohttp.ClientSession) -> None:
        self.main = main
        self.session = session
        self.token = _cookie(main)

    async def open(self, port: int, **headers: str) -> str:
        """Where the Preview dialog's new tab lands for `port`."""
        response = await self.main.get(f"/api/preview/{port}/open", allow_redirects=False,
                                       headers=headers)
        assert response.status == 302, await response.text()
        return response.headers["Location"]

    async def ws(self, url: str) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(url, headers={"Cookie": f"pty_token={self.token}"})

    def request(self, method: str, url: str, cookies: str = "", **kwargs: Any) -> Any:
        cookie = "; ".join(filter(None, [f"pty_token={self.token}", cookies]))
        headers = {"Cookie": cookie, **kwargs.pop("headers", {})}
        return self.session.request(method, url, headers=headers, allow_redirects=False,
                                    **kwargs)


@pytest.fixture
async def browser(authed: AppClient) -> AsyncIterator[Browser]:
    authed.app[keys.RUNTIME].port = authed.port or 0  # what server.run records once bound
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield Browser(authed, session)


@pytest.fixture
async def other_backend(aiohttp_server: Callable[..., Any]) -> Backend:
    state = Backend()
    server: TestServer = await aiohttp_server(state.app())
    state.port = server.port or 0
    return state


def _pool(client: AppClient) -> ListenerPool:
    pool = client.app[keys.PREVIEW].listeners
    assert pool is not None
    return pool


def _listener_port(location: str) -> int:
    port = URL(location).port
    assert port is not None
    return port


async def _refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_each_previewed_port_opens_on_an_origin_of_its_own(
    browser: Browser, backend: Backend, other_backend: Backend
) -> None:
    a = await browser.open(backend.port)
    b = await browser.open(other_backend.port)
    assert a.startswith("http://127.0.0.1:")
    assert a.endswith(f"/preview/{backend.port}/")
    assert b.endswith(f"/preview/{other_backend.port}/")
    assert _listener_port(a) != _listener_port(b)
    assert await browser.open(backend.port) == a  # reused, not a second listener
    assert len(_pool(browser.main).ports()) == 2
    response = await browser.request("POST", f"{a}echo/?a=1", data=b"x")
    assert response.status == 200
    echo = await response.json()
    assert echo["path"] == "/echo/?a=1"
    assert "Content-Security-Policy" not in response.headers
    # Navigations are not redirected to a grant: cookies work on this origin.
    page = await browser.request("GET", f"{a}page.html", headers={"Sec-Fetch-Mode": "navigate"})
    assert page.status == 200
    ws = await browser.ws(f"{a}ws")
    await ws.send_str("hi")
    assert (await ws.receive(timeout=5)).data == "echo:hi"
    await ws.close()


async def test_a_listener_serves_its_own_port_and_nothing_else(
    browser: Browser, backend: Backend, other_backend: Backend
) -> None:
    a = await browser.open(backend.port)
    base = a.removesuffix(f"/preview/{backend.port}/")
    refusal = {"error": f"This preview origin serves port {backend.port} only"}
    for path in (f"/preview/{other_backend.port}/echo", f"/preview/{other_backend.port}",
                 f"/preview/0{backend.port}/echo", "/preview/abc/"):
        response = await browser.request("GET", base + path)
        assert response.status == 403, path
        assert await response.json() == refusal
        # A document there would share the origin: it must not read that path's cookies.
        assert response.headers["Content-Security-Policy"] == "sandbox"
    with pytest.raises(aiohttp.WSServerHandshakeError) as socket_refused:
        await browser.ws(f"{base}/preview/{other_backend.port}/ws")
    assert socket_refused.value.status == 403
    root = await browser.request("GET", base + "/")
    assert root.status == 302
    assert root.headers["Location"] == f"/preview/{backend.port}/"
    api = await browser.request("GET", base + "/api/sessions")
    assert api.status == 404  # only the proxy lives here
    assert api.headers["Content-Security-Policy"] == "sandbox"
    anonymous = await browser.session.get(a, allow_redirects=False)
    assert anonymous.status == 302
    assert anonymous.headers["Location"] == f"http://127.0.0.1:{browser.main.port}/login"
    foreign = await browser.request("GET", a, headers={"Host": "evil.example"})
    assert foreign.status == 403
    # Another listener's page may not write here (its Origin is another port).
    other = f"http://127.0.0.1:{_listener_port(a) + 1}"
    write = await browser.request("POST", f"{a}echo", headers={"Origin": other})
    assert write.status == 403


async def test_cookies_stay_with_the_app_that_set_them(
    browser: Browser, backend: Backend, other_backend: Backend
) -> None:
    a = await browser.open(backend.port)
    response = await browser.request("GET", f"{a}cookie")
    ns = f"tbp{backend.port}_"
    assert sorted(response.headers.getall("Set-Cookie")) == sorted([
        f"{ns}app=1; Path=/preview/{backend.port}/; HttpOnly",
        f"{ns}deep=2; Path=/preview/{backend.port}/admin",
        # Scripts may read this one: a copy under its own name, for the app's scripts.
        f"deep=2; Path=/preview/{backend.port}/admin",
    ])
    sent = "; ".join([
        f"{ns}app=1", "deep=2", f"tbp{other_backend.port}_session=b", "direct=visit",
        f"{ns}=nameless",
    ])
    echo = await (await browser.request("GET", f"{a}echo", cookies=sent)).json()
    # Only what this app set through the proxy, under its own names: not TermBeam's login,
    # not another app's cookies, not the script copies.
    assert echo["headers"]["Cookie"] == "app=1; nameless"
    nothing = await (await browser.request("GET", f"{a}echo", cookies="direct=1")).json()
    assert "Cookie" not in nothing["headers"]


async def test_the_app_sees_its_own_host_and_origin(browser: Browser, backend: Backend) -> None:
    a = await browser.open(backend.port)
    origin = a.removesuffix(f"/preview/{backend.port}/")
    response = await browser.request("POST", f"{a}echo", headers={"Origin": origin})
    headers = (await response.json())["headers"]
    assert headers["Host"] == f"127.0.0.1:{backend.port}"
    assert headers["Origin"] == f"http://127.0.0.1:{backend.port}"
    assert headers["X-Forwarded-Host"] == URL(origin).raw_authority
    # A foreign Origin is passed on as it is (a GET: no Origin check on our side).
    echo = await (await browser.request("GET", f"{a}echo",
                                        headers={"Origin": "http://other.example"})).json()
    assert echo["headers"]["Origin"] == "http://other.example"


async def test_listeners_are_bounded_least_recently_used_first(
    browser: Browser, backend: Backend, other_backend: Backend
) -> None:
    pool = _pool(browser.main)
    pool.cap = 2
    a = await browser.open(backend.port)
    first = pool.find(backend.port)
    assert first is not None
    await browser.open(other_backend.port)
    await browser.request("GET", f"{a}echo")  # A is now the most recently used
    third = free_port()
    await browser.open(third)
    assert pool.find(other_backend.port) is None  # the least recently used made room
    assert pool.find(backend.port) is first
    assert len(pool.ports()) == 2
    fourth = free_port()
    await browser.open(fourth)
    assert pool.find(backend.port) is None
    async with asyncio.timeout(5):
        await first.closed.wait()
    assert await _refused(first.port)


async def test_eviction_closes_the_evicted_listeners_sockets(
    browser: Browser, backend: Backend
) -> None:
    pool = _pool(browser.main)
    pool.cap = 1
    a = await browser.open(backend.port)
    ws = await browser.ws(f"{a}ws")
    await ws.send_str("hi")
    assert (await ws.receive(timeout=5)).data == "echo:hi"
    await browser.open(free_port())
    msg = await ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.CLOSE
    assert msg.data == aiohttp.WSCloseCode.GOING_AWAY


async def test_idle_listeners_close_busy_ones_stay(
    browser: Browser, backend: Backend, other_backend: Backend
) -> None:
    pool = _pool(browser.main)
    busy = await browser.open(backend.port)
    ws = await browser.ws(f"{busy}ws")
    pool.idle = 0.05
    await browser.open(other_backend.port)
    idle = pool.find(other_backend.port)
    assert idle is not None
    async with asyncio.timeout(5):
        await idle.closed.wait()
    assert await _refused(idle.port)
    # The open socket kept its listener alive past the same idle time.
    assert pool.find(backend.port) is not None
    await ws.send_str("still")
    assert (await ws.receive(timeout=5)).data == "echo:still"
    await ws.close()
    # Opened again, the port gets its earlier listener port back (and so its origin).
    again = await browser.open(other_backend.port)
    assert _listener_port(again) == idle.port


async def test_listeners_close_with_the_server(
    aiohttp_client: Callable[..., Any], config: Config, backend: Backend
) -> None:
    client: AppClient = await aiohttp_client(create_app(config))
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    location = (await client.get(f"/api/preview/{backend.port}/open",
                                 allow_redirects=False)).headers["Location"]
    listener = _pool(client).find(backend.port)
    assert listener is not None
    await client.close()
    assert listener.closed.is_set()
    assert await _refused(_listener_port(location))


async def test_a_fixed_preview_port_is_the_first_of_a_range(
    aiohttp_client: Callable[..., Any], tmp_path: Path, backend: Backend,
    other_backend: Backend,
) -> None:
    first = free_port()
    client: AppClient = await aiohttp_client(
        create_app(make_config(tmp_path, preview_port=first)))
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    browser = Browser(client, aiohttp.ClientSession())
    try:
        ports = {_listener_port(await browser.open(p)) for p in (backend.port, other_backend.port)}
    finally:
        await browser.session.close()
    # In order, skipping what is taken (another process may hold first + 1).
    assert first in ports
    assert all(first <= port < first + MAX_LISTENERS for port in ports)


async def test_through_a_tunnel_previews_stay_on_the_main_origin(
    browser: Browser, backend: Backend
) -> None:
    tunnel = "https://quiet-river.trycloudflare.com"
    browser.main.app[keys.RUNTIME].public_url = tunnel
    browser.main.app[keys.AUTH].set_public_urls(tunnel)
    sandboxed = f"/preview/{backend.port}/"
    cases: list[dict[str, str]] = [
        {"Host": "quiet-river.trycloudflare.com"},  # the tunnel's name
        {"X-Forwarded-Proto": "https"},  # https from a local proxy: listeners speak http
        {"Host": "127.0.0.1:8443"},  # a port mapping or reverse proxy: not our port
    ]
    for headers in cases:
        assert await browser.open(backend.port, **headers) == sandboxed, headers
        info = await (await browser.main.get(f"/api/preview?port={backend.port}",
                                             headers=headers)).json()
        assert info == {"previewPort": None, "previewBase": None}, headers
    assert _pool(browser.main).ports() == set()  # nothing was started for them
    assert (await browser.open(backend.port)).startswith("http://127.0.0.1:")


async def test_without_listeners_previews_stay_on_the_main_origin(
    aiohttp_client: Callable[..., Any], tmp_path: Path, backend: Backend
) -> None:
    client: AppClient = await aiohttp_client(
        create_app(make_config(tmp_path, preview_port=None)))
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    response = await client.get(f"/api/preview/{backend.port}/open", allow_redirects=False)
    assert response.headers["Location"] == f"/preview/{backend.port}/"
    assert await (await client.get("/api/preview")).json() == {
        "previewPort": None, "previewBase": None, "separateOrigins": False}


async def test_api_preview_reports_a_ports_listener(browser: Browser, backend: Backend) -> None:
    info = await (await browser.main.get(f"/api/preview?port={backend.port}")).json()
    listener = _pool(browser.main).find(backend.port)
    assert listener is not None
    assert info == {"previewPort": listener.port,
                    "previewBase": f"http://127.0.0.1:{listener.port}"}
    assert await browser.open(backend.port) == f"{info['previewBase']}/preview/{backend.port}/"
    assert await (await browser.main.get("/api/preview")).json() == {
        "previewPort": None, "previewBase": None, "separateOrigins": True}
    for bad in ("0", "abc", "70000"):
        response = await browser.main.get(f"/api/preview?port={bad}")
        assert response.status == 400
        assert await response.json() == INVALID
        opened = await browser.main.get(f"/api/preview/{bad}/open", allow_redirects=False)
        assert opened.status == 400


async def test_other_sites_cannot_start_listeners(browser: Browser, backend: Backend) -> None:
    for site in ("same-site", "cross-site"):
        response = await browser.main.get(f"/api/preview/{backend.port}/open",
                                          headers={"Sec-Fetch-Site": site},
                                          allow_redirects=False)
        assert response.status == 403
        assert await response.json() == {"error": "Previews open from TermBeam's own page"}
    assert _pool(browser.main).ports() == set()
    own = await browser.open(backend.port, **{"Sec-Fetch-Site": "same-origin"})
    assert own.startswith("http://127.0.0.1:")


async def test_api_preview_needs_login(client: AppClient, backend: Backend) -> None:
    assert (await client.get("/api/preview")).status == 401
    assert (await client.get(f"/api/preview/{backend.port}/open")).status == 401


async def test_own_ports_are_refused_without_recursion(
    aiohttp_client: Callable[..., Any], tmp_path: Path, backend: Backend
) -> None:
    """--no-password: a GET to /preview/<our port>/… must not proxy into ourselves."""
    app = create_app(make_config(tmp_path, password=None))
    seen: list[str] = []

    async def count(request: web.Request, response: web.StreamResponse) -> None:
        seen.append(request.path_qs)

    app.on_response_prepare.append(count)
    client: AppClient = await aiohttp_client(app)
    sent: list[str] = []

    async def refused(path: str) -> None:
        sent.append(path)
        response = await client.get(path, allow_redirects=False)
        assert response.status == 400, path
        assert await response.json() == OWN

    own = client.port
    await refused(f"/preview/{own}/preview/{own}/preview/{own}/api/sessions")
    await refused(f"/preview/{own}")
    await refused(f"/api/preview/{own}/open")
    await refused(f"/api/preview?port={own}")
    with pytest.raises(aiohttp.WSServerHandshakeError) as socket_refused:
        await client.ws_connect(f"/preview/{own}/ws")
    sent.append(f"/preview/{own}/ws")
    assert socket_refused.value.status == 400
    # Every listener's port is ours too.
    sent.append(f"/api/preview/{backend.port}/open")
    opened = await client.get(sent[-1], allow_redirects=False)
    listener_port = _listener_port(opened.headers["Location"])
    await refused(f"/preview/{listener_port}/")
    await refused(f"/api/preview/{listener_port}/open")
    assert seen == sent  # the server never reached itself
@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 0), (["--preview-port", "4567"], 4567), (["--no-preview-port"], None)],
)
def test_cli_preview_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: int | None
) -> None:
    seen: list[Config] = []
    def run(config: Config) -> int:
        seen.append(config)
        return 0

    monkeypatch.setattr(server, "run", run)
    (tmp_path / "cfg").mkdir()
    base = ["--config-dir", str(tmp_path / "cfg"), "--cwd", str(tmp_path), "--no-qr"]
    result = CliRunner().invoke(cli.serve, [*base, *args])
    assert result.exit_code == 0, result.output
    assert seen[0].preview_port == expected


def test_cli_and_config_refuse_bad_preview_ports(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.serve, ["--preview-port", "70000"])
    assert result.exit_code == 2
    with pytest.raises(ConfigError, match="preview port"):
        make_config(tmp_path, preview_port=-1)
