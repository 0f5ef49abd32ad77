"""The test infrastructure itself: `eventually` and the slow-callback check can fail."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time

import pytest

from tests import coverage_summary
from tests.conftest import (
    SLOW_CALLBACK_SECONDS,
    TEST_CODE,
    TRACED_SLOW_CALLBACK_SECONDS,
    SlowCallbacks,
    slow_callback_seconds,
)
from tests.helpers import FakeClock, child_env, eventually
from tests.runqueue import RunQueueClock


async def test_eventually_returns_the_first_truthy_result() -> None:
    seen = iter([0, [], "ready"])
    assert await eventually(lambda: next(seen), "a value", interval=0) == "ready"


async def test_eventually_awaits_an_async_check() -> None:
    async def check() -> int:
        return 7

    assert await eventually(check, "seven") == 7


async def test_eventually_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0\.05 s waiting for the moon"):
        await eventually(lambda: False, "the moon", timeout=0.05)


async def test_a_timeout_raised_by_the_check_is_not_renamed() -> None:
    async def check() -> bool:
        raise TimeoutError("the check's own")

    with pytest.raises(TimeoutError, match="the check's own"):
        await eventually(check, "anything")


async def test_the_test_loop_threshold_is_set() -> None:
    assert asyncio.get_running_loop().slow_callback_duration == slow_callback_seconds()


def test_the_threshold_grows_only_under_a_tracer() -> None:
    """Coverage's tracer (sys.settrace) slows every line: the threshold allows for it."""
    before = sys.gettrace()
    try:
        sys.settrace(None)
        assert slow_callback_seconds() == SLOW_CALLBACK_SECONDS
        sys.settrace(lambda frame, event, arg: None)
        assert slow_callback_seconds() == TRACED_SLOW_CALLBACK_SECONDS
    finally:
        sys.settrace(before)


def _record(handle: str, took: float) -> logging.LogRecord:
    return logging.LogRecord("asyncio", logging.WARNING, __file__, 1,
                             "Executing %s took %.3f seconds", (handle, took), None)


class _Preempted(RunQueueClock):
    """A run queue that says the last callback waited `seconds` for a CPU."""

    def __init__(self, seconds: float = 0.0) -> None:
        super().__init__()
        self.seconds = seconds

    def since_callback_start(self) -> float:
        return self.seconds


def test_a_slow_callback_is_collected_and_a_fast_one_is_not() -> None:
    handler = SlowCallbacks(_Preempted())
    handler.emit(_record("<Handle fast()>", 0.05))
    handler.emit(_record("<Handle slow()>", 0.6))
    handler.emit(logging.LogRecord("asyncio", logging.WARNING, __file__, 1, "other", (), None))
    assert [m.split(" (")[0] for m in handler.messages] == [
        "Executing <Handle slow()> took 0.600 seconds"]


def test_time_spent_collecting_garbage_is_not_the_callback_s() -> None:
    handler = SlowCallbacks(_Preempted())
    record = _record("<Handle alloc()>", 0.25)
    handler.pauses.append((record.created - 0.2, record.created - 0.01))
    handler.emit(record)
    assert handler.messages == []


def test_time_spent_preempted_is_not_the_callback_s() -> None:
    handler = SlowCallbacks(_Preempted(0.55))
    handler.emit(_record("<Handle busy_machine()>", 0.6))
    assert handler.messages == []
    handler = SlowCallbacks(_Preempted(0.05))
    handler.emit(_record("<Handle blocked()>", 0.6))
    assert [m.split(" (")[0] for m in handler.messages] == [
        "Executing <Handle blocked()> took 0.600 seconds"]
    assert "0.050 s preempted" in handler.messages[0]


def test_the_run_queue_clock_counts_preemption_and_not_sleep() -> None:
    clock = RunQueueClock()
    if not clock.available:
        pytest.skip("the kernel has no per-thread schedstat")
    clock.mark()
    time.sleep(0.2)  # blocked, not runnable: the check must still see this
    assert clock.since_callback_start() < 0.1
    # Three CPU-bound processes on this thread's one CPU: it is runnable and waits.
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    # (children inherit the affinity; each ends by itself after 3 s if not killed first)
    hogs = [subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 3\n"
                              "while time.time() < end: pass"]) for _ in range(3)]
    try:
        clock.mark()
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            pass
        assert clock.since_callback_start() > 0.3
    finally:
        os.sched_setaffinity(0, before)
        for hog in hogs:
            hog.kill()
            hog.wait()


def test_test_code_is_told_from_server_code() -> None:
    here = f"coro=<test_x.<locals>.probe() running at {__file__}:3>"
    assert TEST_CODE.search(f"Executing <Task pending name='Task-1' {here}> took 0.2 seconds")
    server = "coro=<RequestHandler._handle_request() running at /x/aiohttp/web_protocol.py:5>"
    assert not TEST_CODE.search(f"Executing <Task pending name='Task-2' {server}>")


def test_child_env_scrubs_the_password_and_puts_the_checkout_first() -> None:
    env = child_env({"TERMBEAM_PASSWORD": "x", "PORT": "1", "PYTHONPATH": "/elsewhere"}, A="b")
    assert "TERMBEAM_PASSWORD" not in env
    assert "PORT" not in env
    assert env["PYTHONPATH"].endswith("/elsewhere")
    assert env["PYTHONPATH"] != "/elsewhere"
    assert env["A"] == "b"


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    before = clock()
    assert clock() == before
    clock.advance(2.5)
    assert clock() == before + 2.5


def test_the_coverage_summary_names_the_least_covered_modules() -> None:
    def entry(statements: int, percent: float, missing: int) -> dict[str, object]:
        return {"summary": {"num_statements": statements, "percent_covered": percent,
                            "missing_lines": missing}}

    report = {"totals": {"percent_covered": 71.25}, "files": {
        "a.py": entry(100, 50.0, 50), "tiny.py": entry(4, 0.0, 4),
        "b.py": entry(300, 50.0, 150), "c.py": entry(40, 95.0, 2)}}
    lines = coverage_summary.summary_lines(report, floor=70)
    assert lines[0].startswith("coverage 71.2 % of lines (floor 70 %, target 90 %)")
    # lowest percent first, the bigger gap first among equals; tiny modules are left out
    assert [line.split()[-1] for line in lines[1:]] == ["b.py", "a.py", "c.py"]
