"""Short-lived child processes with a time limit: run, collect or stream the output, and stop
the child (or its whole process group) when time runs out or the caller is cancelled.

Nothing here blocks the event loop, and no child outlives the call: a timed-out or cancelled
run is killed and reaped before `run_child` returns or re-raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

OutputSink = Callable[[bytes], Awaitable[None]]
_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class GroupStop:
    """Run the child in a process group of its own and stop the whole group: `first`, then
    SIGKILL to whatever is left after `grace` seconds.

    For programs that start others (installers, tunnels): killing the leader alone would
    orphan its helpers, and a grace lets it clean up (pip rolls back a half-done install).
    """

    first: signal.Signals = signal.SIGTERM
    grace: float = 0.0


@dataclass(frozen=True, slots=True)
class Completed:
    """How a run ended: it exited (`returncode`), could not start (`start_error`) or ran out
    of time (`timed_out`)."""

    returncode: int | None
    """The exit status; None when it did not start or was stopped for running too long."""
    output: bytes = b""
    """Everything it wrote (stderr too when merged); empty when streamed to `on_output`."""
    start_error: OSError | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


async def run_child(
    argv: Sequence[str],
    time_limit: float,
    *,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    merge_stderr: bool = False,
    on_output: OutputSink | None = None,
    group: GroupStop | None = None,
) -> Completed:
    """Run `argv` (no shell) for at most `time_limit` seconds.

    Args:
        stdin: bytes to feed it; without, its stdin is /dev/null.
        merge_stderr: stderr joins stdout; otherwise it is discarded.
        on_output: awaited with each chunk of output as it arrives, instead of collecting it.
        group: stop its own process group this way; without, only the child is killed.
    """
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=env,
            stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.DEVNULL,
            start_new_session=group is not None,
        )
    except OSError as exc:
        return Completed(None, start_error=exc)
    try:
        async with asyncio.timeout(time_limit):
            output = await _collect(proc, stdin, on_output)
    except TimeoutError:
        return Completed(None, timed_out=True)
    finally:
        if proc.returncode is None:  # timed out, or our caller is being cancelled
            await asyncio.shield(_stop(proc, group))
    return Completed(proc.returncode, output)


async def _collect(
    proc: asyncio.subprocess.Process, stdin: bytes | None, on_output: OutputSink | None
) -> bytes:
    if on_output is None:
        out, _ = await proc.communicate(stdin)
        return out
    if proc.stdout is None:  # cannot happen with stdout=PIPE; keeps the types honest
        raise RuntimeError("run_child always pipes stdout")
    if proc.stdin is not None:
        proc.stdin.write(stdin or b"")
        proc.stdin.close()
    while chunk := await proc.stdout.read(_CHUNK):
        await on_output(chunk)
    await proc.wait()
    return b""


async def _stop(proc: asyncio.subprocess.Process, group: GroupStop | None) -> None:
    """Stop the child (or its group, gently first when the policy gives a grace) and reap it."""
    if group is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return
    await stop_group(proc, group)


async def stop_group(proc: asyncio.subprocess.Process, how: GroupStop) -> None:
    """`how.first` to the process group of `proc` (started with `start_new_session`), SIGKILL
    after `how.grace` seconds, then reap `proc`."""
    signal_group(proc.pid, how.first)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), how.grace)
    # Always: members of the group may outlive a leader that honoured the first signal.
    signal_group(proc.pid, signal.SIGKILL)
    await proc.wait()


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group led by `pid`; a group that is gone (or was never ours to
    signal) is not an error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
