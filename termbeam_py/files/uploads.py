"""Receiving files: uploads into a session's directory, pasted images held by `UploadStore`,
and `/uploads/:id`, which serves those images back.

A session upload never overwrites: a taken name becomes `stem (1).ext` … `stem (99).ext`.
Pasted images (`POST /api/upload`) live in a private 0700 temp dir owned by `UploadStore`;
only png, jpeg, gif, webp and bmp whose magic bytes match are accepted (no svg: it can carry
script), and the dir is deleted on app cleanup.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable
from typing import BinaryIO

from aiohttp import hdrs, web

from termbeam_py import keys
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest, Conflict, NotFound, TermbeamError, write_failed
from termbeam_py.files.paths import NAME_MAX, MiB
from termbeam_py.files.receive import read_head, refuse_declared, write_body
from termbeam_py.files.serving import ExactFileResponse
from termbeam_py.scopes import Scope, requires

UPLOAD_MAX = IMAGE_MAX = 10 * MiB
MAX_SUFFIX = 99
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")

routes = web.RouteTableDef()


# -- session uploads (blocking helpers) -------------------------------------------------------


def _sanitize_filename(raw: str | None) -> str:
    """Basename only, control characters stripped, whitespace collapsed."""
    if not raw:
        raise BadRequest("Missing X-Filename header")
    name = " ".join(_CONTROL.sub("", raw.rstrip("/").rsplit("/", 1)[-1]).split())
    if name in ("", ".", "..") or len(name.encode()) > NAME_MAX:
        raise BadRequest("Invalid filename")
    return name


def _check_target_dir(raw: str) -> str:
    path = os.path.normpath(raw)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        raise BadRequest("Target directory does not exist") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise BadRequest("Target directory is not a directory")
    return path


def _create_unique(directory: str, name: str) -> tuple[str, BinaryIO]:
    """Create `name`, else `stem (1).ext` … `stem (99).ext`; never overwrite, never follow."""
    stem, ext = os.path.splitext(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for n in range(MAX_SUFFIX + 1):
        path = os.path.join(directory, name if n == 0 else f"{stem} ({n}){ext}")
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise BadRequest("Invalid filename") from exc
            raise write_failed(exc, "Failed to write file") from exc
        return path, os.fdopen(fd, "wb")
    raise Conflict("Too many filename collisions")


# -- pasted images ----------------------------------------------------------------------------


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


#: Accepted image types: file extension and magic-byte check. No svg: it can carry script.
IMAGE_TYPES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "image/png": (".png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": (".jpg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "image/gif": (".gif", lambda h: h.startswith(b"GIF8")),
    "image/webp": (".webp", _webp),
    "image/bmp": (".bmp", lambda h: h.startswith(b"BM")),
}
IMAGE_HEAD = 12


def _open_private(path: str) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    return os.fdopen(fd, "wb")


class UploadStore:
    """Pasted images by opaque id, in a private temp dir that is removed on cleanup."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._closed = False
        self._lock = asyncio.Lock()
        self._files: dict[str, tuple[str, str]] = {}
        """id -> (path, content type)"""

    async def _directory(self) -> str:
        async with self._lock:  # two first uploads at once must not make two dirs
            if self._closed:
                raise TermbeamError("Server is shutting down")
            if self._dir is None:
                self._dir = await asyncio.to_thread(tempfile.mkdtemp, prefix="termbeam-uploads-")
            return self._dir

    async def create(self, ext: str) -> tuple[str, str, BinaryIO]:
        """A new (id, path, open file) for an image with extension `ext`."""
        upload_id = str(uuid.uuid4())
        try:
            path = os.path.join(await self._directory(), f"termbeam-{upload_id}{ext}")
            return upload_id, path, await asyncio.to_thread(_open_private, path)
        except OSError as exc:  # no room for the dir or the file (inodes, quota)
            raise write_failed(exc, "Failed to write file") from exc

    def add(self, upload_id: str, path: str, content_type: str) -> None:
        self._files[upload_id] = (path, content_type)

    def get(self, upload_id: str) -> tuple[str, str] | None:
        return self._files.get(upload_id)

    def forget(self, upload_id: str) -> None:
        self._files.pop(upload_id, None)

    async def close(self) -> None:
        """Delete every uploaded image (and the private dir)."""
        async with self._lock:
            self._closed = True
            directory, self._dir = self._dir, None
            self._files.clear()
        if directory is not None:
            await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)


def _image_type(request: web.Request) -> str:
    declared = request.headers.get(hdrs.CONTENT_TYPE, "")
    mime = request.content_type.lower()
    if not declared.lower().startswith("image/") or mime not in IMAGE_TYPES:
        raise BadRequest("Invalid content type")
    return mime


# -- routes -----------------------------------------------------------------------------------


@routes.post("/api/sessions/{id}/upload")
@requires(Scope.WRITE)
async def upload_file(request: web.Request) -> web.Response:
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"], "Session not found")
    name = _sanitize_filename(request.headers.get("X-Filename"))
    target = request.headers.get("X-Target-Dir", "")
    if not target:
        target = await manager.live_cwd(session)
    elif not os.path.isabs(target):
        raise BadRequest("Target directory must be an absolute path")
    else:
        target = await asyncio.to_thread(_check_target_dir, target)
    too_large = "File too large (max 10 MB)"
    refuse_declared(request, UPLOAD_MAX, too_large)
    head = await read_head(request, 1)
    if not head:
        raise BadRequest("Empty file")
    path, fh = await asyncio.to_thread(_create_unique, target, name)
    size = await write_body(request, fh, path, head, UPLOAD_MAX, too_large)
    note(request, "file.uploaded", session=session.id, path=path, size=size)
    return web.json_response(
        {"name": os.path.basename(path), "path": path, "size": size}, status=201
    )


@routes.post("/api/upload")
@requires(Scope.WRITE)
async def upload_image(request: web.Request) -> web.Response:
    mime = _image_type(request)
    refuse_declared(request, IMAGE_MAX, "File too large")
    head = await read_head(request, IMAGE_HEAD)
    if not head:
        raise BadRequest("No image data")
    ext, matches = IMAGE_TYPES[mime]
    if not matches(head):
        raise BadRequest("File content does not match declared image type")
    store = request.app[keys.UPLOADS]
    upload_id, path, fh = await store.create(ext)
    size = await write_body(request, fh, path, head, IMAGE_MAX, "File too large")
    store.add(upload_id, path, mime)
    note(request, "file.uploaded", path=path, size=size, image=True)
    body = {"id": upload_id, "url": f"/uploads/{upload_id}", "path": path}
    return web.json_response(body, status=201)


@routes.get("/uploads/{id}")
@requires(Scope.READ)
async def serve_upload(request: web.Request) -> web.StreamResponse:
    store, upload_id = request.app[keys.UPLOADS], request.match_info["id"]
    found = store.get(upload_id)
    if found is None or not await asyncio.to_thread(os.path.isfile, found[0]):
        store.forget(upload_id)
        raise NotFound()
    path, content_type = found
    return ExactFileResponse(path, headers={hdrs.CONTENT_TYPE: content_type})


async def _remove_uploads(app: web.Application) -> None:
    await app[keys.UPLOADS].close()


def setup(app: web.Application) -> None:
    """Register the upload store on `app` and delete its images on cleanup."""
    app[keys.UPLOADS] = UploadStore()
    app.on_cleanup.append(_remove_uploads)
