"""Turning the one-time code on and off in Settings → Security on a phone (390x844), against
the real server (#17): the page shows the otpauth QR code, the key as text and the recovery
codes; a wrong first code is refused with the server's error and changes nothing; the right
one (computed here from the key the page shows, with pyotp as the server does) turns it on,
this browser stays signed in, a new sign-in needs the code, and turning it off asks for a code
in a confirm sheet."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pyotp

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import open_settings_from_hub, own_address

pytestmark = BROWSER_MARKS

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "has_touch": True, "is_mobile": True}


def _wrong_code(totp: pyotp.TOTP) -> str:
    """Six digits that are no code of the steps the server accepts now (±1)."""
    near = {totp.at(time.time() + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def _state(page: Any) -> dict[str, Any]:
    response = page.request.get("/api/totp")
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


def _small_controls(scope: Any) -> list[str]:
    """Visible buttons, links and fields of `scope` (a switch: its label row) under 44 px high
    or spilling off the 390 px screen."""
    found: list[str] = scope.evaluate(
        """(root) => Array.from(root.querySelectorAll('button, a[href], input, [role=switch]'))
            .filter((el) => el.getClientRects().length > 0)
            .map((el) => [el, el.closest('label') || el])
            .filter(([, box]) => { const r = box.getBoundingClientRect();
                                   return r.height < 44 || r.left < 0 || r.right > 390; })
            .map(([el]) => el.outerHTML.slice(0, 80))""")
    return found


def test_turn_on_sign_in_with_the_code_and_turn_off_on_a_phone(
    phone: Any, new_context: Any, server: ServerProcess
) -> None:
    page = phone
    page.context.set_extra_http_headers(own_address())
    dialog = open_settings_from_hub(page)
    section = dialog.get_by_test_id("totp-status")
    section.scroll_into_view_if_needed()
    expect(section).to_contain_text("One-time code at sign-in: Off")

    section.get_by_role("button", name="Turn on…").click()
    form = section.get_by_role("form", name="Turn on the one-time code")
    expect(form.get_by_role("img", name="QR code for an authenticator app")).to_be_visible()
    secret = form.get_by_label("Key").input_value()
    link = form.get_by_role("link", name="Open in authenticator app")
    href = link.get_attribute("href") or ""
    assert href.startswith("otpauth://totp/")
    assert f"secret={secret}" in href
    codes = form.get_by_role("list").get_by_role("listitem")
    expect(codes).to_have_count(8)
    recovery = codes.all_inner_texts()

    totp = pyotp.TOTP(secret)
    turn_on = form.get_by_role("button", name="Turn on", exact=True)
    form.get_by_label("6-digit code").fill(_wrong_code(totp))
    expect(turn_on).to_be_disabled()  # the recovery codes are not saved yet
    form.get_by_role("switch", name="I have saved the recovery codes").check()
    assert _small_controls(section) == []
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")

    # A wrong code: the server's error, and nothing changes.
    turn_on.click()
    expect(form.get_by_role("alert")).to_have_text("wrong code")
    assert _state(page)["enabled"] is False
    expect(section).to_contain_text("One-time code at sign-in: Off")

    form.get_by_label("6-digit code").fill(totp.now())
    turn_on.click()
    expect(section).to_contain_text("One-time code at sign-in: On (8 recovery codes left)")
    expect(section.get_by_role("status")).to_contain_text("This browser stays signed in")
    expect(form).to_have_count(0)
    assert _state(page) == {"enabled": True, "recoveryLeft": 8}  # this browser's login still holds
    page.reload()
    expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    assert not page.url.endswith("/login")

    # A new sign-in needs the code: the next step's (the enabling one is spent).
    other = new_context(extra_http_headers=own_address(), **PHONE).new_page()
    other.goto("/login")
    other.get_by_label("Password").fill(server.password)
    other.get_by_role("button", name="Sign in").click()
    other.get_by_label("One-time code").fill(totp.at(time.time() + 30))
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url(lambda url: not url.endswith("/login"))

    # Turning it off asks first, with a code; Cancel keeps it, a wrong code is refused.
    dialog = open_settings_from_hub(page)
    section = dialog.get_by_test_id("totp-status")
    section.scroll_into_view_if_needed()
    expect(section).to_contain_text("One-time code at sign-in: On")
    section.get_by_role("button", name="Turn off…").click()
    confirm = page.get_by_role("dialog", name="Turn off the one-time code?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    assert _state(page)["enabled"] is True

    section.get_by_role("button", name="Turn off…").click()
    confirm.get_by_label("Code or recovery code").fill(_wrong_code(totp))
    confirm.get_by_role("button", name="Turn off").click()
    expect(confirm.get_by_role("alert")).to_have_text("wrong code")
    assert _state(page)["enabled"] is True
    assert _small_controls(confirm) == []

    confirm.get_by_label("Code or recovery code").fill(recovery[0])
    confirm.get_by_role("button", name="Turn off").click()
    expect(confirm).to_have_count(0)
    expect(section).to_contain_text("One-time code at sign-in: Off")
    assert _state(page)["enabled"] is False
    assert not page.errors
    assert not other.errors
