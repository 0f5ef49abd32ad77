"""The lines a measured run ends with: the total, its floor and target, and the modules with
the least of their lines covered.

pytest-cov prints the whole table (sorted by cover, lowest first); this names the few
modules to work on next in one place, under the table, where a CI log is read."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

#: The written target (docs/development.md); the floor is fail_under in pyproject.toml.
TARGET_PERCENT = 90
#: Modules this small swing from 0 to 100 % with one test: they are left out of the list.
MIN_STATEMENTS = 20
LISTED = 8


def least_covered(files: dict[str, Any], count: int = LISTED) -> list[tuple[str, float, int]]:
    """(path, percent, missing lines) of the `count` least-covered modules, lowest first."""
    rows = [(path, float(info["summary"]["percent_covered"]),
             int(info["summary"]["missing_lines"]))
            for path, info in files.items()
            if info["summary"]["num_statements"] >= MIN_STATEMENTS]
    rows.sort(key=lambda row: (row[1], -row[2]))
    return rows[:count]


def summary_lines(report: dict[str, Any], floor: float) -> list[str]:
    total = float(report["totals"]["percent_covered"])
    lines = [f"coverage {total:.1f} % of lines (floor {floor:g} %, target {TARGET_PERCENT} %); "
             "least covered:"]
    lines += [f"  {percent:5.1f} %  {missing:4d} lines missing  {path}"
              for path, percent, missing in least_covered(report["files"])]
    return lines


def json_report(cov: Any) -> dict[str, Any]:
    """coverage's own JSON report of the combined data, read back."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "coverage.json"
        cov.json_report(outfile=str(out))
        data: dict[str, Any] = json.loads(out.read_text())
    return data
