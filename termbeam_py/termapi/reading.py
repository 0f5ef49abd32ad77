"""Reading a session's output log for the terminal API: readers that pace the PTY, and
carrying bytes in JSON (as UTF-8 text, or base64 for exact bytes).

A reader is a cursor the session's flow control counts like a viewer's (session.update_flow):
while a script keeps reading, a flood waits for it instead of scrolling off the log. Long
polls share one reader per session; it lingers LINGER seconds after the last poll ends, so
the gap between two polls does not let the flood run ahead, and a script that stopped
polling holds the PTY back for at most that long.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
from dataclasses import dataclass
from typing import Literal

from termbeam_py.errors import BadRequest
from termbeam_py.sessions import Session
from termbeam_py.sessions.client import Client, Phase

#: Seconds a long-poll reader keeps pacing the PTY after its last poll.
LINGER = 2.0

Encoding = Literal["utf-8", "base64"]
ENCODINGS: tuple[Encoding, ...] = ("utf-8", "base64")


@dataclass(eq=False)
class ApiReader(Client):
    """A Client that is only a position: nothing is queued or pushed to it."""

    polls: int = 0
    """Long polls using it now; it lingers once this falls to 0."""
    linger: asyncio.TimerHandle | None = None
    shared: bool = False
    """The session's long-poll reader (else a streaming `run`'s own)."""


def new_reader(session: Session, position: int) -> ApiReader:
    """A private reader at `position` (a streaming `run`); `drop` it when done."""
    reader = ApiReader(phase=Phase.LIVE, cursor=position)
    session.readers.add(reader)
    session.update_flow()
    return reader


def poll_reader(session: Session, position: int) -> ApiReader:
    """The session's shared long-poll reader, moved to `position`; `release` it after."""
    reader = next((r for r in session.readers
                   if isinstance(r, ApiReader) and r.shared and not r.closed), None)
    if reader is None:
        reader = ApiReader(phase=Phase.LIVE, cursor=position, shared=True)
        session.readers.add(reader)
    if reader.linger is not None:
        reader.linger.cancel()
        reader.linger = None
    reader.polls += 1
    move(session, reader, position)
    return reader


def move(session: Session, reader: ApiReader, position: int) -> None:
    """The script has everything before `position`: let the PTY run on."""
    if position != reader.cursor:
        reader.cursor = position
        reader.advanced()
        session.update_flow()


def release(session: Session, reader: ApiReader) -> None:
    """A long poll ended; the reader lingers for the next one."""
    reader.polls -= 1
    if reader.polls <= 0 and not reader.closed:
        loop = asyncio.get_running_loop()
        reader.linger = loop.call_later(LINGER, drop, session, reader)


def drop(session: Session, reader: ApiReader) -> None:
    reader.close()
    session.readers.discard(reader)
    session.update_flow()


def encoding_of(value: str | None) -> Encoding:
    if value is None or value == "utf-8":
        return "utf-8"
    if value == "base64":
        return "base64"
    raise BadRequest("encoding must be utf-8 or base64")


class Encoder:
    """Turns consecutive chunks of output into JSON strings.

    utf-8: text, invalid bytes replaced by U+FFFD (lossy for output that is not UTF-8); a
    character split between two chunks is held back (see `held`) and goes with the next.
    base64: every byte exactly.
    """

    def __init__(self, encoding: Encoding) -> None:
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def encode(self, data: bytes, *, final: bool = False) -> str:
        if self.encoding == "base64":
            return base64.b64encode(data).decode("ascii")
        return self._decoder.decode(data, final)

    @property
    def held(self) -> int:
        """Bytes at the end of the last chunk not yet decoded (an unfinished character)."""
        if self.encoding == "base64":
            return 0
        return len(self._decoder.getstate()[0])
