"""In-app updates: the install method, the latest release on the package index, the update
state machine with its `update-progress` broadcasts, and /api/update-check, /api/update,
/api/update/status and /api/changelog. The running version itself lives in `version.py`.

Environment (read per request, so tests and packagers can steer it):

* `TERMBEAM_INDEX_URL` — package index base URL (default `https://pypi.org`); the latest
  version is `info.version` of `<index>/pypi/termbeam-py/json`.
* `TERMBEAM_INSTALL_METHOD` — force the detected method: `pip`, `pipx`, `uv` or `source`.
* `TERMBEAM_UPDATE_COMMAND` — the install command run by POST /api/update instead of the
  method's own (split like a shell would, run without a shell); tests use a harmless one.

After a verified update the server stops with `restart_requested` set; `server.py` is then
expected to re-exec `python -m termbeam_py` with the same arguments.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import os
import re
import shlex
import shutil
import sys
import sysconfig
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, web

from termbeam_py import keys, state
from termbeam_py.errors import NotFound, TermbeamError, TooManyRequests
from termbeam_py.ratelimit import SlidingWindow
from termbeam_py.sessions.manager import SECRET_ENV
from termbeam_py.version import (
    PACKAGE_DIR,
    VERSION_TTL,
    RunningVersion,
    find_checkout,
    run_quiet,
)

# Re-exported: it was public here before version.py existed.
from termbeam_py.version import describe_version as describe_version

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

PACKAGE = "termbeam-py"
DEFAULT_INDEX = "https://pypi.org"
CHECK_FILE, RESULT_FILE = "update-check.json", "update-result.json"
CHECK_TTL = 24 * 3600.0
FETCH_TIMEOUT, FETCH_LIMIT = 5.0, 100 * 1024
INSTALL_TIMEOUT, VERIFY_TIMEOUT = 120.0, 5.0
OUTPUT_TAIL = 500
UPDATE_WINDOW = 300.0
TOO_SOON = "Update already attempted recently. Try again in a few minutes."
_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.]+)?(\+[0-9A-Za-z.]+)?")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f]")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- comparing releases ---------------------------------------------------------------------

def parse_semver(text: str) -> tuple[tuple[int, int, int], bool] | None:
    """(X, Y, Z) and whether this is a pre-release of X.Y.Z (dev builds come after it)."""
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    pre = match.group(4)
    numbers = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return numbers, bool(pre) and not pre.startswith("-dev")


def is_newer(latest: str, current: str) -> bool:
    new, cur = parse_semver(latest), parse_semver(current)
    if new is None or cur is None:
        return False
    # A dev build of X.Y.Z is past X.Y.Z; a pre-release of X.Y.Z is before it.
    return new[0] > cur[0] or (new[0] == cur[0] and cur[1])


def clean_release(value: Any) -> str | None:
    """A strict `X.Y.Z` from untrusted index data, else None."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub("", value).strip().removeprefix("v")
    return text if re.fullmatch(r"\d+\.\d+\.\d+", text) else None


# -- how this copy was installed ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Install:
    method: str
    command: str
    argv: tuple[str, ...]
    overridden: bool = False

    @property
    def can_auto_update(self) -> bool:
        return self.method != "source"

    @property
    def restart_strategy(self) -> str:
        # "exec": the server stops and re-executes itself with the same command line.
        return "exec" if self.can_auto_update else "none"


def _editable() -> bool:
    # Imported here: importlib.metadata pulls in email, zipfile and csv (~1 MB of RSS) that an
    # idle server does not need.
    import importlib.metadata

    with contextlib.suppress(importlib.metadata.PackageNotFoundError, ValueError, TypeError):
        text = importlib.metadata.distribution(PACKAGE).read_text("direct_url.json")
        return bool(text and json.loads(text).get("dir_info", {}).get("editable"))
    return False


def _is_tool_venv(prefix: Path, env_dir: str, parent: str, grandparents: tuple[str, ...]) -> bool:
    configured = os.environ.get(env_dir)
    if configured:
        return prefix.parent == Path(configured).expanduser().resolve()
    return prefix.parent.name == parent and prefix.parent.parent.name in grandparents


def _method(checkout: Path | None) -> str:
    forced = os.environ.get("TERMBEAM_INSTALL_METHOD", "")
    if forced in ("pip", "pipx", "uv", "source"):
        return forced
    if checkout is not None or _editable():
        return "source"
    prefix = Path(sys.prefix).resolve()
    if _is_tool_venv(prefix, "PIPX_HOME", "venvs", ("pipx", ".pipx")):
        return "pipx"
    if _is_tool_venv(prefix, "UV_TOOL_DIR", "tools", ("uv",)):
        return "uv"
    return "pip"


