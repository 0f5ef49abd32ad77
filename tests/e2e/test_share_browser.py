"""Share on a server that listens on loopback only (#16): its link and QR name 127.0.0.1, which
a phone cannot open, and the sheet says so and how to fix it."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import new_session, open_terminal_tool

pytestmark = BROWSER_MARKS


def test_a_loopback_link_says_a_phone_cannot_open_it(phone: Any) -> None:
    page = phone
    open_terminal_tool(page, new_session(page, "share-loopback"), "Share link")
    dialog = page.get_by_role("dialog", name="Share")
    expect(dialog.get_by_role("textbox", name="Login link")).to_have_value(
        re.compile(r"^http://127\.0\.0\.1:\d+/\?ott=")
    )
    note = dialog.get_by_role("note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("only this computer can open")
    expect(note).to_contain_text("termbeam --lan")
    expect(note).to_contain_text("--tunnel")
    # Readable on a phone: inside the sheet, not clipped sideways.
    box = note.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert page.errors == []
