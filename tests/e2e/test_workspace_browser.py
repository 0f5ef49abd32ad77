"""Browser tests of the terminal workspace: tabs, rename, split view, drag reorder, close,
find, the tools palette, a 2 MB paste and the initial bundle size.

Sessions are created through the API from inside the page (same origin); each test starts
from an empty session list so tab positions are predictable.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from tests.e2e.browser_common import (
    BROWSER_MARKS,
    STATIC_INDEX,
    expect,
    expect_overlay_only_after_the_grace,
    tap_terminal,
)

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
BUNDLE_LIMIT_BYTES = 250 * 1024

CREATE = """(name) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name})})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
LIST = "() => fetch('/api/sessions').then((r) => r.json())"
#: Whether the pane of session `id` shows a row equal to `text`.
PANE_ROW = """([id, text]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && Array.from(rows.children).some((r) => r.textContent.trim() === text);
}"""
PANE_CONTAINS = """([id, text]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && rows.textContent.includes(text);
}"""


PANE_LACKS = """([id, text]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && !rows.textContent.includes(text);
}"""
PANE_MATCHES = """([id, pattern]) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    return !!rows && new RegExp(pattern).test(rows.textContent);
}"""


def console_errors(page: Any) -> list[str]:
    """Collect console errors from now on (the list fills as the page runs)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def screenshot(page: Any, name: str) -> None:
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"))


_client = iter(range(1, 255))


def fresh_sessions(page: Any, *names: str) -> list[str]:
    """Delete every session, then create `names` in order; returns their ids.

    Each test acts as its own client address (X-Forwarded-For is trusted from loopback, as
    behind a tunnel proxy), so the server's 120 requests/minute API limit counts per test.
    """
    page.set_extra_http_headers({"X-Forwarded-For": f"198.51.100.{next(_client)}"})
    page.goto("/")
    page.evaluate(DELETE_ALL)
    return [str(page.evaluate(CREATE, name)) for name in names]


def open_terminal(page: Any, sid: str) -> None:
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])


def pane(page: Any, sid: str) -> Any:
    return page.locator(f'.ws-pane[data-session-id="{sid}"]')


def echo_in(page: Any, sid: str) -> str:
    """Click into the pane of `sid`, echo a fresh marker and wait for it in that pane."""
    marker = "ws-" + secrets.token_hex(4)
    pane(page, sid).locator(".term-host").click()
    page.keyboard.type(f"echo {marker}")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, marker])
    return marker


def tab_names(page: Any) -> list[str]:
    return [str(n) for n in page.locator('[role="tab"] .ws-tab-name').all_inner_texts()]


def palette_run(page: Any, query: str) -> None:
    """Open the tools palette with Ctrl+Shift+K, filter and run the first match with Enter."""
    page.keyboard.press("Control+Shift+K")
    dialog = page.get_by_role("dialog", name="Tools")
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("combobox", name="Filter commands")
    expect(box).to_be_focused()
    box.fill(query)
    page.keyboard.press("Enter")


def test_two_sessions_show_as_tabs(authed_page: Any, tmp_path: Path) -> None:
    page = authed_page
    console = console_errors(page)
    first, second = fresh_sessions(page, "tab-one", "tab-two")
    page.clock.install()
    open_terminal(page, first)
    expect(page.get_by_role("tab")).to_have_count(2)
    tab_one = page.get_by_role("tab", name="tab-one")
    expect(tab_one).to_have_attribute("aria-selected", "true")
    echo_in(page, first)
    screenshot(page, "terminal-desktop")
    late = "late-" + secrets.token_hex(4)
    go = tmp_path / "go"
    page.keyboard.type(f"while [ ! -e {go} ]; do sleep 0.05; done; echo {late}")
    page.keyboard.press("Enter")

    page.get_by_role("tab", name="tab-two").click()
    expect(page).to_have_url(re.compile(rf"/terminal\?id={second}$"))
    expect(page.get_by_role("tab", name="tab-two")).to_have_attribute("aria-selected", "true")
    page.wait_for_function(PANE_CONTAINS, arg=[second, "$"])
    expect(pane(page, first)).to_be_hidden()
    echo_in(page, second)
    # Output in the hidden tab marks it unread, once 2 s have passed since it attached
    # (view.ts: output before that is replayed history); hovering it previews its last lines.
    page.clock.fast_forward(2_500)
    go.touch()
    expect(tab_one.get_by_role("img", name="new output")).to_be_visible()
    tab_one.hover()
    expect(page.get_by_role("tooltip")).to_contain_text(late)
    tab_one.click()
    expect(tab_one.get_by_role("img", name="new output")).to_have_count(0)
    assert page.errors == []
    assert console == []


def test_rename_from_the_palette(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "before-rename")
    open_terminal(page, sid)
    palette_run(page, "rename")
    dialog = page.get_by_role("dialog", name="Rename session")
    field = dialog.get_by_label("Name")
    expect(field).to_have_value("before-rename")
    field.fill("after-rename")
    field.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("tab", name="after-rename")).to_be_visible()
    names = [s["name"] for s in page.evaluate(LIST) if s["id"] == sid]
    assert names == ["after-rename"]
    assert page.errors == []


def test_split_view_has_two_live_terminals(authed_page: Any) -> None:
    page = authed_page
    left, right = fresh_sessions(page, "split-a", "split-b")
    open_terminal(page, left)
    palette_run(page, "split")
    expect(page.locator(".ws-panes.split-vertical")).to_be_visible()
    expect(pane(page, left)).to_be_visible()
    expect(pane(page, right)).to_be_visible()
    a, b = pane(page, left).bounding_box(), pane(page, right).bounding_box()
    assert a is not None
    assert b is not None
    assert a["x"] + a["width"] <= b["x"] + 1  # side by side
    page.wait_for_function(PANE_CONTAINS, arg=[right, "$"])
    first = echo_in(page, left)
    second = echo_in(page, right)
    # Each pane shows only its own session's output.
    assert not page.evaluate(PANE_ROW, [left, second])
    assert not page.evaluate(PANE_ROW, [right, first])
    screenshot(page, "split")

    palette_run(page, "split")  # vertical → horizontal
    expect(page.locator(".ws-panes.split-horizontal")).to_be_visible()
    a, b = pane(page, left).bounding_box(), pane(page, right).bounding_box()
    assert a is not None
    assert b is not None
    assert a["y"] + a["height"] <= b["y"] + 1  # stacked
    palette_run(page, "split")  # horizontal → off
    expect(pane(page, right)).to_be_hidden()
    assert page.errors == []


def test_new_tab_and_settings_shortcut(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "first-tab")
    open_terminal(page, sid)
    page.get_by_role("button", name="New session", exact=True).click()
    dialog = page.get_by_role("dialog", name="New session")
    form = dialog.get_by_role("form", name="New session")
    form.get_by_label("Name").fill("second-tab")
    form.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("tab", name="second-tab")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"/terminal\?id=(?!" + sid + r")[^&]+$"))
    new_id = page.url.split("id=", 1)[1]
    page.wait_for_function(PANE_CONTAINS, arg=[new_id, "$"])
    echo_in(page, new_id)
    expect(page.get_by_role("tab")).to_have_count(2)

    page.keyboard.press("Control+,")
    settings = page.get_by_role("dialog", name="Settings")
    expect(settings).to_be_visible()
    page.keyboard.press("Escape")
    expect(settings).to_be_hidden()
    assert page.errors == []


#: The terminal's background (pane) and text colour (xterm's palette).
THEME_COLOURS = """(el) => [getComputedStyle(el).backgroundColor,
    getComputedStyle(el.querySelector('.xterm-rows')).color]"""


def test_theme_change_applies_to_the_terminal_live(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "themed")
    open_terminal(page, sid)
    host = pane(page, sid).locator(".term-host")
    before = host.evaluate(THEME_COLOURS)
    palette_run(page, "theme")
    settings = page.get_by_role("dialog", name="Settings")
    expect(settings).to_be_visible()
    current = settings.locator('[role="radio"][aria-checked="true"]').get_attribute("data-theme-id")
    target = "light" if current != "light" else "dark"
    settings.locator(f'[role="radio"][data-theme-id="{target}"]').click()
    page.wait_for_function(
        f"([el, before]) => (({THEME_COLOURS})(el)).every((c, i) => c !== before[i])",
        arg=[host.element_handle(), before],
    )
    assert page.errors == []


WAKE_AND_BELL = """(() => {
  window.__wakeRequests = 0;
  window.__beeps = 0;
  Object.defineProperty(navigator, 'wakeLock', {configurable: true, value: {
    request: async () => { window.__wakeRequests++; return {release: async () => {}}; },
  }});
  const Native = window.AudioContext;
  window.AudioContext = class extends Native {
    createOscillator() { window.__beeps++; return super.createOscillator(); }
  };
})();"""


def test_wake_lock_and_bell(authed_page: Any) -> None:
    page = authed_page
    page.context.add_init_script(WAKE_AND_BELL)
    (sid,) = fresh_sessions(page, "bell")
    page.clock.install()
    open_terminal(page, sid)
    page.wait_for_function("() => window.__wakeRequests >= 1")
    pane(page, sid).locator(".term-host").click()
    # Bells within 2 s of attaching (view.ts) are replayed history and stay silent: ring
    # later, on the page's clock moved past those 2 s rather than waiting them out.
    page.clock.fast_forward(2_500)
    page.keyboard.type("printf 'ding\\a\\n'")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "ding"])
    page.wait_for_function("() => window.__beeps >= 1")
    assert page.errors == []


def test_drag_reorders_tabs_and_the_order_survives_reload(authed_page: Any) -> None:
    page = authed_page
    ids = fresh_sessions(page, "drag-a", "drag-b", "drag-c")
    open_terminal(page, ids[0])
    expect(page.get_by_role("tab")).to_have_count(3)
    assert tab_names(page) == ["drag-a", "drag-b", "drag-c"]
    src = page.get_by_role("tab", name="drag-a").bounding_box()
    dst = page.get_by_role("tab", name="drag-c").bounding_box()
    assert src is not None
    assert dst is not None
    page.mouse.move(src["x"] + src["width"] / 2, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(dst["x"] + dst["width"] - 2, dst["y"] + dst["height"] / 2, steps=12)
    page.mouse.up()
    expect(page.locator('[role="tab"] .ws-tab-name')).to_have_text(["drag-b", "drag-c", "drag-a"])
    # A drag is not a click: the selected tab did not change.
    expect(page.get_by_role("tab", name="drag-a")).to_have_attribute("aria-selected", "true")
    page.reload()
    page.wait_for_function(PANE_CONTAINS, arg=[ids[0], "$"])
    expect(page.locator('[role="tab"] .ws-tab-name')).to_have_text(["drag-b", "drag-c", "drag-a"])
    assert page.errors == []


def test_close_tabs_and_return_to_the_hub(authed_page: Any) -> None:
    page = authed_page
    keep, gone = fresh_sessions(page, "close-keep", "close-gone")
    open_terminal(page, keep)
    page.get_by_role("button", name="Close session close-gone").click()
    confirm = page.get_by_role("dialog", name="Close session?")  # our sheet, not confirm()
    confirm.get_by_role("button", name="Close session", exact=True).click()
    expect(page.get_by_role("tab")).to_have_count(1)
    page.wait_for_function(
        "(id) => fetch('/api/sessions').then((r) => r.json())"
        ".then((l) => !l.some((s) => s.id === id))",
        arg=gone,
    )
    # Closing the last tab deletes it too and goes back to the session list.
    page.get_by_role("button", name="Close session close-keep").click()
    confirm.get_by_role("button", name="Close session", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert page.evaluate(LIST) == []
    assert page.errors == []


def test_find_counts_matches_with_regex(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "find-me")
    open_terminal(page, sid)
    pane(page, sid).locator(".term-host").click()
    page.keyboard.type("printf 'needle-%s\\n' a b c")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "needle-c"])
    page.keyboard.press("Control+Shift+F")
    bar = page.get_by_role("search", name="Find in terminal")
    field = bar.get_by_role("searchbox", name="Find")
    expect(field).to_be_focused()
    field.fill("needle-[abc]")
    counter = bar.get_by_role("status")
    expect(counter).to_have_text("No results")  # literal text: no match
    regex = bar.get_by_role("button", name="Regular expression")
    regex.click()
    expect(regex).to_have_attribute("aria-pressed", "true")
    expect(counter).to_have_text(re.compile(r"^[123] of 3$"))
    field.focus()
    before = counter.inner_text()
    page.keyboard.press("Enter")
    expect(counter).not_to_have_text(before)
    screenshot(page, "search")
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()
    assert page.errors == []


def test_palette_runs_commands_from_the_keyboard(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "palette")
    open_terminal(page, sid)
    size = "() => JSON.parse(localStorage.getItem('termbeam-prefs') || '{}').fontSize ?? 14"
    before = page.evaluate(size)
    page.keyboard.press("Control+Shift+K")
    dialog = page.get_by_role("dialog", name="Tools")
    box = dialog.get_by_role("combobox", name="Filter commands")
    expect(box).to_be_focused()
    for group in ("Session", "Files", "View", "Share", "Settings", "System"):
        expect(dialog.locator(".ws-palette-group", has_text=group)).to_have_count(1)
    screenshot(page, "palette")
    box.fill("font")
    options = dialog.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_contain_text("Larger font")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({size})() === {before + 1}")
    expect(dialog).to_be_visible()  # font steps keep the palette open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # "Preview port" opens the preview dialog.
    palette_run(page, "preview port")
    preview = page.get_by_role("dialog", name="Preview a port")
    expect(preview).to_be_visible()
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    # Ctrl+Shift+K toggles it from the terminal too.
    pane(page, sid).locator(".term-host").click()
    page.keyboard.press("Control+Shift+K")
    expect(dialog).to_be_visible()
    page.keyboard.press("Control+Shift+K")
    expect(dialog).to_be_hidden()
    assert page.errors == []


def test_full_screen_programs_get_plain_ctrl_k_and_ctrl_f(authed_page: Any) -> None:
    # nano cuts a line with ^K and vim pages with ^F: in the alternate screen they are keys.
    page = authed_page
    (sid,) = fresh_sessions(page, "fullscreen")
    open_terminal(page, sid)
    pane(page, sid).locator(".term-host").click()
    page.keyboard.type("printf '\\033[?1049h'; od -c; read -r; printf '\\033[?1049l'")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "od -c"])  # the command line is echoed
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_LACKS, arg=[sid, "od -c"])  # the alternate screen is up
    page.keyboard.press("Control+k")
    page.keyboard.press("Control+f")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+d")
    page.wait_for_function(PANE_MATCHES, arg=[sid, r"\\v\s+006\s+\\n"])  # od -c: ^K ^F
    expect(page.get_by_role("dialog", name="Tools")).to_have_count(0)
    expect(page.get_by_role("search")).to_have_count(0)
    # Ctrl+Shift+K still opens the tools there, and back at the prompt.
    page.keyboard.press("Control+Shift+K")
    dialog = page.get_by_role("dialog", name="Tools")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    pane(page, sid).locator(".term-host").click()
    page.keyboard.press("Enter")  # ends `read`: the shell leaves the alternate screen
    page.keyboard.type("echo back''-home")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "back-home"])
    page.keyboard.press("Control+Shift+K")
    expect(dialog).to_be_visible()
    assert page.errors == []


PASTE = """(text) => {
    const area = document.querySelector('.ws-pane:not(.hidden) .xterm-helper-textarea');
    const data = new DataTransfer();
    data.setData('text/plain', text);
    area.dispatchEvent(new ClipboardEvent('paste',
        {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def test_two_megabyte_paste_arrives_byte_exact(authed_page: Any) -> None:
    page = authed_page
    page.set_default_timeout(60_000)
    (sid,) = fresh_sessions(page, "paste")
    open_terminal(page, sid)
    # 2 MiB of 100-byte lines (a tty line in canonical mode holds at most 4095 bytes).
    lines = [f"{i:08d}-{secrets.token_hex(45)}" for i in range(2 * 1024 * 1024 // 100)]
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    pane(page, sid).locator(".term-host").click()
    page.keyboard.type(
        "stty -echo; cat > paste.txt; stty echo; wc -c < paste.txt; sha256sum paste.txt"
    )
    page.keyboard.press("Enter")
    page.evaluate(PASTE, text)
    page.keyboard.press("Control+d")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, digest])
    assert page.evaluate(PANE_ROW, [sid, str(len(text))])
    assert page.errors == []


def test_phone_workspace_fits_the_screen(phone: Any) -> None:
    page = phone
    console = console_errors(page)
    first, _second = fresh_sessions(page, "phone-a", "phone-b")
    open_terminal(page, first)
    expect(page.get_by_role("tab")).to_have_count(2)
    expect(page.get_by_role("button", name="Tools")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    term = page.locator(".ws-pane:not(.hidden) .xterm-screen").bounding_box()
    assert term is not None
    assert term["width"] > 300
    assert term["y"] + term["height"] <= PHONE["height"]
    screenshot(page, "terminal-phone")
    page.get_by_role("button", name="Tools").tap()
    dialog = page.get_by_role("dialog", name="Tools")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # No horizontal overflow from the narrowest phone to a wide desktop.
    for width, height in ((320, 640), (2560, 1440)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(f"() => window.innerWidth === {width}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        tools = page.get_by_role("button", name="Tools").bounding_box()
        assert tools is not None
        assert tools["x"] + tools["width"] <= width
    assert page.errors == []
    assert console == []


# Test-only instrumentation: remember the page's sockets and refuse new ones on demand.
FLAKY_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__refuse = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__refuse ? 'ws://127.0.0.1:9/ws' : url, protocols);
      window.__sockets.push(this);
    }
  };
})();"""


#: Close the page's sockets and refuse new ones; resolves with the close's time on the page's
#: clock.
DROP_SOCKETS = """() => new Promise((resolve) => {
    window.__refuse = true;
    window.__sockets.forEach((s) => {
        s.addEventListener('close', () => resolve(Date.now()));
        s.close();
    });
})"""


def test_lost_connection_shows_bar_then_overlay_and_retry(authed_page: Any) -> None:
    page = authed_page
    page.context.add_init_script(FLAKY_SOCKETS)
    (sid,) = fresh_sessions(page, "flaky")
    page.clock.install()  # before the terminal loads: the 10 s grace is jumped, not waited
    open_terminal(page, sid)
    echo_in(page, sid)
    closed_at = page.evaluate(DROP_SOCKETS)
    expect(pane(page, sid).get_by_role("status")).to_have_text("Reconnecting…")
    overlay = pane(page, sid).get_by_role("dialog", name="Connection lost")
    expect_overlay_only_after_the_grace(page, overlay, closed_at)
    expect(overlay).to_contain_text(re.compile(r"Retrying in \d+ s|Connecting"))
    page.evaluate("() => { window.__refuse = false; }")
    overlay.get_by_role("button", name="Retry now").click()
    expect(overlay).to_be_hidden()
    expect(pane(page, sid).get_by_role("status")).to_have_count(0)
    echo_in(page, sid)
    assert page.errors == []


#: Whether the pane's rows stay unchanged for 250 ms (a coasting scroll has stopped).
SETTLED = """(id) => new Promise((resolve) => {
    const rows = document.querySelector(`.ws-pane[data-session-id="${id}"] .xterm-rows`);
    const text = () => rows.textContent;
    const before = text();
    setTimeout(() => resolve(text() === before), 250);
})"""


def touch(cdp: Any, kind: str, *points: tuple[float, float]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)],
        },
    )


def test_phone_swipe_scrolls_back_and_pinch_zooms(phone: Any) -> None:
    page = phone
    (sid,) = fresh_sessions(page, "swipe")
    open_terminal(page, sid)
    tap_terminal(pane(page, sid).locator(".term-host"))
    page.keyboard.type("seq 1 400")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "400"])
    to_bottom = page.get_by_role("button", name="Scroll to bottom")
    expect(to_bottom).to_have_count(0)
    cdp = page.context.new_cdp_session(page)
    touch(cdp, "touchStart", (200, 250))
    for y in range(260, 700, 20):  # finger down = back into the scrollback
        touch(cdp, "touchMove", (200, y))
    touch(cdp, "touchEnd")
    expect(to_bottom).to_be_visible()
    page.wait_for_function(SETTLED, arg=sid, polling=100)  # the swipe's momentum ran out
    assert not page.evaluate(PANE_ROW, [sid, "400"])  # the newest line scrolled out of view
    # A click: right after synthetic CDP touches Chromium may treat a tap as half a double tap.
    to_bottom.click()
    expect(to_bottom).to_have_count(0)
    page.wait_for_function(PANE_ROW, arg=[sid, "400"])

    # In a full-screen program the same swipe becomes arrow keys: less scrolls forward.
    pane(page, sid).locator(".term-host").click()
    expect(pane(page, sid).locator(".xterm-helper-textarea")).to_be_focused()
    page.keyboard.type("seq 1 400 | less")
    page.keyboard.press("Enter")
    page.wait_for_function(PANE_ROW, arg=[sid, "30"])
    assert page.evaluate(PANE_ROW, [sid, "1"])
    touch(cdp, "touchStart", (200, 650))
    for y in range(640, 200, -20):  # finger up = further down the text
        touch(cdp, "touchMove", (200, y))
    touch(cdp, "touchEnd")
    page.wait_for_function(f"(a) => !({PANE_ROW})(a)", arg=[sid, "1"])
    page.keyboard.press("q")

    size = "() => JSON.parse(localStorage.getItem('termbeam-prefs') || '{}').fontSize ?? 14"
    before = page.evaluate(size)
    touch(cdp, "touchStart", (150, 400), (240, 400))
    for d in range(50, 160, 10):  # fingers apart = larger text
        touch(cdp, "touchMove", (195 - d, 400), (195 + d, 400))
    touch(cdp, "touchEnd")
    page.wait_for_function(f"() => ({size})() > {before}")
    assert page.errors == []


def test_phone_long_press_drags_a_tab(phone: Any) -> None:
    page = phone
    ids = fresh_sessions(page, "lp-a", "lp-b")
    open_terminal(page, ids[0])
    expect(page.locator('[role="tab"] .ws-tab-name')).to_have_text(["lp-a", "lp-b"])
    src = page.get_by_role("tab", name="lp-a").bounding_box()
    dst = page.get_by_role("tab", name="lp-b").bounding_box()
    assert src is not None
    assert dst is not None
    y = src["y"] + src["height"] / 2
    x = src["x"] + src["width"] / 2
    cdp = page.context.new_cdp_session(page)
    touch(cdp, "touchStart", (x, y))
    # The long-press arms the drag and shows the tab's preview.
    expect(page.get_by_role("tooltip")).to_be_visible()
    end = dst["x"] + dst["width"] - 4
    for i in range(1, 11):
        touch(cdp, "touchMove", (x + (end - x) * i / 10, y))
    touch(cdp, "touchEnd")
    expect(page.locator('[role="tab"] .ws-tab-name')).to_have_text(["lp-b", "lp-a"])
    assert page.evaluate("() => localStorage.getItem('termbeam-tab-order')") == json.dumps(
        [ids[1], ids[0]], separators=(",", ":")
    )
    assert page.errors == []


def test_code_page_route(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "code-page")
    page.goto(f"/code/{sid}")
    expect(page.locator(".cv-page")).to_be_visible()
    expect(page.get_by_text("Could not load this screen")).to_have_count(0)
    assert page.errors == []


def test_first_visit_bundle_is_small(phone: Any) -> None:
    """Hub + terminal on a first visit load at most 250 KB of gzipped JS and CSS."""
    page = phone
    assets: set[str] = set()
    page.on(
        "response",
        lambda r: (
            assets.add(r.url.split("/assets/", 1)[1])
            if "/assets/" in r.url and r.url.endswith((".js", ".css"))
            else None
        ),
    )
    (sid,) = fresh_sessions(page, "bundle")
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()
    open_terminal(page, sid)
    page.wait_for_load_state("networkidle")
    build = STATIC_INDEX.parent / "assets"
    sizes = {name: len(gzip.compress((build / name).read_bytes(), 9)) for name in sorted(assets)}
    total = sum(sizes.values())
    assert any(n.endswith(".css") for n in sizes)
    assert any(n.endswith(".js") for n in sizes)
    assert total <= BUNDLE_LIMIT_BYTES, json.dumps(sizes, indent=1)
    print(f"first visit: {total / 1024:.1f} KB gzipped in {len(sizes)} files")
