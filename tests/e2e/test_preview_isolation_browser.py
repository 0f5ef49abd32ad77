"""Browser test: a previewed app cannot read another previewed app's cookie-protected data.

Two local apps run on ephemeral loopback ports. B logs the browser in through its preview
(an HttpOnly session cookie, plus a cookie its scripts may read) and serves JSON at `/secret`
only with that cookie. A's page, opened the way the Preview dialog opens it, then tries every
way we know to read B's secret: through its own origin's proxy, through B's origin, through
the main origin, and through a same-origin frame at B's path (to read B's cookies). Loaded
directly, the same-origin policy keeps A out of B; previewed, it must too.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
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

SECRET = "b-secret-" + secrets.token_hex(8)
SESSION = "b-session-" + secrets.token_hex(8)
CSRF = "b-csrf-" + secrets.token_hex(8)

#: A's page: each attempt's outcome goes into #out as JSON, `{name: "status N body" | "error
#: …"}`. `?b=<port>&bbase=<B's origin>&main=<TermBeam's origin>` say where B is.
ATTACKER = """<!doctype html><html><body><pre id="out">pending</pre><script>
const q = new URLSearchParams(location.search);
const b = q.get('b');
async function read(url) {
  try {
    const r = await fetch(url, {credentials: 'include'});
    return 'status ' + r.status + ' ' + (await r.text()).slice(0, 300);
  } catch (e) { return 'error ' + e.name; }
}
function frameCookies(url) {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.src = url;
    frame.onload = () => {
      try { resolve('cookies ' + frame.contentDocument.cookie); }
      catch (e) { resolve('error ' + e.name); }
    };
    document.body.appendChild(frame);
  });
}
(async () => {
  const out = {
    ownOrigin: await read('/preview/' + b + '/secret'),
    bOrigin: await read(q.get('bbase') + '/preview/' + b + '/secret'),
    mainOrigin: await read(q.get('main') + '/preview/' + b + '/secret'),
    frame: await frameCookies('/preview/' + b + '/secret'),
    documentCookie: document.cookie,
  };
  document.getElementById('out').textContent = JSON.stringify(out);
})();
</script></body></html>"""


@dataclass(frozen=True)
class Apps:
    a: int
    b: int


def _apps() -> tuple[web.Application, web.Application]:
    async def attacker(request: web.Request) -> web.Response:
        return web.Response(text=ATTACKER, content_type="text/html")

    async def login(request: web.Request) -> web.Response:
        response = web.Response(text="<!doctype html><p id=done>logged in</p>",
                                content_type="text/html")
        response.set_cookie("bsession", SESSION, path="/", httponly=True, samesite="Lax")
        response.set_cookie("bcsrf", CSRF, path="/", samesite="Lax")
        return response

    async def secret(request: web.Request) -> web.Response:
        if request.cookies.get("bsession") != SESSION:
            return web.json_response({"error": "login first"}, status=401)
        return web.json_response({"secret": SECRET})

    a = web.Application()
    a.router.add_get("/", attacker)
    b = web.Application()
    b.router.add_get("/login", login)
    b.router.add_get("/secret", secret)
    return a, b


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    """A and B on ephemeral loopback ports, served from a thread with its own event loop
    (Playwright's sync API may run a loop in the main thread)."""
    loop = asyncio.new_event_loop()
    runners = [web.AppRunner(app) for app in _apps()]
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        for runner in runners:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="preview-apps", daemon=True)
    thread.start()
    assert started.wait(timeout=10), "the previewed apps did not start"
    try:
        yield Apps(*(int(runner.addresses[0][1]) for runner in runners))
    finally:
        for runner in runners:
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


def open_preview(page: Any, port: int) -> str:
    """Open `port`'s preview as the Preview dialog does; the origin it landed on."""
    page.goto(f"/api/preview/{port}/open")
    assert f"/preview/{port}/" in page.url, page.url
    return str(page.evaluate("() => location.origin"))


def test_a_previewed_app_cannot_read_another_apps_data(
    page: Any, server: ServerProcess, apps: Apps
) -> None:
    b_origin = open_preview(page, apps.b)
    page.goto(f"{b_origin}/preview/{apps.b}/login")
    page.wait_for_selector("#done")
    # B's own page reads its secret with the cookie it set through the preview.
    own = page.evaluate("() => fetch('secret').then((r) => r.text())")
    assert SECRET in own, own
    assert CSRF in page.evaluate("() => document.cookie")  # its scripts see their cookie

    a_origin = open_preview(page, apps.a)
    assert a_origin != b_origin
    page.goto(f"{a_origin}/preview/{apps.a}/?b={apps.b}&bbase={b_origin}&main={server.base_url}")
    page.wait_for_function("() => document.getElementById('out').textContent !== 'pending'")
    outcome = json.loads(str(page.text_content("#out")))
    assert SECRET not in json.dumps(outcome), outcome
    assert CSRF not in json.dumps(outcome), outcome
    assert SESSION not in json.dumps(outcome), outcome
    # A's origin serves A only; B's origin and the main origin answer A's page nothing it
    # can read (no CORS), and a frame at B's path on A's origin is sandboxed.
    assert outcome["ownOrigin"].startswith("status 403"), outcome
    assert outcome["bOrigin"] == "error TypeError", outcome
    assert outcome["mainOrigin"] == "error TypeError", outcome
    assert outcome["frame"].startswith("error"), outcome
