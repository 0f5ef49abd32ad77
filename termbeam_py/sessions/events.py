"""What a session tells its viewers besides output, as typed domain events.

The transport decides how they travel (protocol.py turns them into the documented WebSocket
messages); `sessions/` never builds wire messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from termbeam_py.sessions.activity import CommandDone


@dataclass(frozen=True, slots=True)
class Replay:
    """A fresh snapshot of the screen; the viewer follows the log from `seq` on."""

    data: str
    seq: int
    binary: bool
    """The viewer speaks the binary extension (and so is told `seq`)."""


@dataclass(frozen=True, slots=True)
class Attached:
    session_id: str
    seq: int
    binary: bool
    resumed: bool = False
    """True when the viewer resumed exactly from the `since` it asked for."""


@dataclass(frozen=True, slots=True)
class Exited:
    code: int


@dataclass(frozen=True, slots=True)
class Notification:
    """A command finished in session `session_id` (called `session_name` at the time)."""

    session_id: str
    session_name: str
    done: CommandDone


Event = Replay | Attached | Exited | Notification
