"""Provider subprocesses: start in their own process group, read bounded lines, kill the group.

The tunnel program may fork helpers (ssh's ProxyCommand, cloudflared's children), so the whole
group is signalled, never just the direct child.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from termbeam_py.child import GroupStop, run_child, signal_group, stop_group

#: Longer output lines are cut here: a provider must not make us buffer without bound.
MAX_LINE = 4096
_CHUNK = 4096
#: After the program exits, how long its last buffered lines may take to arrive.
_EXIT_DRAIN = 0.2
_EXIT_POLL = 0.25
SECRET_ENV = ("TERMBEAM_PASSWORD", "PTY_PASSWORD")


def _environment() -> dict[str, str]:
    """Ours without the password: a tunnel program has no business reading it."""
    return {k: v for k, v in os.environ.items() if k not in SECRET_ENV}


async def spawn(argv: list[str], *, keep_stdin: bool = False) -> asyncio.subprocess.Process:
    """Start `argv` in a new session (its own process group), stdout and stderr merged."""
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if keep_stdin else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True, env=_environment(),
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


async def output(proc: asyncio.subprocess.Process) -> AsyncGenerator[str, None]:
    """`proc`'s output lines until EOF or until the program exits.

    A helper the program forked may hold the pipe open after the program died, so the exit
    itself ends the stream; what was already written is still read for a short moment.
    """
    if proc.stdout is None:
        raise RuntimeError("spawn() always pipes stdout")
    reader = lines(proc.stdout)
    exited = asyncio.ensure_future(_exit(proc))
    step: asyncio.Future[str] | None = None
    try:
        while True:
            step = asyncio.ensure_future(anext(reader))
            await asyncio.wait({step, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                await asyncio.wait({step}, timeout=_EXIT_DRAIN)
            if not step.done():
                return
            try:
                line = step.result()
            except StopAsyncIteration:
                return
            yield line
    finally:
        exited.cancel()
        if step is not None and not step.done():
            step.cancel()
            await asyncio.wait({step})  # the generator must stop running before aclose()
        await reader.aclose()


async def _exit(proc: asyncio.subprocess.Process) -> None:
    # Process.wait() also waits for the pipes to close, which a surviving helper prevents;
    # returncode is set as soon as the program itself has exited.
    while True:
        if proc.returncode is not None:
            return
        await asyncio.sleep(_EXIT_POLL)


def _decode(line: bytes) -> str:
    return line[:MAX_LINE].decode(errors="replace").rstrip("\r")


def terminate(proc: asyncio.subprocess.Process) -> None:
    """Ask the program's group to exit; its output stream then ends (see `output`)."""
    signal_group(proc.pid, signal.SIGTERM)  # start_new_session made it its group's leader


async def kill_group(proc: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM the process group, SIGKILL it after `grace` seconds, and reap the child."""
    if proc.stdin is not None:
        proc.stdin.close()
    await stop_group(proc, GroupStop(signal.SIGTERM, grace))


@dataclass(frozen=True, slots=True)
class Result:
    returncode: int
    output: str


async def run(argv: list[str], limit: float = 10.0) -> Result:
    """Run a short provider command (login check, create, delete); never raises.

    A missing program or a timeout gives returncode 127 or 124 with a note in `output`.
    """
    done = await run_child(
        argv, limit, env=_environment(), merge_stderr=True, group=GroupStop(signal.SIGTERM, 0.5)
    )
    if done.start_error is not None:
        return Result(127, str(done.start_error))
    if done.returncode is None:
        return Result(124, f"{argv[0]} timed out after {limit:g}s")
    return Result(done.returncode, done.output[:65536].decode(errors="replace"))
