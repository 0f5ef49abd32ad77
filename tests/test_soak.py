"""The soak (benchmarks/soak.py) in CI: a real `termbeam` process under 50 sessions x 5
viewers with floods, resizes, reconnects, stalls and session churn must lose, reorder or
garble no byte, keep RSS and descriptors flat and leave no process behind.

TERMBEAM_SOAK_SECONDS sets the length of the load (default 30: the suite's 15-minute budget;
the 10-minute figures are in benchmarks/README.md) for longer local runs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOAK = ROOT / "benchmarks" / "soak.py"
SECONDS = float(os.environ.get("TERMBEAM_SOAK_SECONDS", "30"))
#: Setting up 50 sessions, two measurements and the teardown take well under a minute here.
TIMEOUT = SECONDS + 400

pytestmark = [pytest.mark.slow, pytest.mark.timeout(TIMEOUT)]


def _soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return _soak_module()


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One soak run, shared by the tests below."""
    out = tmp_path_factory.mktemp("soak") / "soak.json"
    # Its own process: this test's loop runs in asyncio debug mode (PYTHONASYNCIODEBUG),
    # which would slow the 250 sockets of the harness and, inherited, the server.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    proc = subprocess.Popen(
        [sys.executable, str(SOAK), "--duration", str(SECONDS), "--seed", "13",
         "--out", str(out)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env, cwd=ROOT,
    )
    try:
        _, err = proc.communicate(timeout=TIMEOUT - 60)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the soak stops its server on SIGTERM, then exits
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert out.exists(), err.decode(errors="replace")[-4000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _report(summary: dict[str, Any]) -> str:
    brief = {k: v for k, v in summary.items() if k not in ("measures", "samples", "rss_mb")}
    brief["rss_mb"] = {k: v for k, v in summary["rss_mb"].items() if k != "trace"}
    return json.dumps({"summary": brief, "samples": summary["samples"][:10]}, indent=1)


def test_soak_loses_nothing_and_leaves_nothing_behind(
    soak: ModuleType, summary: dict[str, Any]
) -> None:
    assert summary["bytes_checked"] > 0
    assert summary["viewers"] == 250
    assert soak.failures(summary, rss=False) == [], _report(summary)


def test_soak_rss_stays_flat_after_warm_up(soak: ModuleType, summary: dict[str, Any]) -> None:
    assert soak.rss_failures(summary) == [], _report(summary)
