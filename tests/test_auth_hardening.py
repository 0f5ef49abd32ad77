"""Findings 2, 3, 6, 10, 11 and 12 of the hardening review (#13), through a real server: the
login limit behind proxies, bounded rate-limit memory, deeply nested JSON, the Origin's
scheme, strict Host parsing, and what /health and `Server` give away."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict

from termbeam_py import __version__, keys
from termbeam_py.app import create_app, create_preview_app
from termbeam_py.netinfo import lan_ipv4
from termbeam_py.preview.listeners import Listener
from termbeam_py.ratelimit import MAX_KEYS, SlidingWindow
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient

TOO_MANY = {"error": "Too many attempts. Try again later."}
TOO_MANY_WS = {"type": "error", "message": "Too many attempts. Try again later."}
WS_TIMEOUT = 10.0


def _host(client: AppClient) -> str:
    return f"{client.server.host}:{client.server.port}"


def _from(forwarded_for: str) -> dict[str, str]:
    return {"X-Forwarded-For": forwarded_for}


def _rotating(i: int) -> dict[str, str]:
    """What a client behind a tunnel sends: its own made-up prefix, then the tunnel's entry."""
    return _from(f"10.0.0.{i}, 203.0.113.7")


async def _wrong_logins(client: AppClient, headers: Callable[[int], Any], count: int) -> None:
    for i in range(count):
        response = await client.post("/api/auth", json={"password": "wrong"}, headers=headers(i))
        assert response.status == 401, (i, await response.text())


async def _ws_auth(client: AppClient, password: str, headers: dict[str, str]) -> Any:
    """The first answer to an `auth` message on a fresh socket."""
    ws = await client.ws_connect("/ws", headers=headers)
    try:
        await ws.send_json({"type": "auth", "password": password})
        return await ws.receive_json(timeout=WS_TIMEOUT)
    finally:
        await ws.close()


# --------------------------------------------------------------------------- 2: X-Forwarded-For


async def test_rotating_forwarded_for_still_hits_the_login_limit(client: AppClient) -> None:
    await _wrong_logins(client, _rotating, 5)
    response = await client.post("/api/auth", json={"password": PASSWORD}, headers=_rotating(5))
    assert response.status == 429
    assert await response.json() == TOO_MANY


async def test_rotating_forwarded_for_still_hits_the_bearer_limit(client: AppClient) -> None:
    for i in range(5):
        response = await client.get(
            "/api/sessions", headers={"Authorization": "Bearer nope", **_rotating(i)}
        )
        assert response.status == 401, i
    response = await client.get(
        "/api/sessions", headers={"Authorization": f"Bearer {PASSWORD}", **_rotating(5)}
    )
    assert response.status == 429
    assert await response.json() == TOO_MANY


@pytest.mark.parametrize("forwarded", [
    # Not an address where the proxy's entry belongs: no guessing, the peer is the client.
    "10.0.0.{i}, proxy-{i}",
    "10.0.0.{i}, ",
    # A second proxy on this machine appended its loopback peer: skipped.
    "10.0.0.{i}, 203.0.113.7, 127.0.0.1",
    # A proxy that writes the client's port too.
    "10.0.0.{i}, 203.0.113.7:5{i}",
    "10.0.0.{i}, [2001:db8::7]:4{i}",
    # Every address of one IPv6 /64 is one client.
    "2001:db8::{i}",
])
async def test_forwarded_for_forms_give_one_bucket(client: AppClient, forwarded: str) -> None:
    def headers(i: int) -> dict[str, str]:
        return _from(forwarded.format(i=i))

    await _wrong_logins(client, headers, 5)
    response = await client.post("/api/auth", json={"password": "wrong"}, headers=headers(5))
    assert response.status == 429


