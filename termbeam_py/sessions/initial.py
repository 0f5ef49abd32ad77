"""A session's `initialCommand`: typed once the shell has gone quiet after starting.

A shell prints its prompt (and whatever its rc files print) in bursts; a command typed in the
middle of that can land before the prompt, or be eaten by a program reading the terminal.
So it goes out after QUIET seconds without output, or after FALLBACK seconds at most.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

#: Seconds of output silence before the command is typed, and the longest wait in all.
QUIET = 0.6
FALLBACK = 3.5


class InitialCommand:
    """Types `command` through `write` once, when the output goes quiet or at the fallback."""

    def __init__(self, command: str, write: Callable[[bytes], None]) -> None:
        self._command: str | None = command
        self._write = write
        self._loop = asyncio.get_running_loop()
        self._fallback = self._loop.call_later(FALLBACK, self._send)
        self._quiet: asyncio.TimerHandle | None = None

    @property
    def pending(self) -> bool:
        """True until the command has been typed (or dropped)."""
        return self._command is not None

    def output_seen(self) -> None:
        """More output: the quiet period starts again."""
        if self._command is None:
            return
        if self._quiet is not None:
            self._quiet.cancel()
        self._quiet = self._loop.call_later(QUIET, self._send)

    def cancel(self) -> None:
        """Never type it (the shell exited); the timers, which point back here, go."""
        self._command = None
        self._fallback.cancel()
        if self._quiet is not None:
            self._quiet.cancel()
            self._quiet = None

    def _send(self) -> None:
        command = self._command
        self.cancel()
        if command:
            # As typed input: a lone surrogate (JSON's "\ud800") becomes "?" instead of
            # raising in this timer callback.
            self._write(command.encode("utf-8", "replace") + b"\r")
