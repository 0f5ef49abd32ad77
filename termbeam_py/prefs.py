"""(stub) prefs: to be implemented."""

from __future__ import annotations

from aiohttp import web

from termbeam_py import keys

routes = web.RouteTableDef()


class PrefsStore:
    """(stub)"""


async def start_sessions(app: web.Application) -> list[str]:
    """Spawn the start-up sessions (workspace autoboot); their ids."""
    config = app[keys.CONFIG]
    session = app[keys.SESSIONS].create(name=config.cwd.name or "home")
    return [session.id]


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.PREFS] = PrefsStore()
