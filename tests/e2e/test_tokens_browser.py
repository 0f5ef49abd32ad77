"""Settings → Security in the browser (#17): list, create (shown once, copyable) and revoke
API tokens, at 390x844, against the real server; the token made there works and stops
working once revoked."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import new_session, open_settings_from_hub, own_address

pytestmark = BROWSER_MARKS


def _status(server: ServerProcess, token: str) -> int:
    """GET /api/sessions with the token alone (no login cookie, which would stand for the owner)."""
    request = urllib.request.Request(  # noqa: S310 - the test server, over loopback
        server.base_url + "/api/sessions", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _listed(server: ServerProcess, token: str) -> list[str]:
    request = urllib.request.Request(  # noqa: S310 - the test server, over loopback
        server.base_url + "/api/sessions", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return [s["name"] for s in json.loads(response.read())]


def test_create_copy_list_and_revoke_a_token_on_a_phone(phone: Any, server: ServerProcess) -> None:
    page = phone
    page.context.set_extra_http_headers(own_address())
    new_session(page, "tok-target")
    new_session(page, "tok-other")
    dialog = open_settings_from_hub(page)
    form = dialog.get_by_role("form", name="New API token")
    form.scroll_into_view_if_needed()
    expect(dialog.get_by_text("No API tokens yet.")).to_be_visible()

    form.get_by_label("Name").fill("phone-ci")
    form.get_by_label("Scope").select_option("write")
    form.get_by_label("Session").select_option(label="tok-target")
    form.get_by_label("Expires").select_option("7d")
    form.get_by_role("button", name="Create token").click()

    made = dialog.get_by_role("region", name="New token")
    expect(made).to_be_visible()
    token = made.get_by_role("textbox").input_value()
    assert token.startswith("tbk_")
    made.get_by_role("button", name="Copy token").click()
    # Copied, or where the clipboard is refused, selected for a manual copy.
    expect(made.get_by_role("status")).to_have_text(
        re.compile(r"Token copied\.|Select the token above and copy it\."))

    # The token works, bound to the session it was made for.
    assert _listed(server, token) == ["tok-target"]
    rows = dialog.get_by_role("list", name="API tokens").get_by_role("listitem")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("phone-ci")
    expect(row).to_contain_text("write")
    expect(row).to_contain_text("Session: tok-target")
    expect(row).to_contain_text("Last used: never")  # loaded before the use above

    # The sheet fits the phone: nothing wider than the screen.
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")

    # Revoke asks in our own sheet first; Cancel keeps the token.
    row.get_by_role("button", name="Revoke phone-ci").click()
    confirm = page.get_by_role("dialog", name="Revoke token?")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    assert _status(server, token) == 200

    row.get_by_role("button", name="Revoke phone-ci").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role("button", name="Revoke").click()
    expect(dialog.get_by_text("No API tokens yet.")).to_be_visible()
    expect(made).to_be_hidden()  # the revoked token's text is gone from the page too
    assert _status(server, token) == 401
    assert page.errors == []
