"""The audit log (#17): each event once with its fields, rotation, modes, a full disk, the API,
`termbeam audit`, and no secret anywhere in it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import stat
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from termbeam_py import keys
from termbeam_py.audit import FILE_NAME, AuditLog, read_entries
from tests.conftest import PASSWORD
from tests.helpers import PW, AppClient, termbeam_cli, unavailable

WRONG = "not the password, a guess"


def audit_of(client: AppClient) -> AuditLog:
    return client.app[keys.AUDIT]


async def logged(client: AppClient, event: str | None = None) -> list[dict[str, Any]]:
    """Every entry so far, oldest first, through the API (which waits for the writer)."""
    query = f"?limit=500&event={event}" if event else "?limit=500"
    response = await client.get("/api/audit" + query)
    assert response.status == 200, await response.text()
    return list(reversed((await response.json())["entries"]))


def only(entries: list[dict[str, Any]], event: str) -> dict[str, Any]:
    found = [e for e in entries if e["event"] == event]
    assert len(found) == 1, (event, entries)
    return found[0]


def audit_text(folder: Path) -> str:
    return "".join(p.read_text() for p in sorted(folder.glob(FILE_NAME + "*")))


async def test_each_event_once_and_no_secret(
    client: AppClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = [PASSWORD, WRONG]
    # Logins: a wrong password, then the right one.
    assert (await client.post("/api/auth", json={"password": WRONG})).status == 401
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    secrets += [c.value for c in client.session.cookie_jar]
    # A one-time share link, made and used by another browser.
    url = (await (await client.get("/api/share-token")).json())["url"]
    ott = url.split("ott=")[1]
    secrets.append(ott)
    async with aiohttp.ClientSession() as phone:
        answer = await phone.get(client.make_url(f"/?ott={ott}"), allow_redirects=False)
        assert answer.status == 302
        secrets += [c.value for c in phone.cookie_jar]
    # A token: made, used three times in a day and once the next day, revoked.
    made = await client.post("/api/tokens", json={"name": "ci", "scope": "admin"})
    token = (await made.json())["token"]
    secrets.append(token)
    audit = audit_of(client)
    now = [1_800_000_000.0]
    audit.clock = lambda: now[0]
    bearer = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as script:
        for _ in range(3):
            assert (await script.get(client.make_url("/api/sessions"), headers=bearer)).ok
        now[0] += 86400
        assert (await script.get(client.make_url("/api/sessions"), headers=bearer)).ok
        bad = {"Authorization": "Bearer tbk_" + "x" * 43}
        assert (await script.get(client.make_url("/api/sessions"), headers=bad)).status == 401
    assert (await client.delete("/api/tokens/ci")).status == 204
    # A session: made, a file up and down, deleted.
    sid = (await (await client.post("/api/sessions", json={"name": "work"})).json())["id"]
    up = await client.post(f"/api/sessions/{sid}/upload", data=b"hello audit",
                           headers={"X-Filename": "note.txt"})
    path = (await up.json())["path"]
    down = await client.get(f"/api/sessions/{sid}/download", params={"file": path})
    assert await down.read() == b"hello audit"
    assert (await client.delete(f"/api/sessions/{sid}")).status == 204
    # A preview grant, a settings change, an update and a stop.
    grant = await client.get("/preview/59999/", headers={"Sec-Fetch-Mode": "navigate"},
                             allow_redirects=False)
    assert grant.status == 302
    secrets.append(grant.headers["Location"].split("~")[1].strip("/"))
    put = await client.put("/api/preferences", json={"prefs": {"fontSize": 17}})
    assert put.status == 200
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "pip")
    monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", shlex.join(["sh", "-c", "exit 1"]))
    assert (await client.post("/api/update")).status == 200
    assert (await client.post("/api/shutdown")).status == 200

    entries = await logged(client)
    failed = [e for e in entries if e["event"] == "login.failed"]
    assert [(e["method"], e["actor"]) for e in failed] == [("password", None), ("bearer", None)]
    assert failed[0]["reason"] == "wrong password"
    assert failed[0]["address"] == "127.0.0.1"
    logins = [(e["method"], e["actor"]) for e in entries if e["event"] == "login"]
    assert logins == [("password", "owner"), ("share-link", "owner")]
    created, used = only(entries, "share.created"), only(entries, "share.used")
    assert created["link"] == used["link"]
    assert len(created["link"]) == 8
    assert only(entries, "token.created")["token"] == "ci"
    uses = [e for e in entries if e["event"] == "token.used"]
    assert [(e["actor"], e["ts"][:10]) for e in uses] == [
        ("token:ci", "2027-01-15"), ("token:ci", "2027-01-16")]
    assert only(entries, "token.revoked")["token"] == "ci"
    assert {k: only(entries, "session.created")[k] for k in ("session", "name", "hidden")} \
        == {"session": sid, "name": "work", "hidden": False}
    assert only(entries, "session.deleted")["session"] == sid
    assert {k: only(entries, "file.uploaded")[k] for k in ("path", "size")} \
        == {"path": path, "size": 11}
    assert {k: only(entries, "file.downloaded")[k] for k in ("size", "session")} \
        == {"size": 11, "session": sid}
    assert only(entries, "preview.granted")["port"] == 59999
    assert only(entries, "settings.changed")["keys"] == ["fontSize"]
    assert only(entries, "update.started")["method"] == "pip"
    assert only(entries, "shutdown.requested")["actor"] == "owner"
    # The stop itself is written by the cleanup, after the last request.
    await client.close()
    folder = tmp_path / "cfg"
    last = await asyncio.to_thread(read_entries, [folder / FILE_NAME], limit=1)
    assert [e["event"] for e in last] == ["server.stopped"]
    text = await asyncio.to_thread(audit_text, folder)
    found = [s for s in secrets if s and s in text]
    assert not found, f"secrets in the audit log: {found}"
    assert "17" not in {str(v) for e in entries for v in e.values()}  # no setting's value


async def test_view_links_created_used_revoked(authed: AppClient, session_id: str) -> None:
    made = await authed.post(f"/api/sessions/{session_id}/viewers/link", json={"expiresIn": "1h"})
    assert made.status == 201, await made.text()
    body = await made.json()
    secret = body["url"].rsplit("/", 1)[1]
    async with aiohttp.ClientSession() as viewer:
        opened = await viewer.get(authed.make_url(f"/view/{secret}"), allow_redirects=False)
        assert opened.status == 302
        cookies = [c.value for c in viewer.cookie_jar]
    gone = await authed.delete(f"/api/sessions/{session_id}/viewers/links/{body['id']}")
    assert gone.status == 204
    entries = [e for e in await logged(authed) if e["event"].startswith("share.")]
    assert [(e["event"], e["actor"], e["link"], e["kind"], e["session"]) for e in entries] == [
        ("share.created", "owner", body["id"], "view-only", session_id),
        ("share.used", f"viewer:{body['id']}", body["id"], "view-only", session_id),
        ("share.revoked", "owner", body["id"], "view-only", session_id),
    ]
    text = json.dumps(entries)
    assert secret not in text
    assert not [c for c in cookies if c in text]


async def test_websocket_logins(client: AppClient) -> None:
    for password in (WRONG, PASSWORD):
        ws = await client.ws_connect("/ws")
        await ws.send_json({"type": "auth", "password": password})
        answer = await ws.receive_json()
        assert answer["type"] == ("auth_ok" if password == PASSWORD else "error")
        await ws.close()
    await client.post("/api/auth", json={"password": PASSWORD})
    entries = [(e["event"], e["method"], e["actor"]) for e in await logged(client)
               if e["event"].startswith("login")]
    assert entries == [("login.failed", "ws", None), ("login", "ws", "owner"),
                       ("login", "password", "owner")]
    text = await asyncio.to_thread(audit_text, Path(audit_of(client).path).parent)
    assert WRONG not in text


async def test_api_filters_pages_and_needs_admin(authed: AppClient) -> None:
    for _ in range(3):
        await authed.post("/api/sessions", json={})
    first = await (await authed.get("/api/audit?event=session.created&limit=2")).json()
    assert len(first["entries"]) == 2
    assert first["next"].startswith(first["entries"][-1]["ts"])
    assert "session.created" in first["events"]
    rest = await (await authed.get(f"/api/audit?event=session.created&before={first['next']}"))\
        .json()
    assert len(rest["entries"]) >= 1
    assert rest["next"] is None
    assert [e["event"] for e in (await logged(authed, "login"))] == ["login"]
    future = await (await authed.get("/api/audit?since=2999-01-01T00:00:00Z")).json()
    assert future["entries"] == []
    assert (await authed.get("/api/audit?since=soon")).status == 400
    edge = await authed.get("/api/audit", params={"since": "0001-01-01T00:00:00+14:00"})
    assert edge.status == 400
    assert (await authed.get("/api/audit?limit=0")).status == 400
    made = await authed.post("/api/tokens", json={"name": "reader", "scope": "write"})
    bearer = {"Authorization": f"Bearer {(await made.json())['token']}"}
    async with aiohttp.ClientSession() as script:
        refused = await script.get(authed.make_url("/api/audit"), headers=bearer)
        assert refused.status == 403
        assert (await refused.json())["missing"] == "admin"


def test_rotation_and_modes(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path, max_bytes=2000, backups=2)
    audit.start()
    for n in range(200):
        audit.record("session.created", address="127.0.0.1", actor="owner", session=f"s{n}")
        if n % 10 == 0:
            audit.settle()  # several writes, so rotation is checked again and again
    audit.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [FILE_NAME, FILE_NAME + ".1", FILE_NAME + ".2"]
    for path in tmp_path.iterdir():
        assert path.stat().st_size <= 2000
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = read_entries(audit.files())
    sessions = [int(e["session"][1:]) for e in kept]
    assert sessions[0] == 199
    assert sessions == sorted(sessions, reverse=True)
    assert sessions == list(range(199, 199 - len(sessions), -1))  # none lost in between


async def test_full_disk_drops_and_warns_once(
    client: AppClient, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    if not os.path.exists("/dev/full"):
        unavailable("this system has no /dev/full (Linux has)")
    (tmp_path / "cfg" / FILE_NAME).symlink_to("/dev/full")
    caplog.set_level(logging.WARNING, "termbeam_py.audit")
    for _ in range(3):
        assert (await client.post("/api/auth", json={"password": WRONG})).status == 401
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    assert (await client.get("/api/audit")).status == 200
    warnings = [r for r in caplog.records if r.name == "termbeam_py.audit"]
    assert len(warnings) == 1
    assert "No space left" in warnings[0].getMessage()


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_cli_prints_latest_first(spawn: Any, tmp_path: Path) -> None:
    server = spawn(qr=True)  # the banner's QR code is a share link too
    await server.start()
    await server.started()
    async with aiohttp.ClientSession() as browser:
        answer = await browser.post(server.base + "/api/auth", json={"password": WRONG})
        assert answer.status == 401
        made = await browser.post(server.base + "/api/tokens", headers={
            **server.headers, "Authorization": f"Bearer {PW}"},
            json={"name": "cron", "scope": "read"})
        assert made.status == 201
    server.proc.terminate()
    assert await server.wait_exit() == 0

    async def audit(*args: str) -> str:
        status, out = await termbeam_cli("audit", "--config-dir", str(server.cfg), *args)
        assert status == 0, out
        return out

    lines = (await audit()).splitlines()
    assert "server.stopped" in lines[0]
    assert any("login.failed" in line and "method=password" in line for line in lines)
    where = {line.split()[1]: n for n, line in reversed(list(enumerate(lines)))}
    assert where["server.stopped"] < where["token.created"] < where["login.failed"]
    as_json = [json.loads(line) for line in (await audit("--json", "--event",
                                                        "token.created")).splitlines()]
    assert [(e["event"], e["token"]) for e in as_json] == [("token.created", "cron")]
    banner = [json.loads(line) for line in (await audit("--json", "--event",
                                                        "share.created")).splitlines()]
    assert [(e["source"], e["actor"], e["kind"]) for e in banner] \
        == [("banner", "owner", "one-time")]
    assert (await audit("--since", "1d", "--event", "login")).count("login ") \
        == (await audit("--event", "login")).count("login ")
    assert PW not in await asyncio.to_thread(audit_text, server.cfg)