def detect_install(checkout: Path | None) -> Install:
    """The install method and its update command (blocking: run in a thread)."""
    method = _method(checkout)
    argv = {
        "pipx": ("pipx", "upgrade", PACKAGE),
        "uv": ("uv", "tool", "upgrade", PACKAGE),
        "source": (),
        "pip": (sys.executable, "-m", "pip", "install", "-U", PACKAGE),
    }[method]
    command = "git pull && pip install -e ." if method == "source" else shlex.join(argv)
    override = os.environ.get("TERMBEAM_UPDATE_COMMAND", "").strip()
    if override and method != "source":
        return Install(method, override, tuple(shlex.split(override)), overridden=True)
    return Install(method, command, argv)


def permission_problem(install: Install) -> str | None:
    """Why `install` cannot run here, or None (blocking: run in a thread)."""
    if not install.argv or shutil.which(install.argv[0]) is None:
        return f"{install.argv[0] if install.argv else 'installer'} not found on PATH"
    if install.overridden:
        return None
    target = sysconfig.get_paths()["purelib"] if install.method == "pip" else sys.prefix
    return None if os.access(target, os.W_OK) else f"No write permission to {target}"


# -- the latest release ---------------------------------------------------------------------

async def fetch_latest(index: str) -> str | None:
    """`info.version` from the index's JSON API; None when offline or malformed."""
    url = f"{index.rstrip('/')}/pypi/{PACKAGE}/json"
    body = bytearray()
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
            if resp.status != 200:
                return None
            async for chunk in resp.content.iter_chunked(16384):
                body += chunk
                if len(body) > FETCH_LIMIT:
                    return None  # never buffer an unbounded answer
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("update check against %s failed: %s", index, exc)
        return None
    try:
        info = json.loads(body).get("info")
    except (ValueError, AttributeError):
        return None
    return clean_release(info.get("version")) if isinstance(info, dict) else None


def _fresh(cached: Any) -> bool:
    """A cache record younger than 24 h (a clock jump backwards makes it stale)."""
    checked = cached.get("checkedAt") if isinstance(cached, dict) else None
    if isinstance(checked, bool) or not isinstance(checked, int | float):
        return False
    return 0 <= time.time() * 1000 - checked < CHECK_TTL * 1000


class UpdateFailed(Exception):
    """An update step failed; the message is shown to the user."""


def idle_state() -> dict[str, Any]:
    return {
        "status": "idle", "phase": None, "progress": None, "error": None,
        "fromVersion": None, "toVersion": None, "startedAt": None, "restartStrategy": None,
    }


