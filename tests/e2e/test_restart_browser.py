"""Sessions that outlive the server, in the browser (#15): after a stop that keeps the sessions
the reconnect UI says "Server restarted" instead of "Connection lost"; a reattach to another
server boot shows a short "session kept" notice that goes away by itself; the hub marks a
restored session. The looks are checked at phone (390×844) and desktop (1280×800) size where
a test measures them (the bar, overlay, notice and hub card must fit); the rest run at one size.

The page's clock is installed where a test would otherwise wait for the app's own timers (the
overlay's 10 s grace, the notice's 4 s): the clock jumps instead, and still shows the overlay
does not come early and the notice goes by itself.

The servers run in this process, each on an event-loop thread of its own, started and stopped
as server.run does (`ConnectionGuard.serve`, adopting what the holder kept; `runner.cleanup()`
with `Runtime.keep_sessions` set), so a test can stop one and start the next on the same port
and state folder: `test_a_restart_keeps_the_session_and_says_so` is that whole path through
the session holder. The other tests use seams, so they do not depend on the holder:

- a crash is every TCP connection aborted (no close frame, as after `kill -9`) while
  `Runtime.boot_id` changes, as it does for the next server process (a real `kill -9` of a
  `termbeam` process, then the next one on the same port, belongs to the holder's tests);
- adoption's `Session.restored` is set on a live session to check the hub's mark.
"""
from __future__ import annotations

import asyncio
import os
import re
import secrets
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from termbeam_py import keys
from termbeam_py.app import create_app
from tests.conftest import PASSWORD, make_config
from tests.e2e.browser_common import (
    BROWSER_MARKS,
    ROW_EQUALS,
    ROWS_CONTAIN,
    expect,
    expect_overlay_only_after_the_grace,
)

pytestmark = BROWSER_MARKS

T = TypeVar("T")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
RESTORED = "Restored after a server restart"
#: The notice hides itself after this long (RESTART_NOTICE_MS in frontend/src/restart.ts).
RESTART_NOTICE_MS = 4_000
# Test-only instrumentation: count the page's sockets, to know a reconnect happened, and note
# when the first one closed on the page's clock (`__closedAt`, ms).
TRACK_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__closedAt = null;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
      this.addEventListener('close', () => { window.__closedAt ??= Date.now(); });
    }
  };
})();"""
#: When the page's first socket closed, once it has.
CLOSED_AT = "() => window.__closedAt"
SHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
ROOT = Path(__file__).resolve().parents[2]
#: How many of the terminal's rows read exactly `t`.
COUNT_ROWS = """(t) => Array.from(document.querySelectorAll('.xterm-rows > div'))
    .filter((r) => r.textContent.trim() === t).length"""
#: Whether an element's content fits its box (nothing cut off or spilling sideways).
FITS = "(el) => el.scrollWidth <= el.clientWidth + 1"


class LiveServer:
    """The real app, served from a private event-loop thread so the test can stop it (or
    cut its connections) the way a restart or a crash would."""

    def __init__(self, tmp_path: Path, port: int = 0) -> None:
        self.tmp_path = tmp_path
        self.successors: list[LiveServer] = []
        self.app = create_app(make_config(tmp_path))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="termbeam-live",
                                       daemon=True)
        self.thread.start()
        self.runner = self.call(self._start(port))
        port = int(self.runner.addresses[0][1])
        self.app[keys.RUNTIME].port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.stopped = self.kept = False

    async def _start(self, port: int) -> web.AppRunner:
        runner = await self.app[keys.CONNECTIONS].serve(self.app, "127.0.0.1", port)
        # As server.run does: take over what a previous server on this state folder kept.
        await self.app[keys.SESSIONS].adopt()
        return runner

    @property
    def port(self) -> int:
        return self.app[keys.RUNTIME].port

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def stop(self, *, keep_sessions: bool) -> None:
        """End the server as server.run does: its runner's cleanup (on_shutdown closes the
        sockets, then the session manager's cleanup runs)."""

        async def stop() -> None:
            self.app[keys.RUNTIME].keep_sessions = keep_sessions
            await self.runner.cleanup()

        self.stopped, self.kept = True, keep_sessions
        self.call(stop())

    def restart(self) -> LiveServer:
        """The next server: same state folder, same port, after this one stopped."""
        assert self.stopped
        successor = LiveServer(self.tmp_path, self.port)
        self.successors.append(successor)
        return successor

    def crash_and_adopt(self, *, new_boot: bool = True) -> None:
        """Drop every connection without a close frame; with `new_boot` the server answering
        the reconnects is "another process" (another boot id) that kept the sessions."""

        async def crash() -> None:
            if new_boot:
                self.app[keys.RUNTIME].boot_id = secrets.token_hex(8)
            server = self.runner.server
            assert server is not None
            for handler in server.connections:
                if handler.transport is not None:
                    handler.transport.abort()

        self.call(crash())

    def mark_restored(self, session_id: str) -> None:
        async def mark() -> None:
            self.app[keys.SESSIONS].get(session_id).restored = True

        self.call(mark())

    def close(self) -> None:
        for successor in self.successors:
            successor.close()
        if not self.stopped:
            self.stop(keep_sessions=False)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    try:
        yield server
    finally:
        server.close()
        if server.kept and not server.successors:
            # Sessions a keep-sessions stop left in the session holder end with a successor
            # on the same state folder that adopts them and then stops for good.
            LiveServer(tmp_path).close()


