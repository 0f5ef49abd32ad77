"""Browser tests for the hub: login (password and share link), the new-session sheet with its
folder browser, session cards, filters, swipe and keyboard delete, tips and workspaces.

Against a private build:
    TERMBEAM_STATIC_DIR=/tmp/static-hub pytest tests/e2e/test_hub_browser.py
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, TERMINAL_URL, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HUB_URL = re.compile(r"/$")
NEW = "+ New session"


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"))


def own_address() -> dict[str, str]:
    """A made-up client address (trusted from loopback): each context gets its own API rate
    budget, so the hub's 3 s polling across many tests stays under 120 requests a minute."""
    octets = ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))
    return {"X-Forwarded-For": f"10.{octets}"}


def _context(browser: Any, server: ServerProcess, state: Any, phone: bool) -> Any:
    common = {
        "base_url": server.base_url, "storage_state": state, "extra_http_headers": own_address()
    }
    if phone:
        ctx = browser.new_context(**common, viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    else:
        ctx = browser.new_context(**common, viewport=DESKTOP)
        # Desktops draw the terminal with WebGL; the DOM renderer lets tests read its rows.
        ctx.add_init_script("try { localStorage.setItem('termbeam.renderer', 'dom') } catch {}")
    ctx.set_default_timeout(15_000)
    return ctx


def _page(ctx: Any) -> Any:
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


FAKE_AIDER = """#!/bin/sh
# A stand-in for Aider: answers the version probe, prints a marker, then waits for input.
[ "$1" = "--version" ] && { echo "aider 0.99.1"; exit 0; }
echo "FAKE-AIDER-READY $*"
exec cat
"""


@pytest.fixture(scope="module", autouse=True)
def fake_agent_on_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Put a fake `aider` first on PATH before the module's server starts (autouse fixtures are
    set up before the other module fixtures), so the Agents tab has something to launch."""
    bin_dir = tmp_path_factory.mktemp("hub-agent-bin")
    aider = bin_dir / "aider"
    aider.write_text(FAKE_AIDER)
    aider.chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
        yield


@pytest.fixture
def phone(browser: Any, server: ServerProcess, auth_state: Any) -> Iterator[Any]:
    """A logged-in 390×844 touch page."""
    ctx = _context(browser, server, auth_state, phone=True)
    try:
        yield _page(ctx)
    finally:
        ctx.close()


@pytest.fixture
def desktop(browser: Any, server: ServerProcess, auth_state: Any) -> Iterator[Any]:
    """A logged-in 1280×800 page."""
    ctx = _context(browser, server, auth_state, phone=False)
    try:
        yield _page(ctx)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def api(browser: Any, server: ServerProcess, auth_state: Any) -> Iterator[Any]:
    """A logged-in API client, to arrange sessions and check what the UI really did."""
    ctx = browser.new_context(base_url=server.base_url, storage_state=auth_state,
                              extra_http_headers=own_address())
    try:
        yield ctx.request
    finally:
        ctx.close()


def sessions(api: Any) -> list[dict[str, Any]]:
    res = api.get("/api/sessions")
    assert res.ok
    result: list[dict[str, Any]] = res.json()
    return result


def create(api: Any, **body: Any) -> str:
    res = api.post("/api/sessions", data=body)
    assert res.status == 201, res.text()
    session_id: str = res.json()["id"]
    return session_id


def delete_all(api: Any) -> None:
    for s in sessions(api):
        api.delete(f"/api/sessions/{s['id']}")
    assert sessions(api) == []


def server_cwd(api: Any) -> Path:
    return Path(api.get("/api/shells").json()["cwd"])


def card(page: Any, name: str) -> Any:
    link = page.get_by_role("link", name=f"Open session {name}", exact=True)
    return page.get_by_role("listitem").filter(has=link)


# --- empty hub ------------------------------------------------------------------------------


def test_empty_hub_shows_tips_and_one_new_button(phone: Any, api: Any) -> None:
    delete_all(api)
    page = phone
    page.goto("/")
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_visible()
    button = page.get_by_role("button", name=NEW)
    expect(button).to_have_count(1)  # the header hides its copy while the big one shows
    tip = page.locator(".tip-text")
    expect(tip).not_to_be_empty()
    first = tip.inner_text()
    counter = page.get_by_text(re.compile(r"^Tip \d+ of \d+$"))
    total = int(counter.inner_text().split()[-1])
    assert total >= 20
    page.get_by_role("button", name="Next tip").click()
    expect(tip).not_to_have_text(first)
    page.get_by_role("button", name="Previous tip").click()
    expect(tip).to_have_text(first)
    expect(page.locator(".hub-foot")).to_have_text(re.compile(r"^TermBeam v\S+"))
    shot(page, "hub-empty")
    page.get_by_role("button", name="Settings", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_visible()  # the settings panel, loaded on demand
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    button.click()
    expect(page.get_by_role("dialog", name="New session")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.errors == []


# --- login ----------------------------------------------------------------------------------


def test_login_wrong_then_right(desktop_page: Any, server: ServerProcess) -> None:
    page = desktop_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    field = page.get_by_label("Password", exact=True)
    field.fill("nope-" + server.password)
    page.get_by_role("button", name="Show password").click()
    expect(field).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide password").click()
    expect(field).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    shot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect password")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    field.fill(server.password)
    field.press("Enter")
    expect(page).to_have_url(HUB_URL)
    expect(page.get_by_role("button", name=NEW)).to_be_visible()
    assert page.errors == []


def test_share_link_logs_in_and_lands_on_the_hub(
    browser: Any, server: ServerProcess, api: Any
) -> None:
    url = api.get("/api/share-token").json()["url"]
    token = re.search(r"[?&]ott=([0-9a-f]+)", url)
    assert token, url
    link = f"{server.base_url}/?ott={token.group(1)}"
    ctx = _context(browser, server, None, phone=True)
    try:
        page = _page(ctx)
        page.goto(link)
        expect(page).to_have_url(f"{server.base_url}/")  # the token is gone from the address
        expect(page.get_by_role("button", name=NEW)).to_be_visible()
        assert page.evaluate("fetch('/api/sessions').then((r) => r.status)") == 200
        assert page.errors == []
    finally:
        ctx.close()
    # Single use: the same link in another fresh browser goes to the login page.
    ctx = _context(browser, server, None, phone=False)
    try:
        page = _page(ctx)
        page.goto(link)
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        ctx.close()


# --- new-session sheet ----------------------------------------------------------------------


def test_create_through_sheet_with_folder_browser(desktop: Any, api: Any) -> None:
    page = desktop
    base = server_cwd(api)
    folder = base / f"proj-{secrets.token_hex(3)}"
    (folder / "inner").mkdir(parents=True)
    page.goto("/")
    page.get_by_role("button", name=NEW).click()
    dialog = page.get_by_role("dialog", name="New session")
    form = dialog.get_by_role("form", name="New session")
    name = form.get_by_label("Name")
    cwd = form.get_by_label("Folder", exact=True)
    command = form.get_by_label("Initial command")
    expect(name).to_be_focused()  # desktop: typing starts in the first field

    # A bad folder: the server's error shows inline and nothing typed is lost.
    cwd.fill("/definitely/not/here")
    command.fill("echo kept")
    form.get_by_role("button", name="Create").click()
    expect(form.get_by_role("alert")).to_have_text("cwd does not exist")
    expect(name).to_have_value("here")  # derived from the folder while not typed
    expect(command).to_have_value("echo kept")

    # Browse: start at the server folder, open ours with the keyboard, go up and back.
    cwd.fill(str(base))
    form.get_by_role("button", name="Browse…").click()
    browser_box = form.get_by_role("group", name="Folder browser")
    entry = browser_box.get_by_role("button", name=folder.name)
    entry.focus()
    page.keyboard.press("Enter")
    expect(cwd).to_have_value(str(folder))
    expect(name).to_have_value(folder.name)
    inner = browser_box.get_by_role("button", name="inner")
    expect(inner).to_be_focused()  # opening a folder moves focus into its list
    page.keyboard.press("ArrowLeft")  # up again
    expect(cwd).to_have_value(str(base))
    expect(browser_box.get_by_role("navigation", name="Folder path")).to_contain_text(base.name)
    browser_box.get_by_role("button", name=folder.name).click()
    expect(cwd).to_have_value(str(folder))

    marker = "init-" + secrets.token_hex(4)
    command.fill(f"echo {marker}")
    form.get_by_role("radio", name="Pink").check()
    shot(page, "new-session")
    form.get_by_role("button", name="Create").click()
    expect(page).to_have_url(TERMINAL_URL)
    page.wait_for_function(ROWS_CONTAIN, arg=marker)

    created = [s for s in sessions(api) if s["name"] == folder.name]
    assert len(created) == 1
    assert created[0]["cwd"] == str(folder)
    assert created[0]["color"] == "#f472b6"

    page.goto("/")
    tile = card(page, folder.name)
    expect(tile).to_be_visible()
    expect(tile).to_contain_text("bash")
    expect(tile).to_contain_text(f"PID {created[0]['pid']}")
    expect(tile.locator(".card-cwd")).to_have_text(str(folder))
    stripe = tile.locator(".card-face").evaluate("(el) => getComputedStyle(el).borderLeftColor")
    assert stripe == "rgb(244, 114, 182)"
    assert page.errors == []


def test_phone_sheet_fits_and_keeps_labels(phone: Any) -> None:
    page = phone
    page.goto("/")
    page.get_by_role("button", name=NEW).click()
    dialog = page.get_by_role("dialog", name="New session")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    dialog.get_by_role("tab", name="Agents").click()
    expect(dialog.get_by_role("tab", name="Agents")).to_have_attribute("aria-selected", "true")
    # This machine may or may not have agents installed: either the list or the notice shows.
    expect(dialog.get_by_text(re.compile(r"No AI coding agents were found|Launch"))
           .or_(dialog.get_by_role("list", name="Detected agents"))).to_be_visible()
    dialog.get_by_role("tab", name="Agents").press("ArrowLeft")
    expect(dialog.get_by_role("tab", name="Shell")).to_be_focused()
    expect(dialog.get_by_role("form", name="New session").get_by_label("Name")).to_be_visible()
    assert page.errors == []


def test_agents_tab_launches_an_agent_session(desktop: Any, api: Any) -> None:
    page = desktop
    base = server_cwd(api)
    page.goto("/")
    page.get_by_role("button", name=NEW).click()
    dialog = page.get_by_role("dialog", name="New session")
    dialog.get_by_role("tab", name="Agents").click()
    dialog.get_by_label("Folder", exact=True).fill(str(base))
    launch = dialog.get_by_role("list", name="Detected agents").get_by_role(
        "button", name="Launch Aider")
    expect(launch).to_contain_text("0.99.1")
    launch.click()
    expect(page).to_have_url(TERMINAL_URL)
    page.wait_for_function(ROWS_CONTAIN, arg="FAKE-AIDER-READY")
    name = f"Aider · {base.name}"
    assert [s["cwd"] for s in sessions(api) if s["name"] == name] == [str(base)]
    page.goto("/")
    expect(card(page, name).locator(".card-agent")).to_have_text("Aider")
    assert page.errors == []


# --- cards, filters, delete ----------------------------------------------------------------


def _shells(api: Any) -> list[str]:
    return [s["path"] for s in api.get("/api/shells").json()["shells"]]


def test_filter_text_and_chips_narrow_the_list(desktop: Any, api: Any) -> None:
    delete_all(api)
    shells = _shells(api)
    other = next((p for p in shells if not p.endswith("/bash")), None)
    tag = secrets.token_hex(3)
    create(api, name=f"alpha-{tag}")
    create(api, name=f"beta-{tag}")
    if other:
        create(api, name=f"gamma-{tag}", shell=other)
    page = desktop
    page.goto("/")
    cards = page.get_by_role("list", name="Sessions").get_by_role("listitem")
    expect(cards).to_have_count(3 if other else 2)

    search = page.get_by_role("searchbox", name="Search sessions")
    search.fill(f"beta {tag}")
    expect(cards).to_have_count(1)
    expect(card(page, f"beta-{tag}")).to_be_visible()
    search.fill("no-such-session")
    expect(page.get_by_text("No session matches the filter.")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    expect(cards).to_have_count(3 if other else 2)

    if other:
        group = page.get_by_role("group", name="Shell")
        chip = group.get_by_role("button", name=Path(other).name, exact=True)
        chip.click()
        expect(chip).to_have_attribute("aria-pressed", "true")
        expect(cards).to_have_count(1)
        expect(card(page, f"gamma-{tag}")).to_be_visible()
        page.reload()  # the filter is remembered
        expect(cards).to_have_count(1)
        saved = page.evaluate("localStorage.getItem('termbeam-hub-filter')")
        assert Path(other).name in saved
        group.get_by_role("button", name=Path(other).name, exact=True).click()
        expect(cards).to_have_count(3)
    else:
        expect(page.get_by_role("group", name="Shell")).to_have_count(0)  # one value: no chips
    assert page.errors == []


def _swipe_left(page: Any, target: Any) -> None:
    """A real touch swipe (CDP touch events, which Chromium turns into pointer events)."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    x0 = box["x"] + box["width"] - 30
    cdp = page.context.new_cdp_session(page)
    t0 = time.time()

    def touch(kind: str, x: float | None, at: float) -> None:
        points = [] if x is None else [{"x": x, "y": y}]
        event = {"type": kind, "touchPoints": points, "timestamp": t0 + at}
        cdp.send("Input.dispatchTouchEvent", event)

    touch("touchStart", x0, 0)
    for step in range(1, 11):
        touch("touchMove", x0 - 16 * step, 0.016 * step)
    # The finger rests before lifting, as people do: a lift at full speed would start a fling,
    # and Chromium swallows the next tap to stop a fling.
    touch("touchMove", x0 - 160, 0.5)
    touch("touchEnd", None, 0.52)


