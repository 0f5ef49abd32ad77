"""The hub when the connection goes wrong (#18): a tunnel's login page answering an API call
reloads the page once, and polls that keep failing show "Connection lost" with Retry.

A tunnel's login page and a dropped network are outside the server, so the browser's network
layer stands in for them (Playwright routes); everything else is the real server."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

TUNNEL_LOGIN = "<!doctype html><title>Sign in</title><p>Log in to reach this tunnel</p>"
#: POLL_MS x LOST_AFTER in frontend/src/hub/useHubSessions.ts, and a poll more.
POLL_S, LOST_AFTER = 3, 5


def test_a_tunnel_login_page_reloads_the_hub_once(authed_page: Any) -> None:
    page = authed_page
    loads: list[str] = []
    page.on("load", lambda _page: loads.append("load"))
    served = {"n": 0}

    def tunnel_page(route: Any) -> None:
        served["n"] += 1
        route.fulfill(status=200, content_type="text/html", body=TUNNEL_LOGIN)

    page.route("**/api/sessions", tunnel_page)
    page.goto("/")
    # The first answer is the tunnel's page: the hub reloads once to show it...
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0]?.type === "
                           "'reload'")
    expect(page.get_by_role("alert")).to_contain_text("log in again")
    # ...and only once within 30 s: the reloaded page's own poll got it too, and says so.
    assert len(loads) == 2, loads
    page.unroute("**/api/sessions")
    expect(page.locator(".card").first).to_be_visible()
    assert page.errors == []


def test_failed_polls_show_connection_lost_and_retry_clears_it(authed_page: Any) -> None:
    page = authed_page
    page.clock.install()
    page.goto("/")
    expect(page.locator(".card").first).to_be_visible()
    # Time moves only by run_for from here: a busy machine's real seconds add no poll. (A
    # poll already on its way and answered late is stale and dropped by the hub.)
    # (a second ahead: the page's clock moves on while this call travels, and pausing in
    # its past is refused; the routes are not changed yet, so a poll in that second succeeds)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    page.route("**/api/sessions", lambda route: route.abort())
    lost = page.locator(".hub-lost")
    for _ in range(LOST_AFTER - 1):
        page.clock.run_for(POLL_S * 1000)
    expect(lost).to_have_count(0)  # four failures: not yet
    page.clock.run_for(POLL_S * 1000)
    expect(lost).to_contain_text("Connection lost")
    page.unroute("**/api/sessions")
    lost.get_by_role("button", name="Retry").click()
    expect(lost).to_have_count(0)  # the first success clears it
    expect(page.locator(".card").first).to_be_visible()
