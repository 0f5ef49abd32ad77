"""The local terminal: raw mode that is always restored, its size, and ordered output.

Writes to the terminal happen in a worker thread so a slow terminal never stalls the event
loop; one writer task keeps them in order and reports how far the output has been written.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from collections.abc import Awaitable, Callable, Iterator

#: How long leaving waits for a stuck terminal to take the last output.
DRAIN_TIMEOUT = 5.0
#: (bytes to write, sequence number reached once written; None for local text).
Chunk = tuple[bytes, int | None]


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """Raw mode on a TTY for the duration of the block; a no-op on anything else."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def size(*fds: int) -> tuple[int, int] | None:
    """(cols, rows) of the first descriptor that is a terminal."""
    for fd in fds:
        with contextlib.suppress(OSError):
            cols, rows = os.get_terminal_size(fd)
            if cols > 0 and rows > 0:
                return cols, rows
    return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Writer:
    """Queues output for `fd` and calls `on_written(seq)` after each batch is out."""

    def __init__(self, fd: int, on_written: Callable[[int], Awaitable[None]]) -> None:
        self._fd = fd
        self._on_written = on_written
        self._queue: asyncio.Queue[Chunk] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def write(self, data: bytes, seq: int | None = None) -> None:
        self._queue.put_nowait((data, seq))

    async def _run(self) -> None:
        while True:
            data, seq = await self._queue.get()
            batch = [data]
            # Coalesce whatever else is waiting: one thread hop and one ack per batch.
            while not self._queue.empty():
                more, more_seq = self._queue.get_nowait()
                batch.append(more)
                seq = more_seq if more_seq is not None else seq
            try:
                await asyncio.to_thread(_write_all, self._fd, b"".join(batch))
                if seq is not None:
                    await self._on_written(seq)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def drain(self) -> None:
        """Wait (bounded) until everything queued so far is written, then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), DRAIN_TIMEOUT)
        await self.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # A terminal that went away (EIO) ended the task already; leaving must still work.
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await self._task
