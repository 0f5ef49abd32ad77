"""Browser tests: the terminal page's Preview dialog opens a local dev server in a new tab.

A tiny `http.server` on an ephemeral loopback port serves a page with a marker. The session
prints its URL, so the dialog's port field is pre-filled from detect-port; "Open" must bring
up a popup that shows the marker through the server's preview proxy.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import (
    BROWSER_MARKS,
    ROW_EQUALS,
    ROWS_CONTAIN,
    TERMINAL_URL,
    expect,
)

pytestmark = BROWSER_MARKS


class DevServer:
    """A static site on 127.0.0.1:<port> whose index.html carries `marker`."""

    def __init__(self, port: int, marker: str) -> None:
        self.port = port
        self.marker = marker


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    root = tmp_path_factory.mktemp("dev-site")
    marker = "preview-marker-" + secrets.token_hex(6)
    (root / "index.html").write_text(
        f"<!doctype html><title>dev site</title><p id='marker'>{marker}</p>", encoding="utf-8"
    )

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="dev-site", daemon=True)
    thread.start()
    try:
        yield DevServer(int(httpd.server_address[1]), marker)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []

    def collect(msg: Any) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", collect)
    return errors


def login(page: Any, server: ServerProcess) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()


def create_session(page: Any, name: str) -> None:
    page.get_by_role("button", name="+ New session").click()
    form = page.get_by_role("form", name="New session")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create").click()
    expect(page).to_have_url(TERMINAL_URL)
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")


def print_url(page: Any, port: int, *, tap: bool) -> None:
    """Echo the dev server's URL in the terminal, so detect-port finds it."""
    host = page.locator(".term-host")
    if tap:
        host.tap()
    else:
        host.click()
    url = f"http://localhost:{port}/"
    page.keyboard.type(f"echo {url}")
    page.keyboard.press("Enter")
    page.wait_for_function(ROW_EQUALS, arg=url)


def open_dialog(page: Any) -> Any:
    trigger = page.get_by_role("button", name="Preview", exact=True)
    expect(trigger).to_have_attribute("aria-expanded", "false")
    trigger.click()
    dialog = page.get_by_role("dialog", name="Preview a port")
    expect(dialog).to_be_visible()
    expect(trigger).to_have_attribute("aria-expanded", "true")
    expect(dialog).to_contain_text("Opens your dev server running on this machine")
    return dialog


def test_preview_opens_detected_port_in_a_new_tab(
    desktop_page: Any, server: ServerProcess, dev_server: DevServer
) -> None:
    page = desktop_page
    errors = console_errors(page)
    login(page, server)
    create_session(page, "e2e-preview")
    print_url(page, dev_server.port, tap=False)

    dialog = open_dialog(page)
    port_field = dialog.get_by_label("Port")
    expect(port_field).to_be_focused()  # focus moved into the dialog
    expect(port_field).to_have_value(str(dev_server.port))

    with page.expect_popup() as popup_info:
        dialog.get_by_role("button", name="Open").click()
    popup = popup_info.value
    expect(popup.locator("#marker")).to_have_text(dev_server.marker)
    assert f"/preview/{dev_server.port}/" in popup.url
    expect(dialog).to_be_hidden()
    popup.close()
    assert page.errors == []
    assert errors == []


def test_preview_dialog_validates_and_closes_on_escape(authed_page: Any) -> None:
    page = authed_page
    errors = console_errors(page)
    page.goto("/")
    create_session(page, "e2e-preview-keys")

    dialog = open_dialog(page)
    port_field = dialog.get_by_label("Port")
    expect(port_field).to_be_focused()
    for bad in ("70000", "0", "abc", ""):
        port_field.fill(bad)
        dialog.get_by_role("button", name="Open").click()
        expect(dialog.get_by_role("alert")).to_have_text("Enter a port from 1 to 65535.")
        expect(port_field).to_have_attribute("aria-invalid", "true")
        expect(dialog).to_be_visible()
    port_field.fill("3000")
    expect(dialog.get_by_role("alert")).to_have_count(0)

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Preview", exact=True)).to_be_focused()
    assert page.errors == []
    assert errors == []


def test_preview_on_phone(phone_page: Any, server: ServerProcess, dev_server: DevServer) -> None:
    page = phone_page
    errors = console_errors(page)
    login(page, server)
    create_session(page, "e2e-preview-phone")
    print_url(page, dev_server.port, tap=True)

    trigger = page.get_by_role("button", name="Preview", exact=True)
    trigger.tap()
    dialog = page.get_by_role("dialog", name="Preview a port")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= 390, box
    expect(dialog.get_by_label("Port")).to_have_value(str(dev_server.port))
    open_button = dialog.get_by_role("button", name="Open")
    expect(open_button).to_be_focused()  # not the text field: the soft keyboard stays down

    with page.expect_popup() as popup_info:
        open_button.tap()
    popup = popup_info.value
    expect(popup.locator("#marker")).to_have_text(dev_server.marker)
    popup.close()

    # A tap outside the dialog closes it.
    trigger.tap()
    expect(dialog).to_be_visible()
    page.locator(".term-host").tap()
    expect(dialog).to_be_hidden()
    assert page.errors == []
    assert errors == []
