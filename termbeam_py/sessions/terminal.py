"""One PTY child process driven by the event loop: spawn, read, write, resize, exit, kill.

Reads and writes are non-blocking on the master fd (`add_reader`/`add_writer`), so neither
a flood of output nor a 1 MB paste ever blocks the loop. The terminal knows nothing of
clients; it hands every chunk it reads to `on_data` and the exit status to `on_exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
from collections.abc import Callable

from termbeam_py.ptyspawn import Child
from termbeam_py.sessions import procfs
from termbeam_py.sessions.children import ExitWatch

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
#: Most bytes taken from the fd in one readiness callback, so one flooding session cannot
#: starve the others (or the WebSocket senders) of loop time. With HIGH_WATER it bounds how
#: far a viewer can fall behind before the PTY pauses, which must stay under the log's trim
#: size (session.py), or a viewer that keeps up would still be resynchronised.
READ_BUDGET = 64 * 1024
#: Pending input above which the WebSocket reader waits for the PTY to take it.
INPUT_HIGH_WATER = 256 * 1024
#: Bytes written to the PTY per writable callback. The kernel runs the line discipline
#: (echo, canonical editing) inside write(): 4 KiB of pasted lines held the loop for
#: 0.5-1.4 ms, 1 KiB for about 0.1 ms, at the same paste speed.
INPUT_CHUNK = 1024
#: Seconds between SIGHUP and SIGKILL when a session is killed.
KILL_GRACE = 2.0


def _ignore_data(_data: bytes) -> None:
    pass


def _ignore_exit(_code: int) -> None:
    pass


class Terminal:
    """A child process on a pseudo-terminal whose master fd is served by the running loop."""

    def __init__(
        self,
        child: Child,
        watch: ExitWatch,
        *,
        cols: int,
        rows: int,
        on_data: Callable[[bytes], None],
        on_exit: Callable[[int], None],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._child = child
        self._watch = watch
        self.pid: int = self._child.pid
        self.fd: int = self._child.fd
        self.cols, self.rows = cols, rows
        self._on_data = on_data
        self._on_exit = on_exit
        self._pending = bytearray()
        self._writable = asyncio.Event()
        self._writable.set()
        self._reading = False
        self.exit_code: int | None = None
        self.exited = asyncio.Event()
        self._leftovers: asyncio.Task[None] | None = None
        os.set_blocking(self.fd, False)
        self.resume_reading()
        watch.start(self._finish)

    # -- output ---------------------------------------------------------------------------

    def pause_reading(self) -> None:
        """Stop reading output: the child blocks in write() once the PTY buffer fills."""
        if self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False

    def resume_reading(self) -> None:
        if not self._reading and self.exit_code is None:
            self._loop.add_reader(self.fd, self._on_readable)
            self._reading = True

    @property
    def reading(self) -> bool:
        return self._reading

    def _read_available(self, budget: int) -> bool:
        """Read until EAGAIN or `budget` bytes; False once the slave side is gone."""
        chunks: list[bytes] = []
        total = 0
        alive = True
        while total < budget:
            try:
                data = os.read(self.fd, READ_CHUNK)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EIO:  # EIO is Linux's end of file on a PTY master
                    log.debug("read from pty %s failed: %s", self.pid, exc)
                alive = False
                break
            if not data:
                alive = False
                break
            chunks.append(data)
            total += len(data)
        if chunks:
            self._on_data(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        return alive

    def _on_readable(self) -> None:
        if not self._read_available(READ_BUDGET):
            # Every slave fd is closed; the exit watcher reports the status.
            self.pause_reading()

    # -- input ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue input for the child; never blocks, never drops a byte while it lives."""
        if self.exit_code is not None or not data:
            return
        if self._pending:
            self._pending += data
        else:
            self._pending = bytearray(data)
            self._flush_input()
        if self._pending:
            self._loop.add_writer(self.fd, self._flush_input)
        if len(self._pending) > INPUT_HIGH_WATER:
            self._writable.clear()

    @property
    def pending_input(self) -> int:
        return len(self._pending)

    async def wait_writable(self) -> None:
        """Wait until pending input is under the high-water mark (or the child is gone)."""
        await self._writable.wait()

    def _flush_input(self) -> None:
        # One small write per callback (INPUT_CHUNK): a big write of a paste would hold the
        # loop for milliseconds while other sessions wait to echo a keystroke.
        if self._pending:
            try:
                written = os.write(self.fd, self._pending[:INPUT_CHUNK])
            except BlockingIOError:
                return
            except OSError as exc:
                log.debug("write to pty %s failed: %s", self.pid, exc)
                written = len(self._pending)
            del self._pending[:written]
        if len(self._pending) <= INPUT_HIGH_WATER // 2:
            self._writable.set()
        if not self._pending:
            self._loop.remove_writer(self.fd)

    # -- size -----------------------------------------------------------------------------

    def resize(self, cols: int, rows: int) -> None:
        if (cols, rows) == (self.cols, self.rows) or self.exit_code is not None:
            return
        self.cols, self.rows = cols, rows
        with contextlib.suppress(OSError):
            self._child.set_size(rows, cols)

    # -- exit -----------------------------------------------------------------------------

    def _finish(self, code: int) -> None:
        # Output the child wrote just before exiting is still in the PTY: take it first.
        # Bounded: a background job still holding the PTY may write forever.
        self._read_available(4 * READ_BUDGET)
        self.pause_reading()
        self._loop.remove_writer(self.fd)
        self._pending.clear()
        self._writable.set()
        self._watch.stop()
        self.exit_code = code
        self._child.release(code)
        self.exited.set()
        self._leftovers = self._loop.create_task(self._end_leftovers())
        on_exit, self._on_exit = self._on_exit, _ignore_exit
        self._on_data = _ignore_data  # the callbacks point back at the session: no cycle
        on_exit(code)

    async def _end_leftovers(self) -> None:
        """Hang up what the shell left in its session, as closing a terminal window does.

        With the shell gone (exited, or `kill -9`), background jobs would run on as orphans
        that no session shows. A process that ignores SIGHUP asked to outlive its terminal
        (`nohup cmd &`), so it is left running, as in any terminal.
        """
        members = await asyncio.to_thread(procfs.session_members, self.pid)
        procfs.signal_all(members, signal.SIGHUP)

    @property
    def held(self) -> bool:
        """Its shell is in the session holder and can outlive this server."""
        return self._child.held

    def let_go(self) -> None:
        """Stop serving the PTY without ending anything: the server is stopping and the
        session holder keeps the shell (it still holds the master)."""
        self.pause_reading()
        self._loop.remove_writer(self.fd)
        self._watch.stop()
        self._child.close()

    async def kill(self, grace: float = KILL_GRACE) -> None:
        """Hang up the whole session (the shell and its jobs), then SIGKILL what remains."""
        if self.exit_code is None:
            await self._hang_up(grace)
        if self._leftovers is not None:  # started when the shell exited: let it finish
            await self._leftovers

    async def _hang_up(self, grace: float) -> None:
        members = await asyncio.to_thread(procfs.session_members, self.pid)
        procfs.signal_all(members | {self.pid}, signal.SIGHUP)
        # A shell ignores SIGTERM but not SIGHUP; jobs that ignore SIGHUP get the KILL below.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.exited.wait()
        members = await asyncio.to_thread(procfs.session_members, self.pid)
        procfs.signal_all(members, signal.SIGKILL)
        if self.exit_code is None:
            procfs.signal_all({self.pid}, signal.SIGKILL)
            await self.exited.wait()
