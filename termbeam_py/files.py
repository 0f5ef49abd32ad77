"""Session file endpoints (browse, tree, read, download, upload) and pasted-image uploads.

Every path a client names is resolved against the shell's *live* cwd and then checked twice:
lexically (`..` and absolute paths must stay under the root) and with `realpath` on the whole
path (a symlinked file *or parent directory* must not lead outside the real root). Blocking
filesystem work runs in threads; downloads stream through `FileResponse`, uploads stream to
disk in chunks with the size cap enforced as the bytes arrive, and a failed upload leaves no
partial file behind.

`file-raw` never lets a file act as a page of our origin: only passive media (raster
images, audio, video) keep their own content type; HTML, SVG, XML, scripts and any other
text are sent as `text/plain`, other binary types as `application/octet-stream`; every
answer carries `X-Content-Type-Options: nosniff` and a `Content-Security-Policy` whose
`sandbox` puts the document in an opaque origin with scripts disabled.

Pasted images (`POST /api/upload`) live in a private 0700 temp dir owned by `UploadStore`;
only png, jpeg, gif, webp and bmp whose magic bytes match are accepted (no svg: it can carry
script), and the dir is deleted on app cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import pathlib
import re
import shutil
import stat
import tempfile
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from mimetypes import guess_type
from typing import Any, BinaryIO
from urllib.parse import quote

from aiohttp import hdrs, web

from termbeam_py import keys
from termbeam_py.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, TermbeamError

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DOWNLOAD_MAX, RAW_MAX, CONTENT_MAX = 100 * MiB, 20 * MiB, 2 * MiB
UPLOAD_MAX = IMAGE_MAX = 10 * MiB
LIST_MAX, TREE_MAX, TREE_DEPTH_MAX, TREE_DEPTH_DEFAULT = 1000, 5000, 5, 3
MAX_SUFFIX = 99
CHUNK = 64 * 1024
#: Received chunks are written in batches of this size: one thread hop per MiB, not per 64 KiB.
FLUSH_AT = MiB
NAME_MAX, PATH_MAX = 255, 4096

OUTSIDE = "Path is outside session directory"
SYMLINK_OUTSIDE = "Symlink target is outside session directory"
#: `sandbox` = opaque origin, no scripts; img/media/inline style let the browser's own image
#: and video viewer pages still render when a file-raw URL is opened directly.
RAW_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_TEXTY = ("application/json", "application/javascript", "application/xml", "application/x-sh")

routes = web.RouteTableDef()


class Conflict(TermbeamError):
    """409: kept local until another module needs it (then it belongs in errors.py)."""

    status = 409


# -- request parameters -----------------------------------------------------------------------


def _single(request: web.Request, name: str, repeated: str) -> str | None:
    """The query parameter `name`, None when absent; `repeated` is the error for duplicates."""
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise BadRequest(repeated)
    return values[0] if values else None


def _check_path_text(value: str, message: str) -> str:
    """Refuse what no filesystem call can take: NUL, bad encodings, over-long names."""
    try:
        raw = value.encode()
    except UnicodeEncodeError as exc:
        raise BadRequest(message) from exc
    if b"\0" in raw or len(raw) > PATH_MAX or any(len(p) > NAME_MAX for p in raw.split(b"/")):
        raise BadRequest(message)
    return value


def _file_param(request: web.Request) -> str:
    value = _single(request, "file", "Missing file parameter")
    if not value:
        raise BadRequest("Missing file parameter")
    return _check_path_text(value, "Invalid file parameter")


async def _session_root(request: web.Request) -> str:
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"], "Session not found")
    return await manager.live_cwd(session)


# -- path resolution (blocking: run in threads) -----------------------------------------------


def _inside(path: str, root: str) -> bool:
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path == root or path.startswith(prefix)


def _resolve(root: str, param: str, escape: str) -> tuple[str, str]:
    """(lexical, real) path of `param` under `root`; 403 if either leaves the root."""
    root = os.path.abspath(root)
    lexical = os.path.normpath(os.path.join(root, param))
    if not _inside(lexical, root):
        raise Forbidden(OUTSIDE)
    # The whole path, not just its last component: a symlinked parent must not escape.
    real = os.path.realpath(lexical)
    if not _inside(real, os.path.realpath(root)):
        raise Forbidden(escape)
    return lexical, real


def _check_regular(st: os.stat_result, cap: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise BadRequest("Not a regular file")
    if st.st_size > cap:
        raise PayloadTooLarge(f"File too large (max {cap // MiB} MB)")


def _regular_file(root: str, param: str, cap: int) -> tuple[str, str]:
    """(lexical, real) path of a regular file of at most `cap` bytes under `root`."""
    lexical, real = _resolve(root, param, SYMLINK_OUTSIDE)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise NotFound("File not found") from exc
    _check_regular(st, cap)
    return lexical, real


def _read_text(root: str, param: str) -> dict[str, Any]:
    lexical, real = _resolve(root, param, SYMLINK_OUTSIDE)
    try:
        # O_NONBLOCK: opening a FIFO must not hang the thread; fstat then refuses it.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotFound("File not found") from exc
    try:
        st = os.fstat(fd)
        _check_regular(st, CONTENT_MAX)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(st.st_size)
    name = os.path.basename(lexical)
    return {"content": data.decode("utf-8", "replace"), "name": name, "size": st.st_size}


# -- listing and tree (blocking) --------------------------------------------------------------


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _order(entry: os.DirEntry[str]) -> tuple[bool, str, str]:
    """Directories first, then case-insensitive by name (close to JS localeCompare)."""
    return (not _is_dir(entry), entry.name.casefold(), entry.name)


def _scan(path: str, missing: str, failed: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return sorted(it, key=_order)
    except FileNotFoundError as exc:
        raise NotFound(missing) from exc
    except NotADirectoryError as exc:
        raise BadRequest("Not a directory") from exc
    except OSError as exc:
        raise TermbeamError(failed) from exc


def _iso(mtime: float) -> str | None:
    try:
        when = datetime.fromtimestamp(mtime, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _list_entry(entry: os.DirEntry[str]) -> dict[str, Any]:
    is_dir = _is_dir(entry)
    kind = "directory" if is_dir else "file"
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return {"name": entry.name, "type": kind, "size": 0, "modified": None}
    size = 0 if is_dir else st.st_size
    return {"name": entry.name, "type": kind, "size": size, "modified": _iso(st.st_mtime)}


def _listing(root: str, param: str) -> dict[str, Any]:
    base, real = _resolve(root, param, OUTSIDE)
    entries = _scan(real, "Directory not found", "Failed to read directory")
    shown = [e for e in entries if not e.name.startswith(".") and not e.is_symlink()]
    return {
        "base": base,
        "rootDir": os.path.abspath(root),
        "entries": [_list_entry(e) for e in shown[:LIST_MAX]],
        "truncated": len(shown) > LIST_MAX,
    }


def _tree_node(entry: os.DirEntry[str], rel: str) -> dict[str, Any]:
    # Symlinks are leaves, never followed: a link to an ancestor would loop forever.
    if _is_dir(entry):
        return {"name": entry.name, "type": "directory", "path": rel, "children": []}
    try:
        size = entry.stat(follow_symlinks=False).st_size
    except OSError:
        size = 0
    return {"name": entry.name, "type": "file", "path": rel, "size": size}


def _tree(root: str, param: str, depth: int) -> dict[str, Any]:
    """Breadth-first, so one huge directory cannot starve its siblings of the budget."""
    lexical, real = _resolve(root, param, OUTSIDE)
    start_rel = os.path.relpath(lexical, os.path.abspath(root))
    tree: list[dict[str, Any]] = []
    queue = deque([(real, "" if start_rel == "." else start_rel, tree, 1)])
    budget = TREE_MAX
    while queue and budget > 0:
        path, rel, children, level = queue.popleft()
        if children is tree:  # the requested directory: its errors are the answer
            entries = _scan(path, "Directory not found", "Failed to build file tree")
        else:
            entries = _scan_quietly(path)
        for entry in entries[:budget]:
            node = _tree_node(entry, f"{rel}/{entry.name}" if rel else entry.name)
            children.append(node)
            if "children" in node and level < depth:
                queue.append((entry.path, node["path"], node["children"], level + 1))
        budget -= min(len(entries), budget)
    return {"root": os.path.abspath(root), "tree": tree}


def _scan_quietly(path: str) -> list[os.DirEntry[str]]:
    """A subdirectory's sorted entries; an unreadable one just stays empty."""
    try:
        return _scan(path, "", "")
    except TermbeamError:
        return []


