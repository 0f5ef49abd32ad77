"""`GET /api/sessions/:id` (#17): one session as the list shows it, hidden ones too, with the
reach rules of the other per-session read routes (read scope, a bound token sees only its own
session, a view-only link none)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from termbeam_py.app import create_app
from termbeam_py.config import Config
from tests.conftest import PASSWORD, ClientFactory
from tests.helpers import AppClient, eventually

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
NOT_FOUND = {"error": "not found"}


async def _create(client: AppClient, **body: Any) -> str:
    response = await client.post("/api/sessions", json=body, headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _token(client: AppClient, name: str, scope: str, **extra: Any) -> dict[str, str]:
    response = await client.post("/api/tokens", json={"name": name, "scope": scope, **extra},
                                 headers=ADMIN)
    assert response.status == 201, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def _get(client: AppClient, session_id: str,
               headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    response = await client.get(f"/api/sessions/{session_id}", headers=headers)
    return response.status, await response.json()


async def _listed(client: AppClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/sessions?all=1", headers=ADMIN)
    assert response.status == 200
    return {s["id"]: s for s in await response.json()}


async def test_one_session_is_what_the_list_shows(aiohttp_client: ClientFactory,
                                                  config: Config) -> None:
    client = await aiohttp_client(create_app(config))
    shown = await _create(client, name="shown", color="#22d3ee")
    hidden = await _create(client, name="hidden", hidden=True)

    async def same(session_id: str) -> bool:
        # Back to back, as the shell's first prompt may move lastActivity between them.
        status, one = await _get(client, session_id, ADMIN)
        assert status == 200, one
        return one == (await _listed(client))[session_id]

    await eventually(lambda: same(shown), "GET by id to equal the list's entry")
    await eventually(lambda: same(hidden), "GET by id to equal the hidden one's entry")
    status, one = await _get(client, hidden, ADMIN)
    assert (status, one["id"], one["name"], one["hidden"], one["lease"]) == (
        200, hidden, "hidden", True, None)
    assert await _get(client, "0" * 32, ADMIN) == (404, NOT_FOUND)
    # HEAD answers as GET does (aiohttp's own), without a body.
    assert (await client.head(f"/api/sessions/{shown}", headers=ADMIN)).status == 200


async def test_scopes_and_reach(aiohttp_client: ClientFactory, config: Config) -> None:
    app: web.Application = create_app(config)
    client = await aiohttp_client(app)
    own, other = await _create(client, name="own"), await _create(client, name="other")

    status, seen = await _get(client, own, await _token(client, "reader", "read"))
    assert (status, seen["id"]) == (200, own)

    bound = await _token(client, "bound", "read", session="own")
    status, seen = await _get(client, own, bound)
    assert (status, seen["id"]) == (200, own)
    # Another session is answered exactly as one that does not exist.
    assert await _get(client, other, bound) == (404, NOT_FOUND)
    assert await _get(client, "nosuch", bound) == (404, NOT_FOUND)

    # A view-only link's cookie gets no session route (it watches over /ws only).
    made = await client.post(f"/api/sessions/{own}/viewers/link", json={}, headers=ADMIN)
    secret = str((await made.json())["url"]).rsplit("/", 1)[1]
    response = await client.get(f"/api/sessions/{own}", headers={"Cookie": f"tb_view={secret}"})
    assert response.status == 403
    # Without credentials: 401 as everywhere.
    assert (await client.get(f"/api/sessions/{own}")).status == 401
