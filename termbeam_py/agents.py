"""(stub) agents: to be implemented."""

from __future__ import annotations

from aiohttp import web

from termbeam_py import keys

routes = web.RouteTableDef()


class AgentCatalog:
    """(stub)"""


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.AGENTS] = AgentCatalog()
