"""Browser tests of the agent panels opened from the tools palette: "Resume agent session"
(the history browser over the agents' own stores) and "Launch agent".

The server runs with HOME pointing at a temporary folder holding a fake Claude Code store
(two JSONL transcripts) and a fake OpenCode database, and with a fake `claude` on PATH that
prints a marker instead of starting an agent, so resuming and launching can be observed in
the new terminal's output.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, TERMINAL_URL, expect
from tests.e2e.conftest import ROOT, ServerProcess, start_server

pytestmark = BROWSER_MARKS

FAKE_CLAUDE = """#!/bin/sh
# A stand-in for Claude Code: answers the version probe, prints a marker, then waits.
case "$1" in
  --version) echo "9.9.9 (Claude Code)"; exit 0 ;;
  --resume) echo "RESUMED $2" ;;
  *) echo "FAKE-CLAUDE-STARTED" ;;
esac
exec cat
"""
LIST = "() => fetch('/api/sessions').then((r) => r.json())"
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
CREATE = """(name) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name})})
    .then((r) => r.json()).then((j) => j.id)"""
#: Whether the pane of session `id` shows a row equal to `text`.
PANE_ROW = """([id, text]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && Array.from(rows.children).some((r) => r.textContent.trim() === text);
}"""
CURRENT_ID = "() => new URLSearchParams(location.search).get('id')"


@dataclass(frozen=True)
class Store:
    """What the fake HOME holds."""

    project: Path
    payment_id: str
    docs_id: str
    opencode_id: str


def _claude_transcript(path: Path, cwd: str, branch: str, prompt: str, age_s: float) -> None:
    lines = [
        {"type": "summary", "summary": "ignored"},
        {"type": "user", "isMeta": True, "cwd": cwd,
         "message": {"role": "user", "content": "<meta>"}},
        {"type": "user", "cwd": cwd, "gitBranch": branch,
         "message": {"role": "user", "content": [{"type": "text", "text": prompt}]}},
        {"type": "assistant", "cwd": cwd, "message": {"role": "assistant", "content": "ok"}},
        {"type": "user", "cwd": cwd,
         "message": {"role": "user", "content": "and add tests please"}},
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    then = time.time() - age_s
    os.utime(path, (then, then))


def _opencode_db(path: Path, session_id: str, directory: str, title: str, age_s: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute(
            "CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT, title TEXT,"
            " time_updated INTEGER, time_archived INTEGER, parent_id TEXT)"
        )
        db.execute("CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT)")
        updated_ms = int((time.time() - age_s) * 1000)
        db.execute(
            "INSERT INTO session VALUES (?, ?, ?, ?, NULL, NULL)",
            (session_id, directory, title, updated_ms),
        )
        db.execute("INSERT INTO message VALUES ('m1', ?, ?)", (session_id, '{"role": "user"}'))
        db.commit()
    finally:
        db.close()


def _make_home(home: Path, project: Path) -> Store:
    store = Store(
        project=project,
        payment_id="c1a0d3e5-1111-4aaa-8bbb-" + secrets.token_hex(6),
        docs_id="c2b0d3e5-2222-4aaa-8bbb-" + secrets.token_hex(6),
        opencode_id="ses_" + secrets.token_hex(8),
    )
    projects = home / ".claude" / "projects"
    _claude_transcript(
        projects / "-work-shop" / f"{store.payment_id}.jsonl",
        str(project), "feature/pay", "Refactor the payment gateway\nmore detail", 3 * 3600 + 60,
    )  # fmt: skip
    # A session whose folder is gone: resuming it must fall back to the default folder.
    _claude_transcript(
        projects / "-gone" / f"{store.docs_id}.jsonl",
        str(home / "deleted-project"), "main", "Write docs for the parser", 2 * 86400,
    )  # fmt: skip
    _opencode_db(
        home / ".local" / "share" / "opencode" / "opencode.db",
        store.opencode_id, str(project), "Tune the search index", 3600,
    )  # fmt: skip
    return store


@pytest.fixture(scope="module")
def agent_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    home = tmp_path_factory.mktemp("agent-home")
    project = tmp_path_factory.mktemp("shop-project")
    bin_dir = tmp_path_factory.mktemp("agent-bin")
    claude = bin_dir / "claude"
    claude.write_text(FAKE_CLAUDE)
    claude.chmod(0o755)
    return home, bin_dir, _make_home(home, project)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, agent_home: tuple[Path, Path, Store]
) -> Iterator[ServerProcess]:
    """Like conftest's server, but HOME holds the fake stores and PATH the fake agent."""
    home, bin_dir, _ = agent_home
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    with start_server(tmp_path_factory, {"HOME": str(home), "PATH": path}) as srv:
        yield srv


