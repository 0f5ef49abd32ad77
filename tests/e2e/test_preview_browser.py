"""Browser test: a previewed page's script cannot use the TermBeam API with your login.

A local app serves a page whose script fetches `/api/sessions` (or the main origin's, given
in `?target=`) with credentials and writes the outcome into the DOM. It is opened through
`/preview/<port>/` on the main origin (sandboxed) and on the port's own preview listener.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]
try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover - the skip explains it
    pytestmark.append(pytest.mark.skip(reason="playwright (Python) is not installed"))

PAGE = """<!doctype html><html><body>
<div id="asset">missing</div><div id="out">pending</div>
<script src="/asset.js"></script>
<script>
const out = document.getElementById('out');
const target = new URLSearchParams(location.search).get('target') || '/api/sessions';
fetch(target, {credentials: 'include'})
  .then(async (r) => {
    out.textContent = 'status ' + r.status + ' ' + (await r.text()).slice(0, 200);
  })
  .catch((e) => { out.textContent = 'error ' + e.name; });
</script></body></html>"""
ASSET = "document.getElementById('asset').textContent = 'loaded';"
DONE = "() => document.getElementById('out').textContent !== 'pending'"


@pytest.fixture(scope="module")
def app_port() -> Iterator[int]:
    """The previewed app, on an ephemeral loopback port in a thread of its own."""
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def asset(request: web.Request) -> web.Response:
        return web.Response(text=ASSET, content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/asset.js", asset)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()

    def serve() -> None:
        # Everything runs in this thread: Playwright's sync API may already be running an
        # event loop in the main thread (fixture order is not fixed), and only one may run.
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="preview-app", daemon=True)
    thread.start()
    assert started.wait(timeout=10), "the previewed app did not start"
    port = int(runner.addresses[0][1])
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture
def page(browser: Any, server: ServerProcess, auth_state: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(base_url=server.base_url, storage_state=auth_state)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _outcome(page: Any) -> str:
    page.wait_for_function(DONE)
    return str(page.text_content("#out"))


def test_sandboxed_page_on_main_origin_cannot_read_the_api(
    page: Any, server: ServerProcess, app_port: int
) -> None:
    # The login works: the API answers this browser directly.
    assert page.request.get("/api/sessions").status == 200
    page.goto(f"/preview/{app_port}/")
    assert f"/preview/{app_port}/~" in page.url  # the port grant for cookieless subresources
    page.wait_for_function("() => document.getElementById('asset').textContent === 'loaded'")
    outcome = _outcome(page)
    assert not outcome.startswith("status 200"), outcome
    assert outcome.startswith("error"), outcome
    assert page.evaluate("() => self.origin") == "null"  # an opaque, sandboxed origin


def test_page_on_preview_listener_cannot_read_the_main_api(
    page: Any, server: ServerProcess, app_port: int
) -> None:
    info = page.request.get(f"/api/preview?port={app_port}").json()
    assert info["previewPort"], info
    base = info["previewBase"]
    page.goto(f"{base}/preview/{app_port}/?target={server.base_url}/api/sessions")
    page.wait_for_function("() => document.getElementById('asset').textContent === 'loaded'")
    outcome = _outcome(page)
    assert outcome.startswith("error"), outcome  # cross-origin: the answer is unreadable
    # Its own origin serves only the proxy: no API to call there either.
    page.goto(f"{base}/preview/{app_port}/")
    outcome = _outcome(page)
    assert outcome.startswith("status 404"), outcome
