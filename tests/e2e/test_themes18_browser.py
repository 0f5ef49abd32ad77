"""Every theme can be picked on a phone, and the terminal and the UI take its colours (#18).

The expected colours are read from frontend/src/themes/base.ts and palettes.ts, the catalogue
the app is built from: each theme's UI background and panel, and its terminal background and
foreground. One terminal page on a 390x844 touch screen opens Settings from the tools palette
and picks the themes one after another from the picker, which must keep every choice reachable
(scrolled into view, inside the screen, a comfortable tap target).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

THEMES_DIR = Path(__file__).resolve().parents[2] / "frontend" / "src" / "themes"
#: Dark and Light (on the first load), then the rest of the catalogue (its own chunk).
PALETTES = (THEMES_DIR / "base.ts", THEMES_DIR / "palettes.ts")
PHONE_WIDTH = 390
MIN_TAP = 44

# theme(\n 'id', 'Name', dark,\n { bg: '#…', panel: '#…', … },\n { bg: '#…', fg: '#…', …
ENTRY = re.compile(
    r"theme\(\s*'(?P<id>[^']+)',\s*'(?P<name>[^']+)',\s*(?:true|false),\s*"
    r"\{\s*bg:\s*'(?P<bg>#[0-9a-f]{6})',\s*panel:\s*'(?P<panel>#[0-9a-f]{6})'[^}]*\},\s*"
    r"\{\s*bg:\s*'(?P<term_bg>#[0-9a-f]{6})',\s*fg:\s*'(?P<term_fg>#[0-9a-f]{6})'"
)

# Settings -> the UI's variables on :root, the browser's theme colour, the terminal's surface
# and its text (xterm's DOM renderer colours its rows with the palette's foreground).
COLOURS = """() => {
    const root = getComputedStyle(document.documentElement);
    const rows = document.querySelector('.xterm-rows');
    const surface = document.querySelector('.xterm-scrollable-element');
    return {
        bg: root.getPropertyValue('--bg').trim(),
        panel: root.getPropertyValue('--panel').trim(),
        meta: document.querySelector('meta[name=theme-color]').content,
        termBg: surface ? getComputedStyle(surface).backgroundColor : null,
        termFg: rows ? getComputedStyle(rows).color : null,
    };
}"""


SAME = f"""(want) => {{
    const got = ({COLOURS})();
    return Object.keys(want).every((k) => got[k] === want[k]);
}}"""


class Palette(NamedTuple):
    id: str
    name: str
    bg: str
    panel: str
    term_bg: str
    term_fg: str


def palettes() -> list[Palette]:
    return [Palette(**m.groupdict()) for path in PALETTES
            for m in ENTRY.finditer(path.read_text(encoding="utf-8"))]


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_every_theme_can_be_picked_on_a_phone(phone: Any) -> None:
    page = phone
    themes = palettes()
    assert len(themes) >= 38, [t.name for t in themes]
    names = {t.name for t in themes}
    families = {
        "Dracula", "Nord", "Gruvbox Light", "Catppuccin Frappé", "Tokyo Night Day",
        "GitHub Dark Dimmed", "Rosé Pine Moon", "Ayu Mirage", "Zenburn", "Cobalt2",
    }  # fmt: skip
    assert families <= names, families - names

    response = page.request.post("/api/sessions", data={"name": "themes"})
    assert response.status == 201, response.text()
    page.goto(f"/terminal?id={response.json()['id']}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_label("Filter commands").fill("Theme")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Settings")
    picker = dialog.get_by_role("radiogroup", name="Theme")
    expect(picker).to_be_visible()
    assert picker.get_by_role("radio").count() == len(themes) + 1  # and "Match system"

    for theme in themes:
        # By id: the chosen swatch's name gains a tick ("✓ Dark").
        radio = picker.locator(f'[role=radio][data-theme-id="{theme.id}"]')
        expect(radio).to_contain_text(theme.name)
        radio.scroll_into_view_if_needed()
        box = radio.bounding_box()
        assert box is not None, theme.name
        assert box["x"] >= 0, (theme.name, box)
        assert box["x"] + box["width"] <= PHONE_WIDTH, (theme.name, box)
        assert min(box["height"], box["width"]) >= MIN_TAP, (theme.name, box)
        radio.tap()
        expect(radio).to_have_attribute("aria-checked", "true")
        want = {
            "bg": theme.bg,
            "panel": theme.panel,
            "meta": theme.panel,
            "termBg": rgb(theme.term_bg),
            "termFg": rgb(theme.term_fg),
        }
        try:
            page.wait_for_function(SAME, arg=want, timeout=5_000)
        except Exception:  # the assertion says which colour is wrong
            assert page.evaluate(COLOURS) == want, theme.name
    # Nothing in the sheet sticks out sideways on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert page.errors == []
