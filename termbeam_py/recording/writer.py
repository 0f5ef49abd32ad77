"""The one thread that writes every recording: events queued by the event loop are decoded,
encoded as asciicast lines and written here, so a recording never blocks the loop.

A part that would grow past the size cap gets a `recording full` marker and the next part
starts with a fresh header. Each part is `<id>.cast` (0600) with `<id>.json` beside it (its
listing entry, rewritten when the part starts and ends) in a 0700 folder.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import concurrent.futures
import contextlib
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from termbeam_py.recording import cast, store
from termbeam_py.recording.cast import PartMeta
from termbeam_py.state import write_json
from termbeam_py.timefmt import now_iso_ms

log = logging.getLogger(__name__)

#: Longest event written, in characters: a big read becomes several events at the same time,
#: so no single line can carry a part far past its cap.
MAX_EVENT_CHARS = 16 * 1024
#: Bytes kept free at the end of a part for its `recording full` marker (about 60).
MARKER_ROOM = 96
#: What a job carries: the recording, the event code (or an OPEN/CLOSE/... word), the loop's
#: monotonic time and the data.
Job = tuple["Recording | None", str, float, "bytes | str | None"]
OPEN, CLOSE, RESUME, INPUT_ON = "open", "close", "resume", "input-on"
#: A job with no recording: everything queued before it is written and flushed.
SYNC = "sync"
#: Seconds written lines may wait in a part's buffer (FILE_BUFFER bytes) before the file gets
#: them, while output keeps coming: flushing each time the queue ran dry cost a write per
#: read of the PTY. A download or the listing first waits for a SYNC, which flushes.
FLUSH_EVERY = 0.25
FILE_BUFFER = 64 * 1024


def new_id() -> str:
    return secrets.token_hex(8)


class Recording:
    """One recording of one session, part after part. The loop reads its figures; only the
    writer thread changes them (and the open file)."""

    def __init__(self, *, folder: Path, max_bytes: int, session_id: str, session_name: str,
                 shell: str, size: tuple[int, int], record_input: bool, started: float,
                 continues: PartMeta | None = None) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.shell = shell
        self.size = size
        self.record_input = record_input
        """Whether `i` events are queued (the loop reads and sets it)."""
        self.queued = 0
        """Bytes the loop queued (written by the loop only)."""
        self.done = 0
        """Bytes of those the thread has handled (written by the thread only)."""
        self.written = 0
        """Bytes written to every part so far (by the thread)."""
        self.failed = False
        """A write failed (a full disk): nothing more is written."""
        part_id, now = new_id(), now_iso_ms()
        self.meta: PartMeta = {
            "id": part_id, "sessionId": session_id, "sessionName": session_name,
            "startedAt": now, "endedAt": None, "bytes": 0, "duration": 0.0,
            "part": continues["part"] + 1 if continues else 1, "input": record_input,
            "marks": 0, "series": continues["series"] if continues else part_id,
            "seriesStartedAt": continues["seriesStartedAt"] if continues else now,
            "resume": False,
        }
        """The current part's entry: replaced whole when a new part starts."""
        self._continues = continues
        self.started = started
        """The loop's monotonic time the current part's event times count from."""
        self._events = 0
        self._file: BinaryIO | None = None
        # One decoder per direction: a character split across two reads stays whole.
        self._decoders = {
            cast.OUTPUT: codecs.getincrementaldecoder("utf-8")("replace"),
            cast.INPUT: codecs.getincrementaldecoder("utf-8")("replace"),
        }

    @property
    def part_id(self) -> str:
        return self.meta["id"]

    def path(self, suffix: str = ".cast") -> Path:
        return self.folder / f"{self.meta['id']}{suffix}"

    # -- the writer thread's side ---------------------------------------------------------

    def open(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=FILE_BUFFER)
        line = cast.header(*self.size, self.meta["sessionName"], self.shell)
        self._file.write(line)
        self.meta["bytes"] = len(line)
        self.written += len(line)
        write_json(self.path(".json"), self.meta)
        if self._continues is not None:
            store.clear_resume(self.folder, self._continues)  # continued: not again
            self._continues = None

    def write(self, t: float, code: str, data: bytes | str) -> None:
        """Append one event (several, for a long one) at loop time `t`."""
        if isinstance(data, bytes):
            data = self._decoders[code].decode(data)
        if code == cast.RESIZE:
            cols, _, rows = data.partition("x")
            self.size = (int(cols), int(rows))
        if not data and code in (cast.OUTPUT, cast.INPUT):
            return  # the first bytes of a character: they come with the next read
        step = max(64, min(MAX_EVENT_CHARS, self.max_bytes // 8))
        for start in range(0, len(data), step):
            self._line(t, code, data[start : start + step])

    def _line(self, t: float, code: str, data: str) -> None:
        line = cast.event(t - self.started, code, data)
        # Room is kept for the marker that ends a full part. A part takes at least one event,
        # however small the cap.
        if self.meta["bytes"] + len(line) + MARKER_ROOM > self.max_bytes and self._events:
            marker = cast.event(t - self.started, cast.MARKER,
                                cast.full(self.meta["part"] + 1))
            self._append(marker, t, cast.MARKER)
            self._rotate(t)
            line = cast.event(0.0, code, data)
        self._append(line, t, code)

    def _append(self, line: bytes, t: float, code: str) -> None:
        if self._file is None:
            raise OSError("the recording's file is closed")
        self._file.write(line)
        self._events += 1
        self.written += len(line)
        self.meta["bytes"] += len(line)
        self.meta["duration"] = round(max(0.0, t - self.started), 6)
        if code == cast.MARKER:
            self.meta["marks"] += 1

    def _rotate(self, t: float) -> None:
        self.finish(resume=False)
        old = self.meta
        self.meta = {**old, "id": new_id(), "startedAt": now_iso_ms(), "endedAt": None,
                     "bytes": 0, "duration": 0.0, "part": old["part"] + 1, "marks": 0,
                     "input": self.record_input}
        self.started = t
        self._events = 0
        self.open()

    def finish(self, *, resume: bool) -> None:
        """End the current part: close its file and save its entry with its end time."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self.meta["endedAt"] = now_iso_ms()
        self.meta["resume"] = resume
        if resume:
            self.meta["resumeInput"] = self.record_input
        write_json(self.path(".json"), self.meta)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def abandon(self) -> None:
        """A write failed: close the file and write nothing more (its entry says when)."""
        self.failed = True
        with contextlib.suppress(OSError):
            self.finish(resume=False)


class Writer:
    """Drains the queue of every recording's events in one daemon thread, started on first use."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._open: set[Recording] = set()
        self._waiters: collections.deque[concurrent.futures.Future[None]] = (
            collections.deque())
        self.written = 0
        """Bytes written to every recording by this server (GET /metrics)."""
        self._dirty = False
        """Lines were written since the last flush."""

    def submit(self, job: Job) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="recording-writer",
                                            daemon=True)
            self._thread.start()
        self._queue.put(job)

    async def sync(self) -> None:
        """Wait until everything queued so far is on disk (closed parts have their end)."""
        if self._thread is None:
            return
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._waiters.append(done)
        self._queue.put((None, SYNC, 0.0, None))
        await asyncio.wrap_future(done)

    def stop(self) -> None:
        """Write what is queued, close every file and end the thread (blocking: a thread)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        flushed = time.monotonic()
        while True:
            try:
                job = self._queue.get(timeout=FLUSH_EVERY if self._dirty else None)
            except queue.Empty:  # quiet for a while: the files get what is buffered
                self._flush()
                continue
            if job is None:
                return
            self._handle(job)
            if self._dirty and time.monotonic() - flushed >= FLUSH_EVERY:
                # While output keeps coming, the files are at most about this far behind.
                self._flush()
            if not self._dirty:
                flushed = time.monotonic()

    def _flush(self) -> None:
        self._dirty = False
        for recording in list(self._open):
            self._guarded(recording, recording.flush)

    def _handle(self, job: Job) -> None:
        recording, code, t, data = job
        if recording is None:  # SYNC: its waiter was queued before it, so it is first
            self._flush()
            self._waiters.popleft().set_result(None)
            return
        if isinstance(data, bytes):
            recording.done += len(data)
        if recording.failed:
            return
        before = recording.written
        self._do(recording, code, t, data)
        self.written += recording.written - before

    def _do(self, recording: Recording, code: str, t: float, data: bytes | str | None) -> None:
        if code == OPEN:
            self._open.add(recording)
            self._guarded(recording, recording.open)
        elif code in (CLOSE, RESUME):
            self._open.discard(recording)
            self._guarded(recording, lambda: recording.finish(resume=code == RESUME))
        elif code == INPUT_ON:
            recording.meta["input"] = True
        elif data is not None:
            self._dirty = True
            self._guarded(recording, lambda: recording.write(t, code, data))

    def _guarded(self, recording: Recording, step: Callable[[], None]) -> None:
        try:
            step()
        except OSError as exc:
            log.warning("recording %s stopped: %s", recording.part_id, exc)
            self._open.discard(recording)
            recording.abandon()

