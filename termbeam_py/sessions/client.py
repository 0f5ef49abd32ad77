"""One viewer of a session: its cursor into the output log and its outbox of messages."""

from __future__ import annotations

import asyncio
import codecs
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from termbeam_py.sessions.events import Event


@dataclass(eq=False)
class Output:
    """A slice of the output log: `data` starts at sequence number `seq`.

    Viewers at the same position get the same slice object; the transport encodes it once
    for all of them (ws.FrameCache).
    """

    seq: int
    data: bytes


class Phase(Enum):
    """Where a viewer is in its first moments; every viewer ends up LIVE."""

    NEW = "new"
    """Not attached yet."""
    FIRST_RESIZE = "first-resize"
    """The very first viewer of a session, shown nothing until its first resize: the
    prompt drawn for the spawn size would otherwise appear twice."""
    REDRAW = "redraw"
    """Attached while a full-screen program runs: its first resize makes the program repaint."""
    LIVE = "live"


@dataclass(eq=False)
class Client:
    """A viewer attached to one session.

    `binary` clients speak the protocol extension: raw output frames carrying sequence
    numbers, and `ack`s from the browser that drive flow control. Other clients get the
    documented JSON `output` messages, decoded with their own incremental UTF-8 decoder.
    """

    binary: bool = False
    cursor: int = 0
    """Sequence number of the next byte to send."""
    acked: int = 0
    """Bytes the browser reported as rendered (binary clients only)."""
    dims: tuple[int, int] | None = None
    last_active: float = field(default_factory=time.monotonic)
    progress_at: float = field(default_factory=time.monotonic)
    """When `flow_position` last moved: a viewer that stops moving stops pacing the PTY."""
    phase: Phase = Phase.NEW
    closed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    control: deque[tuple[int, Event]] = field(default_factory=deque)
    """Events to send once the cursor reaches the sequence number they were queued at."""
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace")
    )

    @property
    def active(self) -> bool:
        """Gets output and paces the PTY (not before attaching or its first resize)."""
        return self.phase in (Phase.REDRAW, Phase.LIVE)

    @property
    def sized(self) -> bool:
        """Its window size counts toward the PTY's."""
        return self.phase is not Phase.FIRST_RESIZE

    @property
    def flow_position(self) -> int:
        """What flow control counts as delivered: acked bytes, or sent ones for JSON."""
        return self.acked if self.binary else self.cursor

    def advanced(self) -> None:
        self.progress_at = time.monotonic()

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def enqueue(self, barrier: int, event: Event) -> None:
        self.control.append((barrier, event))
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()
