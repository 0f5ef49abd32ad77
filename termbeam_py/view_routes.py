"""View-only share links over HTTP (#17): the owner's routes to make, list and revoke them and
to disconnect viewers, and the viewer's pages (`/view/LINK` exchanges the link for a cookie).

The link's secret is in the URL only for the one request that opens it: that answer sets the
cookie and redirects to the clean `/view`, so the secret is not left in the address bar, the
history or a Referer (every page also says `Referrer-Policy: no-referrer`), and the server
keeps no access log. A dead link gets a page of its own (410 ended, 404 unknown), never the
login page.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Literal

from aiohttp import web

from termbeam_py import keys
from termbeam_py.audit import actor_of
from termbeam_py.auth import VIEW_COOKIE, client_ip, is_https
from termbeam_py.errors import Conflict, NotFound
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Reach, Scope, principal_of, requires
from termbeam_py.static import serve_index
from termbeam_py.viewlinks import Ending, ViewLink, ViewLinks, parse_ttl

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: Seconds the view cookie outlives its link (see open_link).
COOKIE_GRACE = 86400
LinkEvent = Literal["created", "used", "revoked", "expired"]
#: The expiry of each link, by link id: a task that waits out the live link, then one that
#: ends its viewers. Held here until done, so none is lost to garbage collection; the wait is
#: cancelled when its link ends otherwise, and every task is cancelled and awaited when the
#: app stops.
EXPIRIES: web.AppKey[dict[str, asyncio.Task[None]]] = web.AppKey("VIEW_EXPIRIES")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · TermBeam</title></head>
<body style="font-family:system-ui,sans-serif;background:#1e1e1e;color:#ddd;margin:0;
padding:2em 1.25em;line-height:1.5">
<main style="max-width:32em;margin:0 auto">
<h1 style="font-size:1.4em">{title}</h1><p>{text}</p>
<p style="color:#aaa">Ask whoever shared it for a new link.</p></main></body></html>"""
ENDED_TEXT = {
    "expired": ("This view link has expired",
                "The link to watch this terminal was only valid for a limited time."),
    "revoked": ("This view link was revoked",
                "Whoever shared this terminal has stopped sharing it with this link."),
    None: ("This view link does not work",
           "The link is not valid: it may be mistyped, or the server was restarted since "
           "it was made."),
}


def link_event(app: web.Application, event: LinkEvent, link: ViewLink,
               address: str | None, actor: str | None = None) -> None:
    """Every view-link event passes here once, into the log and the audit log; `address` is
    the client's, None for an expiry; `actor` who made or revoked the link."""
    log.info("view link %s for session %s %s%s", link.id, link.session, event,
             f" (from {address})" if address else "")
    if event == "used":
        actor = f"viewer:{link.id}"
    app[keys.AUDIT].record(f"share.{event}", address=address, actor=actor, link=link.id,
                           kind="view-only", session=link.session)


def _dead_page(how: Literal["expired", "revoked"] | None) -> web.Response:
    title, text = ENDED_TEXT[how]
    return web.Response(text=PAGE.format(title=html.escape(title), text=html.escape(text)),
                        content_type="text/html", status=404 if how is None else 410)


def _share_base(request: web.Request) -> str:
    scheme = "https" if is_https(request) else "http"
    own = f"{scheme}://{request.headers.get('Host', request.host)}"
    return request.app[keys.RUNTIME].share_base(own)


