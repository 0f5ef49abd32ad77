"""Browser tests of issue #16's polish findings, each at the size the walkthrough used:

- Touch swipes in the scrollback and in less scroll without "Ignored attempt to cancel a
  touchmove event" console errors (the gesture is ours from the first move).
- The find field has no browser-drawn × beside ours.
- Wording and clipping: Settings → Workspaces names a control that exists, the upload sheet
  does not say "drop" on a phone, the font select and the key-editor preview show whole text.
- Light themes: bold blue (ls's directories) reads at ≥ 4.5:1, also after a live switch.
- Closing a session from a tab or the drawer, and deleting a workspace in Settings, ask in our
  own sheet, not window.confirm().
- A nested wide sheet does not re-centre the sheet it was opened from.
- On a landscape phone a swipe over the one-row key bar scrolls it and sends nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, expect, tap_terminal
from tests.e2e.test_workspace_browser import (
    PANE_CONTAINS,
    PANE_ROW,
    fresh_sessions,
    open_terminal,
    pane,
)

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]


def shot(page: Any, name: str) -> None:
    """docs/screenshots/<name>, only when the screenshots are being retaken."""
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / name))


def console_errors(page: Any) -> list[str]:
    """Console errors from now on (the list fills as the page runs)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def touch(cdp: Any, kind: str, *points: tuple[float, float]) -> None:
    """A real touch event through Chromium's input pipeline (so scrolling and cancelability
    behave as on a phone)."""
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)],
        },
    )


def swipe(cdp: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 20) -> None:
    (x0, y0), (x1, y1) = start, end
    touch(cdp, "touchStart", start)
    for i in range(1, steps + 1):
        touch(cdp, "touchMove", (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps))
    touch(cdp, "touchEnd")


def save_prefs(page: Any, **prefs: Any) -> None:
    current = page.request.get("/api/preferences").json()["prefs"]
    response = page.request.put("/api/preferences", data={"prefs": {**current, **prefs}})
    assert response.ok, response.text()


def tools_panel(page: Any, command: str, title: str, *, tap: bool = False) -> Any:
    """Tools → `command`; returns the panel's dialog."""
    tools = page.get_by_role("button", name="Tools", exact=True)
    tools.tap() if tap else tools.click()
    option = page.get_by_role("dialog", name="Tools").get_by_role("option", name=command)
    option.tap() if tap else option.click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    return dialog


# -- defect 10: the touch scroller ---------------------------------------------------------


def test_phone_swipes_scroll_without_console_errors(phone: Any) -> None:
    page = phone
    errors = console_errors(page)
    (sid,) = fresh_sessions(page, "swipe16")
    open_terminal(page, sid)
    tap_terminal(pane(page, sid).locator(".term-host"))
    page.keyboard.type("seq 1 400\n")
    page.wait_for_function(PANE_ROW, arg=[sid, "400"])
    cdp = page.context.new_cdp_session(page)
    swipe(cdp, (200, 250), (200, 700))  # finger down: back into the scrollback
    to_bottom = page.get_by_role("button", name="Scroll to bottom")
    expect(to_bottom).to_be_visible()
    to_bottom.click()
    page.wait_for_function(PANE_ROW, arg=[sid, "400"])
    pane(page, sid).locator(".term-host").click()
    expect(pane(page, sid).locator(".xterm-helper-textarea")).to_be_focused()
    # In less the same gesture pages through the text.
    page.keyboard.type("seq 1 400 | less\n")
    page.wait_for_function(PANE_ROW, arg=[sid, "30"])
    assert page.evaluate(PANE_ROW, [sid, "1"])
    swipe(cdp, (200, 650), (200, 200))  # finger up: further down the text
    page.wait_for_function(f"(a) => !({PANE_ROW})(a)", arg=[sid, "1"])
    page.keyboard.press("q")
    page.wait_for_function(PANE_CONTAINS, arg=[sid, "$"])
    assert errors == []
    assert page.errors == []


# -- defect 14: the find field's own × -----------------------------------------------------