def _refuse_native(dialog: Any, seen: list[str]) -> None:
    """Note a window.confirm()/alert() (the hub asks in its own sheet) and dismiss it."""
    seen.append(dialog.message)
    dialog.dismiss()


def test_phone_swipe_left_deletes(phone: Any, api: Any) -> None:
    tag = secrets.token_hex(3)
    keep = create(api, name=f"keep-{tag}", color="#4ade80")
    doomed = create(api, name=f"swipe-{tag}", color="#fbbf24")
    page = phone
    page.goto("/")
    tile = card(page, f"swipe-{tag}")
    expect(tile).to_be_visible()
    expect(card(page, f"keep-{tag}")).to_be_visible()
    shot(page, "hub-phone")
    # Behind the card and hidden from assistive tech until the card slides open.
    swipe_button = tile.get_by_role("button", name="Delete", exact=True)
    expect(swipe_button).to_have_count(0)
    _swipe_left(page, tile)
    expect(tile).to_have_class(re.compile(r"\bswiped\b"))
    expect(swipe_button).to_be_visible()
    assert page.url.endswith("/")  # a swipe is not a tap: the session did not open
    native: list[str] = []
    page.on("dialog", lambda d: _refuse_native(d, native))
    swipe_button.tap()
    sheet = page.get_by_role("dialog", name="Delete session?")
    expect(sheet).to_contain_text(f"swipe-{tag}")
    sheet.get_by_role("button", name="Delete", exact=True).tap()
    expect(tile).to_have_count(0)
    assert native == []  # asked in our sheet, not with window.confirm()
    ids = [s["id"] for s in sessions(api)]
    assert doomed not in ids
    assert keep in ids
    assert page.errors == []