@pytest.fixture
def context(live: LiveServer, new_context: Any, request: pytest.FixtureRequest) -> Any:
    """A logged-in browser context at the size `request.param` (a touch phone at 390 wide)."""
    size = request.param
    phone = size == PHONE
    # The DOM renderer everywhere, so the test can read the terminal's rows.
    ctx = new_context(base_url=live.base_url, dom=True, viewport=size, is_mobile=phone,
                      has_touch=phone, device_scale_factor=2 if phone else 1)
    ctx.add_init_script(TRACK_SOCKETS)
    # As after a first visit in this tab: no start-up splash over the hub for 1.5 s (these tests
    # look at the hub's cards, not at the splash, which test_splash_browser covers).
    ctx.add_init_script("try { sessionStorage.setItem('termbeam.splashShown', '1') } catch {}")
    response = ctx.request.post("/api/auth", data={"password": PASSWORD})
    assert response.ok, response.text()
    return ctx


def new_session(ctx: Any, name: str) -> str:
    response = ctx.request.post("/api/sessions", data={"name": name, "cols": 80, "rows": 24})
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def open_terminal(ctx: Any, name: str) -> Any:
    page = ctx.new_page()
    page.goto(f"/terminal?id={new_session(ctx, name)}")
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    return page


def echo(page: Any) -> str:
    marker = "mark-" + secrets.token_hex(4)
    page.locator(".term-host").first.click()
    page.keyboard.type(f"echo {marker}")
    page.keyboard.press("Enter")
    page.wait_for_function(ROW_EQUALS, arg=marker)
    return marker


def assert_inside(inner: Any, outer: dict[str, float]) -> None:
    box = inner.bounding_box()
    assert box is not None
    assert box["x"] >= outer["x"] - 0.5, (box, outer)
    assert box["y"] >= outer["y"] - 0.5, (box, outer)
    assert box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5, (box, outer)
    assert box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5, (box, outer)


def shot(page: Any, name: str) -> None:
    """With TERMBEAM_SCREENSHOTS=1, save the page for a look (as the hub tests do)."""
    if SHOTS:
        size = "phone" if page.viewport_size["width"] < 600 else "desktop"
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}-{size}.png"))


def viewport_box(page: Any) -> dict[str, float]:
    size = page.viewport_size
    return {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}


@pytest.mark.parametrize("context", SIZES, indirect=True)
def test_a_stop_that_keeps_sessions_says_server_restarted(
    context: Any, live: LiveServer
) -> None:
    context.clock.install()
    page = open_terminal(context, "kept")
    echo(page)
    live.stop(keep_sessions=True)  # closes the socket with 1012; nobody answers the retries

    bar = page.locator(".ws-reconnect-bar")
    expect(bar).to_have_text("Server restarted — reconnecting…")
    assert bar.evaluate(FITS)
    shot(page, "restarting-bar")
    dialog = page.get_by_role("dialog")
    # The blocking overlay waits for a longer outage (reconnect.ts: 10 s).
    closed_at = page.wait_for_function(CLOSED_AT).json_value()
    expect_overlay_only_after_the_grace(page, dialog, closed_at)
    expect(dialog.get_by_role("heading", name="Server restarted")).to_be_visible()
    expect(dialog).not_to_contain_text("Connection lost")
    expect(dialog.get_by_role("button", name="Retry now")).to_be_visible()
    assert_inside(dialog.locator(".overlay-card"), viewport_box(page))
    shot(page, "server-restarted")
    assert page.errors == []


