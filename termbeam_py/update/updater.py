"""The `Updater` service: version and update-check caches, and the one in-app update of this
server as a state machine whose every step is broadcast as `update-progress`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

from termbeam_py import state
from termbeam_py.ratelimit import SlidingWindow
from termbeam_py.timefmt import now_iso_ms
from termbeam_py.update.method import Install, detect_install, permission_problem
from termbeam_py.update.release import DEFAULT_INDEX, clean_release, fetch_latest, is_newer
from termbeam_py.update.runner import UpdateFailed, run_installer, verify_import
from termbeam_py.version import PACKAGE_DIR, VERSION_TTL, RunningVersion, find_checkout

log = logging.getLogger(__name__)

CHECK_FILE, RESULT_FILE = "update-check.json", "update-result.json"
CHECK_TTL = 24 * 3600.0
INSTALL_TIMEOUT = 120.0
PROGRESS_INTERVAL = 0.5
UPDATE_WINDOW = 300.0


UpdateStatus = Literal[
    "idle", "checking-permissions", "installing", "verifying", "restarting", "complete", "failed"
]


class UpdateState(TypedDict):
    """`GET /api/update/status`: the update running or last run (null: not reached yet)."""

    status: UpdateStatus
    phase: str | None
    progress: str | None
    """The installer's last output line."""
    error: str | None
    fromVersion: str | None
    toVersion: str | None
    startedAt: str | None
    restartStrategy: str | None


class UpdateProgressMsg(UpdateState):
    """The `update-progress` broadcast: the state after each step, `type` first."""

    type: Literal["update-progress"]


class UpdateCheck(TypedDict):
    """`GET /api/update-check`."""

    current: str
    latest: str | None
    updateAvailable: bool
    method: str
    command: str
    canAutoUpdate: bool
    restartStrategy: str


class CheckRecord(TypedDict):
    """`update-check.json`: the latest release seen and when (epoch ms)."""

    latest: str | None
    checkedAt: float


class UpdateResult(TypedDict):
    """`update-result.json`: the last in-app update, for the next start's banner."""

    fromVersion: str | None
    toVersion: str | None
    updatedAt: float
    """Epoch ms."""


def _check_shape(data: object) -> CheckRecord:
    data = state.obj(data)
    return {"latest": state.optional(data, "latest", str),
            "checkedAt": state.field(data, "checkedAt", float)}


def _result_shape(data: object) -> UpdateResult:
    data = state.obj(data)
    return {"fromVersion": state.optional(data, "fromVersion", str),
            "toVersion": state.optional(data, "toVersion", str),
            "updatedAt": state.field(data, "updatedAt", float)}


def _fresh(cached: CheckRecord) -> bool:
    """A cache record younger than 24 h (a clock jump backwards makes it stale)."""
    return 0 <= time.time() * 1000 - cached["checkedAt"] < CHECK_TTL * 1000


def idle_state() -> UpdateState:
    return {
        "status": "idle", "phase": None, "progress": None, "error": None,
        "fromVersion": None, "toVersion": None, "startedAt": None, "restartStrategy": None,
    }


@dataclass(frozen=True, slots=True)
class ServerHooks:
    """What an update needs of the running server, and nothing more."""

    broadcast: Callable[[UpdateProgressMsg], Awaitable[None]]
    """Send a message to every client that may read the update's state (`update-progress`,
    `Hub.broadcast`)."""
    close_sockets: Callable[[], Awaitable[None]]
    """Close every client socket, saying the server restarts (1012)."""
    stop: Callable[[], None]
    """Ask the server to stop; server.py then re-executes the new version."""


