"""Signing out (#18): POST /api/logout ends this browser's login, /api/logout-all every one,
GET /api/logins lists the devices (browser, address, first and last seen) and DELETE
/api/logins/ID ends one; tokens.json of the old `{sha256: expiry}` shape is still read; and
POST /api/password / `termbeam password` change the password of a running server, ending
every login and share link and saving it for the next command and service start."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py.app import create_app
from termbeam_py.logins import browser_name
from termbeam_py.service import envfile
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, Server, child_env

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
TIMEOUT = 15.0


async def _login(client: AppClient, ip: str, agent: str = "test") -> str:
    """A fresh login's cookie token (from its own address: the login limit is per address)."""
    client.session.cookie_jar.clear()
    response = await client.post("/api/auth", json={"password": PASSWORD},
                                 headers={"X-Forwarded-For": ip, "User-Agent": agent})
    assert response.status == 200, await response.text()
    return response.cookies["pty_token"].value


async def _status(client: AppClient, token: str) -> int:
    client.session.cookie_jar.clear()
    response = await client.get("/api/sessions", cookies={"pty_token": token})
    return response.status


def _cookie_cleared(response: aiohttp.ClientResponse) -> bool:
    morsel = response.cookies.get("pty_token")
    return morsel is not None and morsel.value == ""


async def test_logout_ends_this_login_only(client: AppClient) -> None:
    phone = await _login(client, "203.0.113.1")
    laptop = await _login(client, "203.0.113.2")
    client.session.cookie_jar.clear()
    response = await client.post("/api/logout", cookies={"pty_token": phone})
    assert response.status == 200
    assert _cookie_cleared(response)
    assert await _status(client, phone) == 401
    assert await _status(client, laptop) == 200


async def test_devices_list_and_revoking_one(client: AppClient) -> None:
    phone = await _login(client, "203.0.113.7", IPHONE)
    laptop = await _login(client, "203.0.113.8")
    client.session.cookie_jar.clear()
    response = await client.get("/api/logins", cookies={"pty_token": laptop},
                                headers={"X-Forwarded-For": "203.0.113.9"})
    logins = (await response.json())["logins"]
    assert len(logins) == 2
    mine = next(entry for entry in logins if entry["current"])
    other = next(entry for entry in logins if not entry["current"])
    assert other["browser"] == "Safari on iPhone"
    assert other["address"] == "203.0.113.7"
    assert other["firstSeen"] <= other["lastSeen"] <= time.time()
    assert mine["address"] == "203.0.113.9"  # where it was last seen
    text = json.dumps(logins)
    for token in (phone, laptop):
        assert token not in text
        assert hashlib.sha256(token.encode()).hexdigest() not in text
    response = await client.delete(f"/api/logins/{other['id']}", cookies={"pty_token": laptop})
    assert response.status == 204
    assert await _status(client, phone) == 401
    assert await _status(client, laptop) == 200
    response = await client.delete(f"/api/logins/{other['id']}", cookies={"pty_token": laptop})
    assert response.status == 404


async def test_an_ended_login_loses_its_open_websocket(client: AppClient) -> None:
    phone = await _login(client, "203.0.113.31")
    laptop = await _login(client, "203.0.113.32")
    client.session.cookie_jar.clear()
    sockets = [await client.ws_connect("/ws", headers={"Cookie": f"pty_token={token}"})
               for token in (phone, laptop)]
    listing = await client.get("/api/logins", cookies={"pty_token": laptop})
    other = next(e for e in (await listing.json())["logins"] if not e["current"])
    assert (await client.delete(f"/api/logins/{other['id']}",
                                cookies={"pty_token": laptop})).status == 204
    closed = await sockets[0].receive(timeout=TIMEOUT)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == aiohttp.WSCloseCode.POLICY_VIOLATION
    assert closed.extra == "Signed out"
    assert not sockets[1].closed  # the laptop's socket stays
    await sockets[1].send_json({"type": "ping"})
    for ws in sockets:
        await ws.close()


async def test_sign_out_everywhere(client: AppClient) -> None:
    tokens = [await _login(client, f"203.0.113.{n}") for n in (11, 12, 13)]
    client.session.cookie_jar.clear()
    response = await client.post("/api/logout-all", cookies={"pty_token": tokens[0]})
    assert (await response.json())["ended"] == 3
    assert _cookie_cleared(response)
    assert [await _status(client, t) for t in tokens] == [401, 401, 401]


