"""Browser tests for notifications: the service worker, the settings toggle, push display.

Chromium's push service is unreachable here (and Playwright contexts are incognito, where
Chrome refuses PushManager.subscribe), so the toggle is tested twice: with the real
PushManager (the failure must be reported clearly) and with a stubbed one, up to the
`POST /api/push/subscribe` request. The display path gets a real `push` event through the
DevTools protocol (`ServiceWorker.deliverPushMessage`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

STATIC = Path(__file__).resolve().parents[2] / "termbeam_py" / "static"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(
        not (STATIC / "sw.js").exists(),
        reason="frontend not built (run `npm install && npm run build` in frontend/)",
    ),
]

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the skip below explains it
    pytestmark.append(pytest.mark.skip(reason="playwright (Python) is not installed"))

SW_READY = "navigator.serviceWorker.ready.then((r) => r.active && r.active.scriptURL)"
NOTIFICATIONS = """navigator.serviceWorker.ready
    .then((r) => r.getNotifications())
    .then((ns) => ns.map((n) => ({title: n.title, body: n.body, url: n.data && n.data.url})))"""
#: A stand-in PushManager.subscribe that resolves like a real subscription would.
FAKE_SUBSCRIBE = """
let current = null;
PushManager.prototype.getSubscription = async function () { return current; };
PushManager.prototype.subscribe = async function (options) {
  window.__vapidKeyLength = new Uint8Array(options.applicationServerKey).length;
  const json = {endpoint: 'https://push.example/send/e2e', expirationTime: null,
                keys: {p256dh: 'BKey', auth: 'secret'}};
  current = {endpoint: json.endpoint, options, toJSON: () => json,
             unsubscribe: async () => { current = null; return true; }};
  return current;
};
"""


def open_settings(page: Any) -> Any:
    """The push switch lives in the settings sheet (the hub's Settings button)."""
    page.get_by_role("button", name="Settings", exact=True).click()
    return page.get_by_role("dialog", name="Settings").get_by_role(
        "switch", name="Notify this device when a command finishes"
    )


def switch_status(page: Any, text: str) -> Any:
    return page.get_by_role("dialog", name="Settings").get_by_role("status").filter(has_text=text)


def test_service_worker_registers_at_the_root(authed_page: Any, server: ServerProcess) -> None:
    authed_page.goto("/")
    assert authed_page.evaluate(SW_READY) == f"{server.base_url}/sw.js"
    response = authed_page.request.get("/sw.js")
    assert response.headers["service-worker-allowed"] == "/"


#: Counts clearAppBadge calls (the Badging API), whether or not this Chromium has it.
COUNT_BADGE_CLEARS = """
window.__badgeClears = 0;
Navigator.prototype.clearAppBadge = function () {
  window.__badgeClears += 1;
  return Promise.resolve();
};
"""


def test_seeing_the_app_clears_the_icon_badge(authed_page: Any) -> None:
    # The service worker badges the icon on a push; opening the app is reading it.
    authed_page.add_init_script(COUNT_BADGE_CLEARS)
    authed_page.goto("/")
    authed_page.wait_for_function("window.__badgeClears >= 1")


def test_toggle_reports_a_push_service_failure(authed_page: Any, server: ServerProcess) -> None:
    authed_page.context.grant_permissions(["notifications"], origin=server.base_url)
    authed_page.goto("/")
    authed_page.evaluate(SW_READY)
    switch = open_settings(authed_page)
    switch.click()
    expect(switch_status(authed_page, "Could not subscribe to push notifications")).to_be_visible()
    expect(switch).not_to_be_checked()


def test_toggle_subscribes_with_the_vapid_key(authed_page: Any, server: ServerProcess) -> None:
    authed_page.context.grant_permissions(["notifications"], origin=server.base_url)
    authed_page.add_init_script(FAKE_SUBSCRIBE)
    posted: list[dict[str, Any]] = []

    def capture(route: Any) -> None:
        posted.append(json.loads(route.request.post_data))
        route.fulfill(json={"ok": True})

    authed_page.route("**/api/push/subscribe", capture)
    authed_page.goto("/")
    authed_page.evaluate(SW_READY)
    switch = open_settings(authed_page)
    with authed_page.expect_request("**/api/push/subscribe"):
        switch.click()
    expect(switch).to_be_checked()
    expect(switch_status(authed_page, "on for this device")).to_be_visible()
    assert posted[0]["subscription"]["endpoint"] == "https://push.example/send/e2e"
    assert authed_page.evaluate("window.__vapidKeyLength") == 65
    with authed_page.expect_request("**/api/push/unsubscribe") as unsubscribed:
        switch.click()
    assert json.loads(unsubscribed.value.post_data) == {"endpoint": "https://push.example/send/e2e"}
    expect(switch).not_to_be_checked()


def test_push_event_shows_a_notification_unless_the_app_is_focused(
    authed_page: Any, server: ServerProcess
) -> None:
    page = authed_page
    page.context.grant_permissions(["notifications"], origin=server.base_url)
    page.goto("/")
    page.evaluate(SW_READY)
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(
        e["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the registration event arrives asynchronously
        if registrations:
            break
        page.wait_for_timeout(100)
    registration_id = registrations[0]["registrationId"]

    def deliver(title: str) -> None:
        payload = {"title": title, "body": "Session: api", "tag": title, "url": "/terminal?id=x1"}
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": f"{server.base_url}/", "registrationId": registration_id,
            "data": json.dumps(payload),
        })

    # A focused window gets the payload as a toast instead of a system notification.
    deliver("✓ seen in the page")
    expect(page.locator(".toast")).to_have_text("✓ seen in the page")
    page.goto("about:blank")
    deliver("✓ make — exit 0 — session api")
    page.goto("/")
    page.wait_for_function(f"{NOTIFICATIONS}.then((ns) => ns.length > 0)", polling=100)
    assert page.evaluate(NOTIFICATIONS) == [
        {"title": "✓ make — exit 0 — session api", "body": "Session: api",
         "url": "/terminal?id=x1"}
    ]
