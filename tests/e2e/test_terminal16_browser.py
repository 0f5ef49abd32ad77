"""Browser tests of issue #16's terminal findings: keys typed right after a tab click, a page
load or during a reconnect reach the shell; plain Ctrl+K / Ctrl+F belong to the shell; the
reconnect chip; the phone tab strip; the one-row key bar on a landscape phone."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_workspace_browser import (
    FLAKY_SOCKETS,
    PANE_CONTAINS,
    PANE_ROW,
    fresh_sessions,
    open_terminal,
    pane,
)

pytestmark = BROWSER_MARKS


def test_keys_typed_right_after_a_tab_click_reach_the_shell(authed_page: Any) -> None:
    page = authed_page
    first, second = fresh_sessions(page, "typing-a", "typing-b")
    open_terminal(page, first)
    # The second tab has never been opened: its terminal is made by the click.
    page.get_by_role("tab", name="typing-b").click()
    page.keyboard.type("echo after''-tab-click\n")
    page.wait_for_function(PANE_ROW, arg=[second, "after-tab-click"])
    # Back to a tab whose terminal exists but was hidden.
    page.get_by_role("tab", name="typing-a").click()
    page.keyboard.type("echo back''-to-first\n")
    page.wait_for_function(PANE_ROW, arg=[first, "back-to-first"])
    assert page.errors == []


def test_keys_typed_right_after_the_page_loads_reach_the_shell(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "typing-load")
    page.goto(f"/terminal?id={sid}")
    # No click and no wait for the prompt: only for the terminal to be on the page.
    page.locator(".xterm-helper-textarea").wait_for(state="attached")
    page.keyboard.type("echo typed''-on-load\n")
    page.wait_for_function(PANE_ROW, arg=[sid, "typed-on-load"])
    assert page.errors == []


def test_keys_typed_while_reconnecting_are_sent_after_the_reattach(authed_page: Any) -> None:
    page = authed_page
    page.context.add_init_script(FLAKY_SOCKETS)
    (sid,) = fresh_sessions(page, "typing-offline")
    open_terminal(page, sid)
    pane(page, sid).locator(".term-host").click()
    page.evaluate("() => { window.__refuse = true; window.__sockets.forEach((s) => s.close()); }")
    expect(pane(page, sid).get_by_role("status")).to_contain_text("Reconnecting")
    page.keyboard.type("echo typed''-offline\n")
    page.evaluate("() => { window.__refuse = false; }")
    page.wait_for_function(PANE_ROW, arg=[sid, "typed-offline"], timeout=20_000)
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])
    assert page.errors == []

