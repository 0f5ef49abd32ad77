"""Runs the frontend's vitest unit tests as part of the one test command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


@pytest.mark.skipif(
    not (FRONTEND / "node_modules").is_dir() or shutil.which("npm") is None,
    reason="frontend dependencies are not installed (pip install -e . runs npm install)",
)
def test_vitest_suite_passes() -> None:
    result = subprocess.run(
        ["npm", "test", "--silent"], cwd=FRONTEND, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "passed" in result.stdout
