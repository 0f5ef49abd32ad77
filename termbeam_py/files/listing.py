"""Directory listing (`/files`) and the breadth-first file tree (`/file-tree`) of a session.

Hidden entries and symlinks are left out of listings; in the tree symlinks are leaves, never
followed. Both are capped (`LIST_MAX`, `TREE_MAX`, `TREE_DEPTH_MAX`) and scanned in threads.
Every directory is read through a descriptor proven to lie under the root (`open_inside`), so
a directory swapped for a symlink after it was checked or listed is never read.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import deque
from typing import Literal, TypedDict

from aiohttp import web

from termbeam_py.errors import BadRequest, NotFound, TermbeamError
from termbeam_py.files.paths import (
    OUTSIDE,
    READ_FLAGS,
    check_path_text,
    open_inside,
    resolve,
    session_root,
    single,
)
from termbeam_py.scopes import Scope, requires
from termbeam_py.timefmt import epoch_iso_ms

LIST_MAX, TREE_MAX, TREE_DEPTH_MAX, TREE_DEPTH_DEFAULT = 1000, 5000, 5, 3

routes = web.RouteTableDef()


class ListEntry(TypedDict):
    name: str
    type: Literal["directory", "file"]
    size: int
    modified: str | None
    """null when the entry vanished or cannot be stat'ed."""


class Listing(TypedDict):
    """`GET /api/sessions/:id/files`."""

    base: str
    rootDir: str
    entries: list[ListEntry]
    truncated: bool


class FileNode(TypedDict):
    name: str
    type: Literal["file"]
    path: str
    size: int


class DirNode(TypedDict):
    name: str
    type: Literal["directory"]
    path: str
    children: list[TreeNode]


TreeNode = FileNode | DirNode


class Tree(TypedDict):
    """`GET /api/sessions/:id/file-tree`."""

    root: str
    tree: list[TreeNode]


# -- scanning (blocking) ----------------------------------------------------------------------


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _lstat(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _order(entry: os.DirEntry[str]) -> tuple[bool, str, str]:
    """Directories first, then case-insensitive by name (close to JS localeCompare)."""
    return (not _is_dir(entry), entry.name.casefold(), entry.name)


DIR_FLAGS = READ_FLAGS | os.O_DIRECTORY
#: Below the requested directory the tree never follows a symlink, even one swapped in late.
SUBDIR_FLAGS = DIR_FLAGS | os.O_NOFOLLOW

Scan = tuple[str, list[os.DirEntry[str]]]


def _scan(path: str, real_root: str, missing: str, failed: str, flags: int = DIR_FLAGS) -> Scan:
    """(where the directory really is, its sorted entries); read from a proven descriptor.

    Entries from a descriptor scan carry bare names (callers join them to the returned path)
    and can only stat while it is open, so each one's lstat is taken and cached here.
    """
    try:
        fd, where = open_inside(path, real_root, OUTSIDE, flags)
    except FileNotFoundError as exc:
        raise NotFound(missing) from exc
    except NotADirectoryError as exc:
        raise BadRequest("Not a directory") from exc
    except OSError as exc:
        raise TermbeamError(failed) from exc
    try:
        with os.scandir(fd) as it:
            entries = list(it)
            for entry in entries:
                _lstat(entry)
            return where, sorted(entries, key=_order)
    except OSError as exc:
        raise TermbeamError(failed) from exc
    finally:
        os.close(fd)


def _scan_quietly(path: str, real_root: str) -> Scan:
    """A subdirectory's sorted entries; an unreadable (or swapped) one just stays empty."""
    try:
        return _scan(path, real_root, "", "", SUBDIR_FLAGS)
    except TermbeamError:
        return path, []


# -- listing ----------------------------------------------------------------------------------


def _list_entry(entry: os.DirEntry[str]) -> ListEntry:
    is_dir = _is_dir(entry)
    kind: Literal["directory", "file"] = "directory" if is_dir else "file"
    st = _lstat(entry)
    if st is None:
        return {"name": entry.name, "type": kind, "size": 0, "modified": None}
    size = 0 if is_dir else st.st_size
    modified = epoch_iso_ms(st.st_mtime)
    return {"name": entry.name, "type": kind, "size": size, "modified": modified}


def _listing(root: str, param: str) -> Listing:
    base, real = resolve(root, param, OUTSIDE, "Directory not found")
    _, entries = _scan(
        real, os.path.realpath(root), "Directory not found", "Failed to read directory"
    )
    shown = [e for e in entries if not e.name.startswith(".") and not e.is_symlink()]
    return {
        "base": base,
        "rootDir": os.path.abspath(root),
        "entries": [_list_entry(e) for e in shown[:LIST_MAX]],
        "truncated": len(shown) > LIST_MAX,
    }


# -- tree -------------------------------------------------------------------------------------


def _tree_node(entry: os.DirEntry[str], rel: str) -> TreeNode:
    # Symlinks are leaves, never followed: a link to an ancestor would loop forever.
    if _is_dir(entry):
        return {"name": entry.name, "type": "directory", "path": rel, "children": []}
    st = _lstat(entry)
    return {"name": entry.name, "type": "file", "path": rel, "size": st.st_size if st else 0}


def _tree(root: str, param: str, depth: int) -> Tree:
    """Breadth-first, so one huge directory cannot starve its siblings of the budget."""
    lexical, real = resolve(root, param, OUTSIDE, "Directory not found")
    real_root = os.path.realpath(root)
    start_rel = os.path.relpath(lexical, os.path.abspath(root))
    tree: list[TreeNode] = []
    queue = deque([(real, "" if start_rel == "." else start_rel, tree, 1)])
    budget = TREE_MAX
    while queue and budget > 0:
        path, rel, children, level = queue.popleft()
        if children is tree:  # the requested directory: its errors are the answer
            path, entries = _scan(
                path, real_root, "Directory not found", "Failed to build file tree"
            )
        else:
            path, entries = _scan_quietly(path, real_root)
        for entry in entries[:budget]:
            node = _tree_node(entry, f"{rel}/{entry.name}" if rel else entry.name)
            children.append(node)
            if node["type"] == "directory" and level < depth:
                queue.append((os.path.join(path, entry.name), node["path"], node["children"],
                              level + 1))
        budget -= min(len(entries), budget)
    return {"root": os.path.abspath(root), "tree": tree}


def _depth(request: web.Request) -> int:
    raw = single(request, "depth", "Invalid depth")
    if raw is None:
        return TREE_DEPTH_DEFAULT
    if not re.fullmatch(r"\s*[+-]?\d{1,6}\s*", raw):
        raise BadRequest("Invalid depth")
    return min(max(int(raw), 1), TREE_DEPTH_MAX)


# -- routes -----------------------------------------------------------------------------------


@routes.get("/api/sessions/{id}/files")
@requires(Scope.READ)
async def list_files(request: web.Request) -> web.Response:
    root = await session_root(request)
    param = single(request, "dir", "Invalid dir parameter") or "."
    check_path_text(param, "Invalid dir parameter")
    return web.json_response(await asyncio.to_thread(_listing, root, param))


@routes.get("/api/sessions/{id}/file-tree")
@requires(Scope.READ)
async def file_tree(request: web.Request) -> web.Response:
    root = await session_root(request)
    depth = _depth(request)
    param = single(request, "path", "Invalid path parameter") or "."
    check_path_text(param, "Invalid path parameter")
    return web.json_response(await asyncio.to_thread(_tree, root, param, depth))
