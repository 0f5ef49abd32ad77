"""Provider subprocesses: start in their own process group, read bounded lines, kill the group.

The tunnel program may fork helpers (ssh's ProxyCommand, cloudflared's children), so the whole
group is signalled, never just the direct child.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncGenerator
from dataclasses import dataclass

#: Longer output lines are cut here: a provider must not make us buffer without bound.
MAX_LINE = 4096
_CHUNK = 4096


async def spawn(argv: list[str], *, keep_stdin: bool = False) -> asyncio.subprocess.Process:
    """Start `argv` in a new session (its own process group), stdout and stderr merged."""
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if keep_stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )


async def lines(stream: asyncio.StreamReader) -> AsyncGenerator[str, None]:
    """Decoded output lines without their ending, each cut to MAX_LINE characters."""
    pending = bytearray()
    dropping = False
    while chunk := await stream.read(_CHUNK):
        pending += chunk
        while (end := pending.find(b"\n")) >= 0:
            line = bytes(pending[:end])
            del pending[: end + 1]
            if not dropping:
                yield _decode(line)
            dropping = False
        if len(pending) > MAX_LINE:
            if not dropping:
                yield _decode(bytes(pending[:MAX_LINE]))
            dropping = True  # the rest of this overlong line is discarded
            pending.clear()
    if pending and not dropping:
        yield _decode(bytes(pending))


def _decode(line: bytes) -> str:
    return line[:MAX_LINE].decode(errors="replace").rstrip("\r")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # start_new_session made the child its group's leader


async def kill_group(proc: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM the process group, SIGKILL it after `grace` seconds, and reap the child."""
    if proc.stdin is not None:
        proc.stdin.close()
    _signal_group(proc.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), grace)
    # Helpers in the group may outlive a leader that honoured SIGTERM: always finish them.
    _signal_group(proc.pid, signal.SIGKILL)
    await proc.wait()


@dataclass(frozen=True, slots=True)
class Result:
    returncode: int
    output: str


async def run(argv: list[str], limit: float = 10.0) -> Result:
    """Run a short provider command (login check, create, delete); never raises.

    A missing program or a timeout gives returncode 127 or 124 with a note in `output`.
    """
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )
    except OSError as exc:
        return Result(127, str(exc))
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        return Result(124, f"{argv[0]} timed out after {limit:g}s")
    finally:
        if proc.returncode is None:  # timed out, or we are being cancelled (shutdown)
            await kill_group(proc, 0.5)
    return Result(proc.returncode or 0, out[:65536].decode(errors="replace"))
