"""/api/agents (fake agent CLIs on PATH), /api/agent-sessions (stores built in a temporary
HOME) and the resume commands."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from termbeam_py import keys
from tests.helpers import AppClient

COPILOT_ID = "35b1faca-1111-4222-8333-444455556666"
OPENCODE_ID = "ses_opencode_0001"
CLAUDE_ID = "c1a0de00-aaaa-4bbb-8ccc-dddddddddddd"


def fake_tool(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only our fake agent executables."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    return path


async def agents(client: AppClient) -> list[dict[str, Any]]:
    response = await client.get("/api/agents")
    assert response.status == 200
    return list((await response.json())["agents"])


async def test_detects_agents_on_path(authed: AppClient, bin_dir: Path) -> None:
    fake_tool(bin_dir, "claude", 'echo "2.0.14 (Claude Code)"')
    fake_tool(bin_dir, "aider", 'echo "aider 0.86.1" >&2')
    fake_tool(bin_dir, "codex", "echo broken; exit 3")  # a failing probe is not an agent
    fake_tool(bin_dir, "gh", '[ "$1" = copilot ] && echo "version 1.0.5" && exit 0; exit 1')
    found = await agents(authed)
    assert found == [
        {"id": "gh-copilot", "name": "GitHub Copilot (gh)", "cmd": "gh", "args": ["copilot"],
         "icon": "copilot", "version": "1.0.5"},
        {"id": "claude", "name": "Claude Code", "cmd": "claude", "args": [], "icon": "claude",
         "version": "2.0.14"},
        {"id": "aider", "name": "Aider", "cmd": "aider", "args": [], "icon": "aider",
         "version": "0.86.1"},
    ]


async def test_standalone_copilot_hides_gh_copilot_and_cache(
    authed: AppClient, bin_dir: Path
) -> None:
    fake_tool(bin_dir, "copilot", 'echo "1.2.3"')
    fake_tool(bin_dir, "gh", 'echo "gh copilot 1.0.0"')
    assert [(a["id"], a["version"]) for a in await agents(authed)] == [("copilot", "1.2.3")]

    (bin_dir / "copilot").unlink()
    fake_tool(bin_dir, "opencode", 'echo "0.9.1"')
    assert [a["id"] for a in await agents(authed)] == ["copilot"]  # cached for 60 s

    authed.app[keys.AGENTS].ttl = 0
    assert [a["id"] for a in await agents(authed)] == ["gh-copilot", "opencode"]


async def test_no_agents(authed: AppClient, bin_dir: Path) -> None:
    assert await agents(authed) == []


# -- agent session history ------------------------------------------------------------------

@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path


def build_copilot(home: Path) -> None:
    (home / ".copilot").mkdir()
    db = sqlite3.connect(home / ".copilot" / "session-store.db")
    db.executescript("""
        CREATE TABLE sessions (id TEXT PRIMARY KEY, cwd TEXT, repository TEXT, branch TEXT,
                               summary TEXT, created_at TEXT, updated_at TEXT);
        CREATE TABLE turns (session_id TEXT, turn_index INTEGER, user_message TEXT);
    """)
    db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (COPILOT_ID, "/home/dev/termbeam", "user/termbeam", "main",
         "Review Copilot Session Portal", "2026-04-01T09:00:00Z", "2026-04-04T10:11:01.609Z"),
        ("empty-session-0000", "/x", None, None, "never used", "2026-04-05T00:00:00Z",
         "2026-04-05T00:00:00Z"),
    ])
    db.executemany("INSERT INTO turns VALUES (?, ?, ?)",
                   [(COPILOT_ID, i, f"msg {i}") for i in range(23)])
    db.commit()
    db.close()


def build_opencode(home: Path) -> None:
    root = home / ".local" / "share" / "opencode"
    root.mkdir(parents=True)
    db = sqlite3.connect(root / "opencode.db")
    db.executescript("""
        CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, directory TEXT, title TEXT,
                              time_created INTEGER, time_updated INTEGER, time_archived INTEGER);
        CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT);
    """)
    db.executemany("INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (OPENCODE_ID, None, "/srv/api", "Add rate limiting", 1775000000000, 1775300000000, None),
        ("ses_archived_0001", None, "/srv/api", "Archived", 1, 1775400000000, 1775400000000),
        ("ses_child_000001", OPENCODE_ID, "/srv/api", "Subtask", 1, 1775400000000, None),
        ("ses_no_messages01", None, "/srv/api", "Empty", 1, 1775400000000, None),
    ])
    rows = [(f"m{i}", OPENCODE_ID, json.dumps({"role": role}))
            for i, role in enumerate(["user", "assistant", "user", "assistant"])]
    rows += [("a1", "ses_archived_0001", '{"role":"user"}'),
             ("c1", "ses_child_000001", '{"role":"user"}')]
    db.executemany("INSERT INTO message VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()


def claude_line(kind: str, content: Any, **extra: Any) -> str:
    return json.dumps({"type": kind, "message": {"role": kind, "content": content},
                       "cwd": "/home/dev/claude-proj", "gitBranch": "feature/x", **extra})


def build_claude(home: Path) -> None:
    project = home / ".claude" / "projects" / "-home-dev-claude-proj"
    project.mkdir(parents=True)
    (project / f"{CLAUDE_ID}.jsonl").write_text("\n".join([
        json.dumps({"type": "summary", "summary": "ignored"}),
        claude_line("user", "<command-name>/clear</command-name>"),
        claude_line("user", "hi"),  # too short for a summary, still a turn
        claude_line("user", [{"type": "text", "text": "Fix the flaky websocket test\nplease"}]),
        claude_line("assistant", [{"type": "text", "text": "Sure"}]),
        claude_line("user", [{"type": "tool_result", "content": "ok"}]),  # not a user turn
        "{broken json",
    ]) + "\n")
    (project / "no-user-turns-0001.jsonl").write_text(claude_line("assistant", "hello") + "\n")
    os.utime(project / f"{CLAUDE_ID}.jsonl", (1775100000, 1775100000))  # 2026-04-02
    # Only the 10 newest transcripts of a project are read.
    for i in range(12):
        path = project / f"old-session-{i:04d}.jsonl"
        line = claude_line("user", f"old session number {i}", cwd="/old", gitBranch="main")
        path.write_text(line + "\n")
        os.utime(path, (1700000000 + i, 1700000000 + i))


@pytest.fixture
def stores(home: Path) -> Path:
    build_copilot(home)
    build_opencode(home)
    build_claude(home)
    return home


async def sessions(client: AppClient, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/api/agent-sessions{query}")
    assert response.status == 200, await response.text()
    return list((await response.json())["sessions"])


async def test_sessions_merged_newest_first(authed: AppClient, stores: Path) -> None:
    rows = await sessions(authed)
    assert [r["id"] for r in rows[:3]] == [OPENCODE_ID, COPILOT_ID, CLAUDE_ID]
    assert rows[0] == {
        "id": OPENCODE_ID, "agent": "opencode", "agentName": "OpenCode", "agentIcon": "opencode",
        "summary": "Add rate limiting", "cwd": "/srv/api", "repo": None, "branch": None,
        "updatedAt": "2026-04-04T10:53:20.000Z", "turnCount": 2,
    }
    assert rows[1] == {
        "id": COPILOT_ID, "agent": "copilot", "agentName": "GitHub Copilot",
        "agentIcon": "copilot", "summary": "Review Copilot Session Portal",
        "cwd": "/home/dev/termbeam", "repo": "user/termbeam", "branch": "main",
        "updatedAt": "2026-04-04T10:11:01.609Z", "turnCount": 23,
    }
    assert rows[2] == {
        "id": CLAUDE_ID, "agent": "claude", "agentName": "Claude Code", "agentIcon": "claude",
        "summary": "Fix the flaky websocket test", "cwd": "/home/dev/claude-proj", "repo": None,
        "branch": "feature/x", "updatedAt": "2026-04-02T03:20:00.000Z", "turnCount": 3,
    }
    ids = {r["id"] for r in rows}
    # Zero turns, archived, child and unread (beyond the 10 newest) sessions are left out.
    assert ids.isdisjoint({"empty-session-0000", "ses_archived_0001", "ses_child_000001",
                           "ses_no_messages01", "no-user-turns-0001", "old-session-0003"})
    # The 10 newest transcripts: no-user-turns (no turn), CLAUDE_ID and old 11…4.
    assert len(rows) == 2 + 1 + 8


async def test_filters_search_and_limit(authed: AppClient, stores: Path) -> None:
    assert [r["id"] for r in await sessions(authed, "?agent=copilot")] == [COPILOT_ID]
    assert [r["id"] for r in await sessions(authed, "?agent=opencode")] == [OPENCODE_ID]
    assert all(r["agent"] == "claude" for r in await sessions(authed, "?agent=claude"))
    assert [r["id"] for r in await sessions(authed, "?search=FLAKY")] == [CLAUDE_ID]
    assert [r["id"] for r in await sessions(authed, "?search=user/term")] == [COPILOT_ID]
    assert [r["id"] for r in await sessions(authed, "?search=feature%2Fx&agent=claude")] == [
        CLAUDE_ID]
    assert [r["id"] for r in await sessions(authed, "?search=%2Fsrv")] == [OPENCODE_ID]
    assert len(await sessions(authed, "?limit=2")) == 2
    assert len(await sessions(authed, "?limit=500")) == 11
    for bad in ("0", "501", "abc", "1.5", "-1"):
        response = await authed.get(f"/api/agent-sessions?limit={bad}")
        assert response.status == 400
        assert await response.json() == {"error": "limit must be an integer between 1 and 500"}
    response = await authed.get("/api/agent-sessions?agent=codex")
    assert response.status == 400


async def test_missing_and_broken_stores(authed: AppClient, home: Path) -> None:
    assert await sessions(authed) == []
    (home / ".copilot").mkdir()
    (home / ".copilot" / "session-store.db").write_bytes(b"this is not sqlite" * 100)
    db = sqlite3.connect(home / "unrelated.db")
    db.close()
    root = home / ".local" / "share" / "opencode"
    root.mkdir(parents=True)
    db = sqlite3.connect(root / "opencode.db")
    db.execute("CREATE TABLE other (x)")
    db.commit()
    db.close()
    build_claude(home)
    rows = await sessions(authed)
    assert {r["agent"] for r in rows} == {"claude"}


async def test_copilot_store_with_other_columns(authed: AppClient, home: Path) -> None:
    (home / ".copilot").mkdir()
    db = sqlite3.connect(home / ".copilot" / "session-store.db")
    db.execute("CREATE TABLE sessions (id TEXT, title TEXT, git_branch TEXT, turn_count INT,"
               " last_modified INTEGER)")
    db.execute("INSERT INTO sessions VALUES ('abcdefgh-1', 'Titled', 'dev', 4, 1775000000000)")
    db.commit()
    db.close()
    assert await sessions(authed) == [{
        "id": "abcdefgh-1", "agent": "copilot", "agentName": "GitHub Copilot",
        "agentIcon": "copilot", "summary": "Titled", "cwd": None, "repo": None,
        "branch": "dev", "updatedAt": "2026-03-31T23:33:20.000Z", "turnCount": 4,
    }]


async def test_store_values_that_are_not_text_read_as_null(
    authed: AppClient, home: Path
) -> None:
    # Columns without a declared type keep whatever was written (a TEXT column turns a
    # number into text, but not a blob). A blob where a path belongs could not be sent as
    # JSON: the whole listing was a 500.
    (home / ".copilot").mkdir()
    db = sqlite3.connect(home / ".copilot" / "session-store.db")
    db.execute("CREATE TABLE sessions (id, cwd, repository, branch, summary, turn_count)")
    db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
               ("abcdefgh-2", b"/home/\xff", 42, "main", 7, 2))
    db.commit()
    db.close()
    assert await sessions(authed) == [{
        "id": "abcdefgh-2", "agent": "copilot", "agentName": "GitHub Copilot",
        "agentIcon": "copilot", "summary": "", "cwd": None, "repo": None,
        "branch": "main", "updatedAt": None, "turnCount": 2,
    }]


# -- resume commands ------------------------------------------------------------------------

async def test_resume_commands(authed: AppClient) -> None:
    for agent, expected in (
        ("copilot", f"copilot --resume={COPILOT_ID}"),
        ("claude", f"claude --resume {COPILOT_ID}"),
        ("opencode", f"opencode --session {COPILOT_ID}"),
    ):
        response = await authed.get(f"/api/agent-sessions/{agent}/{COPILOT_ID}/resume-command")
        assert response.status == 200
        assert await response.json() == {"command": expected}


async def test_resume_command_validation(authed: AppClient) -> None:
    response = await authed.get(f"/api/agent-sessions/codex/{COPILOT_ID}/resume-command")
    assert response.status == 400
    assert await response.json() == {"error": "Unknown agent: must be copilot, claude or opencode"}
    for bad in ("short", "abc%3Bdefghij", "abcdefgh%20rm", "..%2F..%2Fetc"):
        response = await authed.get(f"/api/agent-sessions/claude/{bad}/resume-command")
        assert response.status in (400, 404), bad
        if response.status == 400:
            assert await response.json() == {"error": "Invalid session id"}
    response = await authed.get("/api/agent-sessions/claude/Abc_DEF-12/resume-command")
    assert await response.json() == {"command": "claude --resume Abc_DEF-12"}


async def test_agent_routes_require_auth(client: AppClient) -> None:
    for path in ("/api/agents", "/api/agent-sessions",
                 f"/api/agent-sessions/claude/{CLAUDE_ID}/resume-command"):
        assert (await client.get(path)).status == 401
