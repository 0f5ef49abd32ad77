"""child.run_child: output, stdin, start errors, and that no child outlives a timeout or a
cancelled caller (its whole group, when asked, after the grace)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from termbeam_py.child import GroupStop, run_child
from tests.helpers import eventually

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that may never reap it (a container's init)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


class Lines:
    """An `on_output` sink that keeps what arrived, for tests to wait on."""

    def __init__(self) -> None:
        self.text = ""

    async def __call__(self, chunk: bytes) -> None:
        self.text += chunk.decode()

    def pids(self) -> list[int]:
        return [int(word) for word in self.text.split() if word.isdigit()]


async def test_output_and_exit_status() -> None:
    done = await run_child(["sh", "-c", "echo out; echo err >&2; exit 3"], 10)
    assert (done.returncode, done.output, done.ok, done.timed_out) == (3, b"out\n", False, False)
    merged = await run_child(["sh", "-c", "echo out; echo err >&2"], 10, merge_stderr=True)
    assert (merged.returncode, merged.output, merged.ok) == (0, b"out\nerr\n", True)


async def test_stdin_is_fed_or_empty() -> None:
    assert (await run_child(["cat"], 10, stdin=b"to the child")).output == b"to the child"
    assert (await run_child(["cat"], 10)).output == b""
    streamed = Lines()
    await run_child(["cat"], 10, stdin=b"streamed", on_output=streamed)
    assert streamed.text == "streamed"


async def test_a_program_that_cannot_start(tmp_path: Path) -> None:
    done = await run_child([str(tmp_path / "missing")], 10)
    assert done.returncode is None
    assert not done.timed_out
    assert isinstance(done.start_error, FileNotFoundError)


async def test_a_timeout_kills_and_reaps_the_child() -> None:
    lines = Lines()
    done = await run_child(["sh", "-c", "echo $$; exec sleep 60"], 2, on_output=lines)
    assert done.timed_out
    assert (done.returncode, done.start_error) == (None, None)
    [pid] = lines.pids()
    assert not alive(pid)


async def stopped_after(lines: Lines, argv: list[str], group: GroupStop) -> None:
    """Run `argv` until it has printed a pid, then cancel the caller: the stop runs then."""
    task = asyncio.create_task(run_child(argv, 60, on_output=lines, group=group))
    await eventually(lines.pids, "the pid it prints once ready")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_group_stop_reaches_what_the_child_started() -> None:
    lines = Lines()
    await stopped_after(lines, ["sh", "-c", "sleep 60 & echo $!; wait"],
                        GroupStop(signal.SIGTERM, 0.5))
    [grandchild] = lines.pids()
    await eventually(lambda: not alive(grandchild), "the grandchild to be killed")


async def test_the_group_gets_the_first_signal_and_its_grace(tmp_path: Path) -> None:
    marker = tmp_path / "interrupted"
    script = f"trap 'echo yes > {marker}; exit 0' INT; echo $$; while :; do sleep 0.05; done"
    await stopped_after(Lines(), ["sh", "-c", script], GroupStop(signal.SIGINT, 10))
    assert marker.read_text() == "yes\n"  # it cleaned up before anything was killed


async def test_a_cancelled_caller_leaves_no_child() -> None:
    lines = Lines()
    task = asyncio.create_task(
        run_child(["sh", "-c", "echo $$; exec sleep 60"], 60, on_output=lines)
    )
    [pid] = await eventually(lines.pids, "the child's pid")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pid)