def test_keyboard_delete_on_desktop(desktop: Any, api: Any) -> None:
    tag = secrets.token_hex(3)
    doomed = create(api, name=f"kbd-{tag}")
    create(api, name=f"repo-{tag}", cwd=str(ROOT), color="#c084fc")
    page = desktop
    page.goto("/")
    link = page.get_by_role("link", name=f"Open session kbd-{tag}")
    expect(link).to_be_visible()
    # The checkout is a git repository: its card gets a branch badge once git has answered.
    badge = card(page, f"repo-{tag}").get_by_role("img", name=re.compile(r"^Git branch "))
    expect(badge).to_be_visible(timeout=10_000)
    branch = next(s for s in sessions(api) if s["name"] == f"repo-{tag}")["git"]["branch"]
    expect(badge).to_have_attribute("aria-label", re.compile(rf"^Git branch {re.escape(branch)}"))
    shot(page, "hub-desktop")
    link.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=f"Delete session kbd-{tag}")).to_be_focused()
    native: list[str] = []
    page.on("dialog", lambda d: _refuse_native(d, native))
    page.keyboard.press("Enter")
    sheet = page.get_by_role("dialog", name="Delete session?")
    expect(sheet.get_by_role("button", name="Cancel")).to_be_focused()  # a stray Enter keeps it
    page.keyboard.press("Enter")
    expect(sheet).to_have_count(0)
    expect(link).to_be_visible()
    assert doomed in [s["id"] for s in sessions(api)]
    page.get_by_role("button", name=f"Delete session kbd-{tag}").press("Enter")
    expect(sheet).to_contain_text(f"kbd-{tag}")
    sheet.get_by_role("button", name="Delete", exact=True).press("Enter")
    expect(link).to_have_count(0)
    assert native == []
    assert doomed not in [s["id"] for s in sessions(api)]
    assert page.errors == []


