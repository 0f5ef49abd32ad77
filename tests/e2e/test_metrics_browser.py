"""In-app figures at 390×844 (#19): the drawer's activity line and the hub's machine card,
each polled only while it is on screen.

One server for the module; sessions are made through the API from inside the page. Where a
test must show that nothing is polled, the page's clock is installed and jumps past several
polls instead of waiting for them.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

POST = """([body]) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
HIDE_PAGE = """() => {
    Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
    document.dispatchEvent(new Event('visibilitychange'));
}"""
#: The app's poll periods (ACTIVITY_POLL_MS, MACHINE_POLL_MS).
ACTIVITY_POLL_MS = 5000
MACHINE_POLL_MS = 10_000
SIZE = re.compile(r"^\d+(\.\d)? (B|KB|MB|GB|TB)$")


@pytest.fixture
def page(phone: Any) -> Any:
    """The phone, with console errors collected beside the uncaught ones, on an empty hub."""
    errors: list[str] = []
    phone.console_errors = errors

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    phone.on("console", on_console)
    phone.goto("/")
    phone.evaluate(DELETE_ALL)
    return phone


def _no_errors(page: Any) -> None:
    assert page.errors == []
    assert page.console_errors == []


def _calls(page: Any, path: str) -> list[str]:
    seen: list[str] = []

    def on_request(request: Any) -> None:
        if path in request.url:
            seen.append(request.url)

    page.on("request", on_request)
    return seen


def _sampled(api: Any, sid: str) -> None:
    """Wait for the server to have sampled the session's processes twice (every 5 s): its
    CPU and memory are known from then on. Polled like tests.helpers.eventually."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        stats = api.get(f"/api/sessions/{sid}/stats").json()
        if stats["cpu"] is not None and stats["rss"] is not None:
            return
        time.sleep(0.2)
    pytest.fail(f"the session was not sampled: {stats}")


def test_drawer_activity_line_shows_the_sessions_figures(page: Any, api: Any) -> None:
    sid = page.evaluate(POST, [{"name": "busy-one"}])
    page.clock.install()
    stats = _calls(page, f"/api/sessions/{sid}/stats")
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    # What a shell with integration prints around a command that failed with 3.
    page.locator(".xterm-helper-textarea").focus()
    page.keyboard.type("printf '\\033]133;C\\007'; printf '\\033]133;D;3\\007'; echo do''ne\n")
    page.wait_for_function(ROWS_CONTAIN, arg="done")
    _sampled(api, sid)
    assert stats == []  # nothing is polled while the drawer is closed

    page.get_by_role("button", name="Sessions", exact=True).tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    line = drawer.get_by_label("Activity of busy-one")
    expect(line).to_contain_text(re.compile(r"out \d+(\.\d)? (B|KB|MB)/s"))
    expect(line.locator(".fig", has_text="CPU")).to_have_text(re.compile(r"^CPU \d+(\.\d)?%$"))
    expect(line.locator(".fig", has_text="mem").locator(".fig-value")).to_have_text(SIZE)
    expect(line.locator(".fig.alert")).to_have_text("exit 3")
    assert len(stats) == 1
    with page.expect_request(lambda r: f"/api/sessions/{sid}/stats" in r.url):
        page.clock.run_for(ACTIVITY_POLL_MS)

    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.clock.run_for(4 * ACTIVITY_POLL_MS)
    page.evaluate("() => fetch('/api/version')")  # any request events are in by now
    assert len(stats) == 2  # closed: no more polls
    _no_errors(page)


def test_hub_machine_card_polls_only_while_visible(page: Any) -> None:
    page.evaluate(POST, [{"name": "hub-one"}])
    page.clock.install()
    machine = _calls(page, "/api/machine")
    page.goto("/")
    card = page.get_by_role("region", name="Machine")
    expect(card).to_contain_text(re.compile(r"Load \d+\.\d\d \d+\.\d\d \d+\.\d\d · \d+ CPUs?"))
    expect(card).to_contain_text(re.compile(r"Memory \S+ \w+ used of \S+ \w+"))
    expect(card).to_contain_text(re.compile(r"Disk \S+ \w+ free of \S+ \w+"))
    assert len(machine) == 1
    with page.expect_request(lambda r: "/api/machine" in r.url):
        page.clock.run_for(MACHINE_POLL_MS)
    page.evaluate(HIDE_PAGE)
    page.clock.run_for(5 * MACHINE_POLL_MS)
    page.evaluate("() => fetch('/api/version')")
    assert len(machine) == 2  # hidden: nothing
    _no_errors(page)
