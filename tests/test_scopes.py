"""Scoped tokens against every route (#17): the scope × route matrix, generated from the
route table, and what a session-bound token may see and touch over REST and the WebSocket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from termbeam_py import preview
from termbeam_py.app import create_app
from termbeam_py.config import Config
from termbeam_py.scopes import Reach, Scope, reach_of, scope_of
from tests.conftest import PASSWORD, ClientFactory
from tests.helpers import AppClient, TermWS

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
#: A session id no session has: every route about a session answers it as unknown.
NOSUCH = "nosuch"
#: Values for the path parameters: each URL must reach the route it was made from (checked).
PARAMS = {"id": NOSUCH, "port": "1", "tail": "x", "path": "x.js", "agent": "claude",
          "name": "nosuch", "linkId": "nosuch", "viewerId": "nosuch", "link": "tbv_nosuch"}
#: Patterns whose parameter has a pattern of its own.
OVERRIDES = {"/{name}": {"name": "robots.txt"}}
#: An invalid body: every handler that reads one refuses it (400) before doing anything.
BAD_BODY = "[]"


def _routes(app: web.Application) -> Iterator[web.AbstractRoute]:
    """Every route but HEAD (the GET route's handler answers it)."""
    for route in app.router.routes():
        if route.method != "HEAD":
            yield route


def _url(route: web.AbstractRoute) -> str:
    assert route.resource is not None
    canonical = route.resource.canonical
    params = {**PARAMS, **OVERRIDES.get(canonical, {})}
    names = [part[1:-1] for part in canonical.split("/") if part.startswith("{")]
    return str(route.resource.url_for(**{n: params[n] for n in names}))


def _method(route: web.AbstractRoute) -> str:
    return "GET" if route.method == "*" else route.method


def _undecided(app: web.Application) -> list[str]:
    return [f"{r.method} {r.resource.canonical if r.resource else r}" for r in _routes(app)
            if scope_of(r.handler) is None]


@pytest.fixture
def app(config: Config) -> web.Application:
    return create_app(config)


def test_every_route_has_a_scope(app: web.Application) -> None:
    """A new route without @requires fails here, by its path."""
    assert _undecided(app) == []
    listener = web.Application()
    listener.router.add_routes(preview.listener_routes)  # the per-port preview listeners
    assert _undecided(listener) == []


def test_an_unmarked_handler_fails_the_check(app: web.Application) -> None:
    async def unmarked(request: web.Request) -> web.Response:
        return web.Response()

    app.router.add_get("/api/new-thing", unmarked)
    assert _undecided(app) == ["GET /api/new-thing"]


def test_session_routes_reach_only_their_session(app: web.Application) -> None:
    """Routes about one session take its id from the path; the others are NONE unless a
    handler was marked as narrowing (the list, /ws) or as showing no session at all."""
    reaches = {(r.method, r.resource.canonical): reach_of(r.handler, r.resource.canonical)
               for r in _routes(app) if r.resource is not None}
    assert reaches[("GET", "/api/sessions")] is Reach.OWN
    assert reaches[("GET", "/ws")] is Reach.OWN
    assert reaches[("POST", "/api/sessions")] is Reach.NONE
    assert reaches[("GET", "/api/dirs")] is Reach.NONE
    assert reaches[("DELETE", "/api/sessions/{id}")] is Reach.SESSION
    assert reaches[("GET", "/api/sessions/{id}/git/diff")] is Reach.SESSION
    assert reaches[("GET", "/uploads/{id}")] is Reach.NONE  # an upload's id, not a session's


async def test_an_undecided_route_is_the_passwords_only(aiohttp_client: ClientFactory,
                                                        app: web.Application) -> None:
    async def unmarked(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/api/new-thing", unmarked)
    client = await aiohttp_client(app)
    token = await _token(client, "everything", "admin")
    response = await client.get("/api/new-thing", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 403
    assert (await response.json())["error"] == (
        "This route has no scope decision: only the password may use it")
    assert (await client.get("/api/new-thing", headers=ADMIN)).status == 200


async def _token(client: AppClient, name: str, scope: str, **extra: Any) -> str:
    response = await client.post("/api/tokens", json={"name": name, "scope": scope, **extra},
                                 headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["token"])


async def test_matrix_scope_by_route(aiohttp_client: ClientFactory, app: web.Application,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every route × read/write/admin token: allowed (never 401/403) when the token's scope
    covers the route's, else 403 naming the missing scope."""
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "source")  # POST /api/update refuses
    client = await aiohttp_client(app)
    tokens = {scope: await _token(client, scope.label, scope.label)
              for scope in (Scope.READ, Scope.WRITE, Scope.ADMIN)}
    checked = 0
    for route in _routes(app):
        url, method, needed = _url(route), _method(route), scope_of(route.handler)
        assert needed is not None, url
        resolved = await app.router.resolve(make_mocked_request(method, url, app=app))
        assert resolved.route is route, f"{url} reached {resolved.route}, not {route}"
        for scope, token in tokens.items():
            response = await client.request(
                method, url, data=BAD_BODY, allow_redirects=False,
                headers={"Authorization": f"Bearer {token}",
                         "Content-Type": "application/json"})
            body = await response.read()
            where = f"{method} {url} with a {scope.label} token: {response.status} {body[:200]!r}"
            if scope >= needed:
                assert response.status not in (401, 403), where
            else:
                assert response.status == 403, where
                assert json.loads(body) == {
                    "error": f"This token lacks the '{needed.label}' scope",
                    "missing": needed.label}, where
            checked += 1
    assert checked >= 3 * 45


async def test_matrix_view_link_by_route(aiohttp_client: ClientFactory,
                                         app: web.Application) -> None:
    """Every route × a view-only link's cookie (#17): only the VIEW routes that show no
    session or narrow to the viewer's own answer it (never 401/403); every other is 403."""
    client = await aiohttp_client(app)
    own = await _session(client, "watched")
    made = await client.post(f"/api/sessions/{own}/viewers/link", json={}, headers=ADMIN)
    secret = str((await made.json())["url"]).rsplit("/", 1)[1]
    viewer = {"Cookie": f"tb_view={secret}", "Content-Type": "application/json"}
    allowed = []
    for route in _routes(app):
        assert route.resource is not None
        url, method, needed = _url(route), _method(route), scope_of(route.handler)
        # Every VIEW route shows no session or narrows itself: none is about a path's {id}.
        if needed is Scope.VIEW:
            assert reach_of(route.handler, route.resource.canonical) in (Reach.ANY, Reach.OWN)
        for path in {url, str(route.resource.url_for(**{**PARAMS, "id": own, **_rest(route)}))
                     if "{id}" in route.resource.canonical else url}:
            response = await client.request(method, path, data=BAD_BODY, headers=viewer,
                                            allow_redirects=False)
            where = f"{method} {path}: {response.status} {(await response.read())[:200]!r}"
            if needed is Scope.VIEW:
                assert response.status not in (401, 403), where
                allowed.append(route.resource.canonical)
            else:
                assert response.status == 403, where
    assert {"/", "/view", "/ws", "/api/view", "/assets/{path}"} <= set(allowed)
    assert (await (await client.get("/api/view", headers=viewer)).json())["session"]["id"] == own


async def test_password_and_cookie_stay_admin(client: AppClient) -> None:
    """The Bearer password and the login cookie reach admin routes as before."""
    assert (await client.get("/api/tokens", headers=ADMIN)).status == 200
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    assert (await client.get("/api/tokens")).status == 200


# -- a session-bound token ----------------------------------------------------------------


async def _session(client: AppClient, name: str) -> str:
    response = await client.post("/api/sessions", json={"name": name}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _answer(client: AppClient, method: str, url: str,
                  headers: dict[str, str]) -> tuple[int, bytes]:
    response = await client.request(method, url, data=BAD_BODY, allow_redirects=False,
                                    headers={**headers, "Content-Type": "application/json"})
    return response.status, await response.read()


async def test_bound_token_rest(aiohttp_client: ClientFactory, app: web.Application) -> None:
    client = await aiohttp_client(app)
    own, other = await _session(client, "own"), await _session(client, "other")
    bound = {"Authorization": f"Bearer {await _token(client, 'bound', 'write', session='own')}"}

    listing = await (await client.get("/api/sessions", headers=bound)).json()
    assert [s["id"] for s in listing] == [own]

    session_routes = [r for r in _routes(app) if r.resource is not None
                      and reach_of(r.handler, r.resource.canonical) is Reach.SESSION]
    assert len(session_routes) >= 12
    for route in session_routes:
        assert route.resource is not None
        if (scope_of(route.handler) or Scope.ADMIN) > Scope.WRITE:
            continue  # beyond a write token's scope: the matrix checks its 403
        method = _method(route)
        unknown = await _answer(client, method, _url(route), ADMIN)
        assert unknown[0] == 404, (route, unknown)
        # Another session is answered exactly as a session that does not exist.
        foreign = route.resource.url_for(id=other, **_rest(route))
        assert await _answer(client, method, str(foreign), bound) == unknown, route
        if method == "DELETE":
            continue  # its own session is deleted last, below
        mine = str(route.resource.url_for(id=own, **_rest(route)))
        assert await _answer(client, method, mine, bound) == await _answer(
            client, method, mine, ADMIN), route

    for method, url in (("POST", "/api/sessions"), ("GET", "/api/dirs"), ("GET", "/api/shells"),
                        ("GET", "/api/agents"), ("GET", "/api/preview")):
        status, body = await _answer(client, method, url, bound)
        assert status == 403, (url, body)
        assert "bound to one session" in json.loads(body)["error"]
    # Nothing was touched: both sessions live; the bound token may end its own.
    assert (await client.delete(f"/api/sessions/{other}", headers=bound)).status == 404
    assert {s["id"] for s in await (await client.get("/api/sessions", headers=ADMIN)).json()} \
        == {own, other}
    assert (await client.delete(f"/api/sessions/{own}", headers=bound)).status == 204


def _rest(route: web.AbstractRoute) -> dict[str, str]:
    """The route's path parameters other than `id`."""
    assert route.resource is not None
    return {n: PARAMS[n] for n in
            (p[1:-1] for p in route.resource.canonical.split("/") if p.startswith("{"))
            if n != "id"}


async def _ws(client: AppClient, token: str, *, header: bool = True) -> TermWS:
    if header:
        ws = TermWS(await client.ws_connect("/ws", headers={"Authorization": f"Bearer {token}"}))
    else:
        ws = TermWS(await client.ws_connect("/ws"))
        await ws.send({"type": "auth", "token": token})
        await ws.expect("auth_ok")
    return ws


async def test_bound_token_websocket(aiohttp_client: ClientFactory,
                                     app: web.Application) -> None:
    client = await aiohttp_client(app)
    own, other = await _session(client, "own"), await _session(client, "other")
    writer = await _token(client, "bound-write", "write", session=own)
    reader = await _token(client, "bound-read", "read", session=own)

    for ws in (await _ws(client, writer), await _ws(client, reader, header=False)):
        await ws.attach(other)
        assert await ws.expect("error") == {"type": "error", "message": "Session not found"}
        await ws.attach(NOSUCH)
        assert await ws.expect("error") == {"type": "error", "message": "Session not found"}
        assert not ws.closed
        await ws.ws.close()

    owner = TermWS(await client.ws_connect("/ws", headers=ADMIN))
    await owner.attach(own)
    await owner.expect("attached")
    await owner.resize(80, 24)
    await owner.read_until("$ ")

    # A read token watches its session but cannot type into it.
    watcher = await _ws(client, reader)
    await watcher.attach(own)
    await watcher.expect("attached")
    await watcher.type("echo REFUSED-$((6*7))\r")
    assert await watcher.expect("error") == {
        "type": "error", "message": "This token lacks the 'write' scope"}
    await watcher.resize(20, 5)
    # The write token types; the read token's input never reached the shell.
    typist = await _ws(client, writer)
    await typist.attach(own)
    await typist.expect("attached")
    await typist.type("echo TYPED-$((6*7))\r")
    await owner.read_until("TYPED-42")
    await watcher.read_until("TYPED-42")
    assert "REFUSED" not in owner.text
    assert "REFUSED" not in watcher.text
    status = await (await client.get("/api/sessions", headers=ADMIN)).json()
    assert {s["id"] for s in status} == {own, other}
    for ws in (owner, watcher, typist):
        await ws.ws.close()


async def test_bad_bearer_on_the_socket_is_refused(aiohttp_client: ClientFactory,
                                                   app: web.Application) -> None:
    client = await aiohttp_client(app)
    response = await client.get("/ws", headers={"Authorization": "Bearer tbk_nope",
                                               "Upgrade": "websocket", "Connection": "Upgrade",
                                               "Sec-WebSocket-Version": "13",
                                               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status == 401


async def test_revocation_takes_effect_at_once(aiohttp_client: ClientFactory,
                                               app: web.Application) -> None:
    client = await aiohttp_client(app)
    token = await _token(client, "short-lived", "read")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/sessions", headers=headers)).status == 200
    assert (await client.delete("/api/tokens/short-lived", headers=ADMIN)).status == 204
    response = await client.get("/api/sessions", headers=headers)
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
