"""View-only links in the browser (#17), on a 390x844 phone against the real server: the
session's output streams to the viewer, typing there changes nothing in the PTY (a reader,
`od -c`, sees only the owner's bytes; the size stays), the page says "View only" and has no
key bar, and revoked or expired links get a clear page."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect, tap_terminal

pytestmark = BROWSER_MARKS

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "has_touch": True, "is_mobile": True}
#: Text the viewer's terminal shows (xterm's DOM renderer rows).
ROWS = "() => document.querySelector('.xterm-rows')?.textContent ?? ''"


class Shell:
    """The owner's side of one session, through the terminal API: type, and read the output
    from where the last read ended."""

    def __init__(self, api: Any, name: str) -> None:
        response = api.post("/api/sessions", data={"name": name, "cols": 70, "rows": 20})
        assert response.status == 201, response.text()
        self.api, self.id, self.seq, self.text = api, str(response.json()["id"]), 0, ""

    def type(self, data: str) -> None:
        assert self.api.post(f"/api/sessions/{self.id}/input", data={"data": data}).ok

    def read_until(self, marker: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.text:
            assert time.monotonic() < deadline, f"no {marker!r} in {self.text[-400:]!r}"
            got = self.api.get(f"/api/sessions/{self.id}/output?since={self.seq}&wait=5").json()
            self.text += got["data"]
            self.seq = got["next"]
        return self.text

    def link(self, **body: Any) -> dict[str, Any]:
        response = self.api.post(f"/api/sessions/{self.id}/viewers/link", data=body)
        assert response.status == 201, response.text()
        made: dict[str, Any] = response.json()
        made["path"] = made["url"][made["url"].index("/view/"):]
        return made


def _viewer(new_context: Any) -> Any:
    page = new_context(dom=True, **PHONE).new_page()
    return page


def test_viewer_watches_and_cannot_type(new_context: Any, api: Any,
                                        server: ServerProcess) -> None:
    shell = Shell(api, "watched")
    shell.type("PS1='$ '\r")
    shell.read_until("$ ")
    made = shell.link()
    page = _viewer(new_context)
    page.goto(made["path"])
    # The link was traded for a cookie: the address bar no longer holds it.
    expect(page).to_have_url(server.base_url + "/view")
    expect(page.get_by_role("status").filter(has_text="View only")).to_be_visible()
    expect(page.locator(".view-name")).to_have_text("watched")
    # No key bar, no tools, no hub: the terminal is all there is.
    expect(page.get_by_role("navigation", name="Terminal keys")).to_have_count(0)
    expect(page.get_by_role("button", name="Tools")).to_have_count(0)

    # The output streams to the viewer.
    shell.type("echo STREAM-$((6*7))\r")
    page.wait_for_function(f"{ROWS}.includes('STREAM-42')")

    # A reader of the PTY's input: od -c prints whatever reaches the shell's stdin.
    shell.type("stty size; od -c\r")
    shell.read_until("20 70")
    tap_terminal(page.locator(".view-term"))
    page.keyboard.type("XYZZY")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="typing here does nothing")).to_be_visible()
    shell.type("OWNER\r\x04")
    dump = shell.read_until("O   W   N   E   R  \\n")
    page.wait_for_function(f"{ROWS}.includes('O   W   N   E   R')")
    assert "X   Y   Z" not in dump
    # The viewer's tap and keys never resized the PTY either.
    shell.type("echo SIZE-$(stty size | tr ' ' x)\r")
    shell.read_until("SIZE-20x70")
    assert page.errors == []


def test_revoked_and_expired_links_get_a_clear_page(new_context: Any, api: Any) -> None:
    shell = Shell(api, "revoked")
    made = shell.link()
    page = _viewer(new_context)
    page.goto(made["path"])
    expect(page.get_by_role("status").filter(has_text="View only")).to_be_visible()
    page.wait_for_function(f"{ROWS}.includes('$')")

    # Revoked while watching: told at once, and the link and the page are dead.
    revoked = api.delete(f"/api/sessions/{shell.id}/viewers/links/{made['id']}")
    assert revoked.status == 204
    expect(page.get_by_role("alert")).to_contain_text("View ended: the link was revoked")
    response = page.goto(made["path"])
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading")).to_have_text("This view link was revoked")
    response = page.reload()
    assert response is not None
    assert response.status == 410

    # Expired: the viewer is told when the time is up, and the link's page says so.
    short = shell.link(expiresIn=4)  # time to load the page on a busy machine
    other = _viewer(new_context)
    other.goto(short["path"])
    expect(other.get_by_role("status").filter(has_text="View only")).to_be_visible()
    expect(other.get_by_role("alert")).to_contain_text("View ended: the link expired",
                                                       timeout=15_000)
    # The page itself now says so too (the cookie outlives the link to tell it).
    response = other.reload()
    assert response is not None
    assert response.status == 410
    response = other.goto(short["path"])
    assert response is not None
    assert response.status == 410
    expect(other.get_by_role("heading")).to_have_text("This view link has expired")

    unknown = other.goto("/view/tbv_" + "n" * 43)
    assert unknown is not None
    assert unknown.status == 404
    expect(other.get_by_role("heading")).to_have_text("This view link does not work")


def test_owner_shares_watches_and_disconnects_on_a_phone(phone: Any, new_context: Any) -> None:
    """The share sheet makes a view-only link (expiry, QR code, copy, live list with revoke);
    the session drawer shows who watches and disconnects them."""
    from tests.e2e.test_settings_browser import new_session, open_terminal_tool, own_address

    page = phone
    page.context.set_extra_http_headers(own_address())
    sid = new_session(page, "shared-watch")
    open_terminal_tool(page, sid, "Share link")
    dialog = page.get_by_role("dialog", name="Share")
    part = dialog.get_by_role("region", name="View-only link")
    part.scroll_into_view_if_needed()
    part.get_by_label("Session").select_option(label="shared-watch")
    part.get_by_label("Expires after").select_option("1d")
    part.get_by_role("button", name="Create view-only link").click()
    expect(part.get_by_role("img", name="QR code of the view-only link")).to_be_visible()
    url = part.get_by_role("textbox").input_value()
    assert "/view/tbv_" in url
    part.get_by_role("button", name="Copy view-only link").click()
    expect(part.get_by_role("status")).to_have_text(
        re.compile(r"Link copied\.|Select the link above and copy it\."))
    expect(part.get_by_role("list", name="Live view-only links").get_by_role("listitem")) \
        .to_have_count(1)
    assert dialog.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")

    watcher = _viewer(new_context)
    watcher.goto(url[url.index("/view/"):])
    expect(watcher.get_by_role("status").filter(has_text="View only")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sessions", exact=True).click()
    drawer = page.get_by_role("dialog", name="Sessions")
    watching = drawer.get_by_role("region", name="Watching shared-watch")
    # The drawer asks when it opens, then every 5 s: the viewer's socket may attach just after.
    expect(watching.get_by_role("status")).to_contain_text("1 watching", timeout=12_000)
    watching.get_by_role("button", name="Disconnect viewer 127.0.0.1").click()
    expect(watcher.get_by_role("alert")).to_contain_text("View ended: the owner disconnected you")
    expect(watching.get_by_role("status")).to_contain_text("Nobody is watching")
