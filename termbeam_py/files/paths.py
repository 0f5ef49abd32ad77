"""Query-parameter validation and safe resolution of client-named paths under a session's root.

Every path a client names is resolved against the shell's *live* cwd and then checked twice:
lexically (`..` and absolute paths must stay under the root) and with `realpath` on the whole
path (a symlinked file *or parent directory* must not lead outside the real root).
"""

from __future__ import annotations

import os
import stat

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge

MiB = 1024 * 1024
NAME_MAX, PATH_MAX = 255, 4096

OUTSIDE = "Path is outside session directory"
SYMLINK_OUTSIDE = "Symlink target is outside session directory"


# -- request parameters -----------------------------------------------------------------------


def single(request: web.Request, name: str, repeated: str) -> str | None:
    """The query parameter `name`, None when absent; `repeated` is the error for duplicates."""
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise BadRequest(repeated)
    return values[0] if values else None


def check_path_text(value: str, message: str) -> str:
    """Refuse what no filesystem call can take: NUL, bad encodings, over-long names."""
    try:
        raw = value.encode()
    except UnicodeEncodeError as exc:
        raise BadRequest(message) from exc
    if b"\0" in raw or len(raw) > PATH_MAX or any(len(p) > NAME_MAX for p in raw.split(b"/")):
        raise BadRequest(message)
    return value


def file_param(request: web.Request) -> str:
    """The required, single `file` query parameter."""
    value = single(request, "file", "Missing file parameter")
    if not value:
        raise BadRequest("Missing file parameter")
    return check_path_text(value, "Invalid file parameter")


async def session_root(request: web.Request) -> str:
    """The live cwd of the session named in the URL (404 if there is no such session)."""
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"], "Session not found")
    return await manager.live_cwd(session)


# -- path resolution (blocking: run in threads) -----------------------------------------------


def _inside(path: str, root: str) -> bool:
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path == root or path.startswith(prefix)


def resolve(root: str, param: str, escape: str) -> tuple[str, str]:
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


def check_regular(st: os.stat_result, cap: int) -> None:
    """400 unless `st` is a regular file; 413 if it is larger than `cap` bytes."""
    if not stat.S_ISREG(st.st_mode):
        raise BadRequest("Not a regular file")
    if st.st_size > cap:
        raise PayloadTooLarge(f"File too large (max {cap // MiB} MB)")


def regular_file(root: str, param: str, cap: int) -> tuple[str, str]:
    """(lexical, real) path of a regular file of at most `cap` bytes under `root`."""
    lexical, real = resolve(root, param, SYMLINK_OUTSIDE)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise NotFound("File not found") from exc
    check_regular(st, cap)
    return lexical, real
