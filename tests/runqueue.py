"""How long a callback of the event loop waited for a CPU while it was runnable.

asyncio's debug mode times each callback by the wall clock. On a busy machine (two xdist
workers, their servers and browsers on two cores) a callback that never blocks can still
take long, because its thread was preempted and sat on the kernel's run queue. That wait is
not a blocked loop; sleeping in a syscall, waiting on a lock or on the GIL still is.

Linux keeps the per-thread figure in /proc/thread-self/schedstat (CONFIG_SCHED_INFO): the
second field is the time spent runnable but not running, in nanoseconds. Each callback's
start value is kept per thread; `since_callback_start` gives the difference, read in the
same thread right after the callback (asyncio logs its warning there).
"""

from __future__ import annotations

import asyncio.events
import os
import threading
import time
from collections.abc import Callable

_SCHEDSTAT = "/proc/thread-self/schedstat"


class RunQueueClock:
    """Per-thread run-queue wait, zero where the kernel does not report it."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.available = self._open() is not None

    def _open(self) -> int | None:
        fd: int | None = getattr(self._local, "fd", -1)
        if fd == -1:
            try:
                # The path names the opening thread; the descriptor keeps naming it.
                fd = os.open(_SCHEDSTAT, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                fd = None
            self._local.fd = fd
        return fd

    def now(self) -> float:
        """This thread's total run-queue wait so far, in seconds."""
        fd = self._open()
        if fd is None:
            return 0.0
        fields = os.pread(fd, 128, 0).split()
        return int(fields[1]) / 1e9 if len(fields) >= 2 else 0.0

    def mark(self) -> None:
        self._local.start = self.now()
        self._local.cpu_start = time.thread_time()

    def since_callback_start(self) -> float:
        start: float | None = getattr(self._local, "start", None)
        return 0.0 if start is None else max(0.0, self.now() - start)

    def cpu_since_callback_start(self) -> float:
        """CPU time this thread used since the callback started (for the failure message:
        what is neither CPU nor preemption was sleeping in a syscall, a lock or the GIL)."""
        start: float | None = getattr(self._local, "cpu_start", None)
        return 0.0 if start is None else max(0.0, time.thread_time() - start)


def install(clock: RunQueueClock) -> Callable[[], None]:
    """Mark the clock as every loop callback starts; returns the undo."""
    original = asyncio.events.Handle._run

    def run(handle: asyncio.events.Handle) -> None:
        clock.mark()
        original(handle)

    asyncio.events.Handle._run = run  # type: ignore[method-assign,assignment]

    def undo() -> None:
        asyncio.events.Handle._run = original  # type: ignore[method-assign]

    return undo
