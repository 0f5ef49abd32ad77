"""What the terminal API needs from a session: waiting for output, pacing API readers, and
running one typed command at a time between its shell-integration marks.

A command typed by `POST /api/sessions/:id/run` starts at the OSC 133 `C` mark its shell
prints after reading the line (so the echoed command line is before it) and ends at the `D`
mark printed before the next prompt; its output is the log between the two.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from termbeam_py.sessions.activity import SessionActivity


@dataclass(eq=False)
class CommandRun:
    """One command typed through the API, followed through its marks."""

    typed_at: int
    """The log's head when the command was typed."""
    started: asyncio.Future[int]
    """Resolves to the sequence number just after the `C` mark: the output's first byte."""
    finished: asyncio.Future[tuple[int, int | None]]
    """Resolves to (the sequence number of the `D` mark, the exit code), or to (the log's
    head, the shell's exit code) when the shell ended first (`exit 3`)."""
    began: float = field(default_factory=time.monotonic)
    ran: bool = True
    """False when the shell showed a new prompt without running it (a syntax error)."""


class CommandRunner:
    """At most one API command per session; `busy` says why another cannot start now."""

    def __init__(self, activity: SessionActivity) -> None:
        self._activity = activity
        self.current: CommandRun | None = None
        # Between a command's D mark and the A of the prompt after it. The shell writes the
        # two with separate writes, so a script's next line can be typed between them: that
        # A is the previous command's prompt, not a sign the new line was refused.
        self._prompt_due = False

    def busy(self) -> str | None:
        """Why a command cannot be typed now, or None when the shell is at its prompt."""
        if self.current is not None:
            return "a command started through the API is still running"
        if self._activity.running_for() is not None:
            command = self._activity.command
            return f"a command is running ({command})" if command else "a command is running"
        return None

    def begin(self, typed_at: int) -> CommandRun:
        """Follow the command about to be typed; call before typing it, so no mark is missed."""
        loop = asyncio.get_running_loop()
        run = CommandRun(typed_at, loop.create_future(), loop.create_future())
        self.current = run
        return run

    def mark(self, kind: str, rest: str, start: int, end: int) -> None:
        """An OSC 133 mark of the session (its `activity.on_mark`, which the session calls)."""
        prompt_due, self._prompt_due = self._prompt_due, kind == "D" or (
            self._prompt_due and kind != "A")
        run = self.current
        if run is None:
            return
        if kind == "C" and not run.started.done():
            run.started.set_result(end)
        elif kind == "D" and run.started.done():
            code = rest.split(";", 1)[0]
            self._finish(run, start, int(code) if code.lstrip("-").isdigit() else None)
        elif (kind == "A" and not prompt_due and not run.started.done()
              and start >= run.typed_at):
            # A new prompt and no command: the shell refused the line (or it was empty).
            run.ran = False
            run.started.set_result(run.typed_at)
            self._finish(run, start, None)

    def _finish(self, run: CommandRun, seq: int, code: int | None) -> None:
        if not run.finished.done():
            run.finished.set_result((seq, code))
        self.current = None

    def ended(self, head: int, exit_code: int | None) -> None:
        """The shell exited: a command still running ended with it."""
        run = self.current
        if run is None:
            return
        if not run.started.done():
            run.started.set_result(run.typed_at)
        self._finish(run, head, exit_code)


class OutputSignal:
    """Wakes everyone waiting for output past some point; costs nothing without waiters."""

    def __init__(self) -> None:
        self._next: asyncio.Future[None] | None = None

    def notify(self) -> None:
        if self._next is not None:
            if not self._next.done():
                self._next.set_result(None)
            self._next = None

    def next(self) -> asyncio.Future[None]:
        """Resolves at the next `notify`; shared by every waiter, so never cancel it."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        return self._next

    async def wait(self, seconds: float) -> None:
        """Until the next `notify` or `seconds` pass, whichever comes first."""
        # asyncio.wait never cancels the shared future when this waiter gives up.
        await asyncio.wait({self.next()}, timeout=max(seconds, 0))