def test_unread_dot_and_live_cwd(desktop: Any, api: Any, tmp_path: Path) -> None:
    tag = secrets.token_hex(3)
    sid = create(api, name=f"busy-{tag}")
    page = desktop
    page.goto("/")
    tile = card(page, f"busy-{tag}")
    expect(tile).to_be_visible()
    expect(tile.get_by_role("img", name="New output")).to_have_count(0)
    # Output and a cd in the background (through another client) show up on the next poll.
    other = page.context.new_page()
    other.goto(f"/terminal?id={sid}")
    other.wait_for_function(ROWS_CONTAIN, arg="$")
    other.locator(".term-host").click()
    other.keyboard.type(f"cd {tmp_path} && echo moved")
    other.keyboard.press("Enter")
    other.wait_for_function(ROWS_CONTAIN, arg="moved")
    other.close()
    expect(tile.get_by_role("img", name="New output")).to_be_visible(timeout=10_000)
    expect(tile.locator(".card-cwd")).to_have_text(str(tmp_path), timeout=10_000)
    expect(tile.locator(".card-age")).to_have_text(re.compile(r"just now|min ago"))
    # Opening the session marks it read.
    tile.get_by_role("link").click()
    expect(page).to_have_url(TERMINAL_URL)
    page.go_back()
    expect(card(page, f"busy-{tag}").get_by_role("img", name="New output")).to_have_count(0)
    assert page.errors == []