@pytest.mark.parametrize("context", [pytest.param(DESKTOP, id="desktop")], indirect=True)
def test_a_restart_keeps_the_session_and_says_so(context: Any, live: LiveServer) -> None:
    """The whole path through the session holder: a stop that keeps the sessions, the next
    server on the same port adopts them, and the tab goes back to the same shell."""
    if not live.app[keys.SESSIONS].durable:
        pytest.skip("this system cannot run the session holder")
    context.clock.install()
    page = open_terminal(context, "durable")
    before = echo(page)
    live.stop(keep_sessions=True)
    expect(page.locator(".ws-reconnect-bar")).to_have_text("Server restarted — reconnecting…")
    live.restart()

    notice = page.get_by_role("status").filter(has_text="Server restarted — session kept")
    expect(notice).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    echo(page)
    assert page.evaluate(COUNT_ROWS, before) == 1
    page.clock.fast_forward(RESTART_NOTICE_MS)
    expect(notice).to_be_hidden()
    hub = context.new_page()
    hub.goto("/")
    card = hub.locator("li.card").filter(has=hub.get_by_role("link", name="Open session durable"))
    expect(card.get_by_role("img", name=RESTORED)).to_be_visible()
    assert page.errors == []


@pytest.mark.parametrize("context", [pytest.param(DESKTOP, id="desktop")], indirect=True)
def test_an_ordinary_stop_still_says_connection_lost(context: Any, live: LiveServer) -> None:
    context.clock.install()
    page = open_terminal(context, "ended")
    live.stop(keep_sessions=False)  # 1001: the sessions end with the server

    expect(page.locator(".ws-reconnect-bar")).to_have_text("Reconnecting…")
    dialog = page.get_by_role("dialog")
    closed_at = page.wait_for_function(CLOSED_AT).json_value()
    expect_overlay_only_after_the_grace(page, dialog, closed_at)
    expect(dialog.get_by_role("heading", name="Connection lost")).to_be_visible()
    expect(dialog).not_to_contain_text("Server restarted")
    assert page.errors == []


@pytest.mark.parametrize("context", SIZES, indirect=True)
def test_reattaching_to_a_new_boot_shows_a_notice_that_goes_away(
    context: Any, live: LiveServer
) -> None:
    context.clock.install()
    page = open_terminal(context, "survivor")
    before = echo(page)
    live.crash_and_adopt()  # no close frame; the reconnect reaches "another" server

    notice = page.get_by_role("status").filter(has_text="Server restarted — session kept")
    expect(notice).to_be_visible()
    assert notice.evaluate(FITS)
    pane = page.locator(".ws-pane:not(.hidden)").bounding_box()
    assert pane is not None
    assert_inside(notice, pane)
    shot(page, "session-kept")
    page.clock.fast_forward(RESTART_NOTICE_MS)
    expect(notice).to_be_hidden()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The same session, resumed: the old output once, and it still runs commands.
    echo(page)
    assert page.evaluate(COUNT_ROWS, before) == 1
    assert page.errors == []


@pytest.mark.parametrize("context", [pytest.param(DESKTOP, id="desktop")], indirect=True)
def test_a_drop_back_to_the_same_server_shows_no_notice(context: Any, live: LiveServer) -> None:
    page = open_terminal(context, "same")
    live.crash_and_adopt(new_boot=False)
    page.wait_for_function("() => window.__sockets.length >= 2")
    echo(page)  # answered over the new socket: it has attached
    expect(page.locator(".ws-restart-notice")).to_have_count(0)
    assert page.errors == []


@pytest.mark.parametrize("context", SIZES, indirect=True)
def test_the_hub_marks_a_restored_session(
    context: Any, live: LiveServer
) -> None:
    kept = new_session(context, "a long session name that outlived the server process")
    new_session(context, "fresh")
    live.mark_restored(kept)
    page = context.new_page()
    page.goto("/")

    kept_card = page.locator("li.card").filter(
        has=page.get_by_role("link", name="Open session a long session name"))
    fresh_card = page.locator("li.card").filter(
        has=page.get_by_role("link", name="Open session fresh"))
    mark = kept_card.get_by_role("img", name=RESTORED)
    expect(mark).to_be_visible()
    expect(mark).to_have_text("restored")
    expect(mark).to_have_attribute("title", RESTORED)
    # Screen readers hear it with the card: the link's description names it.
    expect(kept_card.locator("a.card-main")).to_have_accessible_description(
        re.compile(re.escape(RESTORED)))
    expect(fresh_card.locator("a.card-main")).not_to_have_accessible_description(
        re.compile("Restored"))
    expect(fresh_card).to_be_visible()
    expect(fresh_card.get_by_role("img", name=RESTORED)).to_have_count(0)
    # The long name gives way: the mark and the age stay whole, inside the card.
    card_box = kept_card.bounding_box()
    assert card_box is not None
    assert_inside(mark, card_box)
    mark_box, age_box = mark.bounding_box(), kept_card.locator(".card-age").bounding_box()
    assert mark_box is not None
    assert age_box is not None
    assert mark_box["x"] + mark_box["width"] <= age_box["x"]
    assert mark.evaluate(FITS)
    shot(page, "hub-restored")