async def test_old_tokens_file_is_read(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    config = make_config(tmp_path)
    token = "ab" * 32
    digest = hashlib.sha256(token.encode()).hexdigest()
    (config.config_dir / "tokens.json").write_text(
        json.dumps({"tokens": {digest: time.time() + 3600}}))
    client = await aiohttp_client(create_app(config))
    assert await _status(client, token) == 200
    response = await client.get("/api/logins", cookies={"pty_token": token})
    [entry] = (await response.json())["logins"]
    assert entry["browser"] == "Unknown browser"
    assert entry["current"] is True


async def test_password_change_ends_logins_and_share_links(client: AppClient) -> None:
    token = await _login(client, "203.0.113.21")
    client.session.cookie_jar.clear()
    link = (await (await client.get("/api/share-token", cookies={"pty_token": token})).json())
    response = await client.post("/api/password", json={"password": "a new one"},
                                 cookies={"pty_token": token})
    assert response.status == 200, await response.text()
    assert (await response.json())["logins"] == 1
    assert await _status(client, token) == 401
    ott = link["url"].split("?ott=")[1]
    response = await client.get(f"/?ott={ott}", allow_redirects=False)
    assert response.headers.get("Location") != "/"  # not swapped for a login any more
    assert "pty_token" not in response.cookies
    old = await client.post("/api/auth", json={"password": PASSWORD},
                            headers={"X-Forwarded-For": "203.0.113.22"})
    assert old.status == 401
    assert (await client.get("/api/sessions",
                             headers={"Authorization": f"Bearer {PASSWORD}"})).status == 401
    client.session.cookie_jar.clear()
    new = await client.post("/api/auth", json={"password": "a new one"},
                            headers={"X-Forwarded-For": "203.0.113.24"})
    assert new.status == 200


def test_browser_names() -> None:
    assert browser_name(IPHONE) == "Safari on iPhone"
    assert browser_name("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like "
                        "Gecko) Chrome/124.0 Mobile Safari/537.36") == "Chrome on Android"
    assert browser_name("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                        "like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0") == "Edge on Windows"
    assert browser_name("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
                        "Firefox/125.0") == "Firefox on Linux"
    assert browser_name("curl/8.5.0") == "curl"
    assert browser_name("") == "Unknown browser"


# -- termbeam password against a real server ----------------------------------------------


async def _cli(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env())
    out, err = await asyncio.wait_for(proc.communicate(stdin), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _auth(server: Server, password: str) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            server.base + "/api/auth", json={"password": password}) as got:
        return got.status


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_cli_password(spawn: Callable[..., Server]) -> None:
    server = spawn()
    env_file = server.cfg / "service.env"
    env_file.write_text(envfile.render({"TERMBEAM_PASSWORD": server.password or "",
                                        "PATH": "/usr/bin:/bin"}))
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    async with aiohttp.ClientSession() as http:
        async with http.post(server.base + "/api/auth", json={"password": server.password}) as got:
            assert got.status == 200
            old_login = got.cookies["pty_token"].value

        code, out, err = await _cli("password", "--generate", *cfg)
        assert code == 0, err
        new = out.strip()
        assert len(new) >= 16
        assert "1 logins" in err

        async with http.get(server.base + "/api/sessions",
                            cookies={"pty_token": old_login}) as got:
            assert got.status == 401
    assert await _auth(server, server.password or "") == 401
    assert await _auth(server, new) == 200
    conn = json.loads((server.cfg / "connection.json").read_text())
    assert conn["password"] == new
    assert envfile.read(env_file) == {"TERMBEAM_PASSWORD": new, "PATH": "/usr/bin:/bin"}
    code, _, err = await _cli("list", *cfg)  # the saved connection still works
    assert code == 0, err

    typed = b"typed-pass-42\ntyped-pass-42\n"
    code, out, err = await _cli("password", *cfg, stdin=typed)
    assert code == 0, err
    assert "typed-pass-42" not in out + err
    assert await _auth(server, "typed-pass-42") == 200
    assert all("typed-pass-42" not in line and new not in line for line in server.lines)