def test_find_field_has_no_browser_clear_button(authed_page: Any) -> None:
    page = authed_page
    (sid,) = fresh_sessions(page, "find16")
    open_terminal(page, sid)
    page.keyboard.press("Control+Shift+F")
    bar = page.get_by_role("search", name="Find in terminal")
    field = bar.get_by_role("searchbox", name="Find")
    field.fill("needle")
    # The counter settles first: a layout change while a screenshot is taken would differ.
    status = bar.get_by_role("status")
    expect(status).to_have_text("No results")
    # The one × in the bar is ours (it closes the bar).
    assert bar.get_by_role("button").filter(has_text="×").all_inner_texts() == ["×"]
    # Chromium draws its × at the right end of a search field with text (getComputedStyle
    # cannot read that pseudo-element): the end must look the same with text as without.
    def end() -> dict[str, float]:
        box = field.bounding_box()
        assert box is not None
        return {"x": box["x"] + box["width"] - 28, "y": box["y"] + 4, "width": 24,
                "height": box["height"] - 8}  # fmt: skip

    with_text = page.screenshot(clip=end(), animations="disabled")
    field.fill("")
    # (the field moves as the counter empties: its own end is compared, where it is now)
    expect(status).to_have_text("")
    assert page.screenshot(clip=end(), animations="disabled") == with_text
    assert page.errors == []


# -- defect 16: wording and clipping -------------------------------------------------------


