"""Run systemctl, journalctl, launchctl and tail; a missing tool is one clear error."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import click


def require(tool: str, why: str) -> str:
    """The tool's path, else a ClickException naming what is missing."""
    path = shutil.which(tool)
    if path is None:
        raise click.ClickException(f"{tool} not found on PATH: {why}")
    return path


def run(argv: Sequence[str], *, quiet: bool = False) -> int:
    """Run a tool with this terminal's stdin/stdout/stderr (or silenced); its exit status.

    The CLI is synchronous (no event loop), so a blocking wait is fine here.
    """
    out = subprocess.DEVNULL if quiet else None
    try:
        return subprocess.run(list(argv), check=False, stdout=out, stderr=out).returncode
    except OSError as exc:
        raise click.ClickException(f"cannot run {argv[0]}: {exc}") from exc


def run_or_fail(argv: Sequence[str], hint: str = "") -> None:
    status = run(argv)
    if status != 0:
        command = " ".join([Path(argv[0]).name, *argv[1:]])
        raise click.ClickException(f"`{command}` failed (exit {status}){hint}")
