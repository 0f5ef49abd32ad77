"""How this copy was installed (pip, pipx, uv or a source checkout) and its upgrade command.

Everything here blocks (metadata reads, PATH lookups): callers run it in a thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from termbeam_py.update.release import PACKAGE


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


def _method(checkout: Path | None, editable: bool | None) -> str:
    forced = os.environ.get("TERMBEAM_INSTALL_METHOD", "")
    if forced in ("pip", "pipx", "uv", "source"):
        return forced
    if checkout is not None or (_editable() if editable is None else editable):
        return "source"
    prefix = Path(sys.prefix).resolve()
    if _is_tool_venv(prefix, "PIPX_HOME", "venvs", ("pipx", ".pipx")):
        return "pipx"
    if _is_tool_venv(prefix, "UV_TOOL_DIR", "tools", ("uv",)):
        return "uv"
    return "pip"


def detect_install(checkout: Path | None, *, editable: bool | None = None) -> Install:
    """The install method and its update command (blocking: run in a thread).

    `checkout` is the source checkout this copy runs from, if any. `editable` says whether
    the installed distribution is an editable one (a source install too); None reads it
    from the distribution's metadata.
    """
    method = _method(checkout, editable)
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