def test_settings_workspaces_points_at_the_real_save_button(authed_page: Any) -> None:
    page = authed_page
    save_prefs(page, workspaces=[])
    fresh_sessions(page, "ws16")
    page.goto("/")  # the hub again, now listing the session
    page.get_by_role("button", name="Settings", exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings")
    note = dialog.locator("p").filter(has_text="No saved workspaces yet")
    text = note.inner_text()
    assert "terminal's tools" not in text
    named = re.search(r"“([^”]+)”", text)
    assert named, text
    page.keyboard.press("Escape")
    # The control the note names is on the session list.
    expect(page.get_by_role("button", name=named.group(1), exact=True)).to_be_visible()
    assert page.errors == []


def test_upload_sheet_says_drop_only_where_dropping_works(phone: Any, authed_page: Any) -> None:
    for page, tap, wording in ((phone, True, False), (authed_page, False, True)):
        (sid,) = fresh_sessions(page, "upload16")
        open_terminal(page, sid)
        sheet = tools_panel(page, "Upload files", "Upload files", tap=tap)
        expect(sheet.get_by_role("button", name="Choose files")).to_be_visible()
        says_drop = "drop" in sheet.inner_text().lower()
        assert says_drop is wording, sheet.inner_text()
        assert page.errors == []


#: How wide the chosen option's text is and the room the select gives it (padding and the
#: arrow, which Chromium draws inside the box, taken off).
SELECT_FIT = """(sel) => {
    const cs = getComputedStyle(sel);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = cs.font;
    return {
        text: ctx.measureText(sel.selectedOptions[0].text).width,
        room: sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 24,
    };
}"""
#: The preview keys whose label is cut (text-overflow: ellipsis hides what does not fit).
CUT_KEYS = """(keys) => keys.filter((k) => k.scrollWidth > k.clientWidth)
    .map((k) => k.textContent)"""


def test_phone_settings_font_select_and_key_preview_show_whole_text(phone: Any) -> None:
    page = phone
    save_prefs(page, terminalFont="bundled", touchBarKeys=None)
    fresh_sessions(page)  # the hub, with a rate budget of this test's own
    page.get_by_role("button", name="Settings", exact=True).tap()
    dialog = page.get_by_role("dialog", name="Settings")
    select = dialog.get_by_role("combobox", name="Terminal font")
    fit = select.evaluate(SELECT_FIT)
    assert fit["text"] <= fit["room"], fit
    dialog.get_by_role("button", name="Customize keys…").tap()
    editor = page.get_by_role("dialog", name="Customize keys")
    preview = editor.get_by_role("group", name="Key layout: pick a key to edit")
    expect(preview.get_by_role("button", name="Edit Home")).to_be_visible()
    assert preview.locator(".kb-key").evaluate_all(CUT_KEYS) == []
    assert page.errors == []


# -- defect 17: light themes in the terminal -----------------------------------------------

#: Contrast of the cells printed as `text` against the terminal's background, and their colour.
CELL_CONTRAST = """([id, text]) => {
    const root = document.querySelector(`.ws-pane[data-session-id="${id}"]`);
    const span = Array.from(root.querySelectorAll('.xterm-rows span'))
        .find((s) => s.textContent === text);
    if (!span) return null;
    const rgb = (css) => {
        const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
    };
    const lum = (c) => {
        const [r, g, b] = c.map((v) => {
            v /= 255;
            return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    // What is behind the text: every background from <html> down to the cell, painted in order.
    const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, 1, 1);
    const layers = [];
    for (let e = span; e; e = e.parentElement) layers.unshift(getComputedStyle(e).backgroundColor);
    for (const c of layers) { ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1); }
    const bg = Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
    const fg = rgb(getComputedStyle(span).color);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const hex = '#' + fg.map((v) => v.toString(16).padStart(2, '0')).join('');
    return { ratio: (hi + 0.05) / (lo + 0.05), fg: hex };
}"""
#: After two frames: xterm repaints its rows on the frame after a theme change.
TWO_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


#: Pick every theme in the picker in turn (as a tap would), and after each repaint note
#: whether it is light and the contrast of each of `texts`.
EVERY_THEME = (
    """async ([id, texts]) => {
    const cell = """
    + CELL_CONTRAST
    + """;
    const seen = [];
    const root = document.documentElement;
    for (const swatch of document.querySelectorAll('[aria-label="Theme"] [data-theme-id]')) {
        const theme = swatch.dataset.themeId;
        if (theme === 'system') continue;
        swatch.click();
        await ("""
    + TWO_FRAMES
    + """)();
        seen.push({ theme, applied: root.dataset.theme, light: root.style.colorScheme === 'light',
                    cells: texts.map((t) => cell([id, t])) });
    }
    return seen;
}"""
)
TEXTS = ("dir16", "bold-blue", "blue")


def _assert_readable(page: Any, sid: str, theme: str) -> None:
    page.evaluate(TWO_FRAMES)
    for text in TEXTS:
        cell = page.evaluate(CELL_CONTRAST, [sid, text])
        assert cell is not None, (theme, text)
        assert cell["ratio"] >= 4.5, (theme, text, cell)


def test_phone_light_themes_keep_bold_blue_readable(phone: Any) -> None:
    page = phone
    save_prefs(page, themeId="solarized-light")
    try:
        (sid,) = fresh_sessions(page, "light16")
        open_terminal(page, sid)
        pane(page, sid).locator(".term-host").tap()
        # ls colours directories bold blue (di=01;34), which xterm draws in bright blue.
        page.keyboard.type(
            "mkdir -p dir16 && clear && ls --color=always -d dir16 && "
            "printf '\\e[1;34mbold-blue\\e[0m \\e[34mblue\\e[0m\\n'\n"
        )
        page.wait_for_function(PANE_ROW, arg=[sid, "bold-blue blue"])
        _assert_readable(page, sid, "solarized-light")
        shot(page, "terminal-light-phone.png")
        # A live switch to every theme in the picker: the light ones are readable, and Dark
        # keeps its own bright blue (dark palettes are drawn as designed).
        page.get_by_role("button", name="Tools", exact=True).tap()
        page.get_by_role("dialog", name="Tools").get_by_role("option", name="Settings").tap()
        expect(page.get_by_role("radiogroup", name="Theme")).to_be_visible()
        seen = page.evaluate(EVERY_THEME, [sid, list(TEXTS)])
        assert [t["applied"] for t in seen] == [t["theme"] for t in seen]
        light = [t for t in seen if t["light"]]
        assert len(light) >= 9, [t["theme"] for t in seen]
        for theme in light:
            for text, cell in zip(TEXTS, theme["cells"], strict=True):
                assert cell is not None, (theme["theme"], text)
                assert cell["ratio"] >= 4.5, (theme["theme"], text, cell)
        dark = next(t for t in seen if t["theme"] == "dark")
        assert dark["cells"][1]["fg"] == "#7ab8ff", dark
    finally:
        save_prefs(page, themeId="dark")
    assert page.errors == []


# -- closing a session asks in our own sheet -----------------------------------------------


def refuse_native(page: Any) -> list[str]:
    """Dismiss (and list) any window.confirm() the page opens from now on."""
    native: list[str] = []

    def refuse(dialog: Any) -> None:
        native.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    return native


def test_closing_a_tab_or_drawer_card_asks_in_our_sheet(phone: Any) -> None:
    page = phone
    native = refuse_native(page)
    keep, tab, card = fresh_sessions(page, "close-keep16", "close-tab16", "close-card16")
    open_terminal(page, keep)
    page.get_by_role("tab", name="close-tab16").tap()
    page.get_by_role("button", name="Close session close-tab16").tap()
    sheet = page.get_by_role("dialog", name="Close session?")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("close-tab16")
    expect(sheet.get_by_role("button", name="Cancel")).to_be_focused()  # a stray Enter keeps it
    sheet.get_by_role("button", name="Cancel").tap()
    expect(sheet).to_have_count(0)
    expect(page.get_by_role("tab")).to_have_count(3)
    page.get_by_role("button", name="Close session close-tab16").tap()
    sheet.get_by_role("button", name="Close session", exact=True).tap()
    expect(page.get_by_role("tab")).to_have_count(2)
    # From the drawer: the sheet shows over it, and the drawer keeps the focus afterwards.
    page.get_by_role("button", name="Sessions", exact=True).tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    drawer.get_by_role("button", name="Close session close-card16", exact=True).tap()
    expect(sheet).to_contain_text("close-card16")
    sheet.get_by_role("button", name="Close session", exact=True).tap()
    expect(drawer.get_by_role("button", name="Switch to close-card16")).to_have_count(0)
    expect(drawer.locator(":focus")).to_have_count(1)
    ids = page.evaluate(
        "() => fetch('/api/sessions').then((r) => r.json()).then((l) => l.map((s) => s.id))"
    )
    assert ids == [keep], (ids, tab, card)
    assert native == []
    assert page.errors == []


def test_deleting_a_workspace_in_settings_asks_in_our_sheet(authed_page: Any) -> None:
    page = authed_page
    native = refuse_native(page)
    save_prefs(page, workspaces=[{"id": "w16", "name": "Polish", "sessions": []}])
    fresh_sessions(page)  # the hub, with a rate budget of this test's own
    page.get_by_role("button", name="Settings", exact=True).click()
    settings = page.get_by_role("dialog", name="Settings")
    rows = settings.get_by_role("list", name="Saved workspaces").get_by_role("listitem")
    expect(rows).to_have_count(1)
    settings.get_by_role("button", name="Delete Polish").click()
    sheet = page.get_by_role("dialog", name="Delete workspace?")
    expect(sheet.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")  # closes the question only
    expect(sheet).to_have_count(0)
    expect(rows).to_have_count(1)
    settings.get_by_role("button", name="Delete Polish").click()
    sheet.get_by_role("button", name="Delete", exact=True).click()
    expect(settings.get_by_text("No saved workspaces yet")).to_be_visible()
    page.wait_for_function(
        "() => fetch('/api/preferences').then((r) => r.json())"
        ".then((j) => j.prefs.workspaces.length === 0)"
    )
    assert native == []
    assert page.errors == []


# -- sheet.css: a nested wide sheet ---------------------------------------------------------


#: Where the Files sheet is (hidden or not).
FILES_BOX = """() => {
    const r = document.querySelector('.fb-sheet').getBoundingClientRect();
    return [r.left, r.top, r.width, r.height];
}"""


def test_desktop_wide_sheet_inside_another_keeps_that_one_in_place(
    authed_page: Any, api: Any
) -> None:
    page = authed_page
    (Path(api.get("/api/shells").json()["cwd"]) / "README.md").write_text("# Polish\n\nA doc.\n")
    (sid,) = fresh_sessions(page, "docs16")  # starts in that folder
    open_terminal(page, sid)
    files = tools_panel(page, "Browse files", "Files")
    files.get_by_role("button", name=re.compile(r"^README\.md, file\b")).click()
    docked = page.evaluate(FILES_BOX)
    files.get_by_role("button", name="View", exact=True).click()
    viewer = page.get_by_role("dialog", name="README.md")
    expect(viewer.locator(".md-body h1")).to_be_visible()
    # The Files sheet stays docked on the right (the viewer's :has() rule re-centred it).
    assert page.evaluate(FILES_BOX) == docked
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.fb-sheet')"
            ".parentElement).justifyContent"
        )
        == "flex-end"
    )
    assert page.errors == []


