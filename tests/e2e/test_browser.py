"""Browser tests: log in, create a session, run a command and read it back from xterm.js.

They drive Debian's Chromium through Playwright against the real server started by
conftest.py, on a desktop viewport and on a 390×844 touch viewport.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import (
    BROWSER_MARKS,
    ROW_EQUALS,
    ROWS_CONTAIN,
    TERMINAL_URL,
    expect,
    tap_terminal,
)

pytestmark = BROWSER_MARKS

_clients = itertools.count(1)


def as_new_client(page: Any) -> Any:
    """Give the page its own client address for the server's per-address rate limits.

    X-Forwarded-For is trusted from a loopback peer (as behind the tunnel proxy), so each test
    counts as its own client instead of all of them sharing 127.0.0.1's 120 requests a minute.
    """
    page.set_extra_http_headers({"X-Forwarded-For": f"198.51.100.{next(_clients)}"})
    return page


def login(page: Any, server: ServerProcess) -> None:
    """Open the app logged out, get sent to /login, sign in and land on the hub."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()


def open_hub(page: Any) -> None:
    page.goto("/")
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()


def create_session(page: Any, name: str) -> str:
    """Create a session from the hub form; returns the /terminal URL it opened."""
    page.get_by_role("button", name="+ New session").click()
    form = page.get_by_role("form", name="New session")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create").click()
    expect(page).to_have_url(TERMINAL_URL)
    wait_for_prompt(page)
    return str(page.url)


def wait_for_prompt(page: Any) -> None:
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")


def run_echo(page: Any, focus: str = "tap") -> str:
    """Type `echo hello-<random>` + Enter and wait for the output line."""
    marker = "hello-" + secrets.token_hex(4)
    if focus == "tap":
        page.locator(".term-host").tap()
    else:
        page.locator(".term-host").click()
    page.keyboard.type(f"echo {marker}")
    page.keyboard.press("Enter")
    page.wait_for_function(ROW_EQUALS, arg=marker)
    return marker


def test_wrong_password_is_refused(desktop_page: Any, server: ServerProcess) -> None:
    page = as_new_client(desktop_page)
    page.goto("/login")
    page.get_by_label("Password").fill("definitely-not-" + server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect password")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_no_request_fails_during_login(phone_page: Any, server: ServerProcess) -> None:
    """A good sign-in used to leave POST /api/auth as failed (ERR_ABORTED): the page moved on
    before reading the reply (#16)."""
    page = as_new_client(phone_page)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.method} {r.url}: {r.failure}"))
    login(page, server)
    page.wait_for_load_state("networkidle")
    assert failed == []
    assert page.errors == []


def test_desktop_login_create_and_echo(desktop_page: Any, server: ServerProcess) -> None:
    page = as_new_client(desktop_page)
    login(page, server)
    create_session(page, "e2e-desktop")
    # The new session is the selected tab of the workspace.
    expect(page.get_by_role("tab", name="e2e-desktop", selected=True)).to_be_visible()
    run_echo(page, focus="click")
    assert page.errors == []


def test_reload_and_reopen_keep_output(authed_page: Any) -> None:
    page = as_new_client(authed_page)
    open_hub(page)
    url = create_session(page, "e2e-reload")
    marker = run_echo(page, focus="click")

    page.reload()
    page.wait_for_function(ROW_EQUALS, arg=marker)  # restored by the replay snapshot

    page.get_by_role("link", name="Back to sessions").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("link", name="Open session e2e-reload").click()
    expect(page).to_have_url(url)
    page.wait_for_function(ROW_EQUALS, arg=marker)
    second = run_echo(page, focus="click")
    assert second != marker
    assert page.errors == []


