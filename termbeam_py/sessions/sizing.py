"""Resize arbitration for a shared PTY, and the SIGWINCH bounce that forces a repaint.

Every viewer has its own window size; the PTY gets one. It takes the element-wise minimum
over the viewers that attached, typed or resized lately (so nobody sees wrapped lines), else
over every viewer with a size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection

from termbeam_py.sessions.client import Client
from termbeam_py.sessions.terminal import Terminal

#: Viewers that attached, typed or resized this recently decide the PTY size.
ACTIVE_WINDOW = 60.0
#: A TUI repaints on SIGWINCH only when the size changes: shrink by one column this long.
BOUNCE_SECONDS = 0.05

Size = tuple[int, int]


class Sizer:
    """Sets `terminal`'s size from `clients` (the session's live set, read on each call);
    `on_resize` hears of every change of the PTY's size as it happens (a recording's `r`)."""

    def __init__(self, terminal: Terminal, clients: Collection[Client],
                 on_resize: Callable[[int, int], None] | None = None) -> None:
        self._terminal = terminal
        self._clients = clients
        self._on_resize = on_resize
        self._loop = asyncio.get_running_loop()
        self._bounce: asyncio.TimerHandle | None = None

    @property
    def current(self) -> Size:
        return self._terminal.cols, self._terminal.rows

    def target(self) -> Size | None:
        """Element-wise minimum over viewers active lately, else over all with a size."""
        sized = [c.dims for c in self._clients if c.dims is not None and c.sized]
        cutoff = time.monotonic() - ACTIVE_WINDOW
        recent = [c.dims for c in self._clients
                  if c.dims is not None and c.sized and c.last_active >= cutoff] or sized
        if not recent:
            return None
        return min(cols for cols, _ in recent), min(rows for _, rows in recent)

    def apply(self) -> None:
        """Give the PTY the target size (a no-op without any sized viewer)."""
        self.cancel_bounce()
        self._apply()

    def redraw(self) -> None:
        """Make the program repaint: resize to the target, or bounce when it is the size
        already (a TUI repaints only when the size changes)."""
        size = self.target() or self.current
        if size != self.current:
            self._resize(*size)
            return
        self.cancel_bounce()
        cols, rows = size
        self._resize(cols - 1 if cols > 1 else 2, rows)
        self._bounce = self._loop.call_later(BOUNCE_SECONDS, self._end_bounce, cols, rows)

    def cancel_bounce(self) -> None:
        """Stop a bounce under way, putting the size back to the target."""
        if self._bounce is not None:
            self._bounce.cancel()
            self._bounce = None
            self._apply()

    def close(self) -> None:
        """The PTY is gone: drop the timer (it points back here) and the resize callback (it
        points back at the session: no cycle keeps a deleted session alive) without resizing."""
        self._on_resize = None
        if self._bounce is not None:
            self._bounce.cancel()
            self._bounce = None

    def _apply(self) -> None:
        size = self.target()
        if size is not None:
            self._resize(*size)

    def _end_bounce(self, cols: int, rows: int) -> None:
        self._bounce = None
        self._resize(cols, rows)

    def _resize(self, cols: int, rows: int) -> None:
        before = self.current
        self._terminal.resize(cols, rows)
        if self._on_resize is not None and self.current != before:
            self._on_resize(*self.current)
