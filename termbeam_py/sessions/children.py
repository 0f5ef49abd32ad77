"""Where a session's shell comes from, and how the server learns that it exited.

Two ways, the same `Child` for the terminal either way:

- **Held** (the default): the session holder (termbeam_py/holder) starts the shell and keeps
  it across server restarts; we get a duplicate of the PTY master and the exit code as an
  event from the holder.
- **Local**: the server starts the shell itself (ptyspawn) and reaps it, and the shell ends
  with the server. Used when the holder cannot run (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import termios
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from termbeam_py import ptyspawn
from termbeam_py.holder.client import HeldSession, HolderClient, HolderError

log = logging.getLogger(__name__)

EXIT_POLL = 0.1
"""Seconds between checks for an exit that no pidfd or holder event reports."""
UNKNOWN_EXIT = -1
"""The exit code of a shell whose holder vanished: nobody could reap it for us."""


def exit_code_from_status(status: int) -> int:
    """Shell convention: the exit status, or 128 + N when killed by signal N."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


class ExitWatch(Protocol):
    def start(self, on_exit: Callable[[int], None]) -> None:
        """Call `on_exit(code)` once, from the event loop, when the shell has exited."""

    def stop(self) -> None:
        """Release what watching holds; `on_exit` is not called after this."""


class ReapWatch:
    """Our own child: a pidfd (Linux) or polling tells us it exited, waitpid its status."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._loop = asyncio.get_running_loop()
        self._pidfd: int | None = None
        self._poll: asyncio.TimerHandle | None = None
        self._on_exit: Callable[[int], None] | None = None

    def start(self, on_exit: Callable[[int], None]) -> None:
        self._on_exit = on_exit
        if hasattr(os, "pidfd_open"):
            try:
                self._pidfd = os.pidfd_open(self.pid)
            except OSError:
                pass
            else:
                self._loop.add_reader(self._pidfd, self._reap)
                return
        self._poll = self._loop.call_later(EXIT_POLL, self._poll_exit)

    def _poll_exit(self) -> None:
        if not self._reap():
            self._poll = self._loop.call_later(EXIT_POLL, self._poll_exit)

    def _reap(self) -> bool:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return False
        on_exit = self._on_exit
        self.stop()
        if on_exit is not None:
            on_exit(exit_code_from_status(status))
        return True

    def stop(self) -> None:
        self._on_exit = None
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None


class HolderWatch:
    """A held shell: the holder reports its exit. Should the holder vanish, the shell was
    re-parented to init, so all we can see is that the process is gone (UNKNOWN_EXIT)."""

    def __init__(self, client: HolderClient, session_id: str, pid: int,
                 exit_code: int | None = None) -> None:
        self._client = client
        self._id = session_id
        self.pid = pid
        self._exit_code = exit_code
        """Known already: the shell ended while no server ran."""
        self._on_exit: Callable[[int], None] | None = None
        self._poll: asyncio.TimerHandle | None = None

    def start(self, on_exit: Callable[[int], None]) -> None:
        self._on_exit = on_exit
        if self._exit_code is not None:
            # Soon, not now: the terminal that called us is still being built.
            asyncio.get_running_loop().call_soon(self.exited, self._exit_code)
            return
        self._client.exit_listeners[self._id] = self

    def exited(self, code: int) -> None:
        on_exit = self._on_exit
        self.stop()
        if on_exit is not None:
            on_exit(code)

    def holder_lost(self) -> None:
        """Watch the PID ourselves from now on."""
        if self._on_exit is not None and self._poll is None:
            self._poll = asyncio.get_running_loop().call_later(EXIT_POLL, self._check)

    def _check(self) -> None:
        self._poll = None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.exited(UNKNOWN_EXIT)
            return
        except PermissionError:
            pass  # a reused PID of someone else's: ours is gone too, but be conservative
        self.holder_lost()

    def stop(self) -> None:
        self._on_exit = None
        if self._client.exit_listeners.get(self._id) is self:
            del self._client.exit_listeners[self._id]
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None


class HeldChild:
    """A shell the holder started: we hold a duplicate of its master."""

    def __init__(self, client: HolderClient, session_id: str, pid: int, fd: int) -> None:
        self._client = client
        self._id = session_id
        self.pid = pid
        self.fd = fd
        self.held = True

    def set_size(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, ptyspawn.winsize(rows, cols))

    def release(self, exit_code: int) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self._client.forget(self._id)

    def detach(self) -> None:
        """Not ours to reap in the first place."""

    def close(self) -> None:
        """Let go of the master without ending anything (the server stops, the shell stays)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)


class Spawner(Protocol):
    durable: bool
    """Whether its shells outlive the server."""

    async def spawn(self, session_id: str, argv: list[str], *, cwd: Path,
                    env: Mapping[str, str], rows: int, cols: int,
                    ) -> tuple[ptyspawn.Child, ExitWatch]:
        """Start `argv` on a new PTY; raises OSError when it cannot start."""

    async def held(self) -> list[HeldSession]:
        """The shells a previous server left running, each with a master fd (ours now)."""

    def adopt(self, session_id: str, pid: int, fd: int,
              exit_code: int | None = None) -> tuple[ptyspawn.Child, ExitWatch]:
        """Serve a shell `held` returned (one that ended already reports `exit_code`)."""

    def close(self) -> None:
        """Let go of the holder (its shells stay)."""


class LocalSpawner:
    """Shells that end with the server."""

    durable = False

    async def spawn(self, session_id: str, argv: list[str], *, cwd: Path,
                    env: Mapping[str, str], rows: int, cols: int,
                    ) -> tuple[ptyspawn.Child, ExitWatch]:
        child = ptyspawn.spawn(argv, cwd=cwd, env=env, rows=rows, cols=cols)
        return child, ReapWatch(child.pid)

    async def held(self) -> list[HeldSession]:
        return []

    def adopt(self, session_id: str, pid: int, fd: int,
              exit_code: int | None = None) -> tuple[ptyspawn.Child, ExitWatch]:
        raise ValueError("this server keeps no sessions")

    def close(self) -> None:
        pass


class HolderSpawner:
    """Shells the holder keeps; the holder is started on the first one."""

    durable = True

    def __init__(self, client: HolderClient) -> None:
        self.client = client
        self._warned = False

    async def spawn(self, session_id: str, argv: list[str], *, cwd: Path,
                    env: Mapping[str, str], rows: int, cols: int,
                    ) -> tuple[ptyspawn.Child, ExitWatch]:
        try:
            await self.client.connect(start=True)
        except HolderError as exc:
            # A shell that ends with the server beats no shell: it works the first time.
            if not self._warned:
                log.error("the session holder cannot run (%s): new sessions end with the "
                          "server", exc)
                self._warned = True
            return await LocalSpawner().spawn(session_id, argv, cwd=cwd, env=env, rows=rows,
                                              cols=cols)
        pid, fd = await self.client.spawn(session_id, argv, cwd=cwd, env=env, rows=rows,
                                          cols=cols)
        return self.adopt(session_id, pid, fd)

    async def held(self) -> list[HeldSession]:
        # Only look: a holder is never started just to find it has nothing.
        if not await self.client.connect(start=False):
            return []
        return await self.client.sessions(with_fds=True)

    def close(self) -> None:
        self.client.close()

    def adopt(self, session_id: str, pid: int, fd: int,
              exit_code: int | None = None) -> tuple[HeldChild, HolderWatch]:
        child = HeldChild(self.client, session_id, pid, fd)
        return child, HolderWatch(self.client, session_id, pid, exit_code)