class Updater:
    """Version cache, update-check cache and the one in-app update of this server."""

    def __init__(self, config_dir: Path, server: ServerHooks) -> None:
        self.config_dir = config_dir
        self.server = server
        self.version_ttl = VERSION_TTL
        self.install_timeout = INSTALL_TIMEOUT
        self.changelog_paths = [PACKAGE_DIR / "CHANGELOG.md"]
        self.state = idle_state()
        self.restart_requested = False
        """Set once a verified update stopped the server: server.py should re-exec."""
        self.limiter = SlidingWindow(1, UPDATE_WINDOW)
        self.checkout: Path | None = None
        self._checkout_known = False
        self._running = RunningVersion()
        self._check_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def set_checkout(self, root: Path | None) -> None:
        self.checkout, self._checkout_known = root, True

    async def find_checkout(self) -> Path | None:
        if not self._checkout_known:
            self.set_checkout(await asyncio.to_thread(find_checkout))
            if self.checkout is not None:
                # A checkout ships its changelog at the repository root.
                self.changelog_paths.append(self.checkout / "CHANGELOG.md")
        return self.checkout

    async def version(self) -> str:
        """The running version; a checkout is re-described at most every `version_ttl` s."""
        return await self._running.get(await self.find_checkout(), self.version_ttl)

    async def install(self) -> Install:
        return await asyncio.to_thread(detect_install, await self.find_checkout())

    async def latest(self, force: bool) -> str | None:
        """The newest release, from the 24 h cache unless `force` or stale."""
        path = self.config_dir / CHECK_FILE
        async with self._check_lock:
            cached = await asyncio.to_thread(state.read_json, path, _check_shape)
            if not force and cached is not None and _fresh(cached):
                return clean_release(cached["latest"])
            latest = await fetch_latest(os.environ.get("TERMBEAM_INDEX_URL") or DEFAULT_INDEX)
            if latest is not None:  # a failed check is retried next time, not cached
                record: CheckRecord = {"latest": latest, "checkedAt": int(time.time() * 1000)}
                try:
                    await asyncio.to_thread(state.write_json, path, record)
                except OSError as exc:  # checked again next time: not worth failing over
                    log.warning("could not cache the update check in %s: %s", path, exc)
            return latest

    async def check(self, force: bool) -> UpdateCheck:
        install, current = await self.install(), await self.version()
        latest = await self.latest(force)
        return {
            "current": current, "latest": latest,
            "updateAvailable": latest is not None and is_newer(latest, current),
            "method": install.method, "command": install.command,
            "canAutoUpdate": install.can_auto_update, "restartStrategy": install.restart_strategy,
        }

    @property
    def busy(self) -> bool:
        return self.state["status"] not in ("idle", "failed")

    def start(self, install: Install, current: str) -> None:
        """Begin an update in the background (the caller checked `busy` and the limits)."""
        self.state = {
            **idle_state(), "status": "checking-permissions", "phase": "Checking permissions...",
            "fromVersion": current, "startedAt": now_iso_ms(),
            "restartStrategy": install.restart_strategy,
        }
        self._task = asyncio.create_task(self._run(install))

    async def _broadcast(self) -> None:
        await self.server.broadcast({"type": "update-progress", **self.state})

    async def _step(self, status: UpdateStatus, phase: str) -> None:
        self.state["status"], self.state["phase"] = status, phase
        await self._broadcast()

    async def _fail(self, error: str) -> None:
        self.state["error"] = error
        await self._step("failed", "Update failed")

    async def _run(self, install: Install) -> None:
        try:
            await self._broadcast()
            problem = await asyncio.to_thread(permission_problem, install)
            if problem:
                raise UpdateFailed(problem)
            await self._step("installing", "Installing update...")
            await self._install(install.argv)
            await self._step("verifying", "Verifying installation...")
            self.state["toVersion"] = await verify_import()
            await self._step("restarting", "Restarting server...")
            await self._restart()
        except UpdateFailed as exc:
            log.warning("update failed: %s", exc)
            await self._fail(str(exc))
        except Exception:
            log.exception("update crashed")
            await self._fail("internal error")

    async def _install(self, argv: tuple[str, ...]) -> None:
        sent = 0.0

        async def progress(tail: str) -> None:
            nonlocal sent
            self.state["progress"] = tail
            if time.monotonic() - sent >= PROGRESS_INTERVAL:  # throttle: pip can print a lot
                sent = time.monotonic()
                await self._broadcast()

        await run_installer(argv, self.install_timeout, progress)

    async def _restart(self) -> None:
        result: UpdateResult = {
            "fromVersion": self.state["fromVersion"], "toVersion": self.state["toVersion"],
            "updatedAt": int(time.time() * 1000),
        }
        try:
            await asyncio.to_thread(state.write_json, self.config_dir / RESULT_FILE, result)
        except OSError as exc:  # only the next banner misses it: not worth failing over
            log.warning("could not record the update result: %s", exc)
        await self._step("complete", "Update complete. Restarting...")
        self.restart_requested = True
        await self.server.close_sockets()
        self.server.stop()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def take_update_result(config_dir: Path) -> UpdateResult | None:
    """The last in-app update's result, removed once read (blocking; for the banner)."""
    path = config_dir / RESULT_FILE
    result = state.read_json(path, _result_shape)  # a bad file is moved aside
    with contextlib.suppress(OSError):
        path.unlink()
    return result
