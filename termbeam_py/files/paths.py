"""Query-parameter validation and safe resolution of client-named paths under a session's root.

Every path a client names is resolved against the shell's *live* cwd and then checked three
times: lexically (`..` and absolute paths must stay under the root), with `realpath` on the
whole path (a symlinked file *or parent directory* must not lead outside the real root), and
once more on the file actually opened (`open_inside`): the kernel's own path of the open file
descriptor must lie under the root, so a component swapped for a symlink between the realpath
check and the open cannot lead outside either.
"""

from __future__ import annotations

import fcntl
import os
import stat
import sys
from dataclasses import dataclass

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


def resolve(
    root: str, param: str, escape: str, missing: str = "File not found"
) -> tuple[str, str]:
    """(lexical, real) path of `param` under `root`; 403 if either leaves the root."""
    root = os.path.abspath(root)
    lexical = os.path.normpath(os.path.join(root, param))
    if not _inside(lexical, root):
        raise Forbidden(OUTSIDE)
    # The whole path, not just its last component: a symlinked parent must not escape.
    try:
        real = os.path.realpath(lexical)
    except OSError as exc:  # a link removed while realpath read it: the path is changing
        raise NotFound(missing) from exc
    if not _inside(real, os.path.realpath(root)):
        raise Forbidden(escape)
    return lexical, real


#: Reading never blocks on a FIFO (fstat then refuses it) and never acquires a terminal.
READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def opened_path(fd: int) -> str | None:
    """Where the open file `fd` is now, as the kernel names it; None if the system cannot say.

    Linux: the /proc/self/fd magic link. macOS: fcntl F_GETPATH.
    """
    if sys.platform.startswith("linux"):
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return None
    get_path = getattr(fcntl, "F_GETPATH", None)
    if get_path is None:
        return None
    try:
        raw = fcntl.fcntl(fd, get_path, bytes(PATH_MAX))
    except OSError:
        return None
    return os.fsdecode(raw.split(b"\0", 1)[0])


def reopen_path(fd: int) -> str:
    """A path that opens the very file `fd` has open, whatever happens to its name."""
    return f"/proc/self/fd/{fd}" if sys.platform.startswith("linux") else f"/dev/fd/{fd}"


def open_inside(path: str, real_root: str, escape: str, flags: int = READ_FLAGS) -> tuple[int, str]:
    """Open `path` and prove the file opened lies under `real_root` (a realpath): (fd, its path).

    The proof is taken from the open descriptor, not from the name, so it holds however the
    path's components were swapped since any earlier check. Raises the open's OSError, or
    Forbidden(escape) when the file is outside. Where the system cannot name an open file
    (neither Linux nor macOS) only the caller's realpath check stands.
    """
    fd = os.open(path, flags)
    where = opened_path(fd)
    if where is None:
        return fd, path
    if not _inside(where, real_root):
        os.close(fd)
        raise Forbidden(escape)
    return fd, where


def check_regular(st: os.stat_result, cap: int) -> None:
    """400 unless `st` is a regular file; 413 if it is larger than `cap` bytes."""
    if not stat.S_ISREG(st.st_mode):
        raise BadRequest("Not a regular file")
    if st.st_size > cap:
        raise PayloadTooLarge(f"File too large (max {cap // MiB} MB)")


@dataclass
class OpenFile:
    """A regular file under a session's root, opened and proven inside; the caller closes fd."""

    fd: int
    name: str
    """The base name the client asked for (a symlink's own name, not its target's)."""
    real: str
    """Where the opened file really is."""
    size: int


def regular_file(root: str, param: str, cap: int) -> OpenFile:
    """Open the regular file `param` (at most `cap` bytes) under `root` (blocking)."""
    lexical, real = resolve(root, param, SYMLINK_OUTSIDE)
    try:
        fd, where = open_inside(real, os.path.realpath(root), SYMLINK_OUTSIDE)
    except OSError as exc:
        raise NotFound("File not found") from exc
    try:
        st = os.fstat(fd)
        check_regular(st, cap)
    except BaseException:
        os.close(fd)
        raise
    return OpenFile(fd, os.path.basename(lexical), where, st.st_size)
