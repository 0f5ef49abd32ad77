"""Hatch build hook: builds `frontend/` with npm into `termbeam_py/static/`.

Rules: `TERMBEAM_SKIP_FRONTEND=1` skips with a warning; building from an sdist (no
`frontend/package.json`) needs the prebuilt output and never calls npm; output newer than
every source file (and already precompressed: `npm run build` runs
frontend/scripts/compress.mjs, which writes the .br/.gz siblings the server sends) is reused.
`npm install` is used instead of `npm ci` because optional
per-platform packages missing from the registry make `npm ci` refuse the lockfile here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE_NAMES = ("src", "public", "scripts", "index.html", "package.json", "package-lock.json",
                "vite.config.ts", "tsconfig.json")


def _newest_source(frontend: Path) -> float:
    newest = 0.0
    for name in SOURCE_NAMES:
        path = frontend / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
    return newest


def _precompressed(static: Path) -> bool:
    """Whether the build's scripts have their brotli siblings (an older or a bare `vite build`
    leaves none, and the wheel would then send every script uncompressed)."""
    # compress.mjs skips files under 1 KiB; every script this big gains from brotli.
    big = [script for script in static.glob("assets/*.js") if script.stat().st_size >= 4096]
    return all(script.with_name(script.name + ".br").is_file() for script in big)


class FrontendBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        frontend = root / "frontend"
        index = root / "termbeam_py" / "static" / "index.html"
        if os.environ.get("TERMBEAM_SKIP_FRONTEND") == "1":
            self.app.display_warning("TERMBEAM_SKIP_FRONTEND=1: the web UI is not built")
            return
        if not (frontend / "package.json").is_file():
            if not index.is_file():
                raise RuntimeError("no frontend sources and no prebuilt termbeam_py/static")
            return
        fresh = index.is_file() and index.stat().st_mtime >= _newest_source(frontend)
        if fresh and _precompressed(index.parent):
            self.app.display_info("frontend is up to date")
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "npm not found: install Node.js 20+ to build the web UI, "
                "or set TERMBEAM_SKIP_FRONTEND=1 to skip it"
            )
        self.app.display_info("building the frontend with npm")
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=frontend, check=True)
        subprocess.run([npm, "run", "build"], cwd=frontend, check=True)
        if not index.is_file():
            raise RuntimeError("the frontend build did not produce termbeam_py/static/index.html")
        if not _precompressed(index.parent):
            raise RuntimeError("the frontend build did not precompress termbeam_py/static")