class Updater:
    """Version cache, update-check cache and the one in-app update of this server."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
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
            cached = await asyncio.to_thread(state.read_json, path, None)
            if not force and _fresh(cached):
                return clean_release(cached.get("latest"))
            latest = await fetch_latest(os.environ.get("TERMBEAM_INDEX_URL") or DEFAULT_INDEX)
            if latest is not None:  # a failed check is retried next time, not cached
                record = {"latest": latest, "checkedAt": int(time.time() * 1000)}
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(state.write_json, path, record)
            return latest

    async def check(self, force: bool) -> dict[str, Any]:
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

    def start(self, app: web.Application, install: Install, current: str) -> None:
        """Begin an update in the background (the caller checked `busy` and the limits)."""
        self.state = {
            **idle_state(), "status": "checking-permissions", "phase": "Checking permissions...",
            "fromVersion": current, "startedAt": _now_iso(),
            "restartStrategy": install.restart_strategy,
        }
        self._task = asyncio.create_task(self._run(app, install))

    async def _set(self, app: web.Application, **changes: Any) -> None:
        self.state.update(changes)
        await app[keys.HUB].broadcast({"type": "update-progress", **self.state})

    async def _run(self, app: web.Application, install: Install) -> None:
        try:
            await self._set(app)
            problem = await asyncio.to_thread(permission_problem, install)
            if problem:
                raise UpdateFailed(problem)
            await self._set(app, status="installing", phase="Installing update...")
            await self._install(app, install.argv)
            await self._set(app, status="verifying", phase="Verifying installation...")
            new_version = await self._verify()
            await self._set(app, status="restarting", phase="Restarting server...",
                            toVersion=new_version)
            await self._restart(app)
        except UpdateFailed as exc:
            log.warning("update failed: %s", exc)
            await self._set(app, status="failed", phase="Update failed", error=str(exc))
        except Exception:
            log.exception("update crashed")
            await self._set(app, status="failed", phase="Update failed", error="internal error")

    async def _install(self, app: web.Application, argv: tuple[str, ...]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, env=env,
            )
        except OSError as exc:
            raise UpdateFailed(f"Could not start {argv[0]}: {exc.strerror or exc}") from exc
        if proc.stdout is None:  # cannot happen with stdout=PIPE; keeps the types honest
            raise UpdateFailed("no installer output")
        decoder, tail, sent = codecs.getincrementaldecoder("utf-8")("replace"), "", 0.0
        try:
            async with asyncio.timeout(self.install_timeout):
                while chunk := await proc.stdout.read(4096):
                    tail = (tail + decoder.decode(chunk))[-OUTPUT_TAIL:]
                    self.state["progress"] = tail
                    if time.monotonic() - sent >= 0.5:  # throttle: pip can print a lot
                        sent = time.monotonic()
                        await self._set(app)
                code = await proc.wait()
        except TimeoutError:
            raise UpdateFailed(f"Install timed out after {self.install_timeout:g} s") from None
        finally:
            if proc.returncode is None:  # timed out or cancelled at shutdown: no orphan
                proc.kill()
                await proc.wait()
        if code != 0:
            raise UpdateFailed(f"Install command failed with exit code {code}")

    @staticmethod
    async def _verify() -> str:
        """Import the freshly installed package in a new interpreter, as the re-exec will."""
        code, out = await run_quiet(
            [sys.executable, "-c", "import termbeam_py; print(termbeam_py.__version__)"],
            VERIFY_TIMEOUT,
        )
        version = out.splitlines()[-1].strip() if out else ""
        if code != 0 or not version or len(version) > 64:
            raise UpdateFailed("The updated package could not be imported")
        return version

    async def _restart(self, app: web.Application) -> None:
        result = {"fromVersion": self.state["fromVersion"], "toVersion": self.state["toVersion"],
                  "updatedAt": int(time.time() * 1000)}
        try:
            await asyncio.to_thread(state.write_json, self.config_dir / RESULT_FILE, result)
        except OSError as exc:  # only the next banner misses it: not worth failing over
            log.warning("could not record the update result: %s", exc)
        await self._set(app, status="complete", phase="Update complete. Restarting...")
        self.restart_requested = True
        await app[keys.HUB].close_all(WSCloseCode.SERVICE_RESTART, b"Server updated")
        app[keys.RUNTIME].stop.set()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def take_update_result(config_dir: Path) -> dict[str, Any] | None:
    """The last in-app update's result, removed once read (blocking; for the banner)."""
    path = config_dir / RESULT_FILE
    result = state.read_json(path, None)
    with contextlib.suppress(OSError):
        path.unlink()
    return result if isinstance(result, dict) else None


@routes.get("/api/update-check")
async def update_check(request: web.Request) -> web.Response:
    force = request.query.get("force", "").lower() in ("1", "true", "yes")
    return web.json_response(await request.app[keys.UPDATER].check(force))


@routes.post("/api/update")
async def trigger_update(request: web.Request) -> web.Response:
    updater = request.app[keys.UPDATER]
    install, current = await updater.install(), await updater.version()
    # From here on nothing awaits, so two requests cannot both start an update.
    if updater.busy:
        return web.json_response(
            {"error": "Update already in progress", "state": updater.state}, status=409
        )
    if not install.can_auto_update:
        return web.json_response({
            "error": "Auto-update not available for this installation method",
            "method": install.method, "command": install.command, "canAutoUpdate": False,
        }, status=400)
    if not updater.limiter.allowed("update"):
        raise TooManyRequests(TOO_SOON, retry_after=updater.limiter.reset_in("update"))
    updater.limiter.hit("update")
    updater.start(request.app, install, current)
    return web.json_response({"status": "updating", "method": install.method})


@routes.get("/api/update/status")
async def update_status(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.UPDATER].state)


def _read_changelog(paths: list[Path]) -> str:
    for path in paths:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("could not read %s: %s", path, exc)
            raise TermbeamError("Failed to read changelog") from exc
    raise NotFound("Changelog not available")


@routes.get("/api/changelog")
async def changelog(request: web.Request) -> web.Response:
    updater = request.app[keys.UPDATER]
    await updater.find_checkout()
    text = await asyncio.to_thread(_read_changelog, list(updater.changelog_paths))
    return web.Response(text=text, content_type="text/markdown", charset="utf-8")


async def _close(app: web.Application) -> None:
    await app[keys.UPDATER].close()


def setup(app: web.Application) -> None:
    """Register this module's services on `app` (called by create_app)."""
    app[keys.UPDATER] = Updater(app[keys.CONFIG].config_dir)
    app.on_cleanup.append(_close)
