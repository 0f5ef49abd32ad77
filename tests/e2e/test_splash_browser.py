"""Browser tests for the start-up splash (issue #8): it shows once per tab, leaves by itself,
is skipped by a click or a key, never intercepts input, and stays away when turned off, on
/login, on a reload in the same tab and with reduced motion.

Against a private build:
    TERMBEAM_STATIC_DIR=/tmp/static-splash pytest tests/e2e/test_splash_browser.py
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
TYPED = """() => document.getAnimations()
    .some((a) => a.animationName === 'splash-type' && a.playState === 'finished')"""
DESKTOP = {"width": 1280, "height": 800}
SPLASH = ".splash"
# Splash.tsx holds the wordmark 1200 ms, then fades for 250 ms.
MIN_NATURAL_MS = 1000
MAX_NATURAL_MS = 3000
SKIP_MS = 400

# Records, in page time, when the overlay came and went and what state a click found it in.
RECORDER = """
window.__splash = { added: null, removed: null, clickAt: null, phaseAtClick: null };
new MutationObserver(() => {
  const s = window.__splash;
  const el = document.querySelector('.splash');
  if (el && s.added === null) s.added = performance.now();
  if (!el && s.added !== null && s.removed === null) s.removed = performance.now();
}).observe(document, { childList: true, subtree: true });
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, () => {
    const el = document.querySelector('.splash');
    window.__splash.clickAt = performance.now();
    window.__splash.phaseAtClick = el ? el.dataset.phase : null;
  }, true);
}
"""


def own_address() -> dict[str, str]:
    """A made-up client address (trusted from loopback), so these page loads get their own
    API rate budget."""
    octets = ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))
    return {"X-Forwarded-For": f"10.{octets}"}


@pytest.fixture
def new_context(browser: Any, server: ServerProcess) -> Iterator[Any]:
    """A factory for recorded browser contexts; closes them all afterwards."""
    made: list[Any] = []

    def make(state: Any = None, **extra: Any) -> Any:
        ctx = browser.new_context(
            base_url=server.base_url,
            storage_state=state,
            viewport=DESKTOP,
            extra_http_headers=own_address(),
            **extra,
        )
        ctx.set_default_timeout(15_000)
        ctx.add_init_script(RECORDER)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def open_page(ctx: Any, path: str = "/") -> Any:
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(path)
    return page


def decision(page: Any) -> str:
    page.wait_for_function("() => document.documentElement.dataset.splash !== undefined")
    return str(page.evaluate("() => document.documentElement.dataset.splash"))


def recorded(page: Any) -> dict[str, Any]:
    value: dict[str, Any] = page.evaluate("() => window.__splash")
    return value


def set_show_splash(ctx: Any, value: bool) -> None:
    current = ctx.request.get("/api/preferences").json()["prefs"]
    response = ctx.request.put("/api/preferences", data={"prefs": {**current, "showSplash": value}})
    assert response.ok, response.text()
    assert response.json()["prefs"]["showSplash"] is value


def test_splash_shows_once_per_tab_and_leaves_by_itself(
    new_context: Any, auth_state: Any
) -> None:
    page = open_page(new_context(auth_state))
    splash = page.locator(SPLASH)
    expect(splash).to_be_visible()
    assert decision(page) == "shown"
    expect(splash).to_have_attribute("aria-hidden", "true")
    # Decorative and never in the way: no pointer events, no text for searches or readers.
    assert splash.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    assert splash.inner_text().strip() == ""
    if SHOTS:
        page.wait_for_function(TYPED)
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / "splash.png"))
    # The hub renders underneath at once: its controls are usable while the splash shows.
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()
    expect(splash).to_have_count(0, timeout=MAX_NATURAL_MS + 2000)
    shown = recorded(page)
    assert MIN_NATURAL_MS <= shown["removed"] - shown["added"] <= MAX_NATURAL_MS, shown

    # A reload in the same tab keeps sessionStorage: no second splash.
    page.reload()
    assert decision(page) == "skipped"
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()
    assert recorded(page)["added"] is None
    assert page.errors == []


@pytest.mark.parametrize("how", ["click", "key"])
def test_click_or_key_skips_the_splash(new_context: Any, auth_state: Any, how: str) -> None:
    ctx = new_context(auth_state)
    # Under heavy load the input may land after the splash already began to fade; a new tab
    # (fresh sessionStorage) gets a new splash, so try a few times before giving up.
    for _attempt in range(3):
        page = open_page(ctx)
        expect(page.locator(SPLASH)).to_be_visible()
        if how == "click":
            page.mouse.click(DESKTOP["width"] // 2, DESKTOP["height"] - 10)
        else:
            page.keyboard.press("Shift")
        expect(page.locator(SPLASH)).to_have_count(0)
        rec = recorded(page)
        assert page.errors == []
        if rec["phaseAtClick"] == "show":
            break
        page.close()
    assert rec["phaseAtClick"] == "show", rec
    assert rec["removed"] - rec["clickAt"] < SKIP_MS, rec
    assert rec["removed"] - rec["added"] < MIN_NATURAL_MS, rec


def test_no_splash_when_turned_off(new_context: Any, auth_state: Any) -> None:
    api = new_context(auth_state)
    set_show_splash(api, False)
    try:
        # A fresh browser with no cached preferences: the server's "off" must win, no flash.
        page = open_page(new_context(auth_state))
        assert decision(page) == "skipped"
        expect(page.get_by_role("button", name="+ New session")).to_be_visible()
        assert recorded(page)["added"] is None
        assert page.errors == []
    finally:
        set_show_splash(api, True)


def test_no_splash_on_login_or_with_reduced_motion(new_context: Any, auth_state: Any) -> None:
    login = open_page(new_context(), "/login")
    assert decision(login) == "skipped"
    expect(login.get_by_label("Password")).to_be_visible()
    assert recorded(login)["added"] is None

    calm = open_page(new_context(auth_state, reduced_motion="reduce"))
    assert decision(calm) == "skipped"
    assert recorded(calm)["added"] is None
    assert login.errors == []
    assert calm.errors == []
