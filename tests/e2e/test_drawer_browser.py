"""Browser tests of the session drawer on a phone: listing, switching tab, Esc and focus,
closing a session from its card and opening the new-session sheet.

Sessions are created through the API from inside the page (same origin); the test starts
from an empty session list so the listed names are exactly the ones it made.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]

CREATE = """([name, cwd]) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(cwd ? {name, cwd} : {name})})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
LIST_IDS = "() => fetch('/api/sessions').then((r) => r.json()).then((l) => l.map((s) => s.id))"
SWIPE_LEFT = """() => {
    const el = document.querySelector('.drawer-list');
    const opts = (x) => ({bubbles: true, pointerId: 7, pointerType: 'touch',
        clientX: x, clientY: 300});
    el.dispatchEvent(new PointerEvent('pointerdown', opts(300)));
    el.dispatchEvent(new PointerEvent('pointermove', opts(200)));
    el.dispatchEvent(new PointerEvent('pointerup', opts(150)));
}"""
NO_X_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


def tab(page: Any, name: str) -> Any:
    return page.get_by_role("tab", name=re.compile(re.escape(name)))


def test_drawer_lists_switches_and_closes_sessions(phone: Any) -> None:
    page = phone
    page.goto("/")
    page.evaluate(DELETE_ALL)
    names = ["drawer-one", "drawer-two", "drawer-three"]
    # The third runs in this repository, so its card shows a git badge.
    ids = [str(page.evaluate(CREATE, [n, str(ROOT) if n == names[2] else None])) for n in names]
    page.goto(f"/terminal?id={ids[0]}")
    expect(tab(page, "drawer-one")).to_have_attribute("aria-selected", "true")

    opener = page.get_by_role("button", name="Sessions", exact=True)
    opener.tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    expect(drawer).to_be_visible()
    for name in names:
        expect(drawer.get_by_role("button", name=f"Switch to {name}", exact=True)).to_be_visible()
    third = drawer.locator("li", has=page.get_by_role("button", name="Switch to drawer-three"))
    expect(third.locator(".drawer-git")).to_have_attribute("title", re.compile(r"^Git branch \S+"))
    assert page.evaluate(NO_X_OVERFLOW)
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "drawer-phone.png"))

    # Tapping a card switches to that tab and closes the drawer.
    drawer.get_by_role("button", name="Switch to drawer-three", exact=True).tap()
    expect(drawer).to_be_hidden()
    expect(tab(page, "drawer-three")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(rf"\?id={re.escape(ids[2])}$"))

    # Esc closes it and focus returns to the button that opened it.
    opener.tap()
    expect(drawer).to_be_visible()
    expect(drawer.locator(":focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(opener).to_be_focused()

    # Close × asks in the same sheet as the tab close, then deletes the session.
    opener.tap()
    drawer.get_by_role("button", name="Close session drawer-two", exact=True).tap()
    confirm = page.get_by_role("dialog", name="Close session?")
    confirm.get_by_role("button", name="Close session", exact=True).tap()
    expect(drawer.get_by_role("button", name="Switch to drawer-two", exact=True)).to_have_count(0)
    page.wait_for_function(f"() => ({LIST_IDS})().then((l) => !l.includes({ids[1]!r}))")
    assert ids[1] not in page.evaluate(LIST_IDS)
    expect(drawer.get_by_role("button", name="Switch to drawer-one", exact=True)).to_be_visible()
    expect(drawer.locator(":focus")).to_have_count(1)

    # "+ New session" swaps the drawer for the new-session sheet.
    drawer.get_by_role("button", name="+ New session").tap()
    expect(drawer).to_be_hidden()
    expect(page.get_by_role("dialog", name=re.compile("New session", re.I))).to_be_visible()
    assert page.errors == []


def test_drawer_closes_on_backdrop_tap(phone: Any) -> None:
    page = phone
    page.goto("/")
    page.evaluate(DELETE_ALL)
    sid = str(page.evaluate(CREATE, ["drawer-solo", None]))
    page.goto(f"/terminal?id={sid}")
    opener = page.get_by_role("button", name="Sessions", exact=True)
    opener.tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    expect(drawer.get_by_role("button", name="Switch to drawer-solo", exact=True)).to_be_visible()
    # The backdrop is the strip right of the 360 px drawer.
    page.touchscreen.tap(380, 400)
    expect(drawer).to_be_hidden()
    opener.tap()
    drawer.get_by_role("button", name="Close sessions panel").tap()
    expect(drawer).to_be_hidden()

    # A leftward swipe on the drawer closes it (touch pointers, as a finger sends them).
    opener.tap()
    expect(drawer).to_be_visible()
    page.evaluate(SWIPE_LEFT)
    expect(drawer).to_be_hidden()

    # "Resume agent session" opens the palette's resume panel.
    opener.tap()
    drawer.get_by_role("button", name="Resume agent session").tap()
    expect(drawer).to_be_hidden()
    resume = page.get_by_role("dialog", name="Resume agent session")
    expect(resume).to_be_visible()
    page.keyboard.press("Escape")
    expect(resume).to_be_hidden()

    # No horizontal overflow from the narrowest phone to a wide desktop.
    for width in (320, 2560):
        page.set_viewport_size({"width": width, "height": 800})
        opener.click()
        expect(drawer).to_be_visible()
        assert page.evaluate(NO_X_OVERFLOW), width
        page.keyboard.press("Escape")
        expect(drawer).to_be_hidden()
    assert page.errors == []
