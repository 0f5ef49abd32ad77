"""Session recordings (#19): a real bash session recorded as asciicast v2 (colours, a resize,
commands marked by shell integration) replays the session's very bytes; parts rotate at the
size cap; input is recorded only when asked; the /api/recordings routes and their scopes."""

from __future__ import annotations

import asyncio
import json
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from termbeam_py import keys, startup
from termbeam_py.app import create_app
from termbeam_py.config import Config
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.disk import fill, free, small_tmpfs
from tests.helpers import AppClient, TermWS

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}
#: One part's cap in the rotation test: a few KiB, so a `seq` fills several parts.
TINY_CAP = 4096


def parse_cast(data: bytes) -> tuple[dict[str, Any], list[list[Any]]]:
    """The header and events of an asciicast v2 file; fails on any line that does not parse
    or on a time that goes backwards."""
    lines = data.decode("utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2
    assert isinstance(header["width"], int)
    assert isinstance(header["height"], int)
    assert isinstance(header["timestamp"], int)
    assert set(header["env"]) == {"TERM", "SHELL"}
    events = [json.loads(line) for line in lines[1:]]
    times = [event[0] for event in events]
    assert times == sorted(times), "event times go backwards"
    for t, code, payload in events:
        assert isinstance(t, int | float)
        assert t >= 0
        assert code in ("o", "i", "r", "m")
        assert isinstance(payload, str)
    return header, events


def output_of(events: list[list[Any]]) -> bytes:
    return "".join(e[2] for e in events if e[1] == "o").encode()


async def _attach(open_ws: Any, session_id: str) -> TermWS:
    ws = TermWS(await open_ws("/ws", headers=ADMIN))
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(80, 24)
    await ws.read_until("$ ")
    return ws


async def _listing(client: AppClient, session_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/recordings?session={session_id}", headers=ADMIN)
    assert response.status == 200
    return list(await response.json())


async def _download(client: AppClient, part_id: str) -> bytes:
    response = await client.get(f"/api/recordings/{part_id}", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.read()


@pytest.fixture
async def integrated(aiohttp_client: ClientFactory, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> AppClient:
    """A server whose sessions get bash's shell integration: plain `bash` (no --norc), with
    a home whose .bashrc only sets the prompt."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("PS1='$ '\n")
    monkeypatch.setenv("HOME", str(home))
    return await aiohttp_client(create_app(make_config(tmp_path)))


async def test_a_recorded_session_is_asciicast_v2_that_replays_its_output(
        integrated: AppClient) -> None:
    authed = integrated
    made = await authed.post("/api/sessions", json={"shell": "/bin/bash", "args": [],
                                                    "cols": 80, "rows": 24}, headers=ADMIN)
    session_id = (await made.json())["id"]
    term = await _attach(authed.ws_connect, session_id)
    session = authed.app[keys.SESSIONS].get(session_id)
    start = session.log.head
    response = await authed.patch(f"/api/sessions/{session_id}", json={"recording": True},
                                  headers=ADMIN)
    assert response.status == 200
    info = await response.json()
    assert (info["ok"], info["recording"], info["recordingInput"]) == (True, True, False)
    listed = (await (await authed.get("/api/sessions", headers=ADMIN)).json())[0]
    assert (listed["recording"], listed["recordingInput"]) == (True, False)

    await term.type("printf '\\033[1;31mred\\033[0m caf\\303\\251 %s\\n' col''ours; false\r")
    await term.read_until("colours")
    await term.resize(100, 30)
    await term.type("echo after-$((40+2))\r")
    await term.read_until("after-42")
    [active] = await _listing(authed, session_id)
    assert (active["active"], active["endedAt"], active["part"]) == (True, None, 1)
    response = await authed.patch(f"/api/sessions/{session_id}", json={"recording": False},
                                  headers=ADMIN)
    assert (await response.json())["recording"] is False

    [entry] = await _listing(authed, session_id)
    assert entry["active"] is False
    assert entry["endedAt"] is not None
    assert entry["input"] is False
    header, events = parse_cast(await _download(authed, entry["id"]))
    assert (header["width"], header["height"]) == (80, 24)
    assert header["title"] == session.name
    assert header["env"]["TERM"] == "xterm-256color"
    recorded = output_of(events)
    # Every byte the session wrote while recording, in order, nothing else.
    assert recorded == session.log.read(start, len(recorded))
    assert "\x1b[1;31mred\x1b[0m café colours" in recorded.decode()
    assert b"after-42" in recorded
    assert entry["bytes"] == len(await _download(authed, entry["id"]))
    assert entry["duration"] == pytest.approx(events[-1][0], abs=1e-3)

    # The resize and the command marks, each where it happened in the output.
    codes = [(code, data) for _, code, data in events]
    marks = [data for code, data in codes if code == "m"]
    assert entry["marks"] == len(marks)
    assert marks[0].startswith("$ printf ")
    assert marks[0].endswith("; false")
    assert marks[1] == "exit 1"
    assert marks[2] == "$ echo after-$((40+2))"
    position = {item: i for i, item in reversed(list(enumerate(codes)))}
    red = next(i for i, (c, d) in enumerate(codes) if c == "o" and "colours" in d)
    after = next(i for i, (c, d) in enumerate(codes) if c == "o" and "after-42\r" in d)
    assert position[("m", marks[0])] < red < position[("m", "exit 1")]
    assert position[("m", "exit 1")] < position[("r", "100x30")] < after
    assert [d for c, d in codes if c == "r"] == ["100x30"]


async def test_parts_rotate_at_the_cap_and_input_is_recorded_only_when_asked(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    config = make_config(tmp_path, record_max_mb=TINY_CAP / 1024 / 1024)
    client = await aiohttp_client(create_app(config))
    made = await client.post("/api/sessions", json={"cols": 80, "rows": 24,
                                                    "recording": True}, headers=ADMIN)
    session_id = (await made.json())["id"]
    session = client.app[keys.SESSIONS].get(session_id)
    async with aiohttp.ClientSession(base_url=client.make_url("/"), headers=ADMIN) as http:
        term = await _attach(http.ws_connect, session_id)
        # Typed at a prompt that does not echo, as a password is: in no file.
        await _type_secret(term, "hunter2-SECRET", "first")
        on = await client.patch(f"/api/sessions/{session_id}", json={"recordInput": True},
                                headers=ADMIN)
        assert (await on.json())["recordingInput"] is True
        await _type_secret(term, "swordfish-SECRET2", "second")
        await term.type("seq 1 2500\r")
        await term.read_until("\r\n2500\r\n")
        await client.patch(f"/api/sessions/{session_id}", json={"recording": False},
                           headers=ADMIN)
        await term.ws.close()

    parts = sorted(await _listing(client, session_id), key=lambda e: e["part"])
    assert len(parts) >= 3
    assert [p["part"] for p in parts] == list(range(1, len(parts) + 1))
    recorded = b""
    for number, part in enumerate(parts, 1):
        data = await _download(client, part["id"])
        assert len(data) <= TINY_CAP
        header, events = parse_cast(data)
        assert header["title"] == session.name
        if number < len(parts):
            assert events[-1][1:] == ["m", f"recording full: continued in part {number + 1}"]
        recorded += output_of(events)
    # Recorded from the very start: the session's whole output.
    assert recorded == session.log.read(0, len(recorded))
    assert b"\r\n2500\r\n" in recorded
    assert parts[0]["input"] is True  # input was on during its part
    files = list((config.config_dir / "recordings").glob("*"))
    everything = b"".join(f.read_bytes() for f in files)
    assert b"hunter2" not in everything
    scraped = await client.get("/metrics", headers=ADMIN)
    metrics = {s.name: s.value for family in text_string_to_metric_families(await scraped.text())
               for s in family.samples}
    assert metrics["termbeam_recording_bytes_total"] == sum(p["bytes"] for p in parts)
    assert metrics["termbeam_recordings_active"] == 0
    assert b'"i", "swordfish-SECRET2\\r"' in everything


async def _type_secret(term: TermWS, secret: str, name: str) -> None:
    """Type `secret` where the terminal does not echo it (as at a password prompt)."""
    # Echo is off before `ready` shows, and readline (which reads ahead what is typed) has
    # handed over the line by then: the secret goes to `read`, unseen.
    await term.type(f"stty -echo; echo {name}-rea''dy; read -r x; stty echo; "
                    f"echo {name}-got-${{#x}}\r")
    await term.read_until(f"{name}-ready")
    await term.type(f"{secret}\r")
    await term.read_until(f"{name}-got-{len(secret)}")


@pytest.fixture
async def recording_all(aiohttp_client: ClientFactory, tmp_path: Path) -> AppClient:
    """A server started with --record: every session records from the start."""
    return await aiohttp_client(create_app(make_config(tmp_path, record=True)))


@pytest.fixture
async def viewer(recording_all: AppClient) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=recording_all.make_url("/"),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def _token(client: AppClient, scope: str) -> dict[str, str]:
    made = await client.post("/api/tokens", json={"name": scope, "scope": scope},
                             headers=ADMIN)
    assert made.status == 201, await made.text()
    return {"Authorization": f"Bearer {(await made.json())['token']}"}


async def test_routes_scopes_and_files(recording_all: AppClient,
                                       viewer: aiohttp.ClientSession) -> None:
    client = recording_all
    config: Config = client.app[keys.CONFIG]
    made = await client.post("/api/sessions", json={"name": "my build/ö"}, headers=ADMIN)
    session_id = (await made.json())["id"]
    [listed] = [s for s in await (await client.get("/api/sessions", headers=ADMIN)).json()
                if s["id"] == session_id]
    assert (listed["recording"], listed["recordingInput"]) == (True, False)
    [entry] = await _listing(client, session_id)
    assert (entry["active"], entry["part"], entry["sessionName"]) == (True, 1, "my build/ö")
    assert set(entry) == {"id", "sessionId", "sessionName", "startedAt", "endedAt", "bytes",
                          "duration", "part", "input", "active", "marks"}
    part = entry["id"]

    busy = await client.delete(f"/api/recordings/{part}", headers=ADMIN)
    assert (busy.status, await busy.json()) == (409, {"error": "Recording in progress"})
    reader = await _token(client, "read")
    assert (await client.get("/api/recordings", headers=reader)).status == 200
    download = await client.get(f"/api/recordings/{part}", headers=reader)
    assert download.status == 200
    assert download.headers["Content-Type"] == "application/x-asciicast"
    disposition = download.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="my_build-\d{8}-\d{6}\.cast"', disposition)
    parse_cast(await download.read())
    assert (await client.delete(f"/api/recordings/{part}", headers=reader)).status == 403

    folder = config.config_dir / "recordings"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in folder.iterdir()} == {0o600}

    # A view-only link watches one session's output: no recordings. Nobody else gets any.
    link = await client.post(f"/api/sessions/{session_id}/viewers/link", headers=ADMIN)
    url = (await link.json())["url"]
    assert (await viewer.get(url[url.index("/view/"):], allow_redirects=False)).status == 302
    assert (await viewer.get("/api/recordings")).status == 403
    assert (await viewer.get(f"/api/recordings/{part}")).status == 403
    async with aiohttp.ClientSession(base_url=client.make_url("/")) as anonymous:
        assert (await anonymous.get("/api/recordings")).status == 401
        assert (await anonymous.get(f"/api/recordings/{part}")).status == 401

    # The shell exits: its recording ends with it, and can then be deleted.
    writer = await _token(client, "write")
    more = await client.patch(f"/api/sessions/{session_id}", json={"recordInput": True},
                              headers=writer)
    assert (await more.json())["recordingInput"] is True
    term = await _attach(client.ws_connect, session_id)
    await term.type("exit\r")
    await term.expect("exit")
    [ended] = await _listing(client, session_id)
    assert ended["active"] is False
    assert ended["endedAt"] is not None
    assert (await client.delete(f"/api/recordings/{part}", headers=writer)).status == 204
    assert await _listing(client, session_id) == []
    assert list(folder.iterdir()) == []
    for method in (client.get, client.delete):
        gone = await method(f"/api/recordings/{part}", headers=ADMIN)
        assert (gone.status, await gone.json()) == (404, {"error": "Recording not found"})
    audit = await (await client.get("/api/audit", headers=ADMIN)).json()
    assert [(e["event"], e["actor"], e.get("recording"), e.get("input"))
            for e in reversed(audit["entries"]) if e["event"].startswith("recording.")] == [
        ("recording.downloaded", "token:read", part, None),
        ("recording.changed", "token:write", True, True),
        ("recording.deleted", "token:write", part, None)]
    unknown = await client.get("/api/recordings/..%2Fapitokens.json", headers=ADMIN)
    assert unknown.status == 404
    bad = await client.post("/api/sessions", json={"recording": "yes"}, headers=ADMIN)
    assert (bad.status, await bad.json()) == (400, {"error": "recording must be a boolean"})



async def test_a_workspace_entry_with_record_starts_recording(authed: AppClient) -> None:
    entries = [{"id": "a", "name": "recorded", "record": True},
               {"id": "b", "name": "plain", "record": "yes"}]
    saved = await authed.put("/api/preferences", json={"prefs": {"workspaces": [
        {"id": "w", "name": "w", "default": True, "sessions": entries}]}})
    assert saved.status == 200, await saved.text()
    stored = (await saved.json())["prefs"]["workspaces"][0]["sessions"]
    assert stored == [{"id": "a", "name": "recorded", "record": True},
                      {"id": "b", "name": "plain"}]
    app = authed.app
    await startup.start_sessions(app[keys.PREFS], app[keys.SESSIONS], app[keys.CONFIG],
                                 app[keys.RECORDINGS].start)
    listed = {s["name"]: s["recording"] for s in await (await authed.get("/api/sessions")).json()}
    assert listed == {"recorded": True, "plain": False}
    assert [e["sessionName"] for e in await (await authed.get("/api/recordings")).json()] == [
        "recorded"]


async def test_a_part_a_crashed_server_left_open_is_closed_at_start_up(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    config = make_config(tmp_path)
    folder = config.config_dir / "recordings"
    folder.mkdir(mode=0o700)
    part = "0123456789abcdef"
    cast = (b'{"version": 2, "width": 80, "height": 24, "timestamp": 1, "title": "t", '
            b'"env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"}}\n'
            b'[0.5, "o", "a"]\n[4.25, "o", "b"]\n[4.75, "o", "cut sho')  # the crash
    (folder / f"{part}.cast").write_bytes(cast)
    (folder / f"{part}.json").write_text(json.dumps({
        "id": part, "sessionId": "s" * 32, "sessionName": "t",
        "startedAt": "2025-01-15T10:30:00.000Z", "endedAt": None, "bytes": 120,
        "duration": 0.5, "part": 1, "input": False, "marks": 0,
        "series": part, "seriesStartedAt": "2025-01-15T10:30:00.000Z", "resume": False}))
    client = await aiohttp_client(create_app(config))
    [entry] = await (await client.get("/api/recordings", headers=ADMIN)).json()
    assert entry["active"] is False
    assert entry["endedAt"] is not None
    assert (entry["bytes"], entry["duration"]) == (len(cast), 4.25)


@pytest.mark.blocks_loop(reason="mounts and unmounts a tmpfs from the test body")
async def test_a_full_disk_ends_the_recording_not_the_session(
        aiohttp_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path)
    with small_tmpfs(config.config_dir / "recordings", "256k") as mount:
        client = await aiohttp_client(create_app(config))
        made = await client.post("/api/sessions", json={"recording": True}, headers=ADMIN)
        session_id = (await made.json())["id"]
        term = await _attach(client.ws_connect, session_id)
        await _listing(client, session_id)  # the part is open
        await asyncio.to_thread(fill, mount)
        await term.run("head -c 300000 /dev/zero | tr '\\\\0' x; echo")
        [entry] = await _listing(client, session_id)
        assert entry["active"] is False
        [info] = await (await client.get("/api/sessions", headers=ADMIN)).json()
        assert info["recording"] is False
        assert "recording" in caplog.text
        assert "No space left" in caplog.text
        assert await term.run("echo still-wor''king") == "still-working"

        await asyncio.to_thread(free, mount)
        again = await client.patch(f"/api/sessions/{session_id}", json={"recording": True},
                                   headers=ADMIN)
        assert (await again.json())["recording"] is True
        await term.run("echo recorded-after''wards")
        newest = (await _listing(client, session_id))[0]
        assert newest["active"] is True
        assert "recorded-afterwards" in (await _download(client, newest["id"])).decode()
        await term.ws.close()
