"""Signing out (#18): this browser's login, every login, the logged-in devices one by one, and
changing the password while the server runs (which signs everyone out). All admin.

A login is a cookie token of tokens.py's `TokenStore`; the devices list shows each one's
browser (from its User-Agent), address and first and last seen, under a random id that is
neither the token nor its hash.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

from aiohttp import web

from termbeam_py import keys, running
from termbeam_py.auth import COOKIE, Auth
from termbeam_py.config import MAX_PASSWORD_BYTES, generate_password
from termbeam_py.errors import BadRequest, NotFound
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires
from termbeam_py.service import envfile
from termbeam_py.service.paths import ENV_FILE_NAME
from termbeam_py.tokens import Login

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

#: (pattern, name), first match wins: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/", "Chrome"), (r"Safari/", "Safari"), (r"curl/", "curl"),
    (r"python|aiohttp", "Python"),
)
_SYSTEMS = (
    (r"iPhone", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android"),
    (r"Mac OS X|Macintosh", "macOS"), (r"Windows", "Windows"), (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
)


def browser_name(agent: str) -> str:
    """"Chrome on Android" and the like, from a User-Agent; "Unknown browser" without one."""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, agent)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def _entry(login: Login, current: Login | None) -> dict[str, object]:
    return {"id": login.id, "browser": browser_name(login.agent), "agent": login.agent,
            "address": login.address, "firstSeen": login.first, "lastSeen": login.last,
            "expires": login.expires, "current": login is current}


def _signed_out(response: web.Response) -> web.Response:
    response.del_cookie(COOKIE, path="/")
    return response


@routes.post("/api/logout")
@requires(Scope.ADMIN)
async def logout(request: web.Request) -> web.Response:
    """End this browser's login (its token is refused from now on) and clear its cookie."""
    ended = await request.app[keys.AUTH].tokens.revoke_token(request.cookies.get(COOKIE))
    await _close_sockets(request.app)
    return _signed_out(web.json_response({"ok": True, "ended": int(ended)}))


@routes.post("/api/logout-all")
@requires(Scope.ADMIN)
async def logout_all(request: web.Request) -> web.Response:
    """End every login, this one included ("Sign out everywhere")."""
    ended = await request.app[keys.AUTH].tokens.revoke_all()
    await _close_sockets(request.app)
    log.warning("signed out everywhere: %d logins ended", ended)
    return _signed_out(web.json_response({"ok": True, "ended": ended}))


@routes.get("/api/logins")
@requires(Scope.ADMIN)
async def list_logins(request: web.Request) -> web.Response:
    tokens = request.app[keys.AUTH].tokens
    current = tokens.find(request.cookies.get(COOKIE))
    return web.json_response({"logins": [_entry(login, current)
                                         for _, login in tokens.logins()]})


@routes.delete("/api/logins/{id}")
@requires(Scope.ADMIN)
async def revoke_login(request: web.Request) -> web.Response:
    if not await request.app[keys.AUTH].tokens.revoke(request.match_info["id"]):
        raise NotFound("Login not found")
    await _close_sockets(request.app)
    return web.Response(status=204)


async def _close_sockets(app: web.Application) -> None:
    """A signed-out login's open WebSockets end now, not at their next reconnect."""
    closed = await app[keys.HUB].end_signed_out(app[keys.AUTH])
    if closed:
        log.info("closed %d WebSockets of ended logins", closed)


def _new_password(body: dict[str, object]) -> tuple[str, bool]:
    if body.get("generate") is True:
        return generate_password(), True
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise BadRequest("password must be a non-empty string (or generate: true)")
    if len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
        raise BadRequest(f"the password must be at most {MAX_PASSWORD_BYTES} bytes")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        raise BadRequest("the password must not contain control characters")
    return password, False


@routes.post("/api/password")
@requires(Scope.ADMIN)
async def change_password(request: web.Request) -> web.Response:
    """Use a new password at once: every login and share link ends, and connection.json and
    the service's env file get it, so `termbeam list` and a service restart keep working."""
    auth = request.app[keys.AUTH]
    if not auth.enabled:
        raise BadRequest("this server runs without a password (--no-password)")
    password, generated = _new_password(await json_body(request))
    auth.set_password(password)
    ended = await auth.tokens.revoke_all()
    links = auth.share.clear() + await _end_view_links(request.app, auth)
    await _close_sockets(request.app)
    saved = await asyncio.to_thread(_save_password, request.app, password)
    log.warning("password changed: %d logins and %d share links ended", ended, links)
    body: dict[str, object] = {"ok": True, "logins": ended, "links": links, "saved": saved}
    if generated:
        body["password"] = password
    return _signed_out(web.json_response(body))


async def _end_view_links(app: web.Application, auth: Auth) -> int:
    from termbeam_py.view_routes import _end_viewers

    count = 0
    for session in app[keys.SESSIONS].all():
        for link in auth.views.of_session(session.id):
            auth.views.revoke(link.id, session.id)
            await _end_viewers(app, session.id, link.id, "the link was revoked")
            count += 1
    return count


def _save_password(app: web.Application, password: str) -> list[str]:
    """Put the new password where a later command or start looks (in a worker thread):
    connection.json when it is this server's, the service's env file when it holds one."""
    config, auth = app[keys.CONFIG], app[keys.AUTH]
    saved = []
    conn = running.read_connection(config.connection_file)
    if conn is not None and conn["pid"] == os.getpid():
        running.write_connection(config.connection_file, config.host, conn["port"], password,
                                 auth.machine_key)
        saved.append("connection.json")
    env_file: Path = config.config_dir / ENV_FILE_NAME
    try:
        values = envfile.read(env_file)
        if "TERMBEAM_PASSWORD" in values:
            envfile.write_private(env_file, envfile.render({**values,
                                                            "TERMBEAM_PASSWORD": password}))
            saved.append(ENV_FILE_NAME)
    except (envfile.EnvFileError, OSError) as exc:
        log.warning("could not save the new password to %s (%s): a service restart will "
                    "use the old one", env_file, exc)
    return saved


async def _flush(app: web.Application) -> None:
    await app[keys.AUTH].tokens.save()


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    app.on_cleanup.append(_flush)
