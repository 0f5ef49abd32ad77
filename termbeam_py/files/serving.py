"""Sending session files to the client (download, file-raw, file-content) and the content-type
policy that keeps a served file from acting as a page, script or style sheet of our origin.

Each file is opened once, proven to lie under the session's root on the open descriptor
(`paths.open_inside`), and served from that descriptor: no later lookup by name can be
redirected by a swapped symlink.

`download` sends every file as `application/octet-stream` with `nosniff` and an attachment
disposition: with its real type a project's `.js` or `.css` could be loaded by a page of our
origin as a script or style sheet, which `script-src 'self'` would allow.

`file-raw` never lets a file act as a page of our origin: only passive media (raster
images, audio, video) keep their own content type; HTML, SVG, XML, scripts and any other
text are sent as `text/plain`, other binary types as `application/octet-stream`; every
answer carries `X-Content-Type-Options: nosniff` and a `Content-Security-Policy` whose
`sandbox` puts the document in an opaque origin with scripts disabled.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import weakref
from mimetypes import guess_type
from typing import TypedDict
from urllib.parse import quote

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web_request import BaseRequest

from termbeam_py.audit import note
from termbeam_py.files.paths import MiB, file_param, regular_file, reopen_path, session_root
from termbeam_py.scopes import Scope, requires

DOWNLOAD_MAX, RAW_MAX, CONTENT_MAX = 100 * MiB, 20 * MiB, 2 * MiB
#: `sandbox` = opaque origin, no scripts; img/media/inline style let the browser's own image
#: and video viewer pages still render when a file-raw URL is opened directly.
RAW_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
_TEXTY = ("application/json", "application/javascript", "application/xml", "application/x-sh")

routes = web.RouteTableDef()


class ExactFileResponse(web.FileResponse):
    """A FileResponse that never swaps in a `.gz`/`.br` sibling of the requested file.

    aiohttp serves `x.gz` for `x` when the client accepts gzip; for user files that would
    deliver a different file's bytes under this name.
    """

    def _get_file_path_stat_encoding(
        self, accept_encoding: str
    ) -> tuple[pathlib.Path | None, os.stat_result, str | None]:
        return super()._get_file_path_stat_encoding("")


class OpenedFileResponse(ExactFileResponse):
    """Serves a file we already opened, through the path that names that open descriptor.

    aiohttp then applies its Range, conditional-request and sendfile handling to exactly the
    file we checked. The descriptor is closed once the response is sent, or when the response
    is dropped unsent.
    """

    def __init__(self, fd: int, headers: dict[str, str]) -> None:
        super().__init__(reopen_path(fd), headers=headers)
        self._close_fd = weakref.finalize(self, os.close, fd)

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        try:
            return await super().prepare(request)
        finally:
            self._close_fd()


def _raw_content_type(path: str) -> str:
    """Passive media keep their type; anything a browser could run becomes inert."""
    guessed, _ = guess_type(path, strict=False)
    if guessed is None:
        return "text/plain; charset=utf-8"
    if guessed.startswith(("audio/", "video/")) or (
        guessed.startswith("image/") and guessed != "image/svg+xml"
    ):
        return guessed
    texty = guessed.startswith("text/") or guessed.endswith(("+xml", "+json"))
    if texty or guessed in _TEXTY:
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def _disposition(kind: str, name: str) -> str:
    return f"{kind}; filename*=UTF-8''{quote(name, safe='', errors='replace')}"


class FileContent(TypedDict):
    """`GET /api/sessions/:id/file-content`."""

    content: str
    name: str
    size: int


def _read_text(root: str, param: str) -> FileContent:
    """The file as (lossily decoded) UTF-8 text, with its name and size (blocking)."""
    opened = regular_file(root, param, CONTENT_MAX)
    with os.fdopen(opened.fd, "rb") as fh:
        data = fh.read(opened.size)
    return {"content": data.decode("utf-8", "replace"), "name": opened.name, "size": opened.size}


@routes.get("/api/sessions/{id}/download")
@requires(Scope.READ)
async def download(request: web.Request) -> web.StreamResponse:
    root = await session_root(request)
    opened = await asyncio.to_thread(regular_file, root, file_param(request), DOWNLOAD_MAX)
    headers = {
        hdrs.CONTENT_TYPE: "application/octet-stream",
        hdrs.CONTENT_DISPOSITION: _disposition("attachment", opened.name),
        "X-Content-Type-Options": "nosniff",
    }
    note(request, "file.downloaded", session=request.match_info["id"], path=opened.real,
         size=opened.size)
    return OpenedFileResponse(opened.fd, headers)


@routes.get("/api/sessions/{id}/file-raw")
@requires(Scope.READ)
async def file_raw(request: web.Request) -> web.StreamResponse:
    root = await session_root(request)
    opened = await asyncio.to_thread(regular_file, root, file_param(request), RAW_MAX)
    headers = {
        hdrs.CONTENT_TYPE: _raw_content_type(opened.real),
        # Ours wins: the app's default security headers are only set if absent.
        "Content-Security-Policy": RAW_CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return OpenedFileResponse(opened.fd, headers)


@routes.get("/api/sessions/{id}/file-content")
@requires(Scope.READ)
async def file_content(request: web.Request) -> web.Response:
    root = await session_root(request)
    return web.json_response(await asyncio.to_thread(_read_text, root, file_param(request)))
