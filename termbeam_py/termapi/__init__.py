"""The terminal API for scripts (#17): type, read, run a command, see the screen, search.

Routes under /api/sessions/:id/ — input, output (long poll), run, screen, search; docs/api.md
("Terminal API for scripts") documents them with curl examples.
"""

from __future__ import annotations

from aiohttp import web

from termbeam_py.termapi import output, run, screen, search


def setup(app: web.Application) -> None:
    for module in (output, run, screen, search):
        app.router.add_routes(module.routes)