async def test_a_proxy_adding_its_own_header_line_is_read_too(client: AppClient) -> None:
    def headers(i: int) -> CIMultiDict[str]:
        # The client's line first, then the one the proxy added.
        return CIMultiDict([("X-Forwarded-For", f"10.0.0.{i}"),
                            ("X-Forwarded-For", "203.0.113.7")])

    await _wrong_logins(client, headers, 5)
    response = await client.post("/api/auth", json={"password": "wrong"}, headers=headers(5))
    assert response.status == 429


async def test_clients_behind_a_tunnel_keep_their_own_limits(client: AppClient) -> None:
    await _wrong_logins(client, _rotating, 5)
    other = _from("10.0.0.1, 198.51.100.8")
    response = await client.post("/api/auth", json={"password": PASSWORD}, headers=other)
    assert response.status == 200


async def test_all_clients_together_get_thirty_attempts_a_minute(client: AppClient) -> None:
    # A tunnel that adds no X-Forwarded-For (ssh to a plain sshd) lets each client name its
    # own address: the budget over everyone still stops guessing.
    for who in range(6):
        address = _from(f"198.51.100.{who}")
        for _ in range(5):
            response = await client.post("/api/auth", json={"password": "x"}, headers=address)
            assert response.status == 401
    response = await client.post(
        "/api/auth", json={"password": PASSWORD}, headers=_from("192.0.2.200")
    )
    assert response.status == 429
    assert await response.json() == TOO_MANY


async def test_websocket_auth_limit_is_per_forwarded_client(client: AppClient) -> None:
    for i in range(5):
        answer = await _ws_auth(client, "wrong", _rotating(i))
        assert answer == {"type": "error", "message": "Unauthorized"}
    assert await _ws_auth(client, PASSWORD, _rotating(5)) == TOO_MANY_WS
    # Every socket behind the tunnel has a loopback peer: another client is not locked out.
    assert await _ws_auth(client, PASSWORD, _from("198.51.100.8")) == {"type": "auth_ok"}


# --------------------------------------------------------------------------- 3: bounded limiters


