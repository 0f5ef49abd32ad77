"""View-only share links (#17): the owner's API, the link's pages, and a viewer that watches
one session over /ws but can neither type into nor resize it, until its link ends."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from termbeam_py.app import create_app
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, TermWS

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}


async def _session(client: AppClient, **body: object) -> str:
    response = await client.post("/api/sessions", json=body, headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _link(client: AppClient, sid: str, **body: object) -> dict[str, Any]:
    response = await client.post(f"/api/sessions/{sid}/viewers/link", json=body,
                                 headers=ADMIN)
    assert response.status == 201, await response.text()
    return dict(await response.json())


def _path(url: object) -> str:
    """The link's path: the URL names the share address, the test reaches the server."""
    assert isinstance(url, str)
    return url[url.index("/view/"):]


@pytest.fixture
async def viewer(client: AppClient) -> AsyncIterator[aiohttp.ClientSession]:
    """Another browser: its own cookie jar (unsafe: the server is 127.0.0.1)."""
    async with aiohttp.ClientSession(base_url=client.make_url("/"),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def _open(viewer: aiohttp.ClientSession, path: str) -> None:
    response = await viewer.get(path, allow_redirects=False)
    assert response.status == 302, await response.text()
    assert response.headers["Location"] == "/view"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


async def _watch(viewer: aiohttp.ClientSession, sid: str) -> TermWS:
    ws = TermWS(await viewer.ws_connect("/ws"))
    await ws.attach(sid)
    await ws.expect("attached")
    return ws


async def test_create_list_and_limits(client: AppClient) -> None:
    sid = await _session(client)
    before = time.time()
    made = await _link(client, sid)
    assert _path(made["url"]).startswith("/view/tbv_")
    assert isinstance(made["expiresAt"], float)
    assert before + 3600 <= made["expiresAt"] <= time.time() + 3600
    week = await _link(client, sid, expiresIn="7d")
    assert isinstance(week["expiresAt"], float)
    assert week["expiresAt"] > before + 6 * 86400
    assert (await _link(client, sid, expiresIn=90))["expiresAt"] < time.time() + 91
    for bad in ("8d", 7 * 86400 + 1, 0, -5, "soon", True, "1y"):
        response = await client.post(f"/api/sessions/{sid}/viewers/link",
                                     json={"expiresIn": bad}, headers=ADMIN)
        assert response.status == 400, bad
        assert "expiresIn" in (await response.json())["error"], bad
    response = await client.post("/api/sessions/nosuch/viewers/link", json={}, headers=ADMIN)
    assert response.status == 404

    listing = await (await client.get(f"/api/sessions/{sid}/viewers", headers=ADMIN)).json()
    ids = [link["id"] for link in listing["links"]]
    assert len(ids) == 3
    assert made["id"] in ids
    assert week["id"] in ids
    assert all(link["viewers"] == 0 and link["session"] == sid for link in listing["links"])
    assert listing["viewers"] == []
    # The secret is shown once: the list never holds it.
    assert "tbv_" not in str(listing)


async def test_dead_links_get_a_clear_page(client: AppClient,
                                           viewer: aiohttp.ClientSession) -> None:
    sid = await _session(client)
    made = await _link(client, sid)
    revoked = await client.delete(f"/api/sessions/{sid}/viewers/links/{made['id']}",
                                  headers=ADMIN)
    assert revoked.status == 204
    response = await viewer.get(_path(made["url"]), allow_redirects=False)
    assert response.status == 410
    assert response.content_type == "text/html"
    assert "This view link was revoked" in await response.text()
    assert "Set-Cookie" not in response.headers

    unknown = await viewer.get("/view/tbv_" + "x" * 43, allow_redirects=False)
    assert unknown.status == 404
    assert unknown.content_type == "text/html"
    assert "This view link does not work" in await unknown.text()
    bare = await viewer.get("/view", allow_redirects=False)
    assert bare.status == 404
    assert "does not work" in await bare.text()
    again = await client.delete(f"/api/sessions/{sid}/viewers/links/{made['id']}",
                                headers=ADMIN)
    assert again.status == 404


async def test_viewer_watches_but_cannot_type_or_resize(
        client: AppClient, viewer: aiohttp.ClientSession) -> None:
    sid = await _session(client, cols=100, rows=30)
    other = await _session(client)
    await _open(viewer, _path((await _link(client, sid))["url"]))
    # The web app's page (503 while another build replaces the bundle), not a dead link's.
    assert (await viewer.get("/view")).status in (200, 503)
    info = await (await viewer.get("/api/view")).json()
    assert info["session"]["id"] == sid
    # The viewer's cookie reaches nothing else: another session, the list, the files.
    assert (await viewer.get("/api/sessions")).status == 403
    assert (await viewer.get(f"/api/sessions/{sid}/files")).status == 403
    page = await viewer.get("/", allow_redirects=False)
    assert page.status == 302
    assert page.headers["Location"] == "/view"

    # The session's very first viewer: shown its shell at once, without a resize of its own.
    watcher = await _watch(viewer, sid)
    await watcher.read_until("$ ")
    await watcher.attach(other)
    assert await watcher.expect("error") == {"type": "error", "message": "Session not found"}
    await watcher.ws.close()
    watcher = await _watch(viewer, sid)

    owner = TermWS(await client.ws_connect("/ws", headers=ADMIN))
    await owner.attach(sid)
    await owner.expect("attached")
    assert "30 100" in await owner.run("stty size")
    # A reader of the PTY: whatever reaches the shell's input shows in od -c.
    await owner.type("od -c\r")
    await owner.read_until("od -c\r\n")
    await watcher.resize(20, 5)
    await watcher.type("X-VIEWER\r")
    assert await watcher.expect("error") == {
        "type": "error", "message": "This token lacks the 'write' scope"}
    await owner.type("OWNER\r\x04")
    await owner.read_until("O   W   N   E   R  \\n")
    await watcher.read_until("O   W   N   E   R  \\n")
    dump = owner.text[owner.text.index("od -c\r\n"):]
    assert "X" not in dump
    assert "V   I" not in dump
    assert "30 100" in await owner.run("stty size")
    listing = await (await client.get(f"/api/sessions/{sid}/viewers", headers=ADMIN)).json()
    assert [v["address"] for v in listing["viewers"]] == ["127.0.0.1"]
    assert listing["links"][0]["viewers"] == 1
    await owner.ws.close()
    await watcher.ws.close()


async def test_revoke_and_disconnect_end_the_view(client: AppClient,
                                                  viewer: aiohttp.ClientSession) -> None:
    sid = await _session(client)
    first, second = await _link(client, sid), await _link(client, sid)
    await _open(viewer, _path(first["url"]))
    one = await _watch(viewer, sid)
    two = await _watch(viewer, sid)
    listing = await (await client.get(f"/api/sessions/{sid}/viewers", headers=ADMIN)).json()
    assert len(listing["viewers"]) == 2
    # Disconnect one viewer: only that socket ends.
    target = listing["viewers"][0]["id"]
    response = await client.delete(f"/api/sessions/{sid}/viewers/{target}", headers=ADMIN)
    assert response.status == 204
    ended = await one.expect("error")
    assert ended["message"] == "View ended: the owner disconnected you"
    assert await one.receive() is None
    await one.ws.close()
    listing = await (await client.get(f"/api/sessions/{sid}/viewers", headers=ADMIN)).json()
    assert [v["id"] for v in listing["viewers"]] != [target]
    assert len(listing["viewers"]) == 1
    assert (await client.delete(f"/api/sessions/{sid}/viewers/{target}",
                                headers=ADMIN)).status == 404

    # Revoking the link ends its viewers at once, and its cookie opens nothing more.
    response = await client.delete(f"/api/sessions/{sid}/viewers/links/{first['id']}",
                                   headers=ADMIN)
    assert response.status == 204
    assert (await two.expect("error"))["message"] == "View ended: the link was revoked"
    assert await two.receive() is None
    await two.ws.close()
    page = await viewer.get("/view")
    assert page.status == 410
    assert "revoked" in await page.text()
    assert (await viewer.get("/api/view")).status == 401
    # The other link lives on.
    listing = await (await client.get(f"/api/sessions/{sid}/viewers", headers=ADMIN)).json()
    assert [link["id"] for link in listing["links"]] == [second["id"]]


async def test_expiry_ends_the_view(client: AppClient, viewer: aiohttp.ClientSession) -> None:
    sid = await _session(client)
    made = await _link(client, sid, expiresIn=1)
    await _open(viewer, _path(made["url"]))
    watcher = await _watch(viewer, sid)
    assert (await watcher.expect("error"))["message"] == "View ended: the link expired"
    page = await viewer.get(_path(made["url"]), allow_redirects=False)
    assert page.status == 410
    assert "expired" in await page.text()
    await watcher.ws.close()


async def test_no_links_without_a_password(aiohttp_client: ClientFactory,
                                           tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    sid = await _session(client)
    response = await client.post(f"/api/sessions/{sid}/viewers/link", json={})
    assert response.status == 409
    assert "need a password" in (await response.json())["error"]
