"""(stub) Web Push: VAPID keys, subscriptions, delivery."""

from __future__ import annotations

from aiohttp import web

from termbeam_py import keys

routes = web.RouteTableDef()


class PushService:
    """(stub)"""


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.PUSH] = PushService()
