"""Which event loop the server runs on: uvloop where it is installed, else asyncio's own.

uvloop runs the same asyncio code on libuv with its callbacks and transports in C. Measured
with termbench on a 2-core machine, it cut keystroke echo p50 from 0.46 to 0.32 ms, create +
attach + first prompt from 7.4 to 5.0 ms and server CPU per 50 MB of output by a sixth
(benchmarks/README.md). `TERMBEAM_EVENT_LOOP=asyncio` keeps the standard loop.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


class EventLoopError(RuntimeError):
    """uvloop was asked for by name but cannot be imported."""


def loop_factory(choice: str) -> tuple[str, LoopFactory | None]:
    """The loop's name and a factory for asyncio.Runner (None: asyncio's default loop).

    `choice` is one of config.EVENT_LOOPS: "auto" takes uvloop when it imports.
    """
    if choice == "asyncio":
        return "asyncio", None
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError as exc:
        if choice == "uvloop":
            raise EventLoopError(f"uvloop cannot be imported: {exc}") from exc
        # No wheel for this platform (or an install without it): the standard loop serves.
        log.debug("uvloop is not available (%s); using asyncio's event loop", exc)
        return "asyncio", None
    factory: LoopFactory = uvloop.new_event_loop
    return "uvloop", factory
