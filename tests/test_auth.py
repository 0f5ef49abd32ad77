"""Authentication and request guards, through a real server (cookies, Bearer, share links,
WebSocket auth, Origin/Host checks, rate limits, security headers)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from termbeam_py import __version__, keys
from termbeam_py.app import create_app
from termbeam_py.static import STATIC_DIR
from termbeam_py.tokens import ShareTokens
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, FakeClock, TermWS

TOO_MANY = {"error": "Too many attempts. Try again later."}
WS_TIMEOUT = 10.0


# --------------------------------------------------------------------------- helpers


def _cookie_header(response: aiohttp.ClientResponse) -> str:
    """The single raw `Set-Cookie` header for pty_token."""
    headers = [h for h in response.headers.getall("Set-Cookie", []) if h.startswith("pty_token=")]
    assert len(headers) == 1, response.headers.getall("Set-Cookie", [])
    return headers[0]


def _cookie_attrs(header: str) -> tuple[str, dict[str, str]]:
    """(token value, {lower-cased attribute: value}) of a raw Set-Cookie header."""
    first, *rest = [p.strip() for p in header.split(";")]
    name, _, value = first.partition("=")
    assert name == "pty_token"
    attrs: dict[str, str] = {}
    for part in rest:
        key, _, val = part.partition("=")
        attrs[key.strip().lower()] = val.strip()
    return value, attrs


async def _login(client: AppClient) -> str:
    """Log in through POST /api/auth; the cookie token value."""
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200, await response.text()
    token, _ = _cookie_attrs(_cookie_header(response))
    return token


def _host(client: AppClient) -> str:
    return f"{client.server.host}:{client.server.port}"


async def _ws_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object] | None:
    """The next text message as JSON; None once the server closed the socket."""
    msg = await ws.receive(timeout=WS_TIMEOUT)
    if msg.type == aiohttp.WSMsgType.TEXT:
        return dict(json.loads(msg.data))
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.CLOSING), msg
    return None


async def _expect_refused(ws: aiohttp.ClientWebSocketResponse, message: str) -> None:
    assert await _ws_message(ws) == {"type": "error", "message": message}
    assert await _ws_message(ws) is None
    assert ws.closed


# --------------------------------------------------------------------------- POST /api/auth


async def test_wrong_password_is_401(client: AppClient) -> None:
    response = await client.post("/api/auth", json={"password": "nope"})
    assert response.status == 401
    assert await response.json() == {"error": "wrong password"}
    assert not [h for h in response.headers.getall("Set-Cookie", []) if "pty_token" in h]


async def test_right_password_sets_strict_httponly_cookie(client: AppClient) -> None:
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200
    assert await response.json() == {"ok": True}
    token, attrs = _cookie_attrs(_cookie_header(response))
    assert len(token) >= 32
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "strict"
    assert attrs["path"] == "/"
    assert attrs["max-age"] == "86400"
    assert "secure" not in attrs
    # The cookie now authenticates the API.
    assert (await client.get("/api/sessions")).status == 200


async def test_cookie_is_secure_behind_an_https_proxy(client: AppClient) -> None:
    response = await client.post(
        "/api/auth", json={"password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    assert response.status == 200
    _, attrs = _cookie_attrs(_cookie_header(response))
    assert "secure" in attrs
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "strict"


async def test_login_counts_every_attempt(client: AppClient) -> None:
    for attempt in range(5):
        password = PASSWORD if attempt % 2 else "wrong"
        response = await client.post("/api/auth", json={"password": password})
        assert response.status == (200 if attempt % 2 else 401), attempt
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 429
    assert await response.json() == TOO_MANY
    assert not [h for h in response.headers.getall("Set-Cookie", []) if "pty_token" in h]


async def test_five_successful_logins_also_exhaust_the_limit(client: AppClient) -> None:
    for _ in range(5):
        assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 429
    assert await response.json() == TOO_MANY


# --------------------------------------------------------------------------- Bearer


async def test_bearer_password(client: AppClient) -> None:
    response = await client.get(
        "/api/sessions", headers={"Authorization": f"Bearer {PASSWORD}"}
    )
    assert response.status == 200
    assert isinstance(await response.json(), list)


async def test_wrong_bearer_is_401(client: AppClient) -> None:
    response = await client.get("/api/sessions", headers={"Authorization": "Bearer nope"})
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}


async def test_bearer_failures_are_rate_limited(client: AppClient) -> None:
    for _ in range(5):
        response = await client.get("/api/sessions", headers={"Authorization": "Bearer nope"})
        assert response.status == 401
    response = await client.get(
        "/api/sessions", headers={"Authorization": f"Bearer {PASSWORD}"}
    )
    assert response.status == 429
    assert await response.json() == TOO_MANY


async def test_wrong_bearer_on_a_page_is_401_json(client: AppClient) -> None:
    response = await client.get(
        "/", headers={"Authorization": "Bearer nope"}, allow_redirects=False
    )
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}


async def test_bearer_failures_and_logins_share_one_limit(client: AppClient) -> None:
    for _ in range(5):
        response = await client.get("/api/sessions", headers={"Authorization": "Bearer nope"})
        assert response.status == 401
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 429
    assert await response.json() == TOO_MANY


# --------------------------------------------------------------------------- unauthenticated


async def test_api_without_auth_is_401_json(client: AppClient) -> None:
    response = await client.get("/api/sessions")
    assert response.status == 401
    assert response.content_type == "application/json"
    assert await response.json() == {"error": "unauthorized"}
    response = await client.post("/api/sessions", json={})
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("path", ["/", "/terminal", "/terminal?id=abc"])
async def test_pages_without_auth_redirect_to_login(client: AppClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"


async def test_a_bogus_cookie_is_not_a_login(client: AppClient) -> None:
    response = await client.get("/api/sessions", headers={"Cookie": "pty_token=" + "ab" * 32})
    assert response.status == 401
    response = await client.get(
        "/", headers={"Cookie": "pty_token=" + "ab" * 32}, allow_redirects=False
    )
    assert response.status == 302
    assert response.headers["Location"] == "/login"


async def test_public_routes_work_without_auth(client: AppClient) -> None:
    response = await client.get("/api/config")
    assert response.status == 200
    assert await response.json() == {"passwordRequired": True}

    response = await client.get("/api/version")
    assert response.status == 200
    assert await response.json() == {"version": __version__}

    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}  # details need a login

    response = await client.get("/login", allow_redirects=False)
    built = (STATIC_DIR / "index.html").is_file()
    assert response.status == (200 if built else 503)
    assert response.content_type == "text/html"


async def test_login_page_redirects_home_when_logged_in(authed: AppClient) -> None:
    response = await authed.get("/login", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/"


async def test_no_password_server_needs_no_auth(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    response = await client.get("/api/config")
    assert await response.json() == {"passwordRequired": False}
    assert (await client.get("/api/sessions")).status == 200
    response = await client.get("/", allow_redirects=False)
    assert response.status != 302


# --------------------------------------------------------------------------- share tokens


async def _share_token(client: AppClient) -> str:
    response = await client.get("/api/share-token")
    assert response.status == 200, await response.text()
    url = (await response.json())["url"]
    parts = urlsplit(url)
    assert parts.scheme == "http"
    assert parts.path == "/"
    (ott,) = parse_qs(parts.query)["ott"]
    assert len(ott) >= 32
    int(ott, 16)  # hex
    return str(ott)


async def test_share_token_url_points_at_this_host(authed: AppClient) -> None:
    response = await authed.get("/api/share-token")
    assert response.status == 200
    url = (await response.json())["url"]
    assert url.startswith(f"http://{_host(authed)}/?ott=")


async def test_share_token_requires_auth(client: AppClient) -> None:
    response = await client.get("/api/share-token")
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}


async def test_share_token_logs_in_once(authed: AppClient) -> None:
    ott = await _share_token(authed)
    authed.session.cookie_jar.clear()
    assert (await authed.get("/api/sessions")).status == 401

    response = await authed.get(f"/?ott={ott}&id=abc", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/?id=abc"
    token, attrs = _cookie_attrs(_cookie_header(response))
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "strict"
    # The jar kept the cookie: it authenticates the API.
    assert (await authed.get("/api/sessions")).status == 200
    assert (
        await authed.get("/api/sessions", headers={"Cookie": f"pty_token={token}"})
    ).status == 200

    # Single use: the same link no longer logs anyone in.
    authed.session.cookie_jar.clear()
    response = await authed.get(f"/?ott={ott}&id=abc", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"
    assert not [h for h in response.headers.getall("Set-Cookie", []) if "pty_token" in h]


async def test_share_token_on_terminal_page(authed: AppClient) -> None:
    ott = await _share_token(authed)
    authed.session.cookie_jar.clear()
    response = await authed.get(f"/terminal?ott={ott}", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/terminal"
    _cookie_header(response)


async def test_unknown_share_token_redirects_to_login(client: AppClient) -> None:
    response = await client.get("/?ott=" + "0" * 64, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"


async def test_share_token_is_not_a_password(authed: AppClient) -> None:
    ott = await _share_token(authed)
    authed.session.cookie_jar.clear()
    response = await authed.post("/api/auth", json={"password": ott})
    assert response.status == 401


async def test_expired_share_token_redirects_to_login(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    clock = FakeClock()
    client.app[keys.AUTH].share = ShareTokens(ttl=300, clock=clock)
    await _login(client)
    ott = await _share_token(client)
    client.session.cookie_jar.clear()
    clock.advance(300)  # the TTL is up: not one second longer is needed
    response = await client.get(f"/?ott={ott}", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login"
    assert not [h for h in response.headers.getall("Set-Cookie", []) if "pty_token" in h]


async def test_share_token_without_password_is_404(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    response = await client.get("/api/share-token")
    assert response.status == 404
    assert await response.json() == {"error": "auth disabled"}


# --------------------------------------------------------------------------- token persistence


async def test_login_tokens_survive_a_restart(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    first = await aiohttp_client(create_app(make_config(tmp_path)))
    token = await _login(first)

    stored = (tmp_path / "cfg" / "tokens.json").read_text()
    assert token not in stored  # kept hashed, never in clear
    assert (tmp_path / "cfg" / "tokens.json").stat().st_mode & 0o077 == 0

    second = await aiohttp_client(create_app(make_config(tmp_path)))
    response = await second.get("/api/sessions", headers={"Cookie": f"pty_token={token}"})
    assert response.status == 200, await response.text()
    response = await second.get(
        "/api/sessions", headers={"Cookie": "pty_token=" + token[::-1]}
    )
    assert response.status == 401


# --------------------------------------------------------------------------- Origin / Host


async def test_foreign_origin_cannot_write(authed: AppClient) -> None:
    response = await authed.post(
        "/api/sessions", json={}, headers={"Origin": "http://evil.example"}
    )
    assert response.status == 403
    assert await response.json() == {"error": "Origin not allowed"}
    listed = await (await authed.get("/api/sessions")).json()
    assert listed == []


async def test_foreign_origin_cannot_log_in(client: AppClient) -> None:
    response = await client.post(
        "/api/auth", json={"password": PASSWORD}, headers={"Origin": "http://evil.example"}
    )
    assert response.status == 403
    assert await response.json() == {"error": "Origin not allowed"}


async def test_localhost_origin_is_not_exempt(authed: AppClient) -> None:
    # No localhost exemption: a page on another localhost port is another origin.
    response = await authed.post(
        "/api/sessions", json={}, headers={"Origin": "http://localhost:1"}
    )
    assert response.status == 403
    assert await response.json() == {"error": "Origin not allowed"}


async def test_same_origin_may_write(authed: AppClient) -> None:
    response = await authed.post(
        "/api/sessions", json={"cols": 80, "rows": 24},
        headers={"Origin": f"http://{_host(authed)}"},
    )
    assert response.status == 201, await response.text()
    session_id = (await response.json())["id"]
    response = await authed.delete(
        f"/api/sessions/{session_id}", headers={"Origin": f"http://{_host(authed)}"}
    )
    assert response.status == 204


async def test_foreign_origin_cannot_shut_down(authed: AppClient) -> None:
    stop = authed.app[keys.RUNTIME].stop
    response = await authed.post("/api/shutdown", headers={"Origin": "http://evil.example"})
    assert response.status == 403
    assert await response.json() == {"error": "Origin not allowed"}
    assert not stop.is_set()
    response = await authed.post("/api/shutdown", headers={"Origin": f"http://{_host(authed)}"})
    assert response.status == 200
    assert await response.json() == {"ok": True}
    assert stop.is_set()


async def test_shutdown_requires_auth(client: AppClient) -> None:
    response = await client.post("/api/shutdown")
    assert response.status == 401
    assert not client.app[keys.RUNTIME].stop.is_set()


async def test_ws_with_foreign_origin_is_refused(authed: AppClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await authed.ws_connect("/ws", headers={"Origin": "http://evil.example"})
    assert info.value.status == 403


async def test_ws_with_same_origin_is_accepted(authed: AppClient) -> None:
    ws = await authed.ws_connect("/ws", headers={"Origin": f"http://{_host(authed)}"})
    await ws.send_json({"type": "auth", "password": PASSWORD})
    assert await _ws_message(ws) == {"type": "auth_ok"}
    await ws.close()


async def test_ws_foreign_origin_refused_without_password(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    for origin in ("http://evil.example", "http://localhost:1"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await client.ws_connect("/ws", headers={"Origin": origin})
        assert info.value.status == 403, origin


async def test_dns_rebinding_host_is_refused(authed: AppClient) -> None:
    response = await authed.get("/api/sessions", headers={"Host": "evil.example:1234"})
    assert response.status == 403
    assert await response.json() == {"error": "Host not allowed"}
    response = await authed.get("/api/version", headers={"Host": "evil.example"})
    assert response.status == 403
    assert await response.json() == {"error": "Host not allowed"}
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await authed.ws_connect("/ws", headers={"Host": "evil.example:1234"})
    assert info.value.status == 403


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
async def test_loopback_host_names_are_allowed(authed: AppClient, name: str) -> None:
    host = f"{name}:{authed.server.port}"
    response = await authed.get("/api/sessions", headers={"Host": host})
    assert response.status == 200
    response = await authed.post(
        "/api/sessions", json={"cols": 80, "rows": 24},
        headers={"Host": host, "Origin": f"http://{host}"},
    )
    assert response.status == 201, await response.text()


# --------------------------------------------------------------------------- WebSocket auth


async def test_ws_auth_with_password(client: AppClient, session_id_unauthed: str) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "password": PASSWORD})
    assert await _ws_message(ws) == {"type": "auth_ok"}
    term = TermWS(ws)
    await term.attach(session_id_unauthed)
    await term.expect("attached")
    await ws.close()


@pytest.fixture
async def session_id_unauthed(client: AppClient) -> str:
    """A session created with Bearer auth, leaving the client's cookie jar empty."""
    response = await client.post(
        "/api/sessions", json={"cols": 80, "rows": 24},
        headers={"Authorization": f"Bearer {PASSWORD}"},
    )
    assert response.status == 201, await response.text()
    assert not client.session.cookie_jar.filter_cookies(client.make_url("/"))
    return str((await response.json())["id"])


