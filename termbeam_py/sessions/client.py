"""One viewer of a session: its cursor into the output log and its outbox of messages."""

from __future__ import annotations

import asyncio
import codecs
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass(eq=False)
class Output:
    """A slice of the output log: `data` starts at sequence number `seq`.

    Senders that several viewers share may encode a slice once (`Session.encoded`) and
    reuse it for every viewer sending the same range.
    """

    seq: int
    data: bytes


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
    active: bool = False
    """False while the very first client of a session waits for its first resize."""
    awaiting_first_resize: bool = False
    needs_redraw: bool = False
    closed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    control: deque[tuple[int, Message]] = field(default_factory=deque)
    """Messages to send once the cursor reaches the sequence number they were queued at."""
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace")
    )

    @property
    def flow_position(self) -> int:
        """What flow control counts as delivered: acked bytes, or sent ones for JSON."""
        return self.acked if self.binary else self.cursor

    def advanced(self) -> None:
        self.progress_at = time.monotonic()

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def enqueue(self, barrier: int, message: Message) -> None:
        self.control.append((barrier, message))
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()