# -- the one-row key bar on a landscape phone ----------------------------------------------

#: What the page sends as terminal input, as a list on window.__sent.
RECORD_INPUT = """(() => {
    window.__sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        try {
            const msg = JSON.parse(data);
            if (msg.type === 'input') window.__sent.push(msg.data);
        } catch {}
        return send.call(this, data);
    };
})()"""


def test_landscape_key_bar_swipe_scrolls_and_sends_nothing(phone: Any) -> None:
    page = phone
    page.context.add_init_script(RECORD_INPUT)
    save_prefs(page, touchBarKeys=None, touchBarCollapsed=False)
    (sid,) = fresh_sessions(page, "keyswipe16")
    page.set_viewport_size({"width": 844, "height": 390})
    open_terminal(page, sid)
    page.wait_for_function("() => window.innerHeight === 390")
    row = page.locator(".keybar-grid")
    arrow = row.get_by_role("button", name="Arrow left", exact=True)
    arrow.scroll_into_view_if_needed()
    box = arrow.bounding_box()
    assert box is not None
    before = row.evaluate("(g) => g.scrollLeft")
    page.evaluate("() => { window.__sent.length = 0; }")
    cdp = page.context.new_cdp_session(page)
    y = box["y"] + box["height"] / 2
    x = box["x"] + box["width"] / 2
    direction = -1 if before > 0 else 1  # towards the side that has room to scroll
    swipe(cdp, (x, y), (x - direction * 200, y), steps=10)
    page.wait_for_function(f"(g) => g.scrollLeft !== {before}", arg=row.element_handle())
    page.evaluate(TWO_FRAMES)
    assert page.evaluate("() => window.__sent") == []
    # A tap still sends the arrow.
    arrow.scroll_into_view_if_needed()
    arrow.tap()
    page.wait_for_function("() => window.__sent.length > 0")
    assert page.evaluate("() => window.__sent") == ["\x1b[D"]
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.errors == []


