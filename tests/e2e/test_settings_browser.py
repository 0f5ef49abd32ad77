"""Browser tests for themes, settings, share, about, banners and the PWA files (issue #8).

Run against the real server and Debian's Chromium. With TERMBEAM_SCREENSHOTS=1 they also
write docs/screenshots/{settings-phone,themes,share,about}.png.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
CSS_VAR = "(name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()"
SW_CONTROLLING = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"


def screenshot(target: Any, name: str) -> None:
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SHOTS / name))


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def own_address() -> dict[str, str]:
    """A made-up client address (trusted from loopback): each test gets its own API rate budget
    (120 requests a minute), which the hub's polling would otherwise use up across tests."""
    octets = [secrets.randbelow(250) for _ in range(2)]
    return {"X-Forwarded-For": f"10.{octets[0]}.{octets[1]}.{secrets.randbelow(250) + 1}"}


@pytest.fixture
def page(authed_page: Any) -> Any:
    """The logged-in desktop page, with a rate budget of its own."""
    authed_page.context.set_extra_http_headers(own_address())
    return authed_page


def save_prefs(page: Any, **prefs: Any) -> None:
    """Start from known preferences (the server keeps them between tests)."""
    current = page.request.get("/api/preferences").json()["prefs"]
    response = page.request.put("/api/preferences", data={"prefs": {**current, **prefs}})
    assert response.ok, response.text()


def wait_for_saved(page: Any, timeout_s: float = 10.0, **expected: Any) -> dict[str, Any]:
    """Wait until the page's debounced PUT has stored `expected` (watching its responses,
    so waiting costs no requests against the API rate limit)."""

    def matches(prefs: dict[str, Any]) -> bool:
        return all(prefs.get(k) == v for k, v in expected.items())

    saved: list[Any] = []

    def on_response(response: Any) -> None:
        if response.request.method == "PUT" and response.url.endswith("/api/preferences"):
            saved.append(response)

    page.on("response", on_response)
    try:
        prefs: dict[str, Any] = page.request.get("/api/preferences").json()["prefs"]
        deadline = time.monotonic() + timeout_s
        while not matches(prefs):
            for response in saved:
                if response.ok and matches(response.json()["prefs"]):
                    prefs = response.json()["prefs"]
            assert time.monotonic() < deadline, f"not saved: {expected} (last: {prefs})"
            page.wait_for_timeout(50)  # lets Playwright deliver the response events
        return prefs
    finally:
        page.remove_listener("response", on_response)


def open_settings_from_hub(page: Any) -> Any:
    page.goto("/")
    page.get_by_role("button", name="Settings", exact=True).click()
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog).to_be_visible()
    return dialog


