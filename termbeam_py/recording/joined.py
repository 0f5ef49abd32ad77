"""One asciicast v2 stream from the parts of one recording, in order: the first part's
header, then every part's events with times that go on from the part before (#19).
`termbeam rec export` and `rec play` join the parts the server serves one by one.

Each part's times count from its own start. A part that follows a full one started at the
time of the full part's last event (its `recording full` marker), so the joined times are
exactly the recording's. A part continued after a server restart starts at the previous
part's last event: what the server did not record while it was down is left out of the time,
as a paused asciinema recording leaves its pause out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from termbeam_py.recording import cast


class NotACast(ValueError):
    """A part that is not asciicast v2 (its message says where)."""


def _header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("version") != 2 or not all(
            isinstance(header.get(k), int) for k in ("width", "height")):
        raise NotACast("line 1 is not an asciicast v2 header")
    return header


def _event(line: bytes, number: int) -> tuple[float, str, str]:
    try:
        t, code, data = json.loads(line)
    except (ValueError, TypeError):
        raise NotACast(f"line {number} is not an asciicast event") from None
    # json takes NaN and Infinity, which no event time can be (nor be written back as JSON).
    if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t) \
            or not isinstance(code, str) or not isinstance(data, str):
        raise NotACast(f"line {number} is not an asciicast event")
    return float(t), code, data


class Joiner:
    """Feed it the parts of one recording in order (`part`); it yields the joined lines."""

    def __init__(self) -> None:
        self._offset = 0.0
        """Where the current part's time 0 is in the joined stream."""
        self._last = 0.0
        """The joined time of the last event so far."""
        self._size: tuple[int, int] | None = None
        """The terminal size a player has at this point of the stream."""

    def part(self, data: bytes) -> Iterator[bytes]:
        """The lines (each ending in a newline) this part adds to the joined stream. A last
        line without its newline (a server that crashed mid-write) is left out."""
        lines = data.split(b"\n")
        lines.pop()  # after the last newline: empty, or the cut line
        if not lines:
            raise NotACast("the file is empty")
        header = _header(lines[0])
        size = (header["width"], header["height"])
        if self._size is None:
            yield lines[0] + b"\n"
        elif size != self._size:  # e.g. resized while no server ran: as a resize here
            yield cast.event(self._last, cast.RESIZE, f"{size[0]}x{size[1]}")
        self._size = size
        self._offset = self._last
        for number, line in enumerate(lines[1:], 2):
            if not line.strip():
                continue
            t, code, text = _event(line, number)
            # Never before the part's start, nor an event before its predecessor.
            self._last = max(self._last, self._offset + max(t, 0.0))
            if code == cast.RESIZE:
                cols, _, rows = text.partition("x")
                if cols.isdigit() and rows.isdigit():
                    self._size = (int(cols), int(rows))
            yield cast.event(self._last, code, text)
