"""What the browser test modules share: the skip guards and the xterm DOM probes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

STATIC_INDEX = (
    Path(os.environ["TERMBEAM_STATIC_DIR"]) / "index.html"
    if os.environ.get("TERMBEAM_STATIC_DIR")
    else Path(__file__).resolve().parents[2] / "termbeam_py" / "static" / "index.html"
)

#: Browser tests need Debian's chromium and a built frontend; skip with the reason otherwise.
BROWSER_MARKS: list[Any] = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(
        not STATIC_INDEX.exists(),
        reason="frontend not built (run `npm install && npm run build` in frontend/)",
    ),
]

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the skip below explains it
    expect = None
    BROWSER_MARKS.append(pytest.mark.skip(reason="playwright (Python) is not installed"))

# JS predicates over xterm's DOM renderer rows.
ROW_EQUALS = """(text) => Array.from(document.querySelectorAll('.xterm-rows > div'))
    .some((row) => row.textContent.trim() === text)"""
ROWS_CONTAIN = """(text) => {
    const rows = document.querySelector('.xterm-rows');
    return !!rows && rows.textContent.includes(text);
}"""
TERMINAL_URL = re.compile(r"/terminal\?id=[^&]+$")

#: How long the web app waits before a lost connection's blocking overlay
#: (RECONNECT_ESCALATE_MS in frontend/src/reconnect.ts).
RECONNECT_ESCALATE_MS = 10_000


def expect_overlay_only_after_the_grace(page: Any, overlay: Any, closed_at_ms: float) -> None:
    """The blocking overlay stays away for the whole grace after a close, then comes.

    The page's clock must have been installed before it loaded (`page.clock.install()`), and
    `closed_at_ms` is the close's time on that clock. Rather than wait the 10 s, the clock
    jumps to half a second short of the grace and stops there, so "not yet" is checked with
    no race against a busy machine; then time runs on and the overlay must come.
    """
    page.clock.pause_at((closed_at_ms + RECONNECT_ESCALATE_MS - 500) / 1000)
    expect(overlay).to_have_count(0)
    page.clock.resume()
    expect(overlay).to_be_visible()


def tap_terminal(terminal: Any) -> None:
    """Tap the terminal element `terminal` (a Locator) and wait until its input has the focus.

    The focus comes with the mouse events the browser makes of a tap, after the touch itself:
    keys typed before that reach the page, not the terminal (a busy machine shows it)."""
    terminal.tap()
    expect(terminal.locator("textarea")).to_be_focused()