def new_session(page: Any, name: str) -> str:
    response = page.request.post("/api/sessions", data={"name": name})
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def open_terminal_tool(page: Any, session_id: str, command: str) -> None:
    """Open a session and run one command from the tools palette."""
    page.goto(f"/terminal?id={session_id}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_label("Filter commands").fill(command)
    page.keyboard.press("Enter")


def test_theme_and_font_size_persist_and_reach_the_terminal(page: Any) -> None:
    save_prefs(page, themeId="dark", fontSize=14)
    dialog = open_settings_from_hub(page)
    picker = dialog.get_by_role("radiogroup", name="Theme")
    nord = picker.get_by_role("radio", name="Nord")
    nord.click()
    expect(nord).to_have_attribute("aria-checked", "true")
    assert page.evaluate(CSS_VAR, "--bg") == "#2e3440"
    assert page.evaluate("document.querySelector('meta[name=theme-color]').content") == "#3b4252"
    assert page.evaluate("document.documentElement.style.colorScheme") == "dark"

    # Arrow keys move the choice like any radio group, and apply it at once.
    page.keyboard.press("ArrowRight")
    dracula = picker.get_by_role("radio", name="Dracula")
    expect(dracula).to_be_focused()
    expect(dracula).to_have_attribute("aria-checked", "true")
    assert page.evaluate(CSS_VAR, "--bg") == "#282a36"
    page.keyboard.press("ArrowLeft")
    expect(nord).to_be_focused()
    screenshot(dialog, "themes.png")

    slider = dialog.get_by_role("slider", name=re.compile("Terminal font size"))
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(dialog.locator("output")).to_have_text("16 px")
    wait_for_saved(page, themeId="nord", fontSize=16)

    page.reload()
    expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    assert page.evaluate(CSS_VAR, "--bg") == "#2e3440"

    # The terminal draws with the theme's palette and the chosen size.
    page.goto(f"/terminal?id={new_session(page, 'themed')}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.xterm-scrollable-element')).backgroundColor"
    )
    assert background == rgb("#2e3440")
    font = page.evaluate("getComputedStyle(document.querySelector('.xterm-rows')).fontSize")
    assert font == "16px"

    # Light themes flip the colour scheme too.
    page.goto("/")
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("radio", name="GitHub Light").click()
    assert page.evaluate("document.documentElement.style.colorScheme") == "light"
    assert page.evaluate("document.querySelector('meta[name=color-scheme]').content") == "light"
    wait_for_saved(page, themeId="github-light")
    assert page.errors == []


def test_keep_sessions_is_a_setting(page: Any) -> None:
    save_prefs(page, keepSessions=False)
    dialog = open_settings_from_hub(page)
    switch = dialog.get_by_role("switch", name=re.compile("Keep sessions when the server stops"))
    expect(switch).not_to_be_checked()
    switch.click()
    wait_for_saved(page, keepSessions=True)
    page.reload()
    dialog = open_settings_from_hub(page)
    expect(dialog.get_by_role("switch", name=re.compile("Keep sessions"))).to_be_checked()
    save_prefs(page, keepSessions=False)  # the module's server ends its sessions at teardown


def test_settings_on_a_phone(phone: Any) -> None:
    page = phone
    save_prefs(page, themeId="catppuccin-latte", touchBarCollapsed=False, defaultFolder="")
    dialog = open_settings_from_hub(page)
    assert page.evaluate(CSS_VAR, "--bg") == "#eff1f5"
    # Nothing sticks out sideways on a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "settings-phone.png")

    dialog.get_by_role("switch", name="Start collapsed").click()
    dialog.get_by_label("Folder").fill("/tmp")
    prefs = wait_for_saved(page, touchBarCollapsed=True, defaultFolder="/tmp")
    assert prefs["themeId"] == "catppuccin-latte"

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.errors == []


def test_workspaces_can_be_renamed_reordered_and_made_default(page: Any) -> None:
    save_prefs(page, workspaces=[
        {"id": "w1", "name": "Backend", "sessions": [{"id": "s1", "name": "api"}]},
        {"id": "w2", "name": "Docs", "sessions": []},
    ])  # fmt: skip
    dialog = open_settings_from_hub(page)
    workspaces = dialog.get_by_role("list", name="Saved workspaces")
    expect(workspaces.get_by_role("listitem")).to_have_count(2)
    dialog.get_by_role("button", name="Move Docs up").click()
    name = dialog.get_by_label("Name of workspace 2")
    expect(name).to_have_value("Backend")
    name.fill("Server")
    name.press("Tab")
    dialog.get_by_role("button", name="Default").nth(1).click()
    prefs = wait_for_saved(page, workspaces=[
        {"id": "w2", "name": "Docs", "sessions": []},
        {"id": "w1", "name": "Server", "sessions": [{"id": "s1", "name": "api"}], "default": True},
    ])  # fmt: skip
    assert [w.get("default", False) for w in prefs["workspaces"]] == [False, True]
    assert page.errors == []


def test_share_link_shows_a_qr_code_and_logs_in_a_fresh_browser(
    phone: Any, browser: Any, server: ServerProcess
) -> None:
    page = phone
    open_terminal_tool(page, new_session(page, "share"), "Share link")
    dialog = page.get_by_role("dialog", name="Share")
    qr = dialog.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.evaluate("(svg) => svg.querySelector('path').getAttribute('d').length") > 100
    link = dialog.get_by_role("textbox", name="Login link")
    expect(link).to_have_value(re.compile(r"/\?ott="))
    expect(dialog).to_contain_text("expires in 4:")
    expect(dialog).to_contain_text("Anyone who opens this link is logged in")
    screenshot(page, "share.png")
    url = link.input_value()

    fresh = browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(url)
        expect(other).to_have_url(re.compile(r"/$"))
        expect(other.get_by_role("button", name="Settings", exact=True)).to_be_visible()
        assert any(c["name"] == "pty_token" for c in fresh.cookies())
    finally:
        fresh.close()
    assert page.errors == []


def test_about_shows_the_version_and_the_changelog(page: Any) -> None:
    version = page.request.get("/api/version").json()["version"]
    open_terminal_tool(page, new_session(page, "about"), "About")
    dialog = page.get_by_role("dialog", name="About TermBeam")
    expect(dialog.get_by_text(f"Version {version}", exact=True)).to_be_visible()
    expect(dialog.get_by_role("button", name="Check for updates")).to_be_visible()
    expect(dialog.locator(".changelog h2").first).to_be_visible()
    screenshot(page, "about.png")
    assert page.errors == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_and_icons_are_installable(page: Any) -> None:
    page.goto("/")
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = json.loads(page.request.get(href).text())
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["name"]
    assert manifest["short_name"]
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    icons = [(i["src"], i["sizes"]) for i in manifest["icons"]]
    apple = page.get_attribute("link[rel=apple-touch-icon]", "href")
    icons.append((apple, "180x180"))
    assert {"192x192", "512x512", "180x180"} <= {size for _, size in icons}
    for src, size in icons:
        response = page.request.get(src)
        assert response.status == 200, src
        assert response.headers["content-type"] == "image/png"
        width, height = png_size(response.body())
        assert f"{width}x{height}" == size, src


def test_service_worker_caches_assets_but_never_pages_or_api(page: Any) -> None:
    page.goto("/")
    page.wait_for_function(SW_CONTROLLING, polling=100)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    document = page.reload()
    assert document is not None
    assert not document.from_service_worker
    expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    api = page.evaluate("fetch('/api/version').then((r) => r.ok)")
    assert api
    page.wait_for_function(SW_CONTROLLING, polling=100)
    for r in responses:
        path = r.url.split(server_origin(page), 1)[-1]
        if path.startswith("/api/") or path == "/":
            assert not r.from_service_worker, path
    assets = [r for r in responses if "/assets/" in r.url]
    assert assets
    assert any(r.from_service_worker for r in assets)


def server_origin(page: Any) -> str:
    return str(page.evaluate("location.origin"))


def test_offline_banner(page: Any) -> None:
    page.goto("/")
    expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    banner = page.get_by_text("You are offline")
    expect(banner).to_be_hidden()
    page.context.set_offline(True)
    expect(banner).to_be_visible()
    page.context.set_offline(False)
    expect(banner).to_be_hidden()
    assert page.errors == []


def test_a_failed_save_is_reported(page: Any) -> None:
    save_prefs(page, haptics=True)

    def refuse(route: Any) -> None:
        if route.request.method == "PUT":
            route.fulfill(status=500, json={"error": "Failed to persist preferences"})
        else:
            route.continue_()

    page.route("**/api/preferences", refuse)
    dialog = open_settings_from_hub(page)
    dialog.get_by_role("switch", name=re.compile("Vibrate on key presses")).click()
    expect(dialog.get_by_role("alert")).to_contain_text("Failed to persist preferences")
    page.unroute("**/api/preferences")
    dialog.get_by_role("switch", name=re.compile("Vibrate on key presses")).click()
    expect(dialog.get_by_role("alert")).to_be_hidden()
    assert page.errors == []


def test_update_now_follows_the_progress_and_reloads(page: Any) -> None:
    """The server side is faked: a real update would replace the installed package."""
    steps = iter([
        {"status": "installing", "phase": "Installing update...", "progress": "Collecting"},
        {"status": "restarting", "phase": "Restarting server...", "toVersion": "9.9.9"},
    ])  # fmt: skip
    page.route("**/api/update-check*", lambda route: route.fulfill(json={
        "current": "0.1.0", "latest": "9.9.9", "updateAvailable": True, "method": "pip",
        "command": "pip install -U termbeam-py", "canAutoUpdate": True, "restartStrategy": "exec",
    }))  # fmt: skip
    page.route("**/api/update", lambda route: route.fulfill(json={"status": "updating"}))
    page.route("**/api/update/status", lambda route: route.fulfill(json=next(steps)))
    page.goto("/")
    banner = page.get_by_role("status").filter(has_text="TermBeam 9.9.9 is available")
    expect(banner).to_be_visible()
    with page.expect_event("load", timeout=20_000):
        banner.get_by_role("button", name="Update now").click()
        expect(page.get_by_text("Updating TermBeam: Installing update...")).to_be_visible()
        expect(page.get_by_text("TermBeam 9.9.9 is installed")).to_be_visible()
    assert page.errors == []


def test_tunnel_banner_from_the_status_route(page: Any) -> None:
    page.route("**/api/tunnel/status", lambda route: route.fulfill(json={
        "state": "reconnecting", "provider": "github", "tokenLifetimeSeconds": None,
        "tunnel": "devtunnel", "url": None, "attempt": 2, "retryIn": 5,
    }))  # fmt: skip
    page.goto("/")
    expect(page.get_by_role("status").filter(has_text="Tunnel connection lost")).to_have_text(
        "Tunnel connection lost, reconnecting (attempt 2, next try in 5 s)…"
    )


@pytest.mark.parametrize("width", [320, 2560])
def test_settings_fit_any_width(
    browser: Any, server: ServerProcess, auth_state: Any, width: int
) -> None:
    context = browser.new_context(
        base_url=server.base_url,
        storage_state=auth_state,
        viewport={"width": width, "height": 800},
        extra_http_headers=own_address(),
    )
    try:
        page = context.new_page()
        dialog = open_settings_from_hub(page)
        expect(dialog.get_by_role("radio").first).to_be_visible()
        # Nothing inside the sheet sticks out of it (the page behind is the hub's business).
        overflow = dialog.evaluate(
            """(d) => {
                const edge = d.getBoundingClientRect().right + 0.5;
                return Array.from(d.querySelectorAll('*'))
                    .filter((e) => e.getBoundingClientRect().right > edge)
                    .map((e) => e.className);
            }"""
        )
        assert overflow == []
        box = dialog.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    finally:
        context.close()