def _traced(action: Callable[[], None]) -> int:
    """Bytes still allocated after `action`."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_hundred_thousand_keys_keep_the_limiter_bounded() -> None:
    window = SlidingWindow(5)

    def flood() -> None:
        for i in range(100_000):
            window.hit(f"{i:06d}" + "x" * 7000)  # 7 KB keys, as seen in the review

    grown = _traced(flood)
    assert len(window) <= MAX_KEYS
    assert grown < 1024 * 1024, grown  # ~0.6 MiB here


def test_a_full_api_limiter_stays_small() -> None:
    window = SlidingWindow(120)

    def flood() -> None:
        for i in range(MAX_KEYS + 100):
            key = f"10.0.{i >> 8}.{i & 255}"
            for _ in range(121):
                window.hit(key)

    grown = _traced(flood)
    assert len(window) <= MAX_KEYS
    assert grown < 3.5 * 1024 * 1024, grown  # ~2.6 MiB here: 2048 keys of 120 hits


def test_expired_keys_are_dropped() -> None:
    now = [1000.0]
    window = SlidingWindow(5, window=60, clock=lambda: now[0])
    for i in range(100):
        window.hit(f"k{i}")
    assert len(window) == 100
    now[0] += 61
    window.hit("late")
    assert len(window) == 1
    assert window.remaining("k0") == 5


def test_the_key_hit_longest_ago_is_dropped_first() -> None:
    window = SlidingWindow(2, max_keys=3)
    for key in ("a", "b", "c", "a", "a", "d"):
        window.hit(key)
    assert len(window) == 3
    assert not window.allowed("a")  # hit twice, recently: still counted
    assert window.remaining("b") == 2  # the oldest: forgotten
    assert (window.remaining("c"), window.remaining("d")) == (1, 1)


def test_the_total_limit_spans_every_key() -> None:
    now = [0.0]
    window = SlidingWindow(5, window=60, total=7, clock=lambda: now[0])
    for i in range(7):
        assert window.allowed(f"k{i}")
        window.hit(f"k{i}")
    assert not window.allowed("someone-new")
    assert window.reset_in("someone-new") == 61
    now[0] += 60.5
    assert window.allowed("someone-new")


@pytest.mark.blocks_loop(reason="the probes send thousands of client requests from test code")
async def test_many_forwarded_addresses_do_not_grow_the_limiter(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    limiter = client.app[keys.AUTH].api_limiter
    assert limiter is not None

    async def probe(i: int) -> None:
        address = _from(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
        response = await client.get("/api/version", headers=address)
        assert response.status == 200
        await response.read()

    total = MAX_KEYS + 300
    for start in range(0, total, 50):
        await asyncio.gather(*(probe(i) for i in range(start, min(start + 50, total))))
    assert len(limiter) <= MAX_KEYS


# --------------------------------------------------------------------------- 6: nested JSON


@pytest.mark.parametrize(
    "body", [b"[" * 50_000, b'{"a":' * 20_000, b'{"password":' + b"[" * 40_000]
)
async def test_deeply_nested_login_body_is_a_400(
    client: AppClient, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.post(
        "/api/auth", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"error": "Invalid JSON body"}
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert len([r for r in caplog.records if "nested" in r.getMessage()]) == 1


async def test_deeply_nested_bodies_are_400_on_every_json_route(
    authed: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    nested = b'{"x":' + b"[" * 50_000
    routes = [("POST", "/api/sessions"), ("PUT", "/api/preferences"),
              ("POST", "/api/push/subscribe"), ("DELETE", "/api/push/unsubscribe")]
    for method, path in routes:
        response = await authed.request(
            method, path, data=nested, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, (path, await response.text())
        assert "error" in await response.json()
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_huge_number_in_a_query_is_not_a_500(
    authed: AppClient, session_id: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "one"], check=True)
    response = await authed.get(f"/api/sessions/{session_id}/git/log?limit={'9' * 5000}")
    assert response.status == 200, await response.text()
    assert len((await response.json())["commits"]) == 1


# --------------------------------------------------------------------------- 10: Origin scheme


async def _delete_nothing(client: AppClient, headers: dict[str, str]) -> int:
    """A state-changing request that does nothing once it passes the guard (404)."""
    response = await client.delete("/api/sessions/nope", headers=headers)
    return response.status


async def test_an_https_origin_is_refused_on_http(authed: AppClient) -> None:
    host = _host(authed)
    assert await _delete_nothing(authed, {"Origin": f"http://{host}"}) == 404
    response = await authed.post(
        "/api/sessions", json={"cols": 80, "rows": 24}, headers={"Origin": f"https://{host}"}
    )
    assert response.status == 403
    assert await response.json() == {"error": "Origin not allowed"}
    assert await (await authed.get("/api/sessions")).json() == []
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await authed.ws_connect("/ws", headers={"Origin": f"https://{host}"})
    assert info.value.status == 403


async def test_an_http_origin_is_refused_behind_https(authed: AppClient) -> None:
    host = _host(authed)
    https = {"X-Forwarded-Proto": "https"}
    assert await _delete_nothing(authed, {**https, "Origin": f"http://{host}"}) == 403
    assert await _delete_nothing(authed, {**https, "Origin": f"https://{host}"}) == 404


@pytest.mark.parametrize(("host", "origin", "proto", "status"), [
    ("127.0.0.1:80", "http://127.0.0.1", "http", 404),
    ("127.0.0.1", "http://127.0.0.1:80", "http", 404),
    ("127.0.0.1:443", "https://127.0.0.1", "https", 404),
    ("127.0.0.1", "https://127.0.0.1:443", "https", 404),
    ("LocalHost:80", "http://localhost", "http", 404),
    ("[::1]:80", "http://[0:0::1]", "http", 404),
    ("127.0.0.1:80", "https://127.0.0.1:80", "http", 403),
    ("127.0.0.1:443", "http://127.0.0.1:443", "https", 403),
    ("127.0.0.1:80", "http://127.0.0.1:8080", "http", 403),
    ("127.0.0.1:80", "http://127.0.0.1:80/", "http", 403),
    ("127.0.0.1:80", "http://user@127.0.0.1:80", "http", 403),
    ("127.0.0.1:80", "ws://127.0.0.1:80", "http", 403),
    ("127.0.0.1:80", "null", "http", 403),
])
async def test_origin_compares_scheme_host_and_port(
    authed: AppClient, host: str, origin: str, proto: str, status: int
) -> None:
    headers = {"Host": host, "Origin": origin, "X-Forwarded-Proto": proto}
    assert await _delete_nothing(authed, headers) == status


# --------------------------------------------------------------------------- 11: Host


async def test_hosts_that_only_look_like_ours_are_refused(authed: AppClient) -> None:
    for host in ("[::1]evil.example", "[::1]evil.example:80", "203.0.113.9", "203.0.113.9:80",
                 "[2001:db8::9]:80"):
        response = await authed.get("/api/version", headers={"Host": host})
        assert response.status == 403, host
        assert await response.json() == {"error": "Host not allowed"}


@pytest.mark.parametrize("host", [
    "127.0.0.1:abc", "127.0.0.1:", "localhost:99999", "localhost:+80", "127.0.0.1:80:80",
    "::1", "[::1", "[::1]:", "[localhost]", "local host", "localhost.", "evil.example@127.0.0.1",
    "127.1", "0x7f.0.0.1", "2130706433", "127.0.0.01", "", "lоcalhost",
])
async def test_malformed_hosts_are_refused(authed: AppClient, host: str) -> None:
    response = await authed.get("/api/version", headers={"Host": host})
    assert response.status == 403, host


@pytest.mark.parametrize("host", [
    "localhost", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1:{port}", "127.0.0.2",
    "[::1]:{port}", "[0:0::1]", "[::ffff:127.0.0.1]:{port}", "app.localhost:{port}",
])
async def test_loopback_hosts_are_allowed(authed: AppClient, host: str) -> None:
    response = await authed.get(
        "/api/version", headers={"Host": host.format(port=authed.server.port)}
    )
    assert response.status == 200, host


async def test_allow_host_names_and_addresses(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config = make_config(tmp_path, allow_hosts=("Box.Lan", "[2001:db8::5]:8080", "192.0.2.77"))
    client = await aiohttp_client(create_app(config))
    for host in ("box.lan", "BOX.LAN:443", "[2001:db8:0::5]", "192.0.2.77:1"):
        assert (await client.get("/api/config", headers={"Host": host})).status == 200, host
    for host in ("box.lan.evil.example", "[2001:db8::6]", "192.0.2.78"):
        assert (await client.get("/api/config", headers={"Host": host})).status == 403, host


async def test_lan_clients_reach_us_by_the_address_they_dialled(
    aiohttp_server: Callable[..., Any], tmp_path: Path
) -> None:
    lan = lan_ipv4()
    if lan is None:
        pytest.skip("this machine has no LAN address")
    app = create_app(make_config(tmp_path, host="0.0.0.0"))  # noqa: S104 - the --lan case
    server: TestServer = await aiohttp_server(app, host="0.0.0.0")  # noqa: S104
    async with aiohttp.ClientSession() as browser:
        response = await browser.get(f"http://{lan}:{server.port}/api/config")
        assert response.status == 200
        response = await browser.post(
            f"http://{lan}:{server.port}/api/auth", json={"password": PASSWORD},
            headers={"Origin": f"http://{lan}:{server.port}"},
        )
        assert response.status == 200
        # Another address, even through the same socket, is not ours to answer for.
        foreign = {"Host": f"203.0.113.9:{server.port}"}
        response = await browser.get(f"http://{lan}:{server.port}/api/config", headers=foreign)
        assert response.status == 403
        # Our LAN address named on a loopback connection was not dialled: refused.
        response = await browser.get(f"http://127.0.0.1:{server.port}/api/config",
                                     headers={"Host": f"{lan}:{server.port}"})
        assert response.status == 403


async def test_preview_listener_never_redirects_to_a_foreign_address(
    authed: AppClient, aiohttp_server: Callable[..., Any]
) -> None:
    authed.app[keys.RUNTIME].port = authed.port or 0
    listener: TestServer = await aiohttp_server(create_preview_app(authed.app, Listener(3000)))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        url = listener.make_url("/preview/3000/")
        response = await browser.get(url, allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == f"http://127.0.0.1:{authed.port}/login"
        response = await browser.get(url, headers={"Host": f"[::1]:{listener.port}"},
                                     allow_redirects=False)
        assert response.headers["Location"] == f"http://[::1]:{authed.port}/login"
        response = await browser.get(url, headers={"Host": "203.0.113.9"},
                                     allow_redirects=False)
        assert response.status == 403
        assert "Location" not in response.headers


# --------------------------------------------------------------------------- 12: /health, Server


async def test_health_without_auth_is_minimal(client: AppClient) -> None:
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_health_details_with_a_bearer_password_or_a_cookie(client: AppClient) -> None:
    bearer = {"Authorization": f"Bearer {PASSWORD}"}
    for login in (False, True):
        if login:
            assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
        response = await client.get("/health", headers={} if login else bearer)
        assert response.status == 200
        health = await response.json()
        assert set(health) == {"status", "version", "uptime", "sessions"}
        assert (health["status"], health["version"], health["sessions"]) == ("ok", __version__, 0)
        assert isinstance(health["uptime"], int | float)


async def test_health_bearer_guesses_count_against_the_login_limit(client: AppClient) -> None:
    for _ in range(5):
        response = await client.get("/health", headers={"Authorization": "Bearer nope"})
        assert response.status == 401
    response = await client.get("/health", headers={"Authorization": f"Bearer {PASSWORD}"})
    assert response.status == 429
    # Without credentials the probe still answers.
    assert await (await client.get("/health")).json() == {"status": "ok"}


async def _raw_head(port: int, request: bytes) -> str:
    """The status line and headers of the answer to a hand-written request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WS_TIMEOUT)
        return head.decode("latin-1")
    finally:
        writer.close()
        await writer.wait_closed()