@routes.post("/api/sessions/{id}/viewers/link")
@requires(Scope.ADMIN)
async def create_link(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    body = await json_body(request, optional=True)
    ttl = parse_ttl(body.get("expiresIn"))
    auth = request.app[keys.AUTH]
    if not auth.enabled:
        # Anyone who reaches a server without a password has full control: a link that says
        # "view only" would be a promise the server cannot keep.
        raise Conflict("View-only links need a password: this server has none")
    secret, link = auth.views.create(session.id, ttl)
    app = request.app
    _run(app, link.id, _wait_out(auth.views, link))
    link_event(app, "created", link, client_ip(request), actor_of(principal_of(request)))
    return web.json_response({"url": f"{_share_base(request)}/view/{secret}", "id": link.id,
                              "expiresAt": link.expires}, status=201)


def _run(app: web.Application, link_id: str, work: Coroutine[Any, Any, None]) -> None:
    """Make `work` the task of link `link_id`'s expiry, in place of the one before."""
    tasks = app[EXPIRIES]
    _stop(tasks.get(link_id))
    task = tasks[link_id] = asyncio.create_task(work, name="view-link-expiry")

    def forget(done: asyncio.Task[None]) -> None:
        if tasks.get(link_id) is done:
            del tasks[link_id]

    task.add_done_callback(forget)


def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None and task is not asyncio.current_task():
        task.cancel()


async def _wait_out(views: ViewLinks, link: ViewLink) -> None:
    # The link ends by the wall clock, as every check of it does: if the clock was set back
    # while this slept, sleep on.
    left = views.remaining(link)
    while left > 0:
        await asyncio.sleep(left)
        left = views.remaining(link)
    views.expire(link.id)  # unless it has ended already; `_ended` does the rest


def _ended(app: web.Application) -> Callable[[ViewLink, Ending], None]:
    """What follows the end of a link (ViewLinks.end_listeners), however it was found."""

    def ended(link: ViewLink, how: Ending) -> None:
        if how == "revoked":  # whoever revoked it says so and ends its viewers
            _stop(app[EXPIRIES].pop(link.id, None))
            return
        # Found by its timer, or first by a request (the wall clock jumped past the link's end,
        # as when a suspended machine wakes): either way its viewers are told now.
        link_event(app, "expired", link, None)
        _run(app, link.id, _end_viewers(app, link.session, link.id, "the link expired"))

    return ended


async def _end_viewers(app: web.Application, session: str, link_id: str, reason: str) -> None:
    hub = app[keys.HUB]
    ending = [c for c in hub.viewers(session)
              if c.principal is not None and c.principal.link == link_id]
    await hub.end_views(ending, reason)


@routes.get("/api/sessions/{id}/viewers")
@requires(Scope.ADMIN)
async def list_viewers(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    viewers = request.app[keys.HUB].viewers(session.id)
    links = []
    for link in request.app[keys.AUTH].views.of_session(session.id):
        watching = sum(1 for c in viewers if c.principal and c.principal.link == link.id)
        links.append({**link.info(), "viewers": watching})
    return web.json_response({
        "links": links,
        "viewers": [{"id": c.id, "address": c.peer, "since": c.since,
                     "link": c.principal.link if c.principal else None} for c in viewers],
    })


@routes.delete("/api/sessions/{id}/viewers/links/{linkId}")
@requires(Scope.ADMIN)
async def revoke_link(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    link = request.app[keys.AUTH].views.revoke(request.match_info["linkId"], session.id)
    link_event(request.app, "revoked", link, client_ip(request),
               actor_of(principal_of(request)))
    await _end_viewers(request.app, session.id, link.id, "the link was revoked")
    return web.Response(status=204)


@routes.delete("/api/sessions/{id}/viewers/{viewerId}")
@requires(Scope.ADMIN)
async def disconnect_viewer(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    hub = request.app[keys.HUB]
    found = [c for c in hub.viewers(session.id) if c.id == request.match_info["viewerId"]]
    if not found:
        raise NotFound("Viewer not found")
    await hub.end_views(found, "the owner disconnected you")
    return web.Response(status=204)


@routes.get("/view/{link}")
@requires(Scope.VIEW, reach=Reach.ANY)
async def open_link(request: web.Request) -> web.StreamResponse:
    """Exchange a live link for its cookie and go to the clean `/view`; a dead one gets its
    page."""
    secret = request.match_info["link"]
    views = request.app[keys.AUTH].views
    link = views.verify(secret)
    if link is None:
        return _dead_page(views.ending(secret))
    link_event(request.app, "used", link, client_ip(request))
    redirect = web.HTTPFound("/view")
    # Lax, not Strict: the link is opened from another site (a chat, a QR scanner), and the
    # redirect that follows is part of that cross-site navigation. The cookie only lets its
    # holder watch one session. It outlives the link by a day, so that `/view` can still say
    # the link expired rather than that it never worked.
    redirect.set_cookie(VIEW_COOKIE, secret, path="/", httponly=True, samesite="Lax",
                        secure=is_https(request),
                        max_age=int(views.remaining(link)) + COOKIE_GRACE)
    raise redirect


@routes.get("/view")
@requires(Scope.VIEW, reach=Reach.ANY)
async def view_page(request: web.Request) -> web.StreamResponse:
    """The web app in view mode for a live view cookie; the dead link's page otherwise."""
    auth = request.app[keys.AUTH]
    secret = request.cookies.get(VIEW_COOKIE)
    if auth.viewer(request) is not None:
        return await serve_index(request)
    if secret:
        return _dead_page(auth.views.ending(secret))
    return _dead_page(None)


@routes.get("/api/view")
@requires(Scope.VIEW, reach=Reach.OWN)
async def view_info(request: web.Request) -> web.Response:
    """What a viewer watches: its session's id, name and size, and when its link ends."""
    caller = principal_of(request)
    if caller is None or caller.link is None or caller.session is None:
        raise NotFound("Not a view-only link")
    session = request.app[keys.SESSIONS].find(caller.session)
    views = request.app[keys.AUTH].views
    link = views.get(caller.link, caller.session)
    cols, rows = session.sizer.current if session is not None else (80, 24)
    return web.json_response({
        "session": {"id": caller.session, "name": session.name if session else None,
                    "cols": cols, "rows": rows},
        "expiresAt": link.expires,
    })


async def _expiries_ctx(app: web.Application) -> AsyncIterator[None]:
    views, listener = app[keys.AUTH].views, _ended(app)
    views.end_listeners.append(listener)
    yield
    views.end_listeners.remove(listener)
    expiries = list(app[EXPIRIES].values())
    for task in expiries:
        task.cancel()
    await asyncio.gather(*expiries, return_exceptions=True)


def setup(app: web.Application) -> None:
    """Add the view-link routes to `app` (called by create_app)."""
    app[EXPIRIES] = {}
    app.cleanup_ctx.append(_expiries_ctx)
    app.router.add_routes(routes)
