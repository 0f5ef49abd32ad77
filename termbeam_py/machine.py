"""The figures behind the web app's activity line and machine card (#19): a session's output
rate, CPU, memory and last exit code, and the machine's load, memory and disk.

Nothing here walks processes: CPU and memory of a session come from the /metrics sampler's
last two samples (metrics.py), taken every few seconds in a worker thread. The output rate is
the difference of a session's byte counter between now and a snapshot taken up to
RATE_WINDOW seconds ago; the snapshots are a few integers per session, taken on a timer on
the loop. Load, memory and disk are read in one worker-thread call per request: the hub asks
every ten seconds, and only while it is on screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import psutil
from aiohttp import web

from termbeam_py import keys
from termbeam_py.metrics import Sample, Sampler
from termbeam_py.sessions import Session

#: Seconds between two snapshots of every session's output counter, and how many are kept:
#: the rate is over the last RATE_WINDOW seconds (RATE_TICK × RATE_SNAPSHOTS).
RATE_TICK = 2.5
RATE_SNAPSHOTS = 4
RATE_WINDOW = RATE_TICK * RATE_SNAPSHOTS


@dataclass(slots=True)
class OutputRates:
    """Recent snapshots of each live session's output counter: (monotonic time, bytes)."""

    tick: float = RATE_TICK
    snapshots: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)

    def take(self, sessions: Iterable[Session]) -> None:
        now, live = time.monotonic(), {}
        for session in sessions:
            held = self.snapshots.get(session.id)
            if held is None:
                held = deque(maxlen=RATE_SNAPSHOTS)
            held.append((now, session.counters.bytes_out))
            live[session.id] = held
        self.snapshots = live  # ended sessions drop out here

    def rate(self, session: Session) -> float:
        """Bytes a second the session wrote over the last ~RATE_WINDOW seconds: since its
        oldest snapshot, or since it began when it is younger than that."""
        now, total = time.monotonic(), session.counters.bytes_out
        held = self.snapshots.get(session.id)
        if held:
            since, then = held[0]
        else:  # not snapshotted yet: at most one tick old
            since, then = now - self.tick, 0
        elapsed = now - since
        return max(total - then, 0) / elapsed if elapsed > 0 else 0.0

    async def run(self, app: web.Application) -> None:
        while True:
            self.take(app[keys.SESSIONS].all())
            await asyncio.sleep(self.tick)


class SessionStats(TypedDict):
    """GET /api/sessions/:id/stats."""

    outputRate: float
    bytesOut: int
    bytesIn: int
    cpu: float | None
    """Percent of one core over the last sampling interval; None until sampled twice."""
    rss: int | None
    lastExitCode: int | None
    viewers: int


def cpu_percent(sampler: Sampler, session_id: str) -> float | None:
    """The session's process tree's CPU use between the sampler's last two samples."""
    latest, previous = sampler.latest, sampler.previous
    if latest is None or previous is None:
        return None
    now, before = latest.trees.get(session_id), previous.trees.get(session_id)
    elapsed = latest.taken_at - previous.taken_at
    # Two samples much closer than the sampler's period (a scrape's sample of a new session
    # right after a periodic one) would turn noise into a percentage.
    if now is None or before is None or elapsed < sampler.every / 2:
        return None
    # A child that ended takes its CPU time out of the sum: never a negative figure.
    return round(max(now.cpu_seconds - before.cpu_seconds, 0.0) / elapsed * 100, 1)


def _rss(sample: Sample | None, session_id: str) -> int | None:
    tree = sample.trees.get(session_id) if sample is not None else None
    return tree.rss if tree is not None else None


def last_exit_code(session: Session) -> int | None:
    """How the last command or run ended: a program's last run, else shell integration's
    OSC 133;D marks, or the shell's own exit status once it ended."""
    if session.program is not None:
        return session.program.last_exit_code
    if session.activity.last_exit_code is not None:
        return session.activity.last_exit_code
    return session.terminal.exit_code


def session_stats(app: web.Application, session: Session) -> SessionStats:
    sampler = app[keys.METRICS].sampler
    counters = session.counters
    return {
        "outputRate": round(app[keys.RATES].rate(session), 1),
        "bytesOut": counters.bytes_out,
        "bytesIn": counters.bytes_in,
        "cpu": cpu_percent(sampler, session.id),
        "rss": _rss(sampler.latest, session.id),
        "lastExitCode": last_exit_code(session),
        "viewers": len(session.clients),
    }


class Memory(TypedDict):
    total: int
    available: int


class Disk(TypedDict):
    path: str
    total: int
    free: int


class MachineInfo(TypedDict):
    """GET /api/machine."""

    load: list[float]
    cpus: int
    memory: Memory
    disk: Disk


def machine_info(path: Path) -> MachineInfo:
    """Load, memory and the disk holding `path`. Blocking (reads /proc, statvfs): run it in
    a thread. Raises OSError when `path` cannot be read."""
    disk = os.statvfs(path)
    memory = psutil.virtual_memory()
    return {
        "load": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count() or 1,
        "memory": {"total": memory.total, "available": memory.available},
        # f_bavail, not f_bfree: what an unprivileged user may still write.
        "disk": {"path": str(path), "total": disk.f_frsize * disk.f_blocks,
                 "free": disk.f_frsize * disk.f_bavail},
    }


async def _rates_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(app[keys.RATES].run(app), name="output-rates")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    """Keep output-rate snapshots (create_app calls this; the routes are machine_routes.py)."""
    app[keys.RATES] = OutputRates()
    app.cleanup_ctx.append(_rates_ctx)
