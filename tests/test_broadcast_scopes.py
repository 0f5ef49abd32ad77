"""Who gets the machine-wide broadcasts (#17): a socket gets `update-progress` and
`tunnel-status` only when its caller could read the same state over REST, so never a
view-only link or a token bound to one session."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from termbeam_py import keys
from termbeam_py.scopes import Reach, reach_of, scope_of
from termbeam_py.tunnel.status import TunnelStatus
from termbeam_py.update.updater import UpdateProgressMsg, idle_state
from termbeam_py.ws import BROADCAST_SCOPES
from tests.helpers import AppClient, TermWS

#: Each broadcast and the REST route that shows the same state.
REST_OF = {"update-progress": "/api/update/status", "tunnel-status": "/api/tunnel/status"}


def _handler(app: web.Application, path: str) -> Any:
    for route in app.router.routes():
        if route.method == "GET" and route.resource is not None \
                and route.resource.canonical == path:
            return route.handler
    raise AssertionError(f"no GET {path}")


async def test_a_broadcast_needs_what_its_rest_route_needs(authed: AppClient) -> None:
    assert set(BROADCAST_SCOPES) == set(REST_OF)
    for kind, path in REST_OF.items():
        handler = _handler(authed.app, path)
        assert BROADCAST_SCOPES[kind] is scope_of(handler), kind  # type: ignore[index]
        assert reach_of(handler, path) is Reach.NONE, kind  # a bound caller is refused


async def _token(client: AppClient, name: str, scope: str, **extra: str) -> str:
    response = await client.post("/api/tokens", json={"name": name, "scope": scope, **extra})
    assert response.status == 201, await response.text()
    return str((await response.json())["token"])


def _browser(client: AppClient) -> aiohttp.ClientSession:
    """Another client of the same server, with its own cookie jar (unsafe: 127.0.0.1)."""
    return aiohttp.ClientSession(base_url=client.make_url("/"),
                                 cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _watching(ws: aiohttp.ClientWebSocketResponse, sid: str) -> TermWS:
    term = TermWS(ws)
    await term.attach(sid)
    await term.expect("attached")
    return term


async def test_machine_broadcasts_skip_restricted_sockets(authed: AppClient,
                                                          session_id: str) -> None:
    sid = session_id
    owner = await _watching(await authed.ws_connect("/ws"), sid)
    await owner.resize(80, 24)
    await owner.read_until("$ ")
    bound_token = await _token(authed, "bound", "write", session=sid)
    read_token = await _token(authed, "reader", "read")
    link = await (await authed.post(f"/api/sessions/{sid}/viewers/link", json={})).json()
    # The tokens and the link from their own clients: the owner's login cookie would win.
    async with _browser(authed) as scripts, _browser(authed) as browser:
        bound = await _watching(await scripts.ws_connect(
            "/ws", headers={"Authorization": f"Bearer {bound_token}"}), sid)
        reader = await _watching(await scripts.ws_connect(
            "/ws", headers={"Authorization": f"Bearer {read_token}"}), sid)
        opened = await browser.get(link["url"][link["url"].index("/view/"):])
        assert opened.status == 200, await opened.text()
        viewer = await _watching(await browser.ws_connect("/ws"), sid)

        progress: UpdateProgressMsg = {"type": "update-progress", **idle_state(),
                                       "status": "installing"}
        await authed.app[keys.HUB].broadcast(progress)
        await authed.app[keys.HUB].broadcast(
            TunnelStatus("connected", "cloudflared", "https://example.test").as_message())
        # The password login and an unbound read token may read both routes: they get both.
        for ws in (owner, reader):
            assert (await ws.expect("update-progress"))["status"] == "installing"
            assert (await ws.expect("tunnel-status"))["state"] == "connected"
        # Output typed after the broadcasts reaches every watcher after them: once it is in,
        # a broadcast sent to the restricted sockets would have arrived too.
        await owner.type("echo BROAD''CAST-OVER\r")
        for ws in (viewer, bound):
            await ws.read_until("BROADCAST-OVER")
            kinds = {m["type"] for m in ws.messages}
            assert not kinds & set(BROADCAST_SCOPES), kinds
        for ws in (owner, bound, reader, viewer):
            await ws.ws.close()
