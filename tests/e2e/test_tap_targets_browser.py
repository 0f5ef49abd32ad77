"""Every control a thumb can reach on a phone (390×844, touch, DPR 2) is a 44×44 CSS px target
(issue #16): the hub, the new-session sheet, the terminal with its key bar, the tools
palette, the find bar, the files sheet, settings, the code viewer (with its blame), the
preview dialog, the markdown viewer, the agent and resume panels and the login page.

A control passes when points all over a box centred on it, 44×44 or its own if bigger
(clipped to the screen, whose edge stops a thumb anyway), hit-test with
`document.elementFromPoint` to the control itself, something inside it, or one of its
<label>s (a tap there activates it). A transparent ::before/::after that widens a small
visual counts, since a pseudo-element hit-tests as its element; one that reaches over a
neighbour shows up as that neighbour failing, because points of its box then land on the
wider one. Text fields must also use a 16 px font (iOS zooms into smaller ones on focus).
Links inside a rendered document's running text are exempt, as WCAG 2.5.8 exempts targets
"in a sentence": a line of prose cannot be 44 px tall.

Search fields show one clear control: the app's own, never also the browser's ×.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.conftest import ServerProcess, start_server

pytestmark = BROWSER_MARKS

#: What a tap can activate. xterm's helper textarea is left out: the terminal's surface is
#: what a finger taps, and the textarea only carries the keyboard.
CONTROLS = (
    "button, a[href], input:not([type='hidden']), select, textarea, summary, [role='button'], "
    "[role='tab'], [role='switch'], [role='option'], [role='treeitem'], [role='link'], "
    "[role='checkbox'], [role='radio'], [role='menuitem']"
)

#: Measures every visible control under `scope` (a selector; the whole page when null):
#: returns the ones that are neither 44×44 nor hit across a 44×44 box, and text fields whose
#: font is under 16 px.
MEASURE = """([scope, controls, min]) => {
    const root = scope ? document.querySelector(scope) : document;
    if (!root) return { error: `no ${scope}` };
    const vw = window.innerWidth, vh = window.innerHeight;
    const describe = (el) => {
        const name = el.getAttribute('aria-label') || el.getAttribute('title')
            || (el.labels && el.labels[0] && el.labels[0].textContent)
            || el.textContent || el.getAttribute('placeholder') || el.value || '';
        const cls = typeof el.className === 'string' && el.className
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        const type = el.type && el.tagName === 'INPUT' ? `[type=${el.type}]` : '';
        const text = name.trim().replace(/\\s+/g, ' ').slice(0, 30);
        return `${el.tagName.toLowerCase()}${type}${cls} "${text}"`;
    };
    const owns = (el, hit) => !!hit && (el === hit || el.contains(hit)
        || Array.from(el.labels || []).some((label) => label.contains(hit)));
    const failures = [], fonts = [];
    let count = 0;
    for (const el of root.querySelectorAll(controls)) {
        // xterm's keyboard carrier, and controls hidden from everyone until revealed (the
        // delete button under a hub card, until a swipe uncovers it).
        if (el.closest('.xterm-helper-textarea, [aria-hidden="true"]')) continue;
        // A link in a line of a rendered document's prose (WCAG 2.5.8's inline exception).
        if (el.matches('.md-body a') && getComputedStyle(el).display === 'inline') continue;
        if (!el.checkVisibility({ visibilityProperty: true })) continue;
        if (el.getBoundingClientRect().width <= 1 || el.getBoundingClientRect().height <= 1) {
            continue;  // visually hidden (for screen readers only)
        }
        // Into the middle of the screen and of every scrolling box around it, as a thumb
        // would scroll it before tapping.
        el.scrollIntoView({ block: 'center', inline: 'center' });
        const r = el.getBoundingClientRect();
        count++;
        const textual = el.matches('textarea, select, input:not([type=checkbox]):not([type=radio])'
            + ':not([type=range]):not([type=color]):not([type=file]):not([type=button])');
        const font = parseFloat(getComputedStyle(el).fontSize);
        if (textual && font < 16) fonts.push(`${describe(el)} font ${font}px`);
        const w = Math.max(min, r.width), h = Math.max(min, r.height);
        const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
        const left = Math.max(0, cx - w / 2), right = Math.min(vw, cx + w / 2);
        const top = Math.max(0, cy - h / 2), bottom = Math.min(vh, cy + h / 2);
        // The points of a 5×5 grid across the box (the control's own when it is big enough),
        // 1 px in from its edges, that lie in the ellipse the box encloses: its full width and
        // height, but not the corners, which the browser does not hit on a round or rounded
        // control. A neighbour's widened hit area over any of them shows as a miss.
        const points = [];
        for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) {
            if (i * i + j * j > 4) continue;
            points.push([(left + right) / 2 + (right - left - 2) * i / 4,
                         (top + bottom) / 2 + (bottom - top - 2) * j / 4]);
        }
        const misses = points.map(([x, y]) => document.elementFromPoint(x, y))
            .filter((hit) => !owns(el, hit));
        if (misses.length) {
            const other = misses[0];
            failures.push(`${describe(el)} ${Math.round(r.width)}×${Math.round(r.height)}`
                + ` (${misses.length}/${points.length} points miss, e.g. on `
                + `${other ? describe(other) : 'nothing'})`);
        }
    }
    return { count, failures, fonts };
}"""

MIN = 44
#: The find field's least width on a 390 px phone (it was 88 px): room for ~25 characters.
FIND_MIN_WIDTH = 240
WHO = ("Tap Tester", "tap@example.com", "2024-01-02T10:00:00+00:00")
#: Answers the version probe the agent detection makes; never started here.
FAKE_CLAUDE = '#!/bin/sh\n[ "$1" = --version ] && echo "9.9.9 (Claude Code)"\nexec cat\n'
README = """# Tap repo