@pytest.fixture
def store(agent_home: tuple[Path, Path, Store]) -> Store:
    return agent_home[2]


def screenshot(page: Any, name: str) -> None:
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"))


def start_terminal(page: Any) -> str:
    """A single fresh session, opened in the workspace; returns its id."""
    page.goto("/")
    page.evaluate(DELETE_ALL)
    sid = str(page.evaluate(CREATE, "base"))
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(PANE_ROW, arg=[sid, "$"])
    return sid


def palette_open(page: Any, label: str) -> None:
    """Ctrl+Shift+K, filter for `label`, Enter; skips when the palette has no such entry yet."""
    page.keyboard.press("Control+Shift+K")
    dialog = page.get_by_role("dialog", name="Tools")
    box = dialog.get_by_role("combobox", name="Filter commands")
    expect(box).to_be_focused()
    box.fill(label)
    expect(dialog.locator(".ws-palette-item, .ws-palette-empty").first).to_be_visible()
    if dialog.get_by_role("option", name=label, exact=True).count() == 0:
        pytest.skip(
            f"the tools palette has no '{label}' entry yet: the agent panels are not wired "
            "into frontend/src/workspace (PANELS + commands)"
        )
    page.keyboard.press("Enter")


def wait_new_session(page: Any, old: str) -> str:
    page.wait_for_url(TERMINAL_URL)
    page.wait_for_function(f"() => ({CURRENT_ID})() !== {json.dumps(old)}")
    return str(page.evaluate(CURRENT_ID))


def session_info(page: Any, sid: str) -> dict[str, Any]:
    sessions: list[dict[str, Any]] = page.evaluate(LIST)
    return next(s for s in sessions if s["id"] == sid)


def test_resume_searches_and_opens_a_new_terminal(authed_page: Any, store: Store) -> None:
    page = authed_page
    base = start_terminal(page)
    palette_open(page, "Resume agent session")
    sheet = page.get_by_role("dialog", name="Resume agent session")
    rows = sheet.get_by_role("list", name="Past agent sessions").get_by_role("listitem")
    expect(rows).to_have_count(3)
    # Newest first: OpenCode (1 h), the payment session (3 h), the docs session (2 days).
    expect(rows.nth(0)).to_contain_text("Tune the search index")
    payment = rows.nth(1)
    expect(payment).to_contain_text("Refactor the payment gateway")
    expect(payment).to_contain_text("Claude Code · updated 3 h ago · 2 turns")
    expect(payment).to_contain_text("feature/pay")
    expect(rows.nth(2)).to_contain_text("updated 2 days ago")
    chips = sheet.get_by_role("group", name="Filter by agent").get_by_role("button")
    expect(chips).to_have_text(["All", "OpenCode", "Claude Code"])
    screenshot(page, "resume-agent")

    search = sheet.get_by_role("searchbox", name="Search past agent sessions")
    expect(search).to_be_focused()
    search.fill("no-such-session-anywhere")
    expect(sheet.get_by_text("No past agent sessions match this search.")).to_be_visible()
    search.fill("payment")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Refactor the payment gateway")

    # Keyboard only: ↓ from the search box to the row, Enter resumes it.
    page.keyboard.press("ArrowDown")
    expect(sheet.get_by_role("button", name="Resume Refactor the payment gateway")).to_be_focused()
    page.keyboard.press("Enter")
    new = wait_new_session(page, base)
    page.wait_for_function(PANE_ROW, arg=[new, f"RESUMED {store.payment_id}"])
    info = session_info(page, new)
    assert info["name"] == "Refactor the payment gateway"
    assert Path(info["cwd"]).resolve() == store.project.resolve()
    expect(page.get_by_role("tab", name="Refactor the payment gateway")).to_be_visible()
    assert page.errors == []


