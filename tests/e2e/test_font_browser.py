"""Browser tests for the terminal's bundled font (issue #8): JetBrains Mono for text, the Nerd
Font icons fetched only once an icon is drawn, cells re-measured when the font arrives late,
and the bundled/system choice in the settings.

Run against the real server and Debian's Chromium. With TERMBEAM_SCREENSHOTS=1 it also writes
docs/screenshots/terminal-font.png.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TEXT_FACE = re.compile(r"/assets/jetbrains-mono-latin-400-normal-[^/]*\.woff2$")
ICON_FILE = "PureNerdFont"
#: A powerline-style prompt segment and some file icons (bash's printf expands the \u escapes).
PRINTF = (
    r"printf '\e[30;44m ~/src \e[0;34m\ue0b0\e[0m \uf418 main  \uf07b docs  \ue606 app.py"
    r"  \ue628 view.ts\n'"
)
#: Powerline's right arrow and Octicons' git-branch icon, as the terminal shows them.
GLYPHS = "\ue0b0 \uf418 main"

#: The font-family xterm's DOM renderer draws its rows with.
XTERM_FAMILY = "() => getComputedStyle(document.querySelector('.xterm-rows')).fontFamily"
#: Whether a face of `family` in document.fonts has finished loading.
FACE_LOADED = """(family) => [...document.fonts].some(
    (f) => f.family.replace(/["']/g, '') === family && f.status === 'loaded')"""
TEXT_READY = (
    "() => document.fonts.check('14px \"JetBrains Mono\"') && "
    + FACE_LOADED.replace("(family) =>", "((family) =>")
    + ")('JetBrains Mono')"
)
#: The terminal's cell geometry (row height, screen width), once two frames have settled it.
GEOMETRY = """() => new Promise((resolve) => requestAnimationFrame(
  () => requestAnimationFrame(() => {
    const row = document.querySelector('.xterm-rows > div').getBoundingClientRect();
    const screen = document.querySelector('.xterm-screen').getBoundingClientRect();
    resolve([row.height, screen.width]);
  })))"""


def own_address() -> str:
    return f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def screenshot(page: Any, name: str) -> None:
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def new_page(browser: Any, server: ServerProcess, auth_state: dict[str, Any], **extra: Any) -> Any:
    """A logged-in page without the service worker (page.route must see every font request)
    and with a rate budget of its own (X-Forwarded-For is trusted from loopback)."""
    context = browser.new_context(
        base_url=server.base_url,
        storage_state=auth_state,
        service_workers="block",
        extra_http_headers={"X-Forwarded-For": own_address()},
        **extra,
    )
    # Tests read the DOM renderer's rows (desktops would default to WebGL).
    context.add_init_script("try { localStorage.setItem('termbeam.renderer', 'dom') } catch {}")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    return pg


@pytest.fixture
def page(browser: Any, server: ServerProcess, auth_state: dict[str, Any]) -> Iterator[Any]:
    pg = new_page(browser, server, auth_state, viewport={"width": 1280, "height": 800})
    try:
        yield pg
    finally:
        pg.context.close()


@pytest.fixture
def narrow_phone(browser: Any, server: ServerProcess, auth_state: dict[str, Any]) -> Iterator[Any]:
    """The narrowest phone we support (320 px), touch and all."""
    pg = new_page(
        browser, server, auth_state, viewport={"width": 320, "height": 640}, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )
    try:
        yield pg
    finally:
        pg.context.close()


def save_prefs(page: Any, **prefs: Any) -> None:
    """Start from known preferences (the server keeps them between tests)."""
    current = page.request.get("/api/preferences").json()["prefs"]
    response = page.request.put("/api/preferences", data={"prefs": {**current, **prefs}})
    assert response.ok, response.text()
    assert response.json()["prefs"]["terminalFont"] == prefs.get("terminalFont", "bundled")


def new_session(page: Any) -> str:
    response = page.request.post("/api/sessions", data={"name": "font-" + secrets.token_hex(3)})
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def watch_fonts(page: Any) -> tuple[list[str], list[Any]]:
    """The .woff2 URLs the page requests and the responses it gets for them, from now on."""
    requested: list[str] = []
    responses: list[Any] = []
    page.on("request", lambda r: requested.append(r.url) if r.url.endswith(".woff2") else None)
    page.on("response", lambda r: responses.append(r) if r.url.endswith(".woff2") else None)
    return requested, responses


def open_settings(page: Any) -> Any:
    page.get_by_role("button", name="Tools").click()
    page.get_by_label("Filter commands").fill("Settings")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog).to_be_visible()
    return dialog


def choose_font(page: Any, label: str) -> None:
    dialog = open_settings(page)
    dialog.get_by_role("combobox", name="Terminal font", exact=True).select_option(label=label)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_bundled_font_is_measured_when_it_arrives_and_icons_load_only_when_drawn(
    page: Any, server: ServerProcess
) -> None:
    save_prefs(page, terminalFont="bundled", fontSize=14)
    sid = new_session(page)
    requested, responses = watch_fonts(page)
    # Hold the regular text face back until the terminal has opened with a fallback font:
    # the slow-network case, where xterm's first measurement is wrong.
    held: list[Any] = []
    page.route(TEXT_FACE, lambda route: held.append(route))
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    assert held, f"the text face was never requested: {requested}"
    assert page.evaluate("document.fonts.check('14px \"JetBrains Mono\"')") is False
    assert str(page.evaluate(XTERM_FAMILY)).startswith('"JetBrains Mono", "Pure Nerd Font"')
    for route in held:
        route.continue_()
    page.unroute(TEXT_FACE)
    page.wait_for_function(TEXT_READY)
    late = page.evaluate(GEOMETRY)

    # Reference: switching fonts makes xterm measure again, now with the face at hand.
    choose_font(page, "System monospace")
    expect(page.locator(".xterm-rows")).to_have_css("font-family", re.compile(r"^ui-monospace"))
    choose_font(page, "JetBrains Mono Nerd Font (bundled)")
    expect(page.locator(".xterm-rows")).to_have_css("font-family", re.compile(r'^"JetBrains Mono"'))
    fresh = page.evaluate(GEOMETRY)
    assert late == fresh, f"cells measured with the late font {late} != measured afresh {fresh}"

    # No icon drawn yet: the ~1 MB icon font has not been fetched.
    assert not [u for u in requested if ICON_FILE in u], requested
    assert page.evaluate(FACE_LOADED, "Pure Nerd Font") is False
    page.locator(".term-host").first.click()
    page.keyboard.type(PRINTF)
    page.keyboard.press("Enter")
    page.wait_for_function(ROWS_CONTAIN, arg=GLYPHS)
    page.wait_for_function(FACE_LOADED, arg="Pure Nerd Font")
    assert [u for u in requested if ICON_FILE in u], requested

    fonts = [r for r in responses if r.ok]
    assert {ICON_FILE in r.url for r in fonts} == {True, False}, [r.url for r in responses]
    for response in fonts:
        headers = response.all_headers()
        assert headers["content-type"] == "font/woff2", (response.url, headers)
        assert "immutable" in headers["cache-control"], (response.url, headers)
    screenshot(page, "terminal-font.png")
    assert page.errors == []


def test_system_font_choice_applies_and_survives_a_reload(page: Any) -> None:
    save_prefs(page, terminalFont="bundled")
    sid = new_session(page)
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    rows = page.locator(".xterm-rows")
    expect(rows).to_have_css("font-family", re.compile(r'^"JetBrains Mono"'))

    # The choice is saved on the server (the settings sheet debounces its PUT).
    with page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith("/api/preferences")
    ) as saved:
        choose_font(page, "System monospace")
        expect(rows).to_have_css("font-family", re.compile(r"^ui-monospace"))
    assert saved.value.ok
    assert saved.value.json()["prefs"]["terminalFont"] == "system"

    page.reload()
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    expect(rows).to_have_css("font-family", re.compile(r"^ui-monospace"))
    dialog = open_settings(page)
    expect(dialog.get_by_role("combobox", name="Terminal font", exact=True)).to_have_value("system")
    page.keyboard.press("Escape")
    assert page.evaluate(XTERM_FAMILY).endswith('"Pure Nerd Font", monospace')
    save_prefs(page, terminalFont="bundled")
    assert page.errors == []


def test_font_choice_fits_a_narrow_phone_and_is_keyboard_reachable(narrow_phone: Any) -> None:
    page = narrow_phone
    save_prefs(page, terminalFont="bundled")
    page.goto("/")
    page.get_by_role("button", name="Settings", exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings")
    select = dialog.get_by_role("combobox", name="Terminal font", exact=True)
    expect(select).to_have_value("bundled")
    expect(select).to_have_accessible_description(re.compile("icons"))
    select.scroll_into_view_if_needed()
    box = select.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= 320, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    select.focus()
    page.keyboard.press("ArrowDown")  # a focused closed <select> changes with the arrow keys
    expect(select).to_have_value("system")
    screenshot(page, "settings-font-phone.png")
    save_prefs(page, terminalFont="bundled")
    assert page.errors == []
