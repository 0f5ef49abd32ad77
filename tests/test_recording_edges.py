"""Recordings at their edges (#19): `--record` leaves hidden sessions alone unless asked."""

from __future__ import annotations

from pathlib import Path

from termbeam_py.app import create_app
from tests.conftest import ClientFactory, make_config
from tests.test_recording import ADMIN, _listing


# -- --record and hidden sessions --------------------------------------------------------

async def test_record_all_leaves_hidden_sessions_alone_unless_asked(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, record=True)))

    async def recording(body: dict[str, object]) -> tuple[str, bool]:
        made = await client.post("/api/sessions", json=body, headers=ADMIN)
        assert made.status == 201, await made.text()
        session_id = (await made.json())["id"]
        info = await (await client.get(f"/api/sessions/{session_id}", headers=ADMIN)).json()
        return session_id, info["recording"]

    assert (await recording({}))[1] is True
    hidden, on = await recording({"hidden": True})  # `termbeam run`'s kind
    assert on is False
    assert await _listing(client, hidden) == []
    assert (await recording({"hidden": True, "recording": True}))[1] is True
    asked = await client.patch(f"/api/sessions/{hidden}", json={"recording": True},
                               headers=ADMIN)
    assert (await asked.json())["recording"] is True
    [entry] = await _listing(client, hidden)
    assert entry["active"] is True
