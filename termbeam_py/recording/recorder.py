"""Recorder: a session's tap on its output, input, size and shell-integration marks, queuing
asciicast events for the writer thread. It runs on the output path, so it only timestamps
and queues; decoding and writing happen in the thread (writer.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from termbeam_py.recording import cast
from termbeam_py.recording.writer import CLOSE, INPUT_ON, OPEN, RESUME, Recording, Writer

log = logging.getLogger(__name__)

#: Bytes queued but not yet written above which output is skipped (and a marker says how
#: much): a disk slower than a flood of output must not grow memory without bound.
MAX_PENDING = 16 * 1024 * 1024


class Recorder:
    """Set on a session (`session.recorder`) while it records."""

    def __init__(self, writer: Writer, recording: Recording,
                 size: Callable[[], tuple[int, int]], *, note: str | None = None,
                 max_pending: int = MAX_PENDING) -> None:
        self._writer = writer
        self._max_pending = max_pending
        self.recording = recording
        self._size = size
        self._last_size = recording.size
        self._marks: list[tuple[int, str]] = []
        """Markers raised while the current read was scanned: (sequence number, label)."""
        self._in_command = False
        self._skipped = 0
        self._on = True
        writer.submit((recording, OPEN, time.monotonic(), None))
        if note:
            writer.submit((recording, cast.MARKER, time.monotonic(), note))

    @property
    def active(self) -> bool:
        """Recording now: not stopped, and no write has failed (a full disk)."""
        return self._on and not self.recording.failed

    @property
    def record_input(self) -> bool:
        return self.recording.record_input

    @record_input.setter
    def record_input(self, value: bool) -> None:
        if value and not self.recording.record_input:
            self._writer.submit((self.recording, INPUT_ON, time.monotonic(), None))
        self.recording.record_input = value

    def _queue(self, code: str, data: bytes | str, now: float) -> None:
        if isinstance(data, bytes):
            self.recording.queued += len(data)
        self._writer.submit((self.recording, code, now, data))

    def output(self, data: bytes, end: int) -> None:
        """A read of the PTY, whose last byte has sequence number `end - 1`."""
        if not self.active:
            return
        now = time.monotonic()
        if self.recording.queued - self.recording.done > self._max_pending:
            if not self._skipped:
                log.warning("recording %s: the disk cannot keep up with the output; output "
                            "is skipped until it does", self.recording.part_id)
            self._skipped += len(data)
            self._marks.clear()
            return
        self._note_skipped(now)
        start = end - len(data)
        cut = 0
        for seq, label in self._marks:
            at = min(max(seq - start, cut), len(data))
            if at > cut:
                self._queue(cast.OUTPUT, data[cut:at], now)
                cut = at
            self._queue(cast.MARKER, label, now)
        self._marks.clear()
        if cut < len(data):
            self._queue(cast.OUTPUT, data[cut:] if cut else data, now)

    def resize(self, cols: int, rows: int, *, now: float | None = None) -> None:
        """The PTY's size is now `cols` x `rows`: an `r` event at this moment (a player
        needs it before the output drawn at that size, and a last resize is kept too)."""
        if self.active and (cols, rows) != self._last_size:
            self._last_size = (cols, rows)
            self._queue(cast.RESIZE, f"{cols}x{rows}", time.monotonic() if now is None else now)

    def _note_skipped(self, now: float) -> None:
        """Say in the file how much output was skipped, once the skipping ends."""
        if self._skipped:
            self._queue(cast.MARKER, f"recording skipped {self._skipped} bytes: the disk "
                                     "could not keep up", now)
            log.warning("recording %s: %d bytes of output were skipped",
                        self.recording.part_id, self._skipped)
            self._skipped = 0

    def mark(self, kind: str, rest: str, seq: int, command: str | None) -> None:
        """An OSC 133 mark (sessions/activity.py) at sequence number `seq`: command start and
        end become markers, placed where they are in the output."""
        if not self._on:
            return
        if kind == "C":
            self._in_command = True
            self._marks.append((seq, cast.command_started(command)))
        elif kind == "D" and self._in_command:
            self._in_command = False
            self._marks.append((seq, cast.command_ended(rest)))

    def input(self, data: bytes) -> None:
        if self._on and self.recording.record_input:
            self._queue(cast.INPUT, data, time.monotonic())

    def stop(self, *, resume: bool = False) -> None:
        """End the recording; with `resume`, the next server continues it in a new part."""
        if self._on:
            now = time.monotonic()
            if not self.recording.failed:
                self.resize(*self._size(), now=now)
                self._note_skipped(now)  # skipped up to the end: the file still says so
            self._on = False
            self._writer.submit((self.recording, RESUME if resume else CLOSE, now, None))