A paragraph with [a link](notes.txt) in its text.

<details><summary>More</summary>

Hidden text.

</details>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The real server with an agent on PATH and one past Claude Code session in HOME, so the
    agent and resume panels have rows to measure."""
    home = tmp_path_factory.mktemp("tap-home")
    bin_dir = tmp_path_factory.mktemp("tap-bin")
    (bin_dir / "claude").write_text(FAKE_CLAUDE)
    (bin_dir / "claude").chmod(0o755)
    turn = {"type": "user", "cwd": str(home), "gitBranch": "main",
            "message": {"role": "user", "content": "Tidy the tap targets"}}  # fmt: skip
    transcript = home / ".claude/projects/-tap/c0ffee00-1111-4aaa-8bbb-000000000001.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text(json.dumps(turn) + "\n")
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    with start_server(tmp_path_factory, {"HOME": str(home), "PATH": path}) as srv:
        yield srv


def _git(repo: Path, *args: str) -> None:
    name, email, date = WHO
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo.parent),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def sessions(api: Any) -> Iterator[tuple[str, str]]:
    """Two sessions (so there are tabs and cards): the first in a small git repository with a
    folder a few levels deep (breadcrumbs) and an unstaged change (the code viewer's diff)."""
    for old in api.get("/api/sessions").json():
        api.delete(f"/api/sessions/{old['id']}")
    repo = Path(api.get("/api/shells").json()["cwd"]) / "tap-repo"
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)
    (deep / "app.py").write_text("def greet(name):\n    return 'hi ' + name\n")
    (repo / "notes.txt").write_text("one\ntwo\n")
    (repo / "README.md").write_text(README)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Initial commit")
    (repo / "notes.txt").write_text("one\n2\n")
    ids = []
    # Two shells, so the hub shows its filter chips.
    shells = [s["path"] for s in api.get("/api/shells").json()["shells"]]
    other = next(p for p in shells if not p.endswith("/bash"))
    for name, shell in (("taps", ""), ("other", other)):
        body = {"name": name, "cwd": str(repo), **({"shell": shell} if shell else {})}
        response = api.post("/api/sessions", data=body)
        assert response.status == 201, response.text()
        ids.append(str(response.json()["id"]))
    try:
        yield ids[0], ids[1]
    finally:
        for sid in ids:
            api.delete(f"/api/sessions/{sid}")
        shutil.rmtree(repo, ignore_errors=True)


def _measure(page: Any, screen: str, scope: str | None, report: dict[str, list[str]]) -> None:
    result = page.evaluate(MEASURE, [scope, CONTROLS, MIN])
    assert "error" not in result, result
    assert result["count"] > 0, f"{screen}: no controls found under {scope}"
    report.update({f"{screen}: {f}": [] for f in result["failures"]})
    report.update({f"{screen}: {f}": [] for f in result["fonts"]})


def _check(report: dict[str, list[str]]) -> None:
    failures = list(report)
    assert not failures, f"{len(failures)} controls under {MIN}×{MIN} px:\n" + "\n".join(failures)


def _one_clear_control(page: Any, field: Any, ours: Any) -> None:
    """With text in `field` the app's own clear button shows (and empties it) and the browser's
    × does not. Chromium draws that × at the right end of a search field holding text, and a
    script cannot read its style: so the field's end is compared, as pixels, with text and
    without (placeholder off)."""

    def end() -> bytes:
        box = field.bounding_box()  # narrower while our clear button shows
        assert box is not None
        clip = {"x": box["x"] + box["width"] - 40, "y": box["y"] + 6, "width": 34,
                "height": box["height"] - 12}  # fmt: skip
        return bytes(page.screenshot(clip=clip, animations="disabled"))

    field.evaluate("(el) => { el.placeholder = '' }")
    field.fill("")
    empty = end()
    field.fill("x")
    expect(ours).to_be_visible()
    assert end() == empty, "the browser's own × shows next to ours"
    ours.tap()
    expect(field).to_have_value("")
    expect(ours).to_have_count(0)