def _depth(request: web.Request) -> int:
    raw = _single(request, "depth", "Invalid depth")
    if raw is None:
        return TREE_DEPTH_DEFAULT
    if not re.fullmatch(r"\s*[+-]?\d{1,6}\s*", raw):
        raise BadRequest("Invalid depth")
    return min(max(int(raw), 1), TREE_DEPTH_MAX)


# -- serving files ----------------------------------------------------------------------------


class _ExactFileResponse(web.FileResponse):
    """A FileResponse that never swaps in a `.gz`/`.br` sibling of the requested file.

    aiohttp serves `x.gz` for `x` when the client accepts gzip; for user files that would
    deliver a different file's bytes under this name.
    """

    def _get_file_path_stat_encoding(
        self, accept_encoding: str
    ) -> tuple[pathlib.Path | None, os.stat_result, str | None]:
        return super()._get_file_path_stat_encoding("")


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


# -- receiving files --------------------------------------------------------------------------


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
            raise TermbeamError("Failed to write file") from exc
        return path, os.fdopen(fd, "wb")
    raise Conflict("Too many filename collisions")


def _write_chunks(fh: BinaryIO, chunks: list[bytes]) -> None:
    fh.write(b"".join(chunks))


def _finish(fh: BinaryIO, chunks: list[bytes]) -> None:
    with fh:
        _write_chunks(fh, chunks)