# --- workspaces -----------------------------------------------------------------------------


def test_workspace_save_and_launch(desktop: Any, api: Any) -> None:
    delete_all(api)
    base = server_cwd(api)
    tag = secrets.token_hex(3)
    create(api, name=f"ws-api-{tag}", cwd=str(base), color="#c084fc")
    create(api, name=f"ws-web-{tag}", cwd=str(base), color="#22d3ee")
    page = desktop
    page.goto("/")
    section = page.get_by_role("region", name="Workspaces")
    section.get_by_role("button", name="Save current sessions as workspace").click()
    section.get_by_label("Workspace name").fill(f"e2e-{tag}")
    section.get_by_role("button", name="Save", exact=True).click()
    expect(section.get_by_role("status")).to_contain_text("Saved 2 sessions")
    launch = section.get_by_role("button", name=f"Launch workspace e2e-{tag}")
    expect(launch).to_be_visible()

    def stored() -> list[dict[str, Any]]:
        prefs = api.get("/api/preferences").json()["prefs"]
        return [w for w in prefs["workspaces"] if w["name"] == f"e2e-{tag}"]

    for _ in range(50):  # the save is debounced: poll the server copy
        if stored():
            break
        page.wait_for_timeout(100)
    saved = stored()
    assert len(saved) == 1
    assert [s["name"] for s in saved[0]["sessions"]] == [f"ws-api-{tag}", f"ws-web-{tag}"]

    delete_all(api)
    page.reload()
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_visible()
    section.get_by_role("button", name=f"Launch workspace e2e-{tag}").click()
    expect(page).to_have_url(TERMINAL_URL)
    launched = sessions(api)
    assert sorted((s["name"], s["cwd"], s["color"]) for s in launched) == [
        (f"ws-api-{tag}", str(base), "#c084fc"),
        (f"ws-web-{tag}", str(base), "#22d3ee"),
    ]
    first = next(s for s in launched if s["name"] == f"ws-api-{tag}")
    assert page.url.endswith(f"id={first['id']}")

    # Rename, then delete the workspace.
    page.goto("/")
    section.get_by_role("button", name=f"Rename workspace e2e-{tag}").click()
    section.get_by_label("Workspace name").fill(f"renamed-{tag}")
    section.get_by_label("Workspace name").press("Enter")
    expect(section.get_by_role("button", name=f"Launch workspace renamed-{tag}")).to_be_visible()
    section.get_by_role("button", name=f"Delete workspace renamed-{tag}").click()
    sheet = page.get_by_role("dialog", name="Delete workspace?")
    expect(sheet).to_contain_text(f"renamed-{tag}")
    sheet.get_by_role("button", name="Delete", exact=True).click()
    expect(section.get_by_role("button", name=f"Launch workspace renamed-{tag}")).to_have_count(0)
    assert page.errors == []


