"""Serves the built web app: index.html on the page routes, hashed assets, PWA files."""

from __future__ import annotations

import asyncio
import mimetypes
import os
from pathlib import Path

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter

from termbeam_py import keys
from termbeam_py.scopes import Reach, Scope, principal_of, requires

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
#: The build's precompressed siblings (frontend/scripts/compress.mjs), best first.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def static_root() -> Path:
    """The built app's folder. TERMBEAM_STATIC_DIR points a dev server at another Vite build."""
    override = os.environ.get("TERMBEAM_STATIC_DIR")
    return Path(override) if override else STATIC_DIR

routes = web.RouteTableDef()


def accepted_codings(accept_encoding: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (q > 0), lower-cased; `*` stands
    for every coding the header does not name."""
    allowed: set[str] = set()
    refused: set[str] = set()
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        name = name.strip()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0  # a malformed weight accepts nothing
        (allowed if q > 0 else refused).add(name)
    if "*" in allowed:
        allowed |= {coding for coding, _ in PRECOMPRESSED} - refused
    return allowed


class _ChosenFileResponse(web.FileResponse):
    """A FileResponse for exactly the file given. aiohttp's FileResponse would otherwise swap
    in a .br/.gz sibling by a substring test of Accept-Encoding (so `gzip;q=0` would get
    gzip); the request it prepares with asks for the identity coding only."""

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        headers = request.headers.copy()
        headers[hdrs.ACCEPT_ENCODING] = "identity"
        return await super().prepare(request.clone(headers=headers))


def _siblings(path: Path) -> list[tuple[str, Path]]:
    """The precompressed copies of `path` the build made, best first (none in a dev build)."""
    found = [(coding, path.with_name(path.name + ext)) for coding, ext in PRECOMPRESSED]
    return [(coding, file) for coding, file in found if file.is_file()]


async def send_file(
    request: web.Request, path: Path, headers: dict[str, str]
) -> web.StreamResponse:
    """`path`, or its precompressed sibling when the client accepts that coding.

    A Range request always gets the identity file, so its byte offsets mean what the client
    thinks. Every response of a file that has siblings says `Vary: Accept-Encoding`, so a
    cache never hands one client's coding to another.
    """
    siblings = await asyncio.to_thread(_siblings, path)
    if not siblings:
        return web.FileResponse(path, headers=headers)
    headers = {**headers, hdrs.VARY: hdrs.ACCEPT_ENCODING}
    headers.setdefault(hdrs.CONTENT_TYPE, _content_type(path))
    accepted = accepted_codings(request.headers.get(hdrs.ACCEPT_ENCODING, ""))
    if hdrs.RANGE not in request.headers:
        for coding, file in siblings:
            if coding in accepted:
                headers[hdrs.CONTENT_ENCODING] = coding
                return _ChosenFileResponse(file, headers=headers)
    return _ChosenFileResponse(path, headers=headers)


def _content_type(path: Path) -> str:
    """The identity file's type (what FileResponse would guess), also for its siblings."""
    if path.suffix in FONT_TYPES:
        return FONT_TYPES[path.suffix]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


async def _index(request: web.Request, static_dir: Path) -> web.StreamResponse:
    index = static_dir / "index.html"
    if not index.is_file():
        return web.Response(text=NOT_BUILT, content_type="text/html", status=503)
    return await send_file(request, index, {"Cache-Control": "no-cache"})


@routes.get("/")
@routes.get("/terminal")
@routes.get("/code/{id}")
@requires(Scope.VIEW, reach=Reach.ANY)
async def page(request: web.Request) -> web.StreamResponse:
    caller = principal_of(request)
    if caller is not None and caller.link is not None:
        raise web.HTTPFound("/view")  # a view-only link's holder has one page: its session's
    return await serve_index(request)


async def serve_index(request: web.Request) -> web.StreamResponse:
    """The web app's page (it routes on the path itself)."""
    return await _index(request, static_root())


@routes.get("/login")
@requires(Scope.VIEW, reach=Reach.ANY)
async def login_page(request: web.Request) -> web.StreamResponse:
    auth = request.app[keys.AUTH]
    if not auth.enabled or auth.cookie_valid(request):
        raise web.HTTPFound("/")
    return await _index(request, static_root())


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
@requires(Scope.VIEW, reach=Reach.ANY)
async def asset(request: web.Request) -> web.StreamResponse:
    path = _static_file("assets/" + request.match_info["path"])
    headers = {"Cache-Control": IMMUTABLE}
    if path.suffix in FONT_TYPES:
        headers["Content-Type"] = FONT_TYPES[path.suffix]
    return await send_file(request, path, headers)


@routes.get("/icons/{path:[^/]+}")
@requires(Scope.VIEW, reach=Reach.ANY)
async def icon(request: web.Request) -> web.StreamResponse:
    path = _static_file("icons/" + request.match_info["path"])
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@routes.get(r"/{name:(favicon\.ico|favicon\.svg|manifest\.webmanifest|sw\.js|robots\.txt)}")
@requires(Scope.VIEW, reach=Reach.ANY)
async def root_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    return await send_file(request, _static_file(name), headers)


def setup(app: web.Application) -> None:
    """Add the page, asset and root-file routes to `app` (called by create_app)."""
    app.router.add_routes(routes)