# -- screenshots only ----------------------------------------------------------------------


@pytest.mark.skipif(os.environ.get("TERMBEAM_SCREENSHOTS") != "1", reason="screenshots only")
def test_screenshot_code_diff_in_a_light_theme(authed_page: Any) -> None:
    page = authed_page
    folder = Path(page.request.get("/api/shells").json()["cwd"]) / "polish16-repo"
    folder.mkdir(exist_ok=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}  # fmt: skip

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (folder / "app.py").write_text(
        'def greet(name):\n    return "hi " + name\n\n\nprint(greet("you"))\n'
    )
    git("add", "-A")
    git("commit", "-q", "-m", "Initial commit")
    (folder / "app.py").write_text(
        'def greet(name: str) -> str:\n    """Say hello."""\n    return f"hello, {name}"\n\n\n'
        'print(greet("you"))\n'
    )
    save_prefs(page, themeId="solarized-light")
    try:
        response = page.request.post(
            "/api/sessions", data={"name": "light-diff", "cwd": str(folder)}
        )
        sid = response.json()["id"]
        page.goto(f"/code/{sid}")
        page.get_by_role("tablist", name="Views").get_by_role(
            "tab", name=re.compile("^Changes")
        ).click()
        page.get_by_role("region", name="Unstaged", exact=True).get_by_role("button").click()
        expect(page.locator(".cv-drow.add").first).to_be_visible()
        shot(page, "code-diff-light.png")
    finally:
        save_prefs(page, themeId="dark")
        shutil.rmtree(folder, ignore_errors=True)
    assert page.errors == []