# --- layout -----------------------------------------------------------------------------------


HUB_GEOMETRY = """() => {
    const text = (el) => { const r = document.createRange(); r.selectNodeContents(el);
                           return r.getBoundingClientRect(); };
    const brand = document.querySelector('.hub-bar .brand');
    const label = text(document.querySelector('.chip-label'));
    const chip = document.querySelector('.chip').getBoundingClientRect();
    const cards = [...document.querySelectorAll('.cards > li')];
    const ws = document.querySelector('.workspaces').getBoundingClientRect();
    const foot = text(document.querySelector('.hub-foot'));
    return {
        brandClipped: brand.scrollWidth > brand.clientWidth,
        labelToChip: chip.left - label.right,
        labelMiddle: (label.top + label.bottom) / 2,
        chipMiddle: (chip.top + chip.bottom) / 2,
        // The machine card (#19), once it has its figures, sits between them.
        cardsToWorkspaces: ws.top - (document.querySelector('.machine-card')
            ?? cards[cards.length - 1]).getBoundingClientRect().bottom,
        workspacesToFooter: foot.top - ws.bottom,
    };
}"""


def test_phone_hub_chrome(phone: Any, api: Any) -> None:
    """At 390 px: the whole brand, the Shell label next to its chips, even footer spacing, one
    × in the search field (ours, "Clear"), and no rbash or tmux to pick (#16)."""
    delete_all(api)
    other = next(p for p in _shells(api) if not p.endswith("/bash"))
    tag = secrets.token_hex(3)
    create(api, name=f"one-{tag}")
    create(api, name=f"two-{tag}", shell=other)
    page = phone
    page.goto("/")
    expect(page.get_by_role("list", name="Sessions").get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("button", name=NEW)).to_be_visible()
    page.get_by_role("searchbox", name="Search sessions").fill(tag)
    expect(page.get_by_role("button", name="Clear")).to_be_visible()
    expect(page.locator(".splash")).to_have_count(0)  # the start-up wordmark covers the page
    # Measured once the layout has settled (cards, workspaces and footer all drawn).
    page.wait_for_function(
        f"() => {{ const g = ({HUB_GEOMETRY})(); "
        "return Math.abs(g.workspacesToFooter - g.cardsToWorkspaces) <= 4; }",
        timeout=10_000,
    )
    got = page.evaluate(HUB_GEOMETRY)
    assert not got["brandClipped"], got
    assert 0 < got["labelToChip"] <= 14, got
    assert abs(got["labelMiddle"] - got["chipMiddle"]) <= 1, got
    assert abs(got["workspacesToFooter"] - got["cardsToWorkspaces"]) <= 4, got
    # Chromium draws its own × at the right end of a search field that has text: that end
    # must look the same with text in the field as without.
    search = page.get_by_role("searchbox", name="Search sessions")

    def field_end() -> bytes:
        box = search.bounding_box()  # narrower while "Clear" shows
        assert box is not None
        end = {"x": box["x"] + box["width"] - 44, "y": box["y"] + 4, "width": 40,
               "height": box["height"] - 8}
        return bytes(page.screenshot(clip=end, animations="disabled"))

    expect(page.locator(".splash")).to_have_count(0)  # the start-up wordmark covers the page
    with_text = field_end()
    search.fill("")
    expect(page.get_by_role("button", name="Clear")).to_have_count(0)
    assert field_end() == with_text, "the browser's own × shows next to ours"

    page.get_by_role("button", name=NEW).click()
    picker = page.get_by_role("dialog").get_by_role("combobox", name="Shell")
    expect(picker.locator('option[value$="/bash"]').first).to_be_attached()  # /api/shells came
    offered = [o.split()[0] for o in picker.locator("option").all_inner_texts()]
    assert "bash" in offered
    assert not set(offered) & {"rbash", "tmux"}, offered  # this machine's /etc/shells has both
    assert page.errors == []


