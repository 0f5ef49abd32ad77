"""The upgrade's subprocesses: the install command (output tail streamed to a callback, with a
timeout) and a fresh interpreter that imports the installed package to verify it."""

from __future__ import annotations

import codecs
import os
import signal
import sys
from collections.abc import Awaitable, Callable

from termbeam_py.child import GroupStop, run_child
from termbeam_py.sessions.manager import SECRET_ENV
from termbeam_py.version import run_quiet

OUTPUT_TAIL = 500
VERIFY_TIMEOUT = 5.0
#: How long an interrupted installer gets to clean up (pip removes its temp dirs and rolls a
#: half-done install back on Ctrl+C) before its process group is killed.
STOP_GRACE = 5.0


class UpdateFailed(Exception):
    """An update step failed; the message is shown to the user."""


async def run_installer(
    argv: tuple[str, ...], time_limit: float, on_output: Callable[[str], Awaitable[None]]
) -> None:
    """Run the install command without a shell or the server's secrets.

    Args:
        argv: the command line.
        time_limit: seconds before the installer is killed.
        on_output: awaited after each chunk of output with its last `OUTPUT_TAIL` characters.

    Raises:
        UpdateFailed: it could not start, timed out or exited non-zero.
    """
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    decoder, tail = codecs.getincrementaldecoder("utf-8")("replace"), ""

    async def output(chunk: bytes) -> None:
        nonlocal tail
        tail = (tail + decoder.decode(chunk))[-OUTPUT_TAIL:]
        await on_output(tail)

    # Its own process group, stopped as Ctrl+C would: it reaches whatever the installer
    # started (builds, downloads), and a SIGKILL straight away would leave pip's temp dirs
    # behind, or a package half replaced.
    done = await run_child(
        argv, time_limit, env=env, merge_stderr=True, on_output=output,
        group=GroupStop(signal.SIGINT, STOP_GRACE),
    )
    if done.start_error is not None:
        exc = done.start_error
        raise UpdateFailed(f"Could not start {argv[0]}: {exc.strerror or exc}") from exc
    if done.timed_out:
        raise UpdateFailed(f"Install timed out after {time_limit:g} s")
    if done.returncode != 0:
        raise UpdateFailed(f"Install command failed with exit code {done.returncode}")


async def verify_import() -> str:
    """Import the freshly installed package in a new interpreter, as the re-exec will.

    Returns:
        The installed version.

    Raises:
        UpdateFailed: the import failed or printed no plausible version.
    """
    code, out = await run_quiet(
        [sys.executable, "-c", "import termbeam_py; print(termbeam_py.__version__)"],
        VERIFY_TIMEOUT,
    )
    version = out.splitlines()[-1].strip() if out else ""
    if code != 0 or not version or len(version) > 64:
        raise UpdateFailed("The updated package could not be imported")
    return version
