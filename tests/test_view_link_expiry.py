"""A view-only link's expiry (#17) is work the app owns: a task it holds from the link's
creation, cancelled by a revoke, and finished before the app's cleanup returns, never a task
started from a timer callback that nothing holds and that may outlive the app; and it ends the
link's viewers however the expiry is found."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from termbeam_py import keys, view_routes
from termbeam_py.app import create_app
from termbeam_py.audit import read_entries
from termbeam_py.config import Config
from termbeam_py.viewlinks import ViewLinks
from tests.conftest import PASSWORD, ClientFactory
from tests.helpers import AppClient, FakeClock, TermWS, eventually

ADMIN = {"Authorization": f"Bearer {PASSWORD}"}


def _view_tasks() -> list[asyncio.Task[object]]:
    """The unfinished tasks running a coroutine of view_routes.py."""
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and code.co_filename == view_routes.__file__ and not task.done():
            found.append(task)
    return found


async def _link(client: AppClient, sid: str) -> str:
    response = await client.post(f"/api/sessions/{sid}/viewers/link", json={}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def test_expiries_are_held_and_end_with_the_app(aiohttp_client: ClientFactory,
                                                      config: Config) -> None:
    client = await aiohttp_client(create_app(config))
    response = await client.post("/api/sessions", json={}, headers=ADMIN)
    sid = (await response.json())["id"]
    short = await client.post(f"/api/sessions/{sid}/viewers/link", json={"expiresIn": 1},
                              headers=ADMIN)
    short_id = (await short.json())["id"]
    (short_expiry,) = _view_tasks()
    first = await _link(client, sid)
    (expiry,) = set(_view_tasks()) - {short_expiry}
    assert client.app[view_routes.EXPIRIES] == {short_id: short_expiry, first: expiry}
    # An expiry that has run is let go of too.
    await short_expiry
    await eventually(lambda: client.app[view_routes.EXPIRIES] == {first: expiry},
                     "the ended expiry to be let go of")
    # A revoke ends its link's expiry at once, and the app lets go of it.
    response = await client.delete(f"/api/sessions/{sid}/viewers/links/{first}",
                                   headers=ADMIN)
    assert response.status == 204
    assert expiry.cancelling() or expiry.cancelled()
    assert client.app[view_routes.EXPIRIES] == {}
    await _link(client, sid)
    await _link(client, sid)
    assert len(_view_tasks()) == 2
    await client.close()
    assert _view_tasks() == []
    assert expiry.cancelled()


async def test_an_expiry_found_by_a_request_ends_the_view(aiohttp_client: ClientFactory,
                                                          config: Config) -> None:
    """The wall clock passes a link's end before its timer (a suspended machine wakes up: the
    loop's clock did not count the sleep): the first request to notice ends the view too."""
    clock = FakeClock(time.time())
    app = create_app(config)
    app[keys.AUTH].views = ViewLinks(clock)
    client = await aiohttp_client(app)
    response = await client.post("/api/sessions", json={}, headers=ADMIN)
    sid = (await response.json())["id"]
    made = await (await client.post(f"/api/sessions/{sid}/viewers/link",
                                    json={"expiresIn": "1h"}, headers=ADMIN)).json()
    async with aiohttp.ClientSession(base_url=client.make_url("/"),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await browser.get(made["url"][made["url"].index("/view/"):])
        watcher = TermWS(await browser.ws_connect("/ws"))
        await watcher.attach(sid)
        await watcher.expect("attached")
        clock.advance(3601)
        page = await browser.get("/view")
        assert page.status == 410
        assert (await watcher.expect("error"))["message"] == "View ended: the link expired"
        assert await watcher.receive() is None
    await asyncio.to_thread(app[keys.AUDIT].settle)
    expired = [e for e in read_entries(app[keys.AUDIT].files()) if e["event"] == "share.expired"]
    assert [e["link"] for e in expired] == [made["id"]]
    assert app[view_routes.EXPIRIES] == {}
