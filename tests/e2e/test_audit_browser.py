"""Settings → Security → Activity in the browser (#17): the audit log lists the phone's login
and a failed one, newest first, and the event filter narrows the list, at 390x844 against the
real server."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect
from tests.e2e.test_settings_browser import open_settings_from_hub, own_address

pytestmark = BROWSER_MARKS


def _wrong_login(server: ServerProcess) -> None:
    request = urllib.request.Request(  # noqa: S310 - the test server, over loopback
        server.base_url + "/api/auth", data=b'{"password": "a wrong guess"}', method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": "10.9.8.7"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback
    refused.value.close()
    assert refused.value.code == 401


def test_activity_lists_logins_and_filters_on_a_phone(phone: Any, server: ServerProcess) -> None:
    page = phone
    page.context.set_extra_http_headers(own_address())
    _wrong_login(server)
    dialog = open_settings_from_hub(page)
    activity = dialog.get_by_role("list", name="Activity")
    activity.scroll_into_view_if_needed()
    rows = activity.get_by_role("listitem")
    # The failed login came after the phone's own: it is listed first.
    expect(rows.first).to_contain_text("login.failed")
    expect(rows.first).to_contain_text("10.9.8.7")
    expect(rows.first).to_contain_text("wrong password")
    expect(activity.locator("[data-event='login']").first).to_contain_text("method password")

    dialog.get_by_label("Event").select_option("login")
    expect(rows.first).to_contain_text("login")
    expect(activity.locator("[data-event='login.failed']")).to_have_count(0)
    assert rows.count() >= 1
    assert all(row.get_attribute("data-event") == "login" for row in rows.all())

    dialog.get_by_label("Event").select_option("login.failed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("10.9.8.7")
    assert "a wrong guess" not in dialog.inner_text()
    # It fits the phone: nothing wider than the screen.
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
