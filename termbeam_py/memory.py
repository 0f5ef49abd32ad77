"""Keep the server's memory flat while sessions come and go (glibc only; a no-op elsewhere).

glibc serves a request below its mmap threshold from the heap, and the threshold starts at
128 KiB and rises to the size of every large block freed, up to 32 MiB. Once a replay's
megabyte had been freed, every later block under a megabyte came from the heap, and blocks
that outlive their neighbours leave holes the heap cannot give back: the soak's RSS rose by
~4.5 MB a minute under session churn (benchmarks/README.md, Soak). Session logs, the largest
long-lived blocks, now live in mappings of their own (sessions/ring.py), and an ended
session holds no reference cycle, so it is freed when its last user lets go. Here:

- the mmap threshold is fixed at 256 KiB, so a replay, a big frame or a sanitiser pass is a
  mapping returned when freed, whatever was freed before. The data path's own buffers (64 KiB
  reads and frames) stay below it and keep coming from the heap's free lists: at 16 KiB,
  mapping and faulting in each of them more than doubled the server's CPU per 50 MB;
- `malloc_trim(0)` some seconds after sessions end, in a worker thread, gives back the whole
  free pages left inside the heap.

A closed WebSocket must not wait for the cycle collector either: `forget_error_frames` (and
the connection handler's `connection_lost`, connlimits.py) cut the two reference cycles
aiohttp leaves behind a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import platform
from collections.abc import AsyncIterator

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 256 * 1024
"""Blocks this size or larger are mapped on their own."""
TRIM_INTERVAL = 30.0
"""Seconds from a session's end to the trim (a burst of ends gets one trim)."""


class Allocator:
    """glibc's malloc tuning calls, or nothing when the C library is another one."""

    def __init__(self) -> None:
        self._libc: ctypes.CDLL | None = None
        if platform.libc_ver()[0] == "glibc":
            try:
                self._libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            except OSError:  # no loadable C library under that name: tuning is optional
                self._libc = None

    @property
    def available(self) -> bool:
        return self._libc is not None

    def fix_mmap_threshold(self, size: int = MMAP_THRESHOLD) -> bool:
        """Map blocks of `size` bytes and up on their own; True when glibc accepted it."""
        if self._libc is None:
            return False
        return bool(self._libc.mallopt(ctypes.c_int(M_MMAP_THRESHOLD), ctypes.c_int(size)))

    def trim(self) -> None:
        """Return free heap pages to the system. Blocks on the allocator lock: call it in a
        worker thread, never on the event loop."""
        if self._libc is not None:
            self._libc.malloc_trim(ctypes.c_size_t(0))


class Trimmer:
    """Trims the heap in a worker thread some seconds after sessions were removed."""

    def __init__(self, allocator: Allocator, interval: float = TRIM_INTERVAL) -> None:
        self._allocator = allocator
        self.interval = interval
        self._pending = asyncio.Event()
        self.trims = 0
        """How many trims have run (for tests)."""

    def note_freed(self) -> None:
        """Something big was released (a session's log, process, buffers)."""
        self._pending.set()

    async def run(self) -> None:
        while True:
            await self._pending.wait()
            # Wait out the rest of a burst of deletes: one trim covers them all.
            await asyncio.sleep(self.interval)
            self._pending.clear()
            await asyncio.to_thread(self._allocator.trim)
            self.trims += 1


def forget_error_frames(error: BaseException | None) -> None:
    """Forget the stack an ended socket's error (and the errors behind it) was raised in.

    aiohttp keeps the error that ended a WebSocket (a reset while it wrote the close frame) on
    the response, and the traceback's frames point back at the response: a reference cycle,
    so the socket, its request and its buffers waited for a full garbage collection, which a
    server with many long-lived objects runs rarely (the soak held ~30,000 such objects). Call
    it once the socket is done: nothing reads that traceback afterwards.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        error.__traceback__ = None
        error = error.__cause__ or error.__context__


@contextlib.asynccontextmanager
async def trimming(trimmer: Trimmer) -> AsyncIterator[None]:
    """Runs the trimmer while the block runs (the application's lifetime)."""
    task = asyncio.create_task(trimmer.run(), name="heap-trim")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
