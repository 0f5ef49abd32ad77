"""Process-table reads: live cwd and the members of a PTY session.

Linux answers from /proc; macOS falls back to `lsof`/`ps`. The functions here block, so
callers run them in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return raw[raw.rfind(")") + 2 :].split()


def session_members(sid: int) -> set[int]:
    """PIDs whose session id is `sid` (the shell's own PID: it is the session leader)."""
    if not PROC.is_dir():
        return _session_members_ps(sid)
    members: set[int] = set()
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        # After the name: state, ppid, pgrp, session (fields 3-6 of stat).
        if fields and len(fields) > 3 and fields[3] == str(sid):
            members.add(int(entry.name))
    return members


def _session_members_ps(sid: int) -> set[int]:
    try:
        out = subprocess.run(
            ["ps", "-A", "-o", "pid=,sess="], capture_output=True, text=True, timeout=3,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    members = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == str(sid):
            members.add(int(parts[0]))
    return members


def signal_all(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def live_cwd(pid: int) -> str | None:
    """The current directory of `pid`, or None if it cannot be read."""
    if PROC.is_dir():
        try:
            return os.readlink(PROC / str(pid) / "cwd")
        except OSError:
            return None
    if sys.platform == "darwin":
        return _live_cwd_lsof(pid)
    return None


def _live_cwd_lsof(pid: int) -> str | None:
    try:
        out = subprocess.run(
            ["lsof", "-a", "-p", str(pid), "-d", "cwd", "-Fn"], capture_output=True, text=True,
            timeout=3, check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        if line.startswith("n"):
            return line[1:]
    return None


def live_cwds(pids: Iterable[int]) -> dict[int, str]:
    """Live cwd for each pid that has one readable."""
    found = {}
    for pid in pids:
        cwd = live_cwd(pid)
        if cwd is not None:
            found[pid] = cwd
    return found