def _discard(fh: BinaryIO, path: str) -> None:
    with contextlib.suppress(OSError):
        fh.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _refuse_declared(request: web.Request, cap: int, message: str) -> None:
    """A Content-Length over the cap is refused before anything touches the disk."""
    if request.content_length is not None and request.content_length > cap:
        raise PayloadTooLarge(message)


async def _read_head(request: web.Request, size: int) -> bytes:
    """The body's first `size` bytes (fewer if it is shorter; b"" if empty)."""
    try:
        return await request.content.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        return exc.partial
    except ConnectionError as exc:
        raise _interrupted(request) from exc


def _interrupted(request: web.Request) -> BadRequest:
    # The client hung up mid-body: nobody is left to read an answer, so no traceback either.
    log.info("upload to %s interrupted by the client", request.path)
    return BadRequest("Upload interrupted")


async def _write_body(
    request: web.Request, fh: BinaryIO, path: str, head: bytes, cap: int, too_large: str
) -> int:
    """Stream the rest of the body after `head` into `fh`; on any failure delete `path`."""
    size, pending, buffered = len(head), [head], len(head)
    try:
        async for chunk in request.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > cap:
                raise PayloadTooLarge(too_large)
            pending.append(chunk)
            buffered += len(chunk)
            if buffered >= FLUSH_AT:
                await asyncio.to_thread(_write_chunks, fh, pending)
                pending, buffered = [], 0
        await asyncio.to_thread(_finish, fh, pending)
    except BaseException as exc:
        # Shielded: a cancelled handler (client gone) must still remove the partial file.
        await asyncio.shield(asyncio.to_thread(_discard, fh, path))
        if isinstance(exc, ConnectionError):
            raise _interrupted(request) from exc
        raise
    return size


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
        path = os.path.join(await self._directory(), f"termbeam-{upload_id}{ext}")
        return upload_id, path, await asyncio.to_thread(_open_private, path)

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


