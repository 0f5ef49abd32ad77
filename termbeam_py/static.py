"""Serves the built web app: index.html on the page routes, hashed assets, PWA files."""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp import web

from termbeam_py import keys

STATIC_DIR = Path(__file__).parent / "static"
NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>TermBeam</title></head>
<body style="font-family:sans-serif;background:#1e1e1e;color:#ddd;padding:2em">
<h1>The web UI is not built</h1>
<p>Run <code>npm --prefix frontend install &amp;&amp; npm --prefix frontend run build</code>
in the termbeam_py checkout (or reinstall without TERMBEAM_SKIP_FRONTEND), then reload.</p>
<p>The REST API and WebSocket work without it.</p></body></html>"""
IMMUTABLE = "public, max-age=31536000, immutable"
# Python's mimetypes only knows web fonts from the OS's mime.types; not every system has one.
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff"}


def static_root() -> Path:
    """The built app's folder. TERMBEAM_STATIC_DIR points a dev server at another Vite build."""
    override = os.environ.get("TERMBEAM_STATIC_DIR")
    return Path(override) if override else STATIC_DIR

routes = web.RouteTableDef()


def _index(static_dir: Path) -> web.StreamResponse:
    index = static_dir / "index.html"
    if not index.is_file():
        return web.Response(text=NOT_BUILT, content_type="text/html", status=503)
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})


@routes.get("/")
@routes.get("/terminal")
@routes.get("/code/{id}")
async def page(request: web.Request) -> web.StreamResponse:
    return _index(static_root())


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    auth = request.app[keys.AUTH]
    if not auth.enabled or auth.cookie_valid(request):
        raise web.HTTPFound("/")
    return _index(static_root())


def _static_file(relative: str) -> Path:
    base = static_root().resolve()
    try:
        path = (base / relative).resolve()
        found = path.is_relative_to(base) and path.is_file()
    except (OSError, ValueError):  # a NUL byte or an over-long name: no such file either
        found = False
    if not found:
        raise web.HTTPNotFound()
    return path


@routes.get("/assets/{path:.+}")
async def asset(request: web.Request) -> web.StreamResponse:
    path = _static_file("assets/" + request.match_info["path"])
    headers = {"Cache-Control": IMMUTABLE}
    if path.suffix in FONT_TYPES:
        headers["Content-Type"] = FONT_TYPES[path.suffix]
    return web.FileResponse(path, headers=headers)


@routes.get("/icons/{path:[^/]+}")
async def icon(request: web.Request) -> web.StreamResponse:
    path = _static_file("icons/" + request.match_info["path"])
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@routes.get(r"/{name:(favicon\.ico|favicon\.svg|manifest\.webmanifest|sw\.js|robots\.txt)}")
async def root_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    return web.FileResponse(_static_file(name), headers=headers)


def setup(app: web.Application) -> None:
    """Add the page, asset and root-file routes to `app` (called by create_app)."""
    app.router.add_routes(routes)