def test_filter_copy_and_resume_in_a_missing_folder(authed_page: Any, store: Store) -> None:
    page = authed_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    base = start_terminal(page)
    palette_open(page, "Resume agent session")
    sheet = page.get_by_role("dialog", name="Resume agent session")
    rows = sheet.get_by_role("list", name="Past agent sessions").get_by_role("listitem")
    expect(rows).to_have_count(3)
    chips = sheet.get_by_role("group", name="Filter by agent")
    chips.get_by_role("button", name="OpenCode").click()
    expect(chips.get_by_role("button", name="OpenCode")).to_have_attribute("aria-pressed", "true")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Tune the search index")
    chips.get_by_role("button", name="All").click()
    expect(rows).to_have_count(3)

    docs = "Write docs for the parser"
    copy = sheet.get_by_role("button", name=f"Copy resume command for {docs}")
    copy.click()
    expect(copy).to_have_text("Copied")
    clip = page.evaluate("() => navigator.clipboard.readText()")
    assert clip == f"claude --resume {store.docs_id}"

    # Its folder no longer exists: the session starts in the default folder and says so.
    sheet.get_by_role("button", name=f"Resume {docs}").click()
    notice = sheet.get_by_role("alert")
    expect(notice).to_contain_text("no longer exists")
    expect(notice).to_contain_text("deleted-project")
    open_btn = notice.get_by_role("button", name="Open the terminal")
    expect(open_btn).to_be_focused()
    open_btn.click()
    new = wait_new_session(page, base)
    page.wait_for_function(PANE_ROW, arg=[new, f"RESUMED {store.docs_id}"])
    assert session_info(page, new)["name"] == docs
    assert page.errors == []


def test_launch_agent_starts_it_in_the_current_folder(authed_page: Any) -> None:
    page = authed_page
    base = start_terminal(page)
    base_cwd = session_info(page, base)["cwd"]
    palette_open(page, "Launch agent")
    sheet = page.get_by_role("dialog", name="Launch agent")
    agents = sheet.get_by_role("list", name="Detected agents").get_by_role("listitem")
    expect(agents).to_have_count(1)
    expect(agents.nth(0)).to_contain_text("Claude Code")
    expect(agents.nth(0)).to_contain_text("9.9.9")
    expect(sheet.get_by_text("Starts in")).to_be_visible()
    expect(sheet.get_by_role("button", name="Launch Claude Code")).to_be_focused()
    screenshot(page, "launch-agent")

    # The resume browser is one step away, and back.
    sheet.get_by_role("button", name="Resume a past session…").click()
    resume = page.get_by_role("dialog", name="Resume agent session")
    expect(resume.get_by_role("list", name="Past agent sessions")).to_be_visible()
    resume.get_by_role("button", name="Back to agents").click()
    expect(sheet).to_be_visible()

    sheet.get_by_role("button", name="Launch Claude Code").click()
    new = wait_new_session(page, base)
    page.wait_for_function(PANE_ROW, arg=[new, "FAKE-CLAUDE-STARTED"])
    info = session_info(page, new)
    assert info["cwd"] == base_cwd
    assert info["name"].startswith("Claude Code · ")
    assert page.errors == []


def test_phone_resume_sheet_fits(browser: Any, server: ServerProcess, auth_state: Any) -> None:
    context = browser.new_context(
        base_url=server.base_url, storage_state=auth_state, viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True, device_scale_factor=2,
    )  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        start_terminal(page)
        palette_open(page, "Resume agent session")
        sheet = page.get_by_role("dialog", name="Resume agent session")
        rows = sheet.get_by_role("list", name="Past agent sessions").get_by_role("listitem")
        expect(rows).to_have_count(3)
        screenshot(page, "resume-agent-phone")
        for width in (390, 320):
            page.set_viewport_size({"width": width, "height": 700})
            box = sheet.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= width
            for i in range(3):
                row = rows.nth(i).bounding_box()
                assert row is not None
                assert row["x"] + row["width"] <= width
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert errors == []
    finally:
        context.close()