@pytest.mark.parametrize("width", [320, 2560])
def test_no_horizontal_overflow(browser: Any, server: ServerProcess, auth_state: Any, api: Any,
                                width: int) -> None:
    create(api, name="a-rather-long-session-name-that-must-not-push-the-layout-" + "x" * 20,
           cwd=str(server_cwd(api)))
    ctx = browser.new_context(base_url=server.base_url, storage_state=auth_state,
                              viewport={"width": width, "height": 800},
                              extra_http_headers=own_address())
    try:
        page = _page(ctx)
        page.goto("/")
        expect(page.get_by_role("list", name="Sessions")).to_be_visible()
        overflow = "() => document.documentElement.scrollWidth - window.innerWidth"
        assert page.evaluate(overflow) <= 0
        page.get_by_role("button", name=NEW).click()
        page.get_by_role("dialog", name="New session").get_by_role("button", name="Browse…").click()
        expect(page.get_by_role("group", name="Folder browser")).to_be_visible()
        assert page.evaluate(overflow) <= 0
        assert page.errors == []
    finally:
        ctx.close()


# --- last: uses up the login attempts -------------------------------------------------------


def test_rate_limited_login_shows_the_wait(desktop_page: Any, server: ServerProcess) -> None:
    page = desktop_page
    page.goto("/login")
    for _ in range(6):  # burn this minute's attempts
        if page.request.post("/api/auth", data={"password": "x"}).status == 429:
            break
    page.get_by_label("Password", exact=True).fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Too many attempts. Try again later.")
    expect(page.get_by_text(re.compile(r"Try again in \d+ s\."))).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_disabled()
    assert page.errors == []
