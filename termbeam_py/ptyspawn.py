"""Starting a child on a new pseudo-terminal, fast.

ptyprocess forks the whole interpreter and waits in Python for the exec: 10-20 ms in a
server this size, with the event loop stalled. On Linux we instead let `subprocess` vfork
`setsid --ctty` (util-linux) on the slave end of `os.openpty()`: the child becomes a session
leader with the PTY as its controlling terminal, then execs the shell under the same PID.
Elsewhere (or without `setsid`) ptyprocess is the fallback.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ptyprocess import PtyProcess


class Child(Protocol):
    """A process on a PTY: its PID, the master fd, and how to resize and release it."""

    pid: int
    fd: int
    held: bool
    """The session holder started it (it outlives the server), not this process."""

    def set_size(self, rows: int, cols: int) -> None: ...

    def release(self, exit_code: int) -> None:
        """The child was reaped by the caller: close the master, forget the process."""

    def close(self) -> None:
        """Let go of the master without waiting for the child (the server stops; a held shell
        lives on in the holder, a local one gets its hangup)."""

    def detach(self) -> None:
        """The caller reaps the child itself (the holder): the process object must never wait
        for it, and the master stays open until the caller closes `fd`."""


@functools.cache
def _setsid_path() -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("setsid")


def winsize(rows: int, cols: int) -> bytes:
    return struct.pack("HHHH", rows, cols, 0, 0)


def terminal_size(fd: int) -> tuple[int, int]:
    """(rows, cols) of the PTY whose master (or slave) is `fd`."""
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))
    return rows, cols


class _SetsidChild:
    def __init__(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str],
                 rows: int, cols: int, setsid: str) -> None:
        if shutil.which(argv[0], path=env.get("PATH")) is None:
            raise FileNotFoundError(f"{argv[0]}: not found or not executable")
        master, slave = os.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, winsize(rows, cols))
            # restore_signals (the default) resets SIGPIPE/SIGXFSZ, which Python ignores.
            self._proc = subprocess.Popen(
                [setsid, "--ctty", *argv], stdin=slave, stdout=slave, stderr=slave,
                cwd=cwd, env=dict(env), close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.pid = self._proc.pid
        self.fd = master
        self.held = False

    def set_size(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, winsize(rows, cols))

    def release(self, exit_code: int) -> None:
        # Tell Popen the status is known, so it never waits for (or warns about) the child.
        self._proc.returncode = exit_code
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def detach(self) -> None:
        # A returncode makes Popen skip the child in its reaping of forgotten processes
        # (subprocess._cleanup), which would otherwise take the exit status from the holder.
        self._proc.returncode = 0


def _child_setup() -> None:
    # Python ignores SIGPIPE and SIGXFSZ; ignored dispositions survive exec, so without this
    # `yes | head` in the user's shell would see EPIPE errors instead of dying quietly.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


class _PtyprocessChild:
    def __init__(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str],
                 rows: int, cols: int) -> None:
        self._proc = PtyProcess.spawn(
            list(argv), cwd=str(cwd), env=dict(env), dimensions=(rows, cols),
            preexec_fn=_child_setup,
        )
        self.pid: int = self._proc.pid
        self.fd: int = self._proc.fd
        self.held = False

    def set_size(self, rows: int, cols: int) -> None:
        self._proc.setwinsize(rows, cols)

    def release(self, exit_code: int) -> None:
        # Close the master ourselves: ptyprocess's close() sleeps, which must not happen here.
        with contextlib.suppress(OSError):
            self._proc.fileobj.close()
        self._proc.closed = True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._proc.fileobj.close()

    def detach(self) -> None:
        # The master is the holder's from now on: ptyprocess must not close it (its file
        # object would when collected) or kill the child.
        self.fd = os.dup(self._proc.fd)
        self._proc.fileobj.close()
        self._proc.closed = True


def spawn(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str],
          rows: int, cols: int) -> Child:
    """Start `argv` on a new PTY of the given size; raises OSError if it cannot start."""
    setsid = _setsid_path()
    if setsid is not None:
        return _SetsidChild(argv, cwd, env, rows, cols, setsid)
    return _PtyprocessChild(argv, cwd, env, rows, cols)
