"""Scoped API tokens (#17): the store (hashed, 0600, expiry, use times written at most once a
minute), the /api/tokens routes and `termbeam token create|list|revoke` on a real server."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py.apitokens import ApiTokenStore, parse_duration
from termbeam_py.errors import BadRequest, Conflict, NotFound
from termbeam_py.scopes import Scope
from tests.conftest import PASSWORD
from tests.helpers import AppClient, FakeClock, Server, child_env

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
TIMEOUT = 15.0


def _stored(path: Path) -> dict[str, object]:
    return dict(json.loads(path.read_text()))


async def test_store_keeps_only_a_hash_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "apitokens.json"
    store = ApiTokenStore(path)
    secret, info = await store.create("ci", Scope.WRITE, session="abc")
    assert secret.startswith("tbk_")
    assert len(secret) == 47
    assert info == {"name": "ci", "scope": "write", "session": "abc", "created": info["created"],
                    "expires": None, "lastUsed": None, "expired": False}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert secret not in text
    assert secret[4:] not in text
    tokens = _stored(path)["tokens"]
    assert isinstance(tokens, list)
    assert set(tokens[0]) == {"name", "sha256", "scope", "session", "created", "expires",
                              "lastUsed"}

    again = ApiTokenStore(path)
    await again.load()
    token = again.verify(secret)
    assert token is not None
    assert token.principal.session == "abc"
    assert again.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert again.verify("tbk_" + "x" * 300) is None


async def test_expiry_with_a_moved_clock(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    store = ApiTokenStore(tmp_path / "apitokens.json", clock=clock)
    secret, info = await store.create("nightly", Scope.READ, expires_in=parse_duration("30d"))
    assert info["expires"] == 1_000_000.0 + 30 * 86400
    clock.advance(30 * 86400 - 1)
    assert store.verify(secret) is not None
    clock.advance(1)
    assert store.verify(secret) is None
    assert store.list()[0]["expired"] is True
    # An expired entry written by an earlier server is refused as well.
    later = ApiTokenStore(tmp_path / "apitokens.json")
    await later.load()
    assert later.verify(secret) is None


async def test_use_times_are_written_by_the_flush_not_per_request(tmp_path: Path) -> None:
    path = tmp_path / "apitokens.json"
    clock = FakeClock(5000.0)
    store = ApiTokenStore(path, clock=clock)
    secret, _ = await store.create("busy", Scope.READ)
    before = path.read_bytes()
    for _ in range(50):
        assert store.verify(secret) is not None
    assert path.read_bytes() == before  # 50 uses, no write
    assert store.list()[0]["lastUsed"] == 5000.0
    await store.flush()
    assert _stored(path)["tokens"][0]["lastUsed"] == 5000.0  # type: ignore[index]
    after = path.read_bytes()
    await store.flush()  # nothing new: no write
    assert path.read_bytes() == after


async def test_names_are_unique_and_revocation_is_immediate(tmp_path: Path) -> None:
    store = ApiTokenStore(tmp_path / "apitokens.json")
    secret, _ = await store.create("one", Scope.ADMIN)
    with pytest.raises(Conflict):
        await store.create("one", Scope.READ)
    await store.revoke("one")
    assert store.verify(secret) is None
    with pytest.raises(NotFound):
        await store.revoke("one")
    assert _stored(tmp_path / "apitokens.json") == {"tokens": []}


@pytest.mark.parametrize(("text", "seconds"), [
    ("45m", 2700), ("12h", 43200), ("30d", 2_592_000), ("2w", 1_209_600), (" 1D ", 86400),
    (90, 90),
])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "30x", "d", "-1d", "0d", "1.5d", "99999w", True,
                                  None, [], "30 days", pytest.param(10**400, id="10**400"),
                                  float("nan"), -5])
def test_bad_durations_say_what_is_accepted(text: object) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_duration(text)
    assert "expiresIn must be" in caught.value.message


async def test_api_create_list_revoke(client: AppClient, caplog: pytest.LogCaptureFixture) -> None:
    """Over Bearer only (a login cookie would stand for the owner whatever the Bearer says)."""
    caplog.set_level(logging.DEBUG)
    created = await client.post("/api/sessions", json={}, headers=ADMIN)
    session_id = (await created.json())["id"]
    response = await client.post("/api/tokens", headers=ADMIN, json={
        "name": "deploy", "scope": "read", "session": session_id, "expiresIn": "2w"})
    assert response.status == 201
    made = await response.json()
    secret = made.pop("token")
    assert made["name"] == "deploy"
    assert made["session"] == session_id
    assert made["expires"] - made["created"] == 14 * 86400

    listing = await (await client.get("/api/tokens", headers=ADMIN)).json()
    assert listing == [{**made, "lastUsed": None}]
    used = await client.get(f"/api/sessions/{session_id}/detect-port",
                            headers={"Authorization": f"Bearer {secret}"})
    assert used.status == 200
    (entry,) = await (await client.get("/api/tokens", headers=ADMIN)).json()
    assert entry["lastUsed"] is not None
    assert "token" not in entry

    for body, status, error in (
        ({"name": "deploy", "scope": "read"}, 409, "A token named 'deploy' already exists"),
        ({"name": "x", "scope": "view"}, 400, "scope must be one of read, write, admin"),
        ({"name": "bad name", "scope": "read"}, 400, None),
        ({"name": "x", "scope": "read", "expiresIn": "soon"}, 400, None),
        ({"name": "x", "scope": "read", "session": "no-such-session"}, 404, "Session not found"),
    ):
        response = await client.post("/api/tokens", json=body, headers=ADMIN)
        assert response.status == status, body
        if error is not None:
            assert (await response.json())["error"] == error

    assert (await client.delete("/api/tokens/deploy", headers=ADMIN)).status == 204
    assert (await client.delete("/api/tokens/deploy", headers=ADMIN)).status == 404
    refused = await client.get("/api/sessions", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
    assert secret not in caplog.text
    assert secret[4:] not in caplog.text


async def test_a_session_name_binds_the_token_to_its_id(authed: AppClient,
                                                        session_id: str) -> None:
    assert (await authed.patch(f"/api/sessions/{session_id}", json={"name": "build"})).ok
    response = await authed.post("/api/tokens", json={"name": "b", "scope": "write",
                                                      "session": "build"})
    assert (await response.json())["session"] == session_id


async def test_wrong_tokens_count_like_wrong_passwords(client: AppClient) -> None:
    """The sixth wrong Bearer a minute is a 429, token-shaped or not."""
    codes = [(await client.get("/api/sessions",
                               headers={"Authorization": "Bearer tbk_guess"})).status
             for _ in range(6)]
    assert codes == [401] * 5 + [429]


# -- the CLI against a real server --------------------------------------------------------


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "token", *args, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env())
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_cli_create_list_revoke(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    code, out, err = await _cli("create", "--name", "ci", "--scope", "write",
                                "--expires", "30d", *cfg)
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("tbk_")
    assert "shown only now" in err

    code, out, _ = await _cli("list", *cfg)
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["NAME", "SCOPE", "SESSION", "CREATED", "EXPIRES", "LAST", "USED"]
    assert row.split()[:3] == ["ci", "write", "all"]
    assert row.split()[-1] == "never"
    code, out, _ = await _cli("list", "--json", *cfg)
    assert [t["name"] for t in json.loads(out)] == ["ci"]
    assert secret not in out

    await _use(server, secret)
    code, out, _ = await _cli("list", *cfg)
    assert out.splitlines()[1].split()[-1] != "never"  # in memory at once
    assert _stored(server.cfg / "apitokens.json")["tokens"][0]["lastUsed"] is None  # type: ignore[index]

    code, _, err = await _cli("create", "--name", "ci", "--scope", "read", *cfg)
    assert code == 1
    assert "A token named 'ci' already exists" in err
    code, _, err = await _cli("create", "--name", "x", "--scope", "read", "--expires", "1y", *cfg)
    assert code == 2
    assert "--expires must be a number of minutes, hours, days or weeks" in err

    code, out, _ = await _cli("revoke", "ci", *cfg)
    assert code == 0
    assert "revoked" in out
    code, _, err = await _cli("revoke", "ci", *cfg)
    assert code == 1
    assert "Token not found" in err
    code, out, _ = await _cli("list", *cfg)
    assert out.strip() == "No API tokens."
    # A use is written at the latest when the server stops.
    code, out, _ = await _cli("create", "--name", "kept", "--scope", "read", *cfg)
    kept = out.strip()
    await _use(server, kept)
    await server.kill()
    tokens = _stored(server.cfg / "apitokens.json")["tokens"]
    assert isinstance(tokens, list)
    assert [(t["name"], t["lastUsed"] is not None) for t in tokens] == [("kept", True)]
    stored = (server.cfg / "apitokens.json").read_text()
    for text in (secret, kept):
        assert text not in stored
        assert text not in server.stderr
        assert all(text not in line for line in server.lines)


async def _use(server: Server, token: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(
            server.base + "/api/sessions", headers={"Authorization": f"Bearer {token}"}) as got:
        assert got.status == 200
