"""The git badge of each session in `GET /api/sessions`: branch, repository, provider and
status counts per cwd, cached and refreshed in the background so a listing never waits for
git (each query runs in a worker thread, as gitrepo.py runs every git)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.gitparse import BadgeStatus, parse_remote
from termbeam_py.gitrepo import GitFailed, open_repo, read_status, run_git, toplevel

if TYPE_CHECKING:
    from git import Repo

log = logging.getLogger(__name__)


def read_origin(repo: Repo) -> str | None:
    try:
        return run_git(repo, "remote", "get-url", "origin").output.strip() or None
    except GitFailed:
        return None


class GitBadge(TypedDict):
    """`git` of a session in `GET /api/sessions` (null outside a repository)."""

    branch: str
    repoName: str | None
    provider: str | None
    status: BadgeStatus


def read_badge(cwd: str) -> GitBadge | None:
    """The session badge for `cwd`: branch, repo name, provider and status counts."""
    repo = open_repo(cwd)
    if repo is None:
        return None
    with repo:
        report = read_status(repo)
        origin = read_origin(repo)
        repo_name: str | None
        provider: str | None
        if origin is None:
            repo_name, provider = os.path.basename(toplevel(repo)), None
        else:
            repo_name, provider = parse_remote(origin)
    return {
        "branch": report.branch,
        "repoName": repo_name,
        "provider": provider,
        "status": report.badge_status(),
    }


@dataclass
class _Entry:
    value: GitBadge | None
    expires: float


class GitBadgeCache:
    """Badges per cwd, served stale and refreshed in the background: listing never waits."""

    def __init__(
        self, *, ttl: float = 5.0, max_entries: int = 256, concurrency: int = 4
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._limit = asyncio.Semaphore(concurrency)
        self._closed = False

    def badge(self, cwd: str) -> GitBadge | None:
        """Cached badge (None until the first refresh lands); schedules a refresh if stale."""
        entry = self._entries.get(cwd)
        if entry is None or entry.expires <= time.monotonic():
            self._schedule(cwd)
        if entry is None:
            return None
        self._entries.move_to_end(cwd)
        return entry.value

    def __contains__(self, cwd: object) -> bool:
        """Whether a badge (or a known "no repository") is cached for `cwd`, fresh or stale."""
        return cwd in self._entries

    def __len__(self) -> int:
        """How many cwds are cached (at most `max_entries`)."""
        return len(self._entries)

    @property
    def in_flight(self) -> frozenset[str]:
        """The cwds whose refresh is running or queued (at most one refresh per cwd)."""
        return frozenset(self._tasks)

    async def settle(self) -> None:
        """Wait for the refreshes in flight to land (a failed one keeps the stale badge)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _schedule(self, cwd: str) -> None:
        if self._closed or cwd in self._tasks:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server loop: nothing can refresh
            return
        task = loop.create_task(self._refresh(cwd), name=f"git-badge:{cwd}")
        self._tasks[cwd] = task  # the loop keeps only a weak reference to tasks
        task.add_done_callback(lambda done: self._forget(cwd, done))

    def _forget(self, cwd: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(cwd) is task:
            del self._tasks[cwd]

    async def _refresh(self, cwd: str) -> None:
        async with self._limit:
            try:
                value = await asyncio.to_thread(read_badge, cwd)
            except GitFailed as exc:
                log.debug("git badge for %s failed: %s", cwd, exc)
                self._keep_stale(cwd)
                return
            except Exception:  # a background task: log it here or nobody will
                log.warning("git badge for %s failed", cwd, exc_info=True)
                self._keep_stale(cwd)
                return
        self._store(cwd, value, self.ttl)

    def _keep_stale(self, cwd: str) -> None:
        # Keep what we had, and back off: a repo whose status times out must not have git
        # running for it around the clock.
        old = self._entries.get(cwd)
        self._store(cwd, old.value if old else None, self.ttl * 6)

    def _store(self, cwd: str, value: GitBadge | None, ttl: float) -> None:
        self._entries[cwd] = _Entry(value, time.monotonic() + ttl)
        self._entries.move_to_end(cwd)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        """Cancel refreshes in flight (their git processes end at the timeout at worst)."""
        self._closed = True
        for task in list(self._tasks.values()):
            task.cancel()
        await self.settle()


async def _close(app: web.Application) -> None:
    await app[keys.GIT].close()


def setup(app: web.Application) -> None:
    """Put the badge cache on `app` (called by create_app)."""
    app[keys.GIT] = GitBadgeCache()
    app.on_cleanup.append(_close)
