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


def _ps_pairs(column: str) -> list[tuple[int, int]]:
    """(pid, value of `column`) for every process, from `ps` (systems without /proc)."""
    try:
        out = subprocess.run(
            ["ps", "-A", "-o", f"pid=,{column}="], capture_output=True, text=True, timeout=3,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    pairs = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            pairs.append((int(parts[0]), int(parts[1])))
    return pairs


def _session_members_ps(sid: int) -> set[int]:
    return {pid for pid, session in _ps_pairs("sess") if session == sid}


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


#: Age in seconds of each direct child of a watched shell (None when the platform cannot say).
ChildAges = dict[int, float | None]


def direct_children(parents: Iterable[int]) -> dict[int, ChildAges]:
    """The live direct children of each pid in `parents`, with their ages: one table read.

    Linux answers from /proc/<pid>/task/*/children when the kernel has it, else from one
    pass over /proc/*/stat; elsewhere one `ps` for all parents.
    """
    wanted = set(parents)
    if not wanted:
        return {}
    if not PROC.is_dir():
        return _direct_children_ps(wanted)
    kids = _children_files(wanted)
    if kids is None:
        kids = _children_by_scan(wanted)
    uptime, hz = _uptime(), os.sysconf("SC_CLK_TCK")
    result: dict[int, ChildAges] = {}
    for parent, pids in kids.items():
        ages: ChildAges = {}
        for pid in pids:
            fields = _stat_fields(pid)
            if fields is None or fields[0] in ("Z", "X"):
                continue  # gone, or exited and waiting to be reaped: not running any more
            ages[pid] = _age(fields, uptime, hz)
        result[parent] = ages
    return result


def _children_files(parents: set[int]) -> dict[int, set[int]] | None:
    """From /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN); None if unavailable."""
    result: dict[int, set[int]] = {}
    for parent in parents:
        pids: set[int] = set()
        try:
            tasks = os.listdir(PROC / str(parent) / "task")
        except OSError:
            result[parent] = pids
            continue
        for tid in tasks:
            try:
                raw = (PROC / str(parent) / "task" / tid / "children").read_text()
            except FileNotFoundError:
                return None
            except OSError:
                continue
            pids.update(int(p) for p in raw.split())
        result[parent] = pids
    return result


def _children_by_scan(parents: set[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {parent: set() for parent in parents}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and len(fields) > 1 and int(fields[1]) in result:
            result[int(fields[1])].add(int(entry.name))
    return result


def _uptime() -> float:
    try:
        return float((PROC / "uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def _age(fields: list[str], uptime: float, hz: int) -> float | None:
    # Field 22 of stat (index 19 after the name) is the start time in clock ticks since boot.
    try:
        started = int(fields[19]) / hz
    except (IndexError, ValueError, ZeroDivisionError):
        return None
    return max(0.0, uptime - started) if uptime else None


def _direct_children_ps(parents: set[int]) -> dict[int, ChildAges]:
    result: dict[int, ChildAges] = {parent: {} for parent in parents}
    for pid, ppid in _ps_pairs("ppid"):
        if ppid in result:
            result[ppid][pid] = None
    return result