@routes.get("/api/sessions/{id}/files")
async def list_files(request: web.Request) -> web.Response:
    root = await _session_root(request)
    param = _single(request, "dir", "Invalid dir parameter") or "."
    _check_path_text(param, "Invalid dir parameter")
    return web.json_response(await asyncio.to_thread(_listing, root, param))


@routes.get("/api/sessions/{id}/file-tree")
async def file_tree(request: web.Request) -> web.Response:
    root = await _session_root(request)
    depth = _depth(request)
    param = _single(request, "path", "Invalid path parameter") or "."
    _check_path_text(param, "Invalid path parameter")
    return web.json_response(await asyncio.to_thread(_tree, root, param, depth))


@routes.get("/api/sessions/{id}/download")
async def download(request: web.Request) -> web.StreamResponse:
    root = await _session_root(request)
    lexical, real = await asyncio.to_thread(_regular_file, root, _file_param(request), DOWNLOAD_MAX)
    disposition = _disposition("attachment", os.path.basename(lexical))
    return _ExactFileResponse(real, headers={hdrs.CONTENT_DISPOSITION: disposition})


@routes.get("/api/sessions/{id}/file-raw")
async def file_raw(request: web.Request) -> web.StreamResponse:
    root = await _session_root(request)
    _, real = await asyncio.to_thread(_regular_file, root, _file_param(request), RAW_MAX)
    headers = {
        hdrs.CONTENT_TYPE: _raw_content_type(real),
        # Ours wins: the app's default security headers are only set if absent.
        "Content-Security-Policy": RAW_CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return _ExactFileResponse(real, headers=headers)


@routes.get("/api/sessions/{id}/file-content")
async def file_content(request: web.Request) -> web.Response:
    root = await _session_root(request)
    return web.json_response(await asyncio.to_thread(_read_text, root, _file_param(request)))


@routes.post("/api/sessions/{id}/upload")
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
    _refuse_declared(request, UPLOAD_MAX, too_large)
    head = await _read_head(request, 1)
    if not head:
        raise BadRequest("Empty file")
    path, fh = await asyncio.to_thread(_create_unique, target, name)
    size = await _write_body(request, fh, path, head, UPLOAD_MAX, too_large)
    return web.json_response(
        {"name": os.path.basename(path), "path": path, "size": size}, status=201
    )


@routes.post("/api/upload")
async def upload_image(request: web.Request) -> web.Response:
    mime = _image_type(request)
    _refuse_declared(request, IMAGE_MAX, "File too large")
    head = await _read_head(request, IMAGE_HEAD)
    if not head:
        raise BadRequest("No image data")
    ext, matches = IMAGE_TYPES[mime]
    if not matches(head):
        raise BadRequest("File content does not match declared image type")
    store = request.app[keys.UPLOADS]
    upload_id, path, fh = await store.create(ext)
    await _write_body(request, fh, path, head, IMAGE_MAX, "File too large")
    store.add(upload_id, path, mime)
    body = {"id": upload_id, "url": f"/uploads/{upload_id}", "path": path}
    return web.json_response(body, status=201)


@routes.get("/uploads/{id}")
async def serve_upload(request: web.Request) -> web.StreamResponse:
    store, upload_id = request.app[keys.UPLOADS], request.match_info["id"]
    found = store.get(upload_id)
    if found is None or not await asyncio.to_thread(os.path.isfile, found[0]):
        store.forget(upload_id)
        raise NotFound()
    path, content_type = found
    return _ExactFileResponse(path, headers={hdrs.CONTENT_TYPE: content_type})


async def _remove_uploads(app: web.Application) -> None:
    await app[keys.UPLOADS].close()


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.UPLOADS] = UploadStore()
    app.on_cleanup.append(_remove_uploads)
