"""Browser tests of issue #16's terminal findings: keys typed right after a tab click, a page
load or during a reconnect reach the shell; plain Ctrl+K / Ctrl+F belong to the shell; the
reconnect chip; the phone tab strip; the one-row key bar on a landscape phone."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser_common import (
    BROWSER_MARKS,
    expect,
    expect_overlay_only_after_the_grace,
    tap_terminal,
)
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
    # The second tab has never been opened: its terminal is made by the click, in the same
    # task (the keys typed next must not land on the tab button). Waiting for its input to be
    # on the page costs nothing when that holds, and keeps a loaded machine from racing it.
    page.get_by_role("tab", name="typing-b").click()
    page.locator(f'.ws-pane[data-session-id="{second}"] .xterm-helper-textarea').wait_for(
        state="attached")
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


def test_plain_ctrl_k_and_ctrl_f_reach_the_shell_unless_the_setting_takes_them(
    authed_page: Any,
) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "shell-keys")
    open_terminal(page, sid)
    pane(page, sid).locator(".term-host").click()
    # readline: ^K kills to the end of the line, ^F moves forward one character.
    page.keyboard.type("echo kill''-ok DROPPED")
    for _ in range(len(" DROPPED")):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Control+k")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "kill-ok"])
    page.keyboard.type("ech fwd''-ok")
    page.keyboard.press("Control+a")
    for _ in range(3):
        page.keyboard.press("Control+f")
    page.keyboard.type("o")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "fwd-ok"])
    expect(page.get_by_role("dialog", name="Tools")).to_have_count(0)
    expect(page.get_by_role("search")).to_have_count(0)
    # Ours are one Shift away.
    page.keyboard.press("Control+Shift+F")
    expect(page.get_by_role("search", name="Find in terminal")).to_be_visible()
    page.keyboard.press("Escape")
    # Settings → Keyboard gives plain Ctrl+K / Ctrl+F to the web app.
    page.keyboard.press("Control+,")
    settings = page.get_by_role("dialog", name="Settings")
    switch = settings.get_by_role("switch", name="Plain Ctrl+K and Ctrl+F open Tools and Find")
    expect(switch).not_to_be_checked()
    switch.check()
    page.keyboard.press("Escape")
    expect(settings).to_be_hidden()
    pane(page, sid).locator(".term-host").click()
    page.keyboard.press("Control+k")
    tools = page.get_by_role("dialog", name="Tools")
    expect(tools).to_be_visible()
    page.keyboard.press("Escape")
    # The server keeps the choice; put it back for the other tests.
    page.wait_for_function(
        "() => fetch('/api/preferences').then((r) => r.json()).then((j) => j.prefs.ctrlShortcuts)"
    )
    page.keyboard.press("Control+,")
    settings.get_by_role("switch", name="Plain Ctrl+K and Ctrl+F open Tools and Find").uncheck()
    page.wait_for_function(
        "() => fetch('/api/preferences').then((r) => r.json()).then((j) => !j.prefs.ctrlShortcuts)"
    )
    assert page.errors == []


#: Close the page's sockets (new ones are refused), wait for the close event, then two frames;
#: `closedAt` is the close's time on the page's clock.
DROP_AND_LOOK = """() => new Promise((resolve) => {
    window.__refuse = true;
    const open = window.__sockets.filter((s) => s.readyState === WebSocket.OPEN);
    let left = open.length;
    const frames = (closedAt) => requestAnimationFrame(() => requestAnimationFrame(() => {
        const chip = document.querySelector('.ws-reconnect-bar');
        resolve({chip: chip && chip.textContent,
                 through: !!chip && getComputedStyle(chip).pointerEvents === 'none',
                 dialog: !!document.querySelector('.ws-pane [role="dialog"]'), closedAt});
    }));
    open.forEach((s) => {
        s.addEventListener('close', () => --left === 0 && frames(Date.now()));
        s.close();
    });
})"""


def test_a_dropped_socket_shows_a_chip_at_once_and_the_overlay_later(authed_page: Any) -> None:
    page = authed_page
    page.context.add_init_script(FLAKY_SOCKETS)
    (sid,) = fresh_sessions(page, "blip")
    page.clock.install()  # before the terminal loads: the 10 s grace is jumped, not waited
    open_terminal(page, sid)
    # Within two frames of the close: the chip, lets pointers through, no modal yet.
    seen = page.evaluate(DROP_AND_LOOK)
    closed_at = seen.pop("closedAt")
    assert seen == {"chip": "Reconnecting…", "through": True, "dialog": False}
    # A longer outage still ends in the overlay with its retry button, and only then.
    overlay = pane(page, sid).get_by_role("dialog", name="Connection lost")
    expect_overlay_only_after_the_grace(page, overlay, closed_at)
    page.evaluate("() => { window.__refuse = false; }")
    overlay.get_by_role("button", name="Retry now").click()
    expect(overlay).to_be_hidden()
    expect(pane(page, sid).locator(".ws-reconnect-bar")).to_have_count(0)
    assert page.errors == []


#: Whether the selected tab lies wholly inside the tab strip's visible box.
ACTIVE_TAB_SHOWN = """() => {
    const strip = document.querySelector('.ws-tabs').getBoundingClientRect();
    const tab = document.querySelector('.ws-tab.selected').getBoundingClientRect();
    return tab.left >= strip.left - 1 && tab.right <= strip.right + 1;
}"""


def test_phone_tab_strip_shows_the_active_tab_and_gets_the_width(phone: Any) -> None:
    page = phone
    names = [f"a-rather-long-session-name-{n}" for n in ("one", "two", "three")]
    first, _second, third = fresh_sessions(page, *names)
    open_terminal(page, third)
    expect(page.get_by_role("tab")).to_have_count(3)
    page.wait_for_function(ACTIVE_TAB_SHOWN)
    # ‹ and ▤ are one button, and Preview waits for a port: the tabs get the width.
    expect(page.get_by_role("link", name="Back to sessions")).to_be_hidden()
    expect(page.get_by_role("button", name="Preview", exact=True)).to_be_hidden()
    strip = page.locator(".ws-tabs").bounding_box()
    assert strip is not None
    assert strip["width"] >= 200, strip
    # The drawer picks another session (and is the way back to the hub).
    page.get_by_role("button", name="Sessions", exact=True).tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    expect(drawer.get_by_role("link", name="All sessions")).to_be_visible()
    drawer.locator(".drawer-card-main").filter(has_text=names[0]).tap()
    expect(page.get_by_role("tab", name=names[0])).to_have_attribute("aria-selected", "true")
    page.wait_for_function(ACTIVE_TAB_SHOWN)
    # A dev server's URL in the output brings Preview back.
    page.wait_for_function(PANE_CONTAINS, arg=[first, "$"])
    tap_terminal(pane(page, first).locator(".term-host"))
    page.keyboard.type("echo http://localhost:''5173/\n")
    expect(page.get_by_role("button", name="Preview", exact=True)).to_be_visible()
    assert page.errors == []


#: The key bar's height, and the distinct tops of its keys (one per visual row).
KEYBAR_SHAPE = """() => {
    const bar = document.querySelector('.keybar').getBoundingClientRect();
    const grid = document.querySelector('.keybar-grid');
    const tops = new Set(Array.from(grid.querySelectorAll('.kb-key'))
        .map((k) => Math.round(k.getBoundingClientRect().top)));
    return {height: bar.height, rows: tops.size, scrolls: grid.scrollWidth > grid.clientWidth};
}"""


def test_landscape_phone_key_bar_is_one_scrollable_row(phone: Any) -> None:
    page = phone
    (sid,) = fresh_sessions(page, "landscape")
    page.set_viewport_size({"width": 844, "height": 390})
    open_terminal(page, sid)
    page.wait_for_function("() => window.innerHeight === 390")
    shape = page.evaluate(KEYBAR_SHAPE)
    assert shape["rows"] == 1, shape
    assert shape["height"] <= 390 * 0.2, shape
    # The keys past the edge are reached by scrolling the row, and still work.
    grid = page.locator(".keybar-grid")
    grid.evaluate("(g) => { g.scrollLeft = g.scrollWidth; }")
    last = page.locator(".keybar-grid .kb-key").last
    expect(last).to_be_in_viewport()
    # Portrait keeps the two-row grid.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => window.innerHeight === 844")
    assert page.evaluate(KEYBAR_SHAPE)["rows"] == 2
    assert page.errors == []