async def test_ws_wrong_password_is_refused(client: AppClient) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "password": "wrong"})
    await _expect_refused(ws, "Unauthorized")


async def test_ws_attach_before_auth_is_refused(
    client: AppClient, session_id_unauthed: str
) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "attach", "sessionId": session_id_unauthed})
    await _expect_refused(ws, "Unauthorized")


async def test_ws_input_before_auth_is_refused(client: AppClient) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "input", "data": "echo hi\r"})
    await _expect_refused(ws, "Unauthorized")


async def test_ws_auth_failures_are_rate_limited(client: AppClient) -> None:
    for _ in range(5):
        ws = await client.ws_connect("/ws")
        await ws.send_json({"type": "auth", "password": "wrong"})
        await _expect_refused(ws, "Unauthorized")
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "password": PASSWORD})
    await _expect_refused(ws, "Too many attempts. Try again later.")


async def test_ws_auth_with_cookie_token(client: AppClient) -> None:
    token = await _login(client)
    client.session.cookie_jar.clear()
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "token": token})
    assert await _ws_message(ws) == {"type": "auth_ok"}
    await ws.close()

    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "token": "ab" * 32})
    await _expect_refused(ws, "Unauthorized")


async def test_ws_cookie_authenticates_at_connect(authed: AppClient, session_id: str) -> None:
    ws = await authed.ws_connect("/ws")
    term = TermWS(ws)
    await term.attach(session_id)
    await term.expect("attached")
    await ws.close()


