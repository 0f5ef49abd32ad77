"""The second factor's API (#17): its state, setup, confirmation and removal (admin only);
the code step of a password login lives in totp.py.

`termbeam totp` speaks these routes through the running server, which is the only writer of
totp.json, so an enable or disable holds from the very next login.
"""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from termbeam_py import keys
from termbeam_py.auth import Auth, client_key
from termbeam_py.errors import BadRequest, Conflict, TooManyRequests
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires
from termbeam_py.totp import WRONG_CODE

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


def _code(body: dict[str, object]) -> str:
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        raise BadRequest("code is required")
    return code


@routes.get("/api/totp")
@requires(Scope.ADMIN)
async def status(request: web.Request) -> web.Response:
    totp = request.app[keys.AUTH].totp
    return web.json_response({"enabled": totp.enabled, "recoveryLeft": totp.recovery_left})


@routes.post("/api/totp/setup")
@requires(Scope.ADMIN)
async def setup_secret(request: web.Request) -> web.Response:
    """A new secret and recovery codes, on hold until `/api/totp/enable` gets a code."""
    auth = request.app[keys.AUTH]
    if not auth.enabled:
        raise Conflict("a one-time code needs a password: this server has none")
    if auth.totp.enabled:
        raise Conflict("a one-time code is already on: turn it off first")
    secret, uri, codes = auth.totp.begin(f"termbeam@{socket.gethostname()}")
    return web.json_response({"secret": secret, "uri": uri, "recoveryCodes": codes})


@routes.post("/api/totp/enable")
@requires(Scope.ADMIN)
async def enable(request: web.Request) -> web.Response:
    auth = request.app[keys.AUTH]
    code = _code(await json_body(request))
    _limited(request, auth)
    done = await auth.totp.confirm(code)
    if done is None:
        raise Conflict("no setup in progress: run the setup again")
    if not done:
        raise _wrong(request, auth)
    log.warning("the one-time code (TOTP) is now on for password logins")
    return web.json_response({"enabled": True})


@routes.post("/api/totp/disable")
@requires(Scope.ADMIN)
async def disable(request: web.Request) -> web.Response:
    """Turn it off; the caller shows a current code or a recovery code (a stolen admin token
    or login alone cannot take the second factor away)."""
    auth = request.app[keys.AUTH]
    code = _code(await json_body(request))
    _limited(request, auth)
    if not auth.totp.enabled:
        return web.json_response({"enabled": False})
    if not await auth.totp.check(code):
        raise _wrong(request, auth)
    await auth.totp.disable()
    log.warning("the one-time code (TOTP) is now off")
    return web.json_response({"enabled": False})


def _limited(request: web.Request, auth: Auth) -> None:
    """429 once this client has used its login attempts of the minute."""
    if not auth.login_limiter.allowed(client_key(request)):
        raise TooManyRequests()


def _wrong(request: web.Request, auth: Auth) -> BadRequest:
    """A wrong code here counts toward the login limit, like a wrong code at the login."""
    auth.login_limiter.hit(client_key(request))
    return BadRequest(WRONG_CODE)


async def _load(app: web.Application) -> None:
    await app[keys.AUTH].totp.load()


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    app.on_startup.append(_load)
