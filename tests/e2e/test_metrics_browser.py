"""In-app figures and program controls at 390×844 (#19): the drawer's activity line, the
hub's machine card (each polled only while it is on screen), and a program's card whose
buttons stop, start and restart a real program; the new-session sheet's Program tab.

One server for the module; sessions are made through the API from inside the page. Where a
test must show that nothing is polled, the page's clock is installed and jumps past several
polls instead of waiting for them.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, TERMINAL_URL, expect

pytestmark = BROWSER_MARKS

POST = """([body]) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
SESSION = """([id]) => fetch("/api/sessions").then((r) => r.json())
    .then((list) => list.find((s) => s.id === id))"""
HIDE_PAGE = """() => {
    Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
    document.dispatchEvent(new Event('visibilitychange'));
}"""
#: The app's poll periods (ACTIVITY_POLL_MS, MACHINE_POLL_MS).
ACTIVITY_POLL_MS = 5000
MACHINE_POLL_MS = 10_000
SIZE = re.compile(r"^\d+(\.\d)? (B|KB|MB|GB|TB)$")
TAP_MIN = 44


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


def _program_card(page: Any, name: str) -> Any:
    link = page.get_by_role("link", name=f"Open program {name}")
    return page.locator("li.program-card", has=link)


def test_program_card_stops_starts_and_restarts_a_real_program(page: Any) -> None:
    sid = page.evaluate(POST, [{"type": "program", "name": "web-e2e", "command": "sleep 600",
                                "restart": "on-failure"}])
    page.goto("/")
    card = _program_card(page, "web-e2e")
    expect(card.locator(".program-state")).to_have_text("Running")
    expect(card).to_contain_text("sleep 600")
    expect(card).to_contain_text("0 restarts")
    first_pid = page.evaluate(SESSION, [sid])["pid"]
    for button in ("Stop web-e2e", "Restart web-e2e"):
        box = card.get_by_role("button", name=button).bounding_box()
        assert box["height"] >= TAP_MIN, (button, box)
        assert box["width"] >= TAP_MIN, (button, box)

    card.get_by_role("button", name="Stop web-e2e").tap()
    expect(card.locator(".program-state")).to_have_text("Stopped")
    assert page.evaluate(SESSION, [sid])["program"]["state"] == "stopped"
    start = card.get_by_role("button", name="Start web-e2e")
    assert start.bounding_box()["height"] >= TAP_MIN
    start.tap()
    expect(card.locator(".program-state")).to_have_text("Running")
    running = page.evaluate(SESSION, [sid])
    assert running["program"]["state"] == "running"
    assert running["pid"] != first_pid  # a new run: a new process

    card.get_by_role("button", name="Restart web-e2e").tap()
    expect(card.get_by_role("button", name="Restart web-e2e")).to_be_enabled()
    expect(card.locator(".program-state")).to_have_text("Running")
    assert page.evaluate(SESSION, [sid])["pid"] != running["pid"]

    # Deleting it, behind the hub's confirm sheet, ends it for good.
    card.get_by_role("button", name="Delete program web-e2e").tap()
    page.get_by_role("dialog", name="Delete session?").get_by_role(
        "button", name="Delete", exact=True).tap()
    expect(card).to_have_count(0)
    assert page.evaluate(SESSION, [sid]) is None
    _no_errors(page)


def test_a_crash_loop_says_it_backs_off_and_when_it_gave_up(page: Any) -> None:
    page.evaluate(POST, [{"type": "program", "name": "waiting", "command": "exit 7",
                          "restart": "on-failure", "backoffInitial": 600, "backoffMax": 600}])
    page.evaluate(POST, [{"type": "program", "name": "crashy", "command": "exit 7",
                          "restart": "on-failure", "maxRestarts": 1, "backoffInitial": 0.05}])
    page.goto("/")
    waiting = _program_card(page, "waiting")
    expect(waiting.locator(".program-state")).to_have_text(re.compile(r"^Restarting in \d+ s$"))
    expect(waiting).to_contain_text("last exit 7")
    # Stop while it waits: no restart comes.
    waiting.get_by_role("button", name="Stop waiting").tap()
    expect(waiting.locator(".program-state")).to_have_text("Stopped")
    crashy = _program_card(page, "crashy")
    expect(crashy.locator(".program-state")).to_have_text("Gave up after 1 restart")
    expect(crashy).to_contain_text("1 restart")
    expect(crashy.get_by_role("button", name="Start crashy")).to_be_visible()
    _no_errors(page)


def test_new_program_from_the_sheet(page: Any) -> None:
    page.get_by_role("button", name="+ New session").tap()
    sheet = page.get_by_role("dialog", name="New session")
    sheet.get_by_role("tab", name="Program").tap()
    form = sheet.get_by_role("form", name="New program")
    form.get_by_label("Command").fill("sleep 300")
    form.get_by_label("Name").fill("from-sheet")
    form.get_by_label("Restart policy").select_option("always")
    form.get_by_label("Maximum restarts").fill("3")
    form.get_by_role("button", name="Start program").tap()
    expect(page).to_have_url(TERMINAL_URL)
    sid = page.url.rsplit("=", 1)[1]
    made = page.evaluate(SESSION, [sid])
    assert made["type"] == "program"
    assert made["name"] == "from-sheet"
    assert made["program"]["command"] == "sleep 300"
    assert made["program"]["restart"] == "always"
    assert made["program"]["maxRestarts"] == 3
    _no_errors(page)