def _server_header(head: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in head.split("\r\n")
            if line.lower().startswith("server:")]


async def test_server_header_names_no_versions(
    authed: AppClient, aiohttp_server: Callable[..., Any]
) -> None:
    answers = [
        await authed.get("/api/version"), await authed.get("/health"),
        await authed.get("/api/nope"), await authed.put("/api/sessions", json={}),
        await authed.get("/login", allow_redirects=False),
        await authed.get("/api/version", headers={"Host": "evil.example"}),
    ]
    for response in answers:
        assert response.headers.getall("Server") == ["termbeam"], response.url
    port = authed.server.port
    assert port is not None
    upgrade = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()
    head = await _raw_head(port, upgrade)
    assert head.startswith("HTTP/1.1 101"), head
    assert _server_header(head) == ["termbeam"]
    authed.app[keys.RUNTIME].port = port
    listener: TestServer = await aiohttp_server(create_preview_app(authed.app, Listener(3000)))
    async with aiohttp.ClientSession() as browser:
        anonymous = await browser.get(f"http://127.0.0.1:{port}/api/sessions")
        assert anonymous.status == 401
        redirect = await browser.get(listener.make_url("/preview/3000/"), allow_redirects=False)
        assert redirect.status == 302
        for response in (anonymous, redirect):
            assert response.headers.getall("Server") == ["termbeam"], response.url
