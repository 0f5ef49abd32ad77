"""The sessions REST API, /api/shells and /api/dirs against a real server and real PTYs."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from termbeam_py import keys
from termbeam_py.config import Config
from termbeam_py.sessions import record
from tests.conftest import SHELL, process_exists
from tests.helpers import AppClient, TermWS, eventually

OpenWS = Callable[..., Awaitable[TermWS]]

PALETTE = {"#4a9eff", "#4ade80", "#fbbf24", "#c084fc", "#f87171", "#22d3ee", "#fb923c", "#f472b6"}
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
HEX = re.compile(r"#[0-9a-fA-F]{3,8}")


async def create(client: AppClient, **body: Any) -> str:
    response = await client.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def sessions(client: AppClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/sessions")
    assert response.status == 200, await response.text()
    listed = await response.json()
    assert isinstance(listed, list)
    return {s["id"]: s for s in listed}


async def expect_error(response: Any, status: int, message: str | None = None) -> None:
    text = await response.text()
    assert response.status == status, text
    body = await response.json()
    if message is None:
        assert set(body) == {"error"}
        assert isinstance(body["error"], str)
        assert body["error"]
    else:
        assert body == {"error": message}


async def attach_first(open_ws: OpenWS, session_id: str, cols: int, rows: int) -> TermWS:
    """Attach as the first viewer ever and send the first resize (at the session's size)."""
    ws = await open_ws()
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(cols, rows)
    return ws


# -- GET /api/sessions ---------------------------------------------------------------------


async def test_list_fields_of_a_created_session(authed: AppClient, config: Config) -> None:
    before = int(time.time() * 1000)
    sid = await create(authed, cols=80, rows=24)
    listed = await sessions(authed)
    assert list(listed) == [sid]
    s = listed[sid]
    assert {
        "id",
        "name",
        "cwd",
        "shell",
        "pid",
        "clients",
        "createdAt",
        "color",
        "lastActivity",
        "git",
        "restored",
    } <= set(s)
    assert re.fullmatch(r"[0-9a-f]{32}", s["id"])
    assert s["name"] == "Session 1"
    assert s["cwd"] == str(config.cwd)
    assert s["shell"] == SHELL
    assert isinstance(s["pid"], int)
    assert process_exists(s["pid"])
    assert s["clients"] == 0
    assert isinstance(s["createdAt"], str)
    assert ISO_Z.fullmatch(s["createdAt"]), s["createdAt"]
    assert isinstance(s["color"], str)
    assert HEX.fullmatch(s["color"])
    assert s["color"] in PALETTE
    assert isinstance(s["lastActivity"], int)
    assert not isinstance(s["lastActivity"], bool)
    assert before - 1000 <= s["lastActivity"] <= int(time.time() * 1000) + 1000
    assert s["git"] is None
    assert s["restored"] is False


async def test_list_marks_a_session_adopted_after_a_restart(authed: AppClient) -> None:
    kept, fresh = await create(authed), await create(authed)
    # What adopting it from the session holder sets; the hub shows the mark from this field.
    authed.app[keys.SESSIONS].get(kept).restored = True
    listed = await sessions(authed)
    assert listed[kept]["restored"] is True
    assert listed[fresh]["restored"] is False


async def test_list_counts_attached_clients(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    assert (await sessions(authed))[session_id]["clients"] == 1


async def test_list_requires_auth(client: AppClient) -> None:
    await expect_error(await client.get("/api/sessions"), 401, "unauthorized")


async def test_list_empty(authed: AppClient) -> None:
    assert await sessions(authed) == {}


# -- POST /api/sessions --------------------------------------------------------------------


async def test_create_returns_id_and_url(authed: AppClient) -> None:
    response = await authed.post("/api/sessions", json={"cols": 80, "rows": 24})
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"id", "url"}
    assert body["url"] == f"/terminal?id={body['id']}"
    assert body["id"] in await sessions(authed)


async def test_create_with_name_color_and_cwd(authed: AppClient, tmp_path: Path) -> None:
    where = tmp_path / "elsewhere"
    where.mkdir()
    sid = await create(authed, name="my-project", color="#123abc", cwd=str(where), cols=90, rows=20)
    s = (await sessions(authed))[sid]
    assert (s["name"], s["color"], s["cwd"]) == ("my-project", "#123abc", str(where))


async def test_empty_body_creates_a_default_session(authed: AppClient, config: Config) -> None:
    response = await authed.post("/api/sessions", data=b"")
    assert response.status == 201, await response.text()
    sid = (await response.json())["id"]
    s = (await sessions(authed))[sid]
    assert s["name"] == "Session 1"
    assert s["cwd"] == str(config.cwd)
    assert s["shell"] == SHELL


async def test_empty_object_creates_a_session(authed: AppClient) -> None:
    assert await create(authed) in await sessions(authed)


async def test_default_names_count_up(authed: AppClient) -> None:
    first = await create(authed)
    second = await create(authed)
    listed = await sessions(authed)
    assert listed[first]["name"] == "Session 1"
    assert listed[second]["name"] == "Session 2"


async def test_palette_colours_differ_for_two_live_sessions(authed: AppClient) -> None:
    first, second = await create(authed), await create(authed)
    listed = await sessions(authed)
    assert listed[first]["color"] in PALETTE
    assert listed[second]["color"] in PALETTE
    assert listed[first]["color"] != listed[second]["color"]


async def test_invalid_shell(authed: AppClient) -> None:
    response = await authed.post("/api/sessions", json={"shell": "/usr/bin/python3"})
    await expect_error(response, 400, "Invalid shell")
    for shell in ("/no/such/shell", 5, ["/bin/bash"]):
        response = await authed.post("/api/sessions", json={"shell": shell})
        await expect_error(response, 400, "Invalid shell")
    assert await sessions(authed) == {}


async def test_cwd_must_be_absolute(authed: AppClient) -> None:
    response = await authed.post("/api/sessions", json={"cwd": "relative"})
    await expect_error(response, 400, "cwd must be an absolute path")
    response = await authed.post("/api/sessions", json={"cwd": "./work"})
    await expect_error(response, 400, "cwd must be an absolute path")


async def test_cwd_must_exist(authed: AppClient, tmp_path: Path) -> None:
    response = await authed.post("/api/sessions", json={"cwd": str(tmp_path / "missing")})
    await expect_error(response, 400, "cwd does not exist")


async def test_cwd_must_be_a_directory(authed: AppClient, tmp_path: Path) -> None:
    file = tmp_path / "a-file"
    file.write_text("x")
    response = await authed.post("/api/sessions", json={"cwd": str(file)})
    await expect_error(response, 400, "cwd is not a directory")
    assert await sessions(authed) == {}


async def test_initial_command_length_limit(authed: AppClient) -> None:
    response = await authed.post("/api/sessions", json={"initialCommand": "#" + "x" * 8192})
    await expect_error(response, 400, "initialCommand too long")
    assert await sessions(authed) == {}
    response = await authed.post("/api/sessions", json={"initialCommand": "#" + "x" * 8191})
    assert response.status == 201, await response.text()


@pytest.mark.parametrize(
    "body",
    [
        {"args": "x"},
        {"args": ["-l", 5]},
        {"args": {"a": "b"}},
        {"name": 5},
        {"name": ["x"]},
        {"color": "red"},
        {"color": 123},
        {"color": "#12345g"},
        {"initialCommand": 5},
    ],
)
async def test_bad_field_types_rejected(authed: AppClient, body: dict[str, Any]) -> None:
    await expect_error(await authed.post("/api/sessions", json=body), 400)
    assert await sessions(authed) == {}


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"name"', b"5", b"null", b"{not json", b"\xff\xfe"])
async def test_non_object_body_rejected(authed: AppClient, raw: bytes) -> None:
    response = await authed.post(
        "/api/sessions", data=raw, headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400)
    assert await sessions(authed) == {}


async def test_posted_size_is_the_pty_size(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create(authed, cols=100, rows=37)
    # The first viewer ever stays silent until it resizes: it never sends a size here,
    # so nothing but the POSTed size can decide the PTY size.
    first = await open_ws()
    await first.attach(sid)
    await first.expect("attached")
    viewer = await open_ws()
    await viewer.attach(sid)
    await viewer.expect("attached")
    assert await viewer.run("stty size") == "37 100"


async def test_posted_size_after_first_resize(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create(authed, cols=132, rows=43)
    ws = await attach_first(open_ws, sid, 132, 43)
    await ws.read_until("$ ")
    assert await ws.run("stty size") == "43 132"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ({"cols": 0, "rows": 24}, "24 120"),
        ({"cols": 80, "rows": 0}, "30 80"),
        ({"cols": 501, "rows": 201}, "30 120"),
        ({"cols": -5, "rows": 1e9}, "30 120"),
        ({"cols": "100", "rows": "40"}, "30 120"),
        ({"cols": True, "rows": None}, "30 120"),
    ],
)
async def test_out_of_range_size_falls_back_to_default(
    authed: AppClient, open_ws: OpenWS, size: dict[str, Any], expected: str
) -> None:
    # Each of cols/rows is used only when numeric and within 1-500 / 1-200, else 120x30.
    sid = await create(authed, **size)
    first = await open_ws()
    await first.attach(sid)
    await first.expect("attached")
    viewer = await open_ws()
    await viewer.attach(sid)
    await viewer.expect("attached")
    assert await viewer.run("stty size") == expected


async def test_fractional_size_is_floored(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create(authed, cols=99.9, rows=33.5)
    first = await open_ws()
    await first.attach(sid)
    await first.expect("attached")
    viewer = await open_ws()
    await viewer.attach(sid)
    await viewer.expect("attached")
    assert await viewer.run("stty size") == "33 99"


async def test_initial_command_runs(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create(authed, cols=80, rows=24, initialCommand="echo init-$((40+2))")
    ws = await attach_first(open_ws, sid, 80, 24)
    await ws.read_until("init-42")
    # The shell is still usable afterwards and the command ran exactly once so far.
    assert await ws.run("echo after") == "after"
    assert ws.text.count("init-42") == 1


async def test_an_initial_command_with_a_lone_surrogate_runs_with_a_question_mark(
    authed: AppClient, open_ws: OpenWS, caplog: pytest.LogCaptureFixture,
) -> None:
    """Found after the fuzzing's lone surrogates: "\\ud800" in the JSON raised
    UnicodeEncodeError in the timer that types the command, which never ran."""
    sid = await create(authed, cols=80, rows=24,
                       initialCommand="echo init-" + chr(0xD800) + "-$((40+2))")
    ws = await attach_first(open_ws, sid, 80, 24)
    await ws.read_until("init-?-42")
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_initial_command_runs_without_any_viewer(authed: AppClient, open_ws: OpenWS) -> None:
    sid = await create(
        authed, cols=80, rows=24, initialCommand="echo http://localhost:$((4000+321))/"
    )
    first = await open_ws()
    await first.attach(sid)
    await first.expect("attached")
    viewer = await open_ws()
    await viewer.attach(sid)
    await viewer.read_until("localhost:4321")
    response = await authed.get(f"/api/sessions/{sid}/detect-port")
    assert await response.json() == {"detected": True, "port": 4321}


async def test_create_with_listed_shell(authed: AppClient, open_ws: OpenWS) -> None:
    shells = (await (await authed.get("/api/shells")).json())["shells"]
    others = [s for s in shells if s["path"] != SHELL and s["name"] in ("sh", "dash", "bash")]
    chosen = others[0] if others else shells[0]
    sid = await create(authed, shell=chosen["path"], cols=80, rows=24)
    s = (await sessions(authed))[sid]
    assert s["shell"] == chosen["path"]
    assert process_exists(s["pid"])
    # The PID runs `setsid` for the moment before it execs the shell (spawn.py).
    await eventually(
        lambda: os.path.realpath(f"/proc/{s['pid']}/exe") == os.path.realpath(chosen["path"]),
        f"pid {s['pid']} to run {chosen['path']}",
    )


async def test_create_with_shell_by_command_name(authed: AppClient) -> None:
    shells = (await (await authed.get("/api/shells")).json())["shells"]
    assert await create(authed, shell=shells[0]["cmd"]) in await sessions(authed)


# -- PATCH /api/sessions/:id ---------------------------------------------------------------


async def test_patch_name_and_color(authed: AppClient, session_id: str) -> None:
    response = await authed.patch(
        f"/api/sessions/{session_id}", json={"name": "renamed-session", "color": "#f87171"}
    )
    assert response.status == 200
    assert await response.json() == {"ok": True}
    s = (await sessions(authed))[session_id]
    assert (s["name"], s["color"]) == ("renamed-session", "#f87171")


async def test_patch_one_field_keeps_the_other(authed: AppClient, session_id: str) -> None:
    before = (await sessions(authed))[session_id]
    response = await authed.patch(f"/api/sessions/{session_id}", json={"name": "only-name"})
    assert await response.json() == {"ok": True}
    after = (await sessions(authed))[session_id]
    assert after["name"] == "only-name"
    assert after["color"] == before["color"]
    response = await authed.patch(f"/api/sessions/{session_id}", json={"color": "#22d3ee"})
    assert await response.json() == {"ok": True}
    after = (await sessions(authed))[session_id]
    assert after["name"] == "only-name"
    assert after["color"] == "#22d3ee"


async def test_patch_unknown_id(authed: AppClient) -> None:
    response = await authed.patch("/api/sessions/nope", json={"name": "x"})
    await expect_error(response, 404, "not found")


@pytest.mark.parametrize("body", [{"name": 5}, {"color": "red"}, {"color": 7}, {"name": ["a"]}])
async def test_patch_bad_types(authed: AppClient, session_id: str, body: dict[str, Any]) -> None:
    before = (await sessions(authed))[session_id]
    await expect_error(await authed.patch(f"/api/sessions/{session_id}", json=body), 400)
    after = (await sessions(authed))[session_id]
    assert (after["name"], after["color"]) == (before["name"], before["color"])


async def test_patch_non_object_body(authed: AppClient, session_id: str) -> None:
    response = await authed.patch(
        f"/api/sessions/{session_id}", data=b"[1]", headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400)


# -- DELETE /api/sessions/:id --------------------------------------------------------------


async def test_delete(authed: AppClient, session_id: str) -> None:
    response = await authed.delete(f"/api/sessions/{session_id}")
    assert response.status == 204
    assert await response.read() == b""
    assert session_id not in await sessions(authed)
    await expect_error(await authed.delete(f"/api/sessions/{session_id}"), 404, "not found")


async def test_delete_unknown(authed: AppClient) -> None:
    await expect_error(await authed.delete("/api/sessions/nope"), 404, "not found")


async def test_session_cap(authed: AppClient) -> None:
    authed.app[keys.SESSIONS].max_sessions = 3
    listed = await (await authed.get("/api/sessions")).json()
    for _ in range(3 - len(listed)):
        response = await authed.post("/api/sessions", json={})
        assert response.status == 201, await response.text()
    response = await authed.post("/api/sessions", json={})
    assert response.status == 409
    assert await response.json() == {"error": "Too many sessions (max 3)"}
    assert len(await (await authed.get("/api/sessions")).json()) == 3
    # Deleting one makes room at once, before its shell has ended.
    victim = (await (await authed.get("/api/sessions")).json())[0]["id"]
    assert (await authed.delete(f"/api/sessions/{victim}")).status == 204
    response = await authed.post("/api/sessions", json={})
    assert response.status == 201, await response.text()


async def test_delete_only_removes_that_session(authed: AppClient) -> None:
    keep, drop = await create(authed), await create(authed)
    assert (await authed.delete(f"/api/sessions/{drop}")).status == 204
    assert list(await sessions(authed)) == [keep]


async def test_delete_tells_the_viewer_and_ends_the_shell(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    pid = (await sessions(authed))[session_id]["pid"]
    assert (await authed.delete(f"/api/sessions/{session_id}")).status == 204
    assert session_id not in await sessions(authed)
    exit_message = await term.expect("exit")
    assert isinstance(exit_message.get("code"), int)
    assert not process_exists(pid)


# -- detect-port ---------------------------------------------------------------------------


async def test_detect_port_last_one_wins(authed: AppClient, term: TermWS, session_id: str) -> None:
    out = await term.run("echo http://localhost:5173/ and http://127.0.0.1:8000/x")
    assert out == "http://localhost:5173/ and http://127.0.0.1:8000/x"
    response = await authed.get(f"/api/sessions/{session_id}/detect-port")
    assert response.status == 200
    assert await response.json() == {"detected": True, "port": 8000}


async def test_detect_port_fresh_session(authed: AppClient, session_id: str) -> None:
    response = await authed.get(f"/api/sessions/{session_id}/detect-port")
    assert response.status == 200
    assert await response.json() == {"detected": False}


async def test_detect_port_unknown_session(authed: AppClient) -> None:
    await expect_error(await authed.get("/api/sessions/nope/detect-port"), 404, "not found")


# -- live cwd ------------------------------------------------------------------------------


async def test_live_cwd_follows_cd(authed: AppClient, term: TermWS, session_id: str) -> None:
    await term.run("cd /tmp")
    assert (await sessions(authed))[session_id]["cwd"] == "/tmp"


async def test_live_cwd_with_spaces_and_unicode(
    authed: AppClient, term: TermWS, session_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "dir with spaces — ünïcødé 日本"
    target.mkdir()
    assert await term.run(f"cd '{target}' && pwd") == str(target)
    assert (await sessions(authed))[session_id]["cwd"] == str(target)


# -- GET /api/shells -----------------------------------------------------------------------


async def test_shells(authed: AppClient, config: Config) -> None:
    response = await authed.get("/api/shells")
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"shells", "default", "cwd"}
    assert body["cwd"] == str(config.cwd)
    assert body["shells"], "at least the configured shell is listed"
    for shell in body["shells"]:
        assert set(shell) == {"name", "path", "cmd"}
        assert all(isinstance(v, str) and v for v in shell.values())
        assert os.path.isabs(shell["path"])
        assert os.access(shell["path"], os.X_OK)
    assert SHELL in [s["path"] for s in body["shells"]]
    assert body["default"] == SHELL
    names = [s["name"] for s in body["shells"]]
    assert len(names) == len(set(names))


async def test_shells_requires_auth(client: AppClient) -> None:
    await expect_error(await client.get("/api/shells"), 401, "unauthorized")


# -- GET /api/dirs -------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("Alpha", "beta", "prefix-one", "PreTwo", ".hidden", "pre.dotted"):
        (root / name).mkdir()
    (root / "prefile").write_text("a file, not a directory")
    (root / "preLink").symlink_to(root / "Alpha", target_is_directory=True)
    (root / "dangling").symlink_to(root / "missing")
    return root


async def dirs(client: AppClient, q: str | None) -> tuple[int, dict[str, Any]]:
    params = {} if q is None else {"q": q}
    response = await client.get("/api/dirs", params=params)
    return response.status, await response.json()


async def test_dirs_lists_subdirectories(authed: AppClient, tree: Path) -> None:
    status, body = await dirs(authed, f"{tree}/")
    assert status == 200
    assert body["exists"] is True
    assert body["truncated"] is False
    assert body["base"].rstrip("/") == str(tree)
    expected = {str(tree / n) for n in ("Alpha", "beta", "prefix-one", "PreTwo", "pre.dotted")}
    assert set(body["dirs"]) == expected
    assert len(body["dirs"]) == len(expected)


async def test_dirs_prefix_filter_is_case_insensitive(authed: AppClient, tree: Path) -> None:
    expected = {str(tree / "prefix-one"), str(tree / "PreTwo"), str(tree / "pre.dotted")}
    for q in (f"{tree}/pre", f"{tree}/PRE", f"{tree}/Pre"):
        status, body = await dirs(authed, q)
        assert status == 200
        assert set(body["dirs"]) == expected, q
        assert body["exists"] is True
    status, body = await dirs(authed, f"{tree}/al")
    assert body["dirs"] == [str(tree / "Alpha")]
    status, body = await dirs(authed, f"{tree}/zzz")
    assert (status, body["dirs"], body["exists"]) == (200, [], True)


async def test_dirs_dot_prefix_still_hides_dotdirs(authed: AppClient, tree: Path) -> None:
    status, body = await dirs(authed, f"{tree}/.")
    assert status == 200
    assert str(tree / ".hidden") not in body["dirs"]


async def test_dirs_missing_directory(authed: AppClient, tmp_path: Path) -> None:
    status, body = await dirs(authed, f"{tmp_path}/missing/")
    assert status == 200
    assert body["exists"] is False
    assert body["dirs"] == []
    assert body["truncated"] is False


async def test_dirs_of_a_file(authed: AppClient, tree: Path) -> None:
    status, body = await dirs(authed, f"{tree}/prefile/")
    assert status == 200
    assert body["exists"] is False
    assert body["dirs"] == []


@pytest.mark.parametrize("q", ["relative/path", "./x", "~", "tree/"])
async def test_dirs_relative_query_rejected(authed: AppClient, q: str) -> None:
    status, body = await dirs(authed, q)
    assert status == 400
    assert isinstance(body.get("error"), str)


async def test_dirs_defaults_to_the_server_cwd(authed: AppClient, config: Config) -> None:
    (config.cwd / "project-a").mkdir()
    (config.cwd / "notes.txt").write_text("x")
    status, body = await dirs(authed, None)
    assert status == 200
    assert body["dirs"] == [str(config.cwd / "project-a")]


async def test_dirs_truncated_past_500(authed: AppClient, tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(501):
        (many / f"d{i:04d}").mkdir()
    status, body = await dirs(authed, f"{many}/")
    assert status == 200
    assert body["truncated"] is True
    assert len(body["dirs"]) == 500
    assert len(set(body["dirs"])) == 500
    assert all(d.startswith(f"{many}/d") for d in body["dirs"])


async def test_dirs_exactly_500_not_truncated(authed: AppClient, tmp_path: Path) -> None:
    many = tmp_path / "five-hundred"
    many.mkdir()
    for i in range(500):
        (many / f"d{i:04d}").mkdir()
    status, body = await dirs(authed, f"{many}/")
    assert (status, body["truncated"], len(body["dirs"])) == (200, False, 500)


async def test_dirs_requires_auth(client: AppClient, tmp_path: Path) -> None:
    response = await client.get("/api/dirs", params={"q": f"{tmp_path}/"})
    await expect_error(response, 401, "unauthorized")


# -- exit ----------------------------------------------------------------------------------


async def test_exit_code_reaches_viewer_and_session_is_removed(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    pid = (await sessions(authed))[session_id]["pid"]
    await term.type("exit 3\r")
    message = await term.expect("exit")
    assert message == {"type": "exit", "code": 3}
    assert session_id not in await sessions(authed)
    await expect_error(
        await authed.get(f"/api/sessions/{session_id}/detect-port"), 404, "not found"
    )
    assert not process_exists(pid)


async def test_exit_zero(authed: AppClient, term: TermWS, session_id: str) -> None:
    await term.type("exit\r")
    assert await term.expect("exit") == {"type": "exit", "code": 0}
    assert session_id not in await sessions(authed)


# -- session types and hidden sessions (#18) ------------------------------------------------


async def test_an_agent_session_carries_its_agent_and_a_hidden_one_is_asked_for(
    authed: AppClient,
) -> None:
    agent = await create(authed, type="agent", agent="claude", name="Claude Code · app")
    plain = await create(authed)
    hidden = await create(authed, hidden=True)
    listed = await sessions(authed)
    assert (listed[agent]["type"], listed[agent]["agent"]) == ("agent", "claude")
    assert (listed[plain]["type"], listed[plain]["agent"]) == ("terminal", None)
    assert hidden not in listed  # left out of the hub and `termbeam list`...
    for query in ("?hidden=1", "?hidden=true", "?all=1"):  # ...unless asked for
        response = await authed.get(f"/api/sessions{query}")
        everything = {s["id"]: s for s in await response.json()}
        assert everything[hidden]["hidden"] is True
        assert set(everything) == {*listed, hidden}


@pytest.mark.parametrize(("body", "message"), [
    ({"type": "copilot"}, "Invalid session type"),
    ({"type": 1}, "Invalid session type"),
    ({"type": "agent", "agent": "../x"}, "Invalid agent"),
    ({"type": "agent", "agent": 7}, "Invalid agent"),
    ({"type": "agent", "agent": "a" * 65}, "Invalid agent"),
    ({"agent": "claude"}, 'agent needs type "agent"'),
])
async def test_bad_session_types_and_agents_are_400(
    authed: AppClient, body: dict[str, Any], message: str,
) -> None:
    await expect_error(await authed.post("/api/sessions", json=body), 400, message)
    assert len(await sessions(authed)) == 0


def test_a_record_from_before_types_reads_with_defaults(tmp_path: Path) -> None:
    """Records written before hidden/type/agent existed still bring their session back."""
    old = {"format": 1, "id": "0" * 32, "name": "n", "color": "#ffffff", "shell": "/bin/sh",
           "args": [], "cwd": "/", "createdAt": "2026-01-01T00:00:00.000Z", "lastActivity": 1,
           "nonce": None, "notifyMinSeconds": 10, "integrated": False, "command": None,
           "commandStartedAt": None}
    (tmp_path / f"{'0' * 32}.json").write_text(json.dumps(old))
    saved = record.read(tmp_path, "0" * 32)
    assert saved is not None
    assert (saved["hidden"], saved["type"], saved["agent"]) == (False, "terminal", None)
    record.write(tmp_path, {**saved, "hidden": True, "type": "agent", "agent": "aider"})
    again = record.read(tmp_path, "0" * 32)
    assert again is not None
    assert (again["hidden"], again["type"], again["agent"]) == (True, "agent", "aider")