async def test_ws_auth_on_no_password_server_is_ok(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "auth", "password": "anything"})
    assert await _ws_message(ws) == {"type": "auth_ok"}
    await ws.close()


# --------------------------------------------------------------------------- child environment


async def test_password_never_reaches_the_shell(
    aiohttp_client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERMBEAM_PASSWORD", PASSWORD)
    monkeypatch.setenv("PTY_PASSWORD", PASSWORD)
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    await _login(client)
    response = await client.post("/api/sessions", json={"cols": 80, "rows": 24})
    assert response.status == 201
    session_id = (await response.json())["id"]

    term = TermWS(await client.ws_connect("/ws"))
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    assert await term.run("env | grep -c TERMBEAM_PASSWORD || true") == "0"
    assert await term.run("env | grep -c PTY_PASSWORD || true") == "0"
    assert await term.run(f"env | grep -c -F '{PASSWORD}' || true") == "0"
    assert await term.run('echo "s=$TERMBEAM_SESSION t=$TERM"') == "s=1 t=xterm-256color"
    await term.ws.close()


# --------------------------------------------------------------------------- HTTP hygiene


async def test_security_headers(authed: AppClient) -> None:
    for path in ("/api/sessions", "/api/version", "/health", "/login"):
        response = await authed.get(path, allow_redirects=False)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert response.headers.get("Content-Security-Policy"), path
        assert response.headers.get("Referrer-Policy") == "no-referrer", path
    response = await authed.get("/api/sessions")
    assert response.headers.get("Cache-Control") == "no-store"
    # Error answers carry them too.
    response = await authed.get("/api/nope")
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Cache-Control") == "no-store"


async def test_security_headers_on_unauthenticated_errors(client: AppClient) -> None:
    response = await client.get("/api/sessions")
    assert response.status == 401
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Cache-Control") == "no-store"


async def test_unknown_api_route_is_json_404(authed: AppClient) -> None:
    response = await authed.get("/api/nope")
    assert response.status == 404
    assert await response.json() == {"error": "not found"}


async def test_wrong_method_on_api_is_json_405(authed: AppClient) -> None:
    response = await authed.put("/api/sessions", json={})
    assert response.status == 405
    assert await response.json() == {"error": "method not allowed"}


async def test_malformed_json_is_400(authed: AppClient) -> None:
    response = await authed.post(
        "/api/sessions", data=b'{"cols": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert response.content_type == "application/json"
    body = await response.json()
    assert isinstance(body.get("error"), str)
    assert body["error"]


async def test_non_object_json_is_400(authed: AppClient) -> None:
    response = await authed.post("/api/sessions", json=[1, 2])
    assert response.status == 400
    assert isinstance((await response.json()).get("error"), str)


async def test_oversized_body_is_413(authed: AppClient) -> None:
    body = json.dumps({"name": "x" * (101 * 1024)}).encode()
    response = await authed.post(
        "/api/sessions", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert response.content_type == "application/json"
    assert await response.json() == {"error": "Request body too large"}
    assert await (await authed.get("/api/sessions")).json() == []


async def test_oversized_chunked_body_is_413(authed: AppClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(11):
            yield b"x" * 10240
        yield b'"}'

    response = await authed.post(
        "/api/sessions", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert await response.json() == {"error": "Request body too large"}


async def test_oversized_login_body_is_413(client: AppClient) -> None:
    body = json.dumps({"password": "x" * (101 * 1024)}).encode()
    response = await client.post(
        "/api/auth", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert await response.json() == {"error": "Request body too large"}


# --------------------------------------------------------------------------- API rate limit


async def test_rate_limit_headers(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    remaining = []
    for _ in range(3):
        response = await client.get(
            "/api/sessions", headers={"Authorization": f"Bearer {PASSWORD}"}
        )
        assert response.status == 200
        assert response.headers["X-RateLimit-Limit"] == "120"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [119, 118, 117]
    response = await client.get("/api/version")
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert int(response.headers["X-RateLimit-Remaining"]) == 116


async def test_api_rate_limit_is_enforced(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    for _ in range(120):
        assert (await client.get("/api/version")).status == 200
    response = await client.get("/api/version")
    assert response.status == 429
    assert await response.json() == {"error": "Too many requests, please try again later."}
    assert int(response.headers["Retry-After"]) > 0
    # The health probe is not an API route and stays reachable.
    assert (await client.get("/health")).status == 200


@pytest.mark.parametrize("page", ["/code/abc", "/uploads/0123abcd", "/terminal", "/"])
async def test_every_page_route_has_the_page_rate_limit(
    aiohttp_client: ClientFactory, tmp_path: Path, page: str,
) -> None:
    """Deep links into the code viewer and pasted images count like / and /terminal (#18)."""
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    for _ in range(120):
        response = await client.get(page, allow_redirects=False)
        assert response.status == 302  # to the login page
        assert response.headers["X-RateLimit-Limit"] == "120"
    response = await client.get(page, allow_redirects=False)
    assert response.status == 429
    assert await response.json() == {"error": "Too many requests, please try again later."}


@pytest.mark.parametrize("page", ["/code/abc", "/uploads/0123abcd"])
async def test_a_share_link_works_on_every_page_route(authed: AppClient, page: str) -> None:
    ott = await _share_token(authed)
    authed.session.cookie_jar.clear()
    response = await authed.get(f"{page}?ott={ott}&x=1", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"{page}?x=1"
    token, _ = _cookie_attrs(_cookie_header(response))
    assert (await authed.get("/api/sessions", headers={"Cookie": f"pty_token={token}"})).status \
        == 200


async def test_signed_in_browsers_are_not_counted(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    login = await client.post("/api/auth", json={"password": PASSWORD})
    assert login.status == 200
    cookie = login.cookies["pty_token"].value
    client.session.cookie_jar.clear()
    for _ in range(120):
        assert (await client.get("/api/version")).status == 200
    assert (await client.get("/api/version")).status == 429
    signed_in = await client.get("/api/sessions", cookies={"pty_token": cookie})
    assert signed_in.status == 200
    assert "X-RateLimit-Limit" not in signed_in.headers


async def test_rate_limit_headers_on_error_answers(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    """A handler's error (raised, rendered by the error middleware) counts and says so too."""
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    bearer = {"Authorization": f"Bearer {PASSWORD}"}
    response = await client.put("/api/preferences", json={"prefs": 1}, headers=bearer)
    assert response.status == 400
    assert await response.json() == {"error": "Body must be { prefs: object }"}
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert response.headers["X-RateLimit-Remaining"] == "119"


async def test_no_rate_limit_headers_when_disabled(authed: AppClient) -> None:
    response = await authed.get("/api/sessions")
    assert "X-RateLimit-Limit" not in response.headers
