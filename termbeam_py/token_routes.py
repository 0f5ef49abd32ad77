"""The scoped-token API (#17): GET/POST /api/tokens and DELETE /api/tokens/{name}, admin only.

The store itself lives on `Auth` (apitokens.py), since the auth middleware checks tokens; this
module serves it and keeps its `lastUsed` times flushed while the server runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from termbeam_py import keys
from termbeam_py.apitokens import check_name, check_scope, parse_duration
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest, NotFound
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions import SessionManager

routes = web.RouteTableDef()


def _bound_session(manager: SessionManager, value: object) -> str | None:
    """The id a new token is bound to, from a session id or a unique session name."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise BadRequest("session must be a session id or name")
    if manager.find(value) is not None:
        return value
    named = [s.id for s in manager.all() if s.name == value]
    if len(named) > 1:
        raise BadRequest(f"Several sessions are named '{value}': use the session id")
    if not named:
        raise NotFound("Session not found")
    return named[0]


@routes.get("/api/tokens")
@requires(Scope.ADMIN)
async def list_tokens(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.AUTH].api_tokens.list())


@routes.post("/api/tokens")
@requires(Scope.ADMIN)
async def create_token(request: web.Request) -> web.Response:
    body = await json_body(request)
    name, scope = check_name(body.get("name")), check_scope(body.get("scope"))
    session = _bound_session(request.app[keys.SESSIONS], body.get("session"))
    expires = body.get("expiresIn")
    expires_in = None if expires is None else parse_duration(expires)
    secret, info = await request.app[keys.AUTH].api_tokens.create(name, scope, session,
                                                                  expires_in)
    note(request, "token.created", token=name, scope=scope.label, session=session,
         expires=info["expires"])
    return web.json_response({"token": secret, **info}, status=201)


@routes.delete("/api/tokens/{name}")
@requires(Scope.ADMIN)
async def revoke_token(request: web.Request) -> web.Response:
    await request.app[keys.AUTH].api_tokens.revoke(request.match_info["name"])
    note(request, "token.revoked", token=request.match_info["name"])
    return web.Response(status=204)


async def _tokens_ctx(app: web.Application) -> AsyncIterator[None]:
    store = app[keys.AUTH].api_tokens
    await store.load()
    flusher = asyncio.create_task(store.run_flusher())
    yield
    flusher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flusher
    await store.flush()


def setup(app: web.Application) -> None:
    """Add the token routes to `app` and load the store before the first request."""
    app.cleanup_ctx.append(_tokens_ctx)
    app.router.add_routes(routes)
