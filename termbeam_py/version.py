"""The running version: the installed package's `__version__`, or for a source checkout what
`git describe` says (with dev and dirty markers), cached for a few seconds per request.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

from termbeam_py import __version__
from termbeam_py.child import run_child
from termbeam_py.gitsafe import BASE_ARGS

PACKAGE_DIR = Path(__file__).resolve().parent
GIT_TIMEOUT, VERSION_TTL = 2.0, 5.0
_DESCRIBE = re.compile(r"v?(\d+\.\d+\.\d+)-(\d+)-g([0-9a-f]+)")


async def run_quiet(argv: list[str], limit: float, cwd: Path | None = None) -> tuple[int, str]:
    """Run a short command; (exit code, stdout). Timeouts and spawn errors give (-1, "")."""
    done = await run_child(
        argv, limit, cwd=cwd,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},  # `git status` must not lock the index
    )
    if done.returncode is None:
        return -1, ""
    return done.returncode, done.output.decode(errors="replace").strip()


def describe_version(describe: str, dirty: bool) -> str | None:
    """`git describe --tags --long` output → `X.Y.Z` or `X.Y.Z-dev.N+gHASH[.dirty]`."""
    match = _DESCRIBE.fullmatch(describe)
    if match is None:
        return None
    base, ahead, sha = match.group(1), int(match.group(2)), match.group(3)
    if ahead == 0 and not dirty:
        return base
    return f"{base}-dev.{ahead}+g{sha}" + (".dirty" if dirty else "")


async def source_version(root: Path) -> str:
    """The version of a source checkout; untracked files count as dirty."""
    # Our own checkout: its config is as trusted as its code, but no hook or fsmonitor is
    # needed to describe it either.
    (code, describe), (status_code, status) = await asyncio.gather(
        run_quiet(["git", *BASE_ARGS, "describe", "--tags", "--long"], GIT_TIMEOUT, root),
        run_quiet(["git", *BASE_ARGS, "status", "--porcelain"], GIT_TIMEOUT, root),
    )
    version = describe_version(describe, status_code == 0 and bool(status)) if code == 0 else None
    return version or __version__


def find_checkout() -> Path | None:
    """The repository root when running from a git checkout (blocking)."""
    root = PACKAGE_DIR.parent
    return root if (root / ".git").exists() else None


class RunningVersion:
    """The version to report; a checkout is re-described at most every `ttl` seconds, so
    /api/version shows new commits and dirty state without a restart yet stays cheap."""

    def __init__(self) -> None:
        self._cached: tuple[float, str] | None = None
        self._lock = asyncio.Lock()

    async def get(self, checkout: Path | None, ttl: float) -> str:
        """The installed version, or `checkout`'s described version if it is not None."""
        if checkout is None:
            return __version__
        async with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] >= ttl:
                self._cached = (time.monotonic(), await source_version(checkout))
            return self._cached[1]
