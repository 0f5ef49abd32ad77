"""Choosing the server's event loop: uvloop when it imports, asyncio's own otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from termbeam_py import eventloop


def _run_on(factory: eventloop.LoopFactory | None) -> str:
    async def name() -> str:
        return type(asyncio.get_running_loop()).__module__

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(name())


def test_auto_and_uvloop_run_on_uvloop() -> None:
    for choice in ("auto", "uvloop"):
        name, factory = eventloop.loop_factory(choice)
        assert name == "uvloop"
        assert _run_on(factory).startswith("uvloop")


def test_asyncio_keeps_the_standard_loop() -> None:
    assert eventloop.loop_factory("asyncio") == ("asyncio", None)
    assert _run_on(None).startswith("asyncio")


def test_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail, as on a platform without a wheel.
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert eventloop.loop_factory("auto") == ("asyncio", None)
    with pytest.raises(eventloop.EventLoopError, match="uvloop cannot be imported"):
        eventloop.loop_factory("uvloop")