def test_phone_login_create_echo_and_key_row(phone_page: Any, server: ServerProcess) -> None:
    page = as_new_client(phone_page)
    login(page, server)
    create_session(page, "e2e-phone")

    # The terminal fills the phone screen between the top bar and the key row.
    term_box = page.locator(".xterm-screen").bounding_box()
    assert term_box is not None
    assert term_box["width"] > 300
    assert term_box["y"] + term_box["height"] <= 844
    keyrow = page.get_by_role("navigation", name="Terminal keys")
    expect(keyrow).to_be_visible()

    run_echo(page)

    # ^C from the key row interrupts a running command.
    page.keyboard.type("sleep 300")
    page.keyboard.press("Enter")
    page.wait_for_function(ROWS_CONTAIN, arg="sleep 300")
    keyrow.get_by_role("button", name="Control C").tap()
    run_echo(page)
    assert page.errors == []


def test_flood_then_key_row_ctrl_c(phone_page: Any, server: ServerProcess) -> None:
    """`yes` floods the terminal for 3 s: the page keeps answering, ^C brings the prompt back."""
    page = as_new_client(phone_page)
    login(page, server)
    create_session(page, "e2e-flood")
    tap_terminal(page.locator(".term-host"))
    page.keyboard.type("yes flood-line")
    page.keyboard.press("Enter")
    page.wait_for_function(ROWS_CONTAIN, arg="flood-line")
    slowest = 0.0
    started = time.monotonic()
    while time.monotonic() - started < 3.0:  # the flood's duration is the point here
        before = time.monotonic()
        page.evaluate("() => document.querySelectorAll('.xterm-rows > div').length")
        slowest = max(slowest, time.monotonic() - before)
    assert slowest < 2.0, f"the page stalled for {slowest:.1f} s during the flood"
    page.get_by_role("navigation", name="Terminal keys").get_by_role(
        "button", name="Control C"
    ).tap()
    run_echo(page)
    assert page.errors == []


def test_delete_session_from_hub(authed_page: Any) -> None:
    page = as_new_client(authed_page)
    open_hub(page)
    create_session(page, "e2e-delete-me")
    page.get_by_role("link", name="Back to sessions").click()
    card = page.get_by_role("link", name="Open session e2e-delete-me")
    expect(card).to_be_visible()
    page.get_by_role("button", name="Delete session e2e-delete-me").click()
    page.get_by_role("dialog", name="Delete session?").get_by_role(
        "button", name="Delete", exact=True).click()
    expect(card).to_have_count(0)


def test_exit_shows_session_ended(authed_page: Any) -> None:
    page = as_new_client(authed_page)
    open_hub(page)
    create_session(page, "e2e-exit")
    page.locator(".term-host").click()
    page.keyboard.type("exit 3")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Session ended")).to_be_visible()
    expect(dialog).to_contain_text("Exit code 3")
    dialog.get_by_role("link", name="Back to sessions").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Open session e2e-exit")).to_have_count(0)


def test_unknown_session_shows_not_found(authed_page: Any) -> None:
    page = as_new_client(authed_page)
    open_hub(page)
    page.goto("/terminal?id=does-not-exist")
    expect(page.get_by_role("heading", name="Session not found")).to_be_visible()


# Test-only instrumentation: remember the page's sockets so a test can drop one.
TRACK_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();"""


def test_reconnect_resumes_without_duplicates(authed_page: Any) -> None:
    page = as_new_client(authed_page)
    page.context.add_init_script(TRACK_SOCKETS)
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(str(f))))
    open_hub(page)
    create_session(page, "e2e-resume")
    first = run_echo(page, focus="click")

    page.evaluate("window.__sockets.at(-1).close()")
    page.wait_for_function("() => window.__sockets.length === 2")
    page.wait_for_function("() => window.__sockets[1].readyState === WebSocket.OPEN")
    second = run_echo(page, focus="click")

    attaches = [m for m in sent if '"type":"attach"' in m]
    assert len(attaches) == 2
    assert '"since":' not in attaches[0]
    assert '"since":' in attaches[1]
    count = (
        "(t) => Array.from(document.querySelectorAll('.xterm-rows > div'))"
        ".filter((r) => r.textContent.trim() === t).length"
    )
    assert page.evaluate(count, first) == 1
    assert page.evaluate(count, second) == 1
    assert page.errors == []
