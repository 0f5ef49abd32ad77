"""Signing out in the browser (#18), on a phone (390x844): Settings → Security lists the
signed-in devices (browser, address, this device marked), signs another one out, signs this
one out (back to the login page), and signs every device out after our confirm sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import open_settings_from_hub, own_address

pytestmark = BROWSER_MARKS

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "has_touch": True, "is_mobile": True}
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


def _signed_in(new_context: Any, server: ServerProcess, **options: Any) -> tuple[Any, str]:
    """A context logged in through the API from an address of its own; that address."""
    headers = own_address()
    context = new_context(extra_http_headers=headers, **options)
    response = context.request.post("/api/auth", data={"password": server.password})
    assert response.ok, response.text()
    return context, headers["X-Forwarded-For"]


def _sessions_status(context: Any) -> int:
    return int(context.request.get("/api/sessions").status)


def _devices(dialog: Any) -> Any:
    listing = dialog.get_by_role("list", name="Signed-in devices")
    listing.scroll_into_view_if_needed()
    return listing.get_by_role("listitem")


def test_devices_list_sign_out_one_then_this_one(new_context: Any,
                                                 server: ServerProcess) -> None:
    phone, phone_ip = _signed_in(new_context, server, **PHONE)
    ipad, ipad_ip = _signed_in(new_context, server, user_agent=IPAD)
    page = phone.new_page()
    dialog = open_settings_from_hub(page)
    rows = _devices(dialog)
    mine = rows.filter(has_text="this device")
    other = rows.filter(has_text=ipad_ip)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(phone_ip)
    expect(other).to_contain_text("Safari on iPad")
    expect(other).to_contain_text("Last seen:")
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")

    other.get_by_role("button", name="Sign out").click()
    expect(rows.filter(has_text=ipad_ip)).to_have_count(0)
    assert _sessions_status(ipad) == 401
    assert _sessions_status(phone) == 200

    mine.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert _sessions_status(phone) == 401
    assert not page.errors


def test_sign_out_everywhere(new_context: Any, server: ServerProcess) -> None:
    phone, _ = _signed_in(new_context, server, **PHONE)
    laptop, _ = _signed_in(new_context, server)
    page = phone.new_page()
    dialog = open_settings_from_hub(page)
    _devices(dialog).first.wait_for()
    dialog.get_by_role("button", name="Sign out everywhere").click()
    confirm = page.get_by_role("dialog", name="Sign out everywhere?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url("**/login")
    assert _sessions_status(phone) == 401
    assert _sessions_status(laptop) == 401
    assert not page.errors
