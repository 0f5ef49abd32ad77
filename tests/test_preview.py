"""Port preview through the real server: a real aiohttp app on an ephemeral port behind it."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from termbeam_py import cli, keys, server
from termbeam_py.app import create_preview_app
from termbeam_py.config import Config, ConfigError
from termbeam_py.preview.proxy import SANDBOX_CSP
from tests.conftest import PASSWORD, make_config

BLOCK = bytes(range(256)) * 256  # 64 KiB
BIG_BLOCKS = 960  # 60 MiB
INVALID = {"error": "Invalid port: must be an integer between 1 and 65535"}
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
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, preview_timeout=0.5)


@pytest.fixture
async def backend(aiohttp_server: Callable[..., Any]) -> Backend:
    state = Backend()
    server: TestServer = await aiohttp_server(state.app())
    state.port = server.port or 0
    return state


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cookie(client: TestClient) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["pty_token"].value


async def test_round_trips_keep_method_path_query_and_body(
    authed: TestClient, backend: Backend
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


async def test_head_gets_headers_and_no_body(authed: TestClient, backend: Backend) -> None:
    response = await authed.head(f"/preview/{backend.port}/echo")
    assert response.status == 200
    assert int(response.headers["Content-Length"]) > 0
    assert await response.read() == b""


async def test_bare_port_and_trailing_slash(authed: TestClient, backend: Backend) -> None:
    echo = await (await authed.get(f"/preview/{backend.port}/echo/")).json()
    assert echo["path"] == "/echo/"
    response = await authed.get(f"/preview/{backend.port}", allow_redirects=False)
    assert response.status == 404  # the backend's own 404 for "/", not ours


async def test_chunked_upload_is_streamed_upstream(authed: TestClient, backend: Backend) -> None:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"alpha-", b"beta-", b"gamma"):
            yield part

    response = await authed.post(f"/preview/{backend.port}/echo", data=body())
    assert (await response.json())["body"] == "alpha-beta-gamma"


async def test_termbeam_credentials_never_reach_the_app(
    authed: TestClient, client: TestClient, backend: Backend
) -> None:
    token = _cookie(authed)
    response = await authed.get(
        f"/preview/{backend.port}/echo", headers={"Cookie": f"app=1; pty_token={token}; b=2"}
    )
    headers = (await response.json())["headers"]
    assert token not in str(headers)
    assert "pty_token" not in headers.get("Cookie", "")
    assert headers["Cookie"] == "app=1; b=2"
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


async def test_unauthenticated_browser_goes_to_login(client: TestClient, backend: Backend) -> None:
    response = await client.get(f"/preview/{backend.port}/echo", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"


async def test_redirects_are_rewritten(authed: TestClient, backend: Backend) -> None:
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


async def test_set_cookie_paths_and_no_planted_login(authed: TestClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/cookie")
    cookies = response.headers.getall("Set-Cookie")
    assert f"app=1; Path=/preview/{backend.port}/; HttpOnly" in cookies
    assert f"deep=2; Path=/preview/{backend.port}/admin" in cookies
    assert not any(c.startswith("pty_token") for c in cookies)


async def test_streaming_response_arrives_chunk_by_chunk(
    authed: TestClient, backend: Backend
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
    authed: TestClient, backend: Backend
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


async def test_upstream_that_never_answers_is_504(authed: TestClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/never")
    assert response.status == 504
    assert await response.json() == TIMEOUT


async def test_closed_port_is_502(authed: TestClient) -> None:
    response = await authed.get(f"/preview/{_free_port()}/")
    assert response.status == 502
    assert await response.json() == BAD_GATEWAY


@pytest.mark.parametrize("port", ["0", "65536", "abc", "-1", "80a"])
async def test_invalid_ports_are_400(authed: TestClient, port: str) -> None:
    for path in (f"/preview/{port}", f"/preview/{port}/x"):
        response = await authed.post(path)
        assert response.status == 400
        assert await response.json() == INVALID


async def test_html_and_css_are_rewritten(authed: TestClient, backend: Backend) -> None:
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


async def test_main_origin_sandboxes_proxied_pages(authed: TestClient, backend: Backend) -> None:
    response = await authed.get(f"/preview/{backend.port}/page.html")
    assert SANDBOX_CSP in response.headers.getall("Content-Security-Policy")
    assert "X-Frame-Options" not in response.headers  # TermBeam's own headers stay off
    assert "Cross-Origin-Opener-Policy" not in response.headers


async def test_navigation_gets_a_port_grant_for_cookieless_subresources(
    authed: TestClient, client: TestClient, backend: Backend, aiohttp_client: Any
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
        other = await anonymous.get(authed.make_url(f"/preview/{_free_port()}/~{'a' * 24}/"),
                                    allow_redirects=False)
        assert other.status == 302
        api = await anonymous.get(authed.make_url(f"{grant_base}/../../../api/sessions"))
        assert api.status == 401
    finally:
        await anonymous.close()
    # A null Origin without a grant is still refused.
    refused = await authed.post(f"{base}/echo", headers={"Origin": "null"})
    assert refused.status == 403


async def test_websocket_is_proxied_both_ways(authed: TestClient, backend: Backend) -> None:
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
    async with asyncio.timeout(5):
        while 4002 not in backend.ws_closed_with:
            await asyncio.sleep(0.02)


async def test_websocket_origin_and_dead_port(authed: TestClient, backend: Backend) -> None:
    own = f"http://127.0.0.1:{authed.port}"
    ws = await authed.ws_connect(f"/preview/{backend.port}/ws", origin=own)
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
        await authed.ws_connect(f"/preview/{backend.port}/ws", origin="http://evil.example")
    assert foreign.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as dead:
        await authed.ws_connect(f"/preview/{_free_port()}/ws")
    assert dead.value.status == 502


@pytest.fixture
async def listener(authed: TestClient, aiohttp_server: Callable[..., Any]) -> TestServer:
    server: TestServer = await aiohttp_server(create_preview_app(authed.app))
    # What server.run records once both sockets are bound.
    authed.app[keys.PREVIEW].listener_port = server.port
    authed.app[keys.RUNTIME].port = authed.port or 0
    return server


async def test_preview_listener_is_a_separate_unsandboxed_origin(
    authed: TestClient, listener: TestServer, backend: Backend
) -> None:
    token = _cookie(authed)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        url = listener.make_url(f"/preview/{backend.port}/echo/?a=1")
        response = await browser.post(url, headers={"Cookie": f"pty_token={token}; app=1"},
                                      data=b"x")
        assert response.status == 200
        echo = await response.json()
        assert echo["headers"]["Cookie"] == "app=1"
        assert echo["path"] == "/echo/?a=1"
        assert "Content-Security-Policy" not in response.headers
        # Navigations are not redirected to a grant: cookies work on this origin.
        page = await browser.get(listener.make_url(f"/preview/{backend.port}/page.html"),
                                 headers={"Cookie": f"pty_token={token}",
                                          "Sec-Fetch-Mode": "navigate"}, allow_redirects=False)
        assert page.status == 200
        # Only the proxy lives here.
        api = await browser.get(listener.make_url("/api/sessions"),
                                headers={"Cookie": f"pty_token={token}"})
        assert api.status == 404
        anonymous = await browser.get(url, allow_redirects=False)
        assert anonymous.status == 302
        assert anonymous.headers["Location"] == f"http://127.0.0.1:{authed.port}/login"
        foreign = await browser.get(url, headers={"Cookie": f"pty_token={token}",
                                                  "Host": "evil.example"})
        assert foreign.status == 403
        ws = await browser.ws_connect(listener.make_url(f"/preview/{backend.port}/ws"),
                                      headers={"Cookie": f"pty_token={token}"})
        await ws.send_str("hi")
        assert (await ws.receive(timeout=5)).data == "echo:hi"
        await ws.close()


async def test_api_preview_reports_the_listener(authed: TestClient, listener: TestServer) -> None:
    info = await (await authed.get("/api/preview")).json()
    assert info == {"previewPort": listener.port,
                    "previewBase": f"http://127.0.0.1:{listener.port}"}
    authed.app[keys.PREVIEW].listener_port = None
    assert await (await authed.get("/api/preview")).json() == {
        "previewPort": None, "previewBase": None}


async def test_api_preview_needs_login(client: TestClient) -> None:
    assert (await client.get("/api/preview")).status == 401


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 0), (["--preview-port", "4567"], 4567), (["--no-preview-port"], None)],
)
def test_cli_preview_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: int | None
) -> None:
    seen: list[Config] = []
    monkeypatch.setattr(server, "run", lambda config: seen.append(config) or 0)
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
