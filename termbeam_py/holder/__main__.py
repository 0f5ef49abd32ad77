"""`python -m termbeam_py.holder --dir D [--daemon]`: run the session holder of folder D.

With --daemon (how the server starts it) the holder forks once more so it is nobody's child
but init's (the server never has to reap it), and the first process prints `ready <pid>` once
the socket listens, or `busy` when another holder already serves D, then exits.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import sys
from pathlib import Path

from termbeam_py.holder import paths, process, wire


def _lock(directory: Path) -> int | None:
    """The folder's lock, held for the holder's whole life; None when another holder has it."""
    fd = os.open(directory / paths.LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _log_to(directory: Path) -> None:
    fd = os.open(directory / paths.LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW,
                 0o600)
    handler = logging.StreamHandler(os.fdopen(fd, "a", buffering=1))
    handler.setFormatter(logging.Formatter("%(asctime)s holder[%(process)d] %(message)s"))
    logging.getLogger("termbeam").addHandler(handler)
    logging.getLogger("termbeam").setLevel(logging.INFO)


def _quiet() -> None:
    """Standard streams to /dev/null: the server's terminal may close at any time."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _serve(directory: Path, ready: int | None) -> int:
    handover = process.restored_state()
    if handover is None:
        paths.ensure_private(directory)
        lock = _lock(directory)
        if lock is None:
            _say(ready, "busy")
            return 3
        handover = process.Handover(process.bind(directory / paths.SOCKET), lock, [])
    _log_to(directory)
    protocol = int(os.environ.get(process.PROTOCOL_ENV, wire.PROTOCOL))
    holder = process.Holder(handover.listener, lock=handover.lock, protocol=protocol,
                            held=handover.held)
    _say(ready, f"ready {os.getpid()}")
    return holder.run()


def _say(fd: int | None, text: str) -> None:
    if fd is None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    with contextlib.suppress(OSError):
        os.write(fd, text.encode() + b"\n")
        os.close(fd)


def _daemonize() -> int | None:
    """Fork; the parent relays the child's first line and exits. Returns the child's pipe."""
    read_end, write_end = os.pipe()
    if os.fork() > 0:
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            line = pipe.readline().strip()
        sys.stdout.write((line or "failed") + "\n")
        sys.stdout.flush()
        os._exit(0 if line.startswith("ready") else 3 if line == "busy" else 1)
    os.close(read_end)
    if os.getsid(0) != os.getpid():
        os.setsid()
    return write_end


def _close_inherited() -> None:
    """Close every descriptor but the standard three. Whoever started us may have leaked some
    (uvloop's subprocesses keep more than CPython's): a server's listening socket held here
    would keep its port busy after the server is gone, and a pipe its reader waiting."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        return
    for fd in fds:
        if fd > 2:
            with contextlib.suppress(OSError):
                os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m termbeam_py.holder")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--daemon", action="store_true")
    args = parser.parse_args(argv)
    os.chdir("/")  # never pin a folder the user may want to remove
    if process.STATE_ENV not in os.environ:  # an upgrade passes its fds on purpose
        _close_inherited()
    ready = None
    if args.daemon and process.STATE_ENV not in os.environ:
        ready = _daemonize()
        _quiet()
    return _serve(args.dir, ready)


if __name__ == "__main__":
    sys.exit(main())
