"""Runs the frontend's vitest unit tests as part of the one test command.

Without npm or `frontend/node_modules` (a Python-only install with TERMBEAM_SKIP_FRONTEND=1)
the test skips on a developer's machine, and fails in CI (`CI` set, as .ci/run and hosted
runners do): there a missing toolchain is a broken build, not a reason to skip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.helpers import unavailable

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


def _missing() -> str | None:
    if shutil.which("npm") is None:
        return "npm is not on PATH"
    if not (FRONTEND / "node_modules").is_dir():
        return "frontend/node_modules is missing (pip install -e . runs npm install)"
    return None


def test_vitest_suite_passes() -> None:
    if (missing := _missing()) is not None:
        unavailable(f"vitest cannot run: {missing}")
    result = subprocess.run(
        ["npm", "test", "--silent"], cwd=FRONTEND, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "passed" in result.stdout