def _open_terminal(page: Any, sid: str) -> None:
    """The terminal page with its bars drawn (the shell's prompt does not matter here)."""
    page.goto(f"/terminal?id={sid}")
    expect(page.locator(f'.ws-pane[data-session-id="{sid}"] .xterm-rows')).to_be_attached()
    expect(page.get_by_role("navigation", name="Terminal keys")).to_be_visible()
    expect(page.locator(".splash")).to_have_count(0)


def _tool(page: Any, command: str) -> None:
    page.get_by_role("button", name="Tools").tap()
    page.get_by_role("dialog", name="Tools").get_by_role("option", name=command).tap()


def test_hub_and_new_session_sheet(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    page.goto("/")
    expect(page.get_by_role("list", name="Sessions").get_by_role("listitem")).to_have_count(2)
    expect(page.locator(".splash")).to_have_count(0)
    expect(page.locator(".chip").first).to_be_visible()
    _measure(page, "hub", None, report)
    page.get_by_role("button", name=re.compile("^\\+ New")).tap()
    sheet = page.get_by_role("dialog", name=re.compile("session", re.I))
    expect(sheet.get_by_role("radio", name="Automatic colour")).to_be_attached()
    _measure(page, "new session", ".sheet", report)
    sheet.get_by_role("button", name=re.compile("^Browse")).tap()
    expect(sheet.locator(".folder-browser .fb-item").first).to_be_visible()
    _measure(page, "new session, folder browser", ".sheet", report)
    sheet.get_by_role("tab", name="Agents").tap()
    expect(sheet.get_by_role("tab", name="Agents")).to_have_attribute("aria-selected", "true")
    _measure(page, "new session, agents", ".sheet", report)
    _check(report)
    assert page.errors == []


def test_terminal_key_bar_palette_and_find(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    _open_terminal(page, sessions[0])
    expect(page.get_by_role("tab")).to_have_count(2)
    _measure(page, "terminal", None, report)
    page.get_by_role("button", name="Tools").tap()
    expect(page.get_by_role("dialog", name="Tools")).to_be_visible()
    _measure(page, "tools", ".sheet", report)
    page.get_by_role("dialog", name="Tools").get_by_role("option", name="Find").tap()
    expect(page.get_by_role("search", name="Find in terminal")).to_be_visible()
    _measure(page, "find bar", ".ws-search", report)
    width = page.get_by_role("searchbox", name="Find").bounding_box()["width"]
    assert width >= FIND_MIN_WIDTH, f"the find field is {width:.0f} px wide at 390 px"
    page.get_by_role("button", name="Close find").tap()
    _tool(page, "Preview port")
    expect(page.locator(".preview-panel")).to_be_visible()
    _measure(page, "preview", ".preview-panel", report)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sessions", exact=True).tap()
    expect(page.get_by_role("dialog", name="Sessions")).to_be_visible()
    page.wait_for_function("() => document.querySelector('.drawer').getAnimations().length === 0")
    _measure(page, "sessions drawer", ".drawer", report)
    page.keyboard.press("Escape")
    for command, title in (
        ("Upload files", "Upload files"),
        ("Share link", "Share"),
        ("About", "About TermBeam"),
    ):
        _tool(page, command)
        expect(page.get_by_role("dialog", name=title)).to_be_visible()
        _measure(page, title, ".sheet", report)
        page.get_by_role("dialog", name=title).get_by_role("button", name="Close").tap()
    _check(report)
    assert page.errors == []


def test_files_sheet_and_settings(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    _open_terminal(page, sessions[0])
    _tool(page, "Browse files")
    files = page.get_by_role("dialog", name="Files")
    files.get_by_role("button", name=re.compile("^src, folder")).tap()
    files.get_by_role("button", name=re.compile("^pkg, folder")).tap()
    files.get_by_role("button", name=re.compile("^app.py, file")).tap()
    expect(files.get_by_role("group", name="Actions for app.py")).to_be_visible()
    expect(files.get_by_role("navigation", name="Folder path").get_by_role("button")).to_have_count(
        3
    )
    _measure(page, "files", ".sheet", report)
    _one_clear_control(page, files.get_by_role("searchbox", name="Filter by name"),
                       files.get_by_role("button", name="Clear filter"))  # fmt: skip
    files.get_by_role("button", name="Close").tap()
    _tool(page, "Settings")
    expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
    _measure(page, "settings", ".sheet", report)
    _check(report)
    assert page.errors == []


def test_code_viewer(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    page.goto(f"/code/{sessions[0]}")
    tree = page.get_by_role("tree", name="Files")
    expect(tree.get_by_role("treeitem", name="notes.txt")).to_be_visible()
    expect(page.locator(".splash")).to_have_count(0)
    _measure(page, "code, files", None, report)
    tree.get_by_role("treeitem", name="notes.txt").tap()
    expect(page.get_by_role("button", name="Blame")).to_be_visible()
    _measure(page, "code, file", None, report)
    page.get_by_role("button", name="Blame").tap()
    expect(page.locator(".cv-blame-group").first).to_be_visible()
    _measure(page, "code, blame", None, report)
    # A tap on the first line's row of the gutter tells who changed that line.
    first = page.locator(".cv-blame-group").first.bounding_box()
    page.touchscreen.tap(first["x"] + first["width"] / 2, first["y"] + 10)
    details = page.get_by_role("note", name="Blame details")
    expect(details).to_contain_text("line 1")
    _measure(page, "code, blame details", None, report)
    # A finger easily lands a row off: the details step to the next change.
    details.get_by_role("button", name="Next change").tap()
    expect(details).to_contain_text("line 2")
    expect(details.get_by_role("button", name="Next change")).to_be_disabled()
    page.get_by_role("button", name="Back to the list").tap()
    views = page.get_by_role("tablist", name="Views")
    views.get_by_role("tab", name=re.compile("^Changes")).tap()
    page.get_by_role("region", name="Unstaged", exact=True).get_by_role("button").tap()
    expect(page.get_by_role("button", name="Wrap")).to_be_visible()
    _measure(page, "code, diff", None, report)
    _check(report)
    assert page.errors == []


def test_markdown_viewer(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    _open_terminal(page, sessions[0])
    _tool(page, "View markdown")
    sheet = page.get_by_role("dialog", name="Markdown")
    expect(sheet.get_by_role("button", name=re.compile("^README.md")).first).to_be_visible()
    _measure(page, "markdown, files", ".sheet", report)
    _one_clear_control(page, sheet.get_by_role("searchbox", name="Filter markdown files"),
                       sheet.get_by_role("button", name="Clear filter"))  # fmt: skip
    sheet.get_by_role("button", name=re.compile("^README.md")).first.tap()
    doc = page.get_by_role("dialog", name="README.md")
    expect(doc.get_by_role("document").locator("summary")).to_be_visible()
    _measure(page, "markdown, document", ".sheet", report)
    _check(report)
    assert page.errors == []


def test_agent_and_resume_panels(phone: Any, sessions: tuple[str, str]) -> None:
    page = phone
    report: dict[str, list[str]] = {}
    _open_terminal(page, sessions[0])
    _tool(page, "Launch agent")
    agents = page.get_by_role("dialog", name="Launch agent")
    expect(agents.locator(".ag-launch").first).to_be_visible()
    _measure(page, "agents", ".sheet", report)
    agents.get_by_role("button", name=re.compile("^Resume a past session")).tap()
    resume = page.get_by_role("dialog", name="Resume agent session")
    rows = resume.get_by_role("list", name="Past agent sessions").get_by_role("listitem")
    expect(rows).to_have_count(1)
    _measure(page, "resume", ".sheet", report)
    _one_clear_control(page, resume.get_by_role("searchbox", name="Search past agent sessions"),
                       resume.get_by_role("button", name="Clear search"))  # fmt: skip
    expect(rows).to_have_count(1)
    _check(report)
    assert page.errors == []


def test_login_page(phone_page: Any) -> None:
    page = phone_page
    report: dict[str, list[str]] = {}
    page.goto("/login")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    _measure(page, "login", None, report)
    _check(report)
    assert page.errors == []


#: The terminal's top bar and the key sizes a desktop (mouse) keeps.
DESKTOP_SIZES = """() => {
    const h = (s) => Math.round(document.querySelector(s).getBoundingClientRect().height);
    return { bar: h('.ws-bar'), tools: h('.ws-tools-btn'), tab: h('.ws-tab-main'),
             keybar: getComputedStyle(document.querySelector('.keybar')).display };
}"""


def test_a_desktop_keeps_its_density(authed_page: Any, sessions: tuple[str, str]) -> None:
    """The 44 px floor is for touch screens only: a mouse keeps the compact bar."""
    page = authed_page
    page.goto(f"/terminal?id={sessions[0]}")
    expect(page.get_by_role("tab", name="taps")).to_be_visible()
    page.locator(".keybar").wait_for(state="attached")
    assert page.evaluate(DESKTOP_SIZES) == {"bar": 45, "tools": 34, "tab": 34, "keybar": "none"}
    assert page.errors == []
