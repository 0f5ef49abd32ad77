"""(stub) gitrepo: to be implemented."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from termbeam_py import keys

routes = web.RouteTableDef()


class GitBadgeCache:
    """(stub)"""

    def badge(self, cwd: str) -> dict[str, Any] | None:
        return None


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.GIT] = GitBadgeCache()
