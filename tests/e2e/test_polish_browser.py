"""Browser tests of three workspace details: the "starting shell…" spinner on a slow first
connect, the palette's "Refresh app" (drops the service worker's caches, then reloads) and
focus returning to the terminal after a full-screen program with mouse tracking exits.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]

CREATE = """(name) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name})})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
PANE_CONTAINS = """([id, text]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && rows.textContent.includes(text);
}"""
TEXTAREA_FOCUSED = """(id) => document.activeElement === document.querySelector(
    `.ws-pane[data-session-id="${id}"] .xterm-helper-textarea`)"""
SPINNER_GLYPH = re.compile("^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]$")

_client = iter(range(1, 255))


def fresh_session(page: Any, name: str) -> str:
    """Delete every session and create one; each test counts as its own API client."""
    page.set_extra_http_headers({"X-Forwarded-For": f"198.51.101.{next(_client)}"})
    page.goto("/")
    page.evaluate(DELETE_ALL)
    return str(page.evaluate(CREATE, name))


def pane(page: Any, sid: str) -> Any:
    return page.locator(f'.ws-pane[data-session-id="{sid}"]')


def open_terminal(page: Any, sid: str) -> None:
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])


def test_spinner_shows_while_the_first_connect_hangs(authed_page: Any) -> None:
    page = authed_page
    sid = fresh_session(page, "spinner")
    held: list[Any] = []
    release = False

    def route(ws: Any) -> None:
        # Hold the first socket unanswered (a shell slow to start); later ones go through.
        if release:
            ws.connect_to_server()
        else:
            held.append(ws)

    page.route_web_socket(re.compile(r"/ws$"), route)
    page.goto(f"/terminal?id={sid}")
    status = pane(page, sid).get_by_role("status").filter(has_text="starting shell")
    expect(status).to_be_visible()
    expect(status.locator(".ws-starting-glyph")).to_have_text(SPINNER_GLYPH)
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "starting-spinner.png"))
    release = True
    held[0].close()  # the client reconnects, this time to the real server
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])
    expect(pane(page, sid).locator(".ws-starting")).to_have_count(0)
    # A normal open never leaves it behind either.
    page.reload()
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])
    expect(pane(page, sid).locator(".ws-starting")).to_have_count(0)
    assert page.errors == []


def test_refresh_app_clears_worker_caches_and_reloads(authed_page: Any) -> None:
    page = authed_page
    sid = fresh_session(page, "refresh")
    open_terminal(page, sid)
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.evaluate(
        "() => caches.open('polish-marker').then((c) => c.put('/polish-marker', new Response('x')))"
    )
    assert "polish-marker" in page.evaluate("() => caches.keys()")
    page.evaluate("() => { window.__beforeRefresh = true; }")
    pane(page, sid).locator(".term-host").click()
    page.keyboard.press("Control+Shift+K")
    dialog = page.get_by_role("dialog", name="Tools")
    box = dialog.get_by_role("combobox", name="Filter commands")
    expect(box).to_be_focused()
    box.fill("reload")
    options = dialog.get_by_role("option")
    expect(options).to_have_count(1)  # one entry, not "Reload" next to "Refresh app"
    expect(options.first).to_contain_text("Refresh app")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_function("() => !window.__beforeRefresh")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])
    assert "polish-marker" not in page.evaluate("() => caches.keys()")
    assert page.errors == []


def test_focus_returns_after_a_mouse_mode_program_exits(
    authed_page: Any, tmp_path: Path
) -> None:
    page = authed_page
    sid = fresh_session(page, "focus")
    open_terminal(page, sid)
    host = pane(page, sid).locator(".term-host")
    host.click()
    marker = secrets.token_hex(4)
    done = tmp_path / "tui-done"
    # Mouse tracking + alternate screen, like a TUI, until the test creates `done`; then flush
    # the mouse reports the click typed into the tty so they do not reach the prompt.
    page.keyboard.type(
        "printf '\\e[?1000h\\e[?1049h'; "
        f"while [ ! -e {done} ]; do sleep 0.05; done; "
        "printf '\\e[?1049l\\e[?1000l'; "
        "python3 -c 'import termios; termios.tcflush(0, termios.TCIFLUSH)'; "
        f"echo tui-{marker}-done | tr - ="
    )
    page.keyboard.press("Enter")
    xterm = pane(page, sid).locator(".xterm")
    expect(xterm).to_have_class(re.compile(r"\benable-mouse-events\b"))
    host.click()
    # What a stray click on xterm's screen can do: focus leaves the textarea.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    assert not page.evaluate(TEXTAREA_FOCUSED, sid)
    done.touch()  # the program exits
    page.wait_for_function(PANE_CONTAINS, arg=[sid, f"tui={marker}=done"])
    expect(xterm).not_to_have_class(re.compile(r"\benable-mouse-events\b"))
    page.wait_for_function(TEXTAREA_FOCUSED, arg=sid)
    page.keyboard.type(f"echo typed-{marker} | tr - =")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, f"typed={marker}"])
    assert page.errors == []
