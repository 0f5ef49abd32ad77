"""The one-tap in-app update keeps the sessions (#15): the server re-executes itself as the
new version, adopts the shells the session holder kept, and the open browser tab reloads
(to run the new build) and reconnects to the same shell, with its scrollback, on the same
address. (Reattaching to a new server without a reload, and its notice, is
tests/e2e/test_restart_browser.py's.)

The "new version" comes from a fake installer command (as in tests/test_update.py); the
verification, the restart and the adoption are the real ones.
"""

from __future__ import annotations

import re
import secrets
import shlex
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROW_EQUALS, expect
from tests.e2e.conftest import ServerProcess, start_server

pytestmark = BROWSER_MARKS

UPDATED = re.compile(r"Updated from v")
RESTART_TIMEOUT_S = 60.0


@pytest.fixture
def updatable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    install = shlex.join(["sh", "-c", "echo Successfully installed termbeam-py"])
    env = {"TERMBEAM_INSTALL_METHOD": "pip", "TERMBEAM_UPDATE_COMMAND": install}
    with start_server(tmp_path_factory, env=env) as server:
        yield server


def _wait_output(server: ServerProcess, pattern: re.Pattern[str]) -> None:
    deadline = time.monotonic() + RESTART_TIMEOUT_S
    while not pattern.search(server.log()):
        assert server.proc.poll() is None, f"the server exited:\n{server.log()}"
        assert time.monotonic() < deadline, f"no {pattern.pattern!r} in:\n{server.log()}"
        time.sleep(0.1)  # a subprocess's output, read by another thread: polled, bounded


def test_in_app_update_keeps_the_session_and_the_tab_reconnects(
    updatable: ServerProcess, new_context: Any
) -> None:
    context = new_context(base_url=updatable.base_url, dom=True,
                          viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    api = context.request
    assert api.post("/api/auth", data={"password": updatable.password}).ok
    (session,) = api.get("/api/sessions").json()
    page = context.new_page()
    page.goto(f"/terminal?id={session['id']}")
    page.wait_for_selector(".xterm-rows")
    before = "before-" + secrets.token_hex(4)
    page.locator(".term-host").click()
    page.keyboard.type(f"echo {before}-$$")
    page.keyboard.press("Enter")
    page.wait_for_function(ROW_EQUALS, arg=f"{before}-{session['pid']}")

    # Once the new server answers, the page reloads itself to run the new build (Banners ->
    # reloadWhenBack); typing before that reload could be cut off by it, so it is awaited.
    with page.expect_event("load", timeout=RESTART_TIMEOUT_S * 1000):
        response = api.post("/api/update")
        assert response.ok, response.text()
        _wait_output(updatable, UPDATED)

    # The reloaded tab attaches by itself to the same shell on the same address, with its
    # scrollback.
    page.wait_for_function(ROW_EQUALS, arg=f"{before}-{session['pid']}", timeout=30_000)
    expect(page.get_by_role("dialog")).to_have_count(0)
    after = "after-" + secrets.token_hex(4)
    page.locator(".term-host").click()
    page.keyboard.type(f"echo {after}-$$")
    page.keyboard.press("Enter")
    page.wait_for_function(ROW_EQUALS, arg=f"{after}-{session['pid']}", timeout=30_000)
    # The scrollback came through once: the line from before the update is still there.
    rows = page.locator(".xterm-rows > div").all_text_contents()
    assert [r.strip() for r in rows].count(f"{before}-{session['pid']}") == 1

    (kept,) = api.get("/api/sessions").json()
    assert (kept["id"], kept["pid"], kept["restored"]) == (session["id"], session["pid"],
                                                           True)
    assert "1 session restored" in updatable.log()
