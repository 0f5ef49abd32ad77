"""The one-time code at sign-in, in the browser (#17): with TOTP on, the login page on a phone
(390x844) asks for the code after the password, in a numeric `one-time-code` field; a wrong
code is refused without saying which half was wrong, the right one signs in, and Settings →
Security says the code is on. The secret is set up through the real server's API."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pyotp

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import open_settings_from_hub, own_address

pytestmark = BROWSER_MARKS

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "has_touch": True, "is_mobile": True}


def _turn_on(api: Any) -> pyotp.TOTP:
    made = api.post("/api/totp/setup")
    assert made.ok, made.text()
    totp = pyotp.TOTP(made.json()["secret"])
    done = api.post("/api/totp/enable", data={"code": totp.now()})
    assert done.ok, done.text()
    return totp


def test_two_step_login_on_a_phone(new_context: Any, api: Any, server: ServerProcess) -> None:
    totp = _turn_on(api)
    context = new_context(extra_http_headers=own_address(), **PHONE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()

    code = page.get_by_label("One-time code")
    expect(code).to_be_visible()
    expect(code).to_be_focused()
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    assert page.get_by_role("alert").count() == 0  # asked, not refused
    box = code.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= 390")

    # A wrong code: refused, without saying whether the password was the wrong half.
    now = totp.now()
    code.fill("000000" if now != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect password or code")
    expect(page.get_by_label("Password")).to_have_value(server.password)

    # The next step's code (the enabling one is spent; one step of skew is accepted).
    page.get_by_label("One-time code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))

    dialog = open_settings_from_hub(page)
    status = dialog.get_by_test_id("totp-status")
    status.scroll_into_view_if_needed()
    expect(status).to_contain_text("One-time code at sign-in: On")
    expect(status).to_contain_text("8 recovery codes left")
    assert not page.errors
