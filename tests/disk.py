"""A full disk for fault tests: a small tmpfs mounted for one test, and a way to fill it.

Mounting needs root on Linux (CI runs as root, and fails a test that cannot mount). Elsewhere
the tests that need it are skipped with the reason, and tests/test_faults.py still runs a full
disk through RLIMIT_FSIZE on a real `termbeam` process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import unavailable

FILLER = ".filler"


@contextlib.contextmanager
def small_tmpfs(mount: Path, size: str = "1m") -> Iterator[Path]:
    """`mount` as a fresh tmpfs of `size`, unmounted afterwards. When that is impossible the
    test is skipped on a developer's machine and fails under CI, which runs as root."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        unavailable("mounting a tmpfs needs root on Linux (the RLIMIT_FSIZE test still runs)")
    mount.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        # Lazy: a server under test may still hold a file open while it shuts down.
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def fill(directory: Path) -> None:
    """Fill the file system holding `directory` until a write fails with ENOSPC."""
    fd = os.open(directory / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)


def free(directory: Path) -> None:
    """Undo `fill`."""
    (directory / FILLER).unlink(missing_ok=True)
