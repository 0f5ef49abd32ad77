"""RecordKeeper: the files that let a session outlive the server, kept off the event loop.

Per session, in the holder's folder: the output log (`<id>.ring`, a file-backed ring the
session writes as output arrives) and the record (`<id>.json`, sessions/record.py), written
when the session starts, is renamed or recoloured, and when shell-integration marks change
its command state (at most every SAVE_DELAY), and once more when the server lets go. Every
write and delete of one session runs in order, in a worker thread. Without a folder (the
server keeps no sessions) logs live in memory and nothing is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from termbeam_py.holder.paths import ensure_private
from termbeam_py.sessions import record
from termbeam_py.sessions.outlog import OutputLog
from termbeam_py.sessions.record import SessionRecord

if TYPE_CHECKING:
    from termbeam_py.sessions.session import Session

log = logging.getLogger(__name__)

SAVE_DELAY = 1.0
"""Seconds a record change waits, so a burst of marks costs one write."""
NEW_DELAY = 0.25
"""Seconds before a new session's first record is written (see `started`)."""


class RecordKeeper:
    def __init__(self, store: Path | None) -> None:
        self.store = store
        self._spare: OutputLog | None = None
        """A file log made ahead of time: making one (a 1 MB file written, mapped, locked)
        takes ~1 ms, which a new session would otherwise wait for."""
        self._making: asyncio.Task[None] | None = None
        self._closed = False
        self._spares = 0
        self._moves: dict[str, tuple[OutputLog, Path]] = {}
        """Spare logs handed to new sessions, whose files still have the spare's name."""
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._last: dict[str, asyncio.Task[None]] = {}
        """The latest file task of each session: the next one runs after it."""

    async def new_log(self, session_id: str) -> OutputLog:
        """A fresh output log, in a file when sessions are kept (else, or if the file cannot
        be made, in memory: the session works, it just will not keep its scrollback).

        Usually the spare made ahead of time, at once: its file takes the session's name with
        the first record (`started`), in order with the session's other file work (a crash
        before that leaves the session adopted with defaults and an empty scrollback)."""
        if self.store is None:
            return OutputLog()
        path = record.ring_path(self.store, session_id)
        spare, self._spare = self._spare, None
        self._make_spare()
        if spare is not None:
            self._moves[session_id] = (spare, path)
            return spare
        try:
            return await asyncio.to_thread(_new_file_log, path)
        except OSError as exc:
            log.warning("session %s keeps its output in memory (%s)", session_id[:8], exc)
            return OutputLog()

    def _make_spare(self) -> None:
        if self.store is None or self._making is not None:
            return
        self._making = asyncio.get_running_loop().create_task(self._fill_spare(self.store))

    async def _fill_spare(self, store: Path) -> None:
        try:
            self._spares += 1
            name = f"{SPARE}{os.getpid()}-{self._spares}.ring"
            spare = await asyncio.to_thread(_new_file_log, store / name)
        except OSError as exc:
            log.debug("no spare output log (%s)", exc)
            return
        finally:
            self._making = None
        if self._spare is not None or self._closed:
            # Unmapping and unlinking the file are disk work: not on the loop.
            await asyncio.to_thread(spare.close, unlink=True)
        else:
            self._spare = spare

    async def close(self) -> None:
        """Delete the spare log (at shutdown)."""
        self._closed = True
        if self._making is not None:
            await asyncio.gather(self._making, return_exceptions=True)
        spare, self._spare = self._spare, None
        if spare is not None:
            await asyncio.to_thread(spare.close, unlink=True)

    async def remove_spares(self) -> None:
        """Delete spare logs a killed server left (at start-up, before any is made)."""
        if self.store is not None:
            await asyncio.to_thread(_remove_spares, self.store)

    async def open_log(self, session_id: str) -> OutputLog:
        """The output log a previous server left (continuing its sequence numbers)."""
        if self.store is None:
            return OutputLog()
        path = record.ring_path(self.store, session_id)
        try:
            output = await asyncio.to_thread(OutputLog.open, path)
        except OSError as exc:
            log.warning("session %s: its output log cannot be opened (%s); the scrollback "
                        "starts empty", session_id[:8], exc)
            return OutputLog()
        if output.note:
            log.warning("session %s: %s", session_id[:8], output.note)
        return output

    async def read(self, session_id: str) -> SessionRecord | None:
        if self.store is None:
            return None
        return await asyncio.to_thread(record.read, self.store, session_id)

    async def stored(self) -> set[str]:
        if self.store is None:
            return set()
        return await asyncio.to_thread(record.stored_ids, self.store)

    def started(self, session: Session) -> None:
        """A new session: its first record (and its log's name) in NEW_DELAY. Not at once:
        the writes would compete with the shell's start and the viewer's attach for the
        CPU, and a new session's first moments matter most for how fast it feels."""
        if self.store is not None:
            self._pending[session.id] = asyncio.get_running_loop().call_later(
                NEW_DELAY, self.save, session
            )

    def save_soon(self, session: Session) -> None:
        if self.store is None or session.id in self._pending:
            return
        self._pending[session.id] = asyncio.get_running_loop().call_later(
            SAVE_DELAY, self.save, session
        )

    def save(self, session: Session) -> None:
        """Write the record now (in order with this session's other file work)."""
        pending = self._pending.pop(session.id, None)
        if pending is not None:
            pending.cancel()
        self._flush_move(session.id)
        if self.store is not None:
            self._chain(session.id, record.write, self.store, session.record())

    def remove(self, session_id: str) -> None:
        """The session ended: delete its record and output log (after any pending write)."""
        pending = self._pending.pop(session_id, None)
        if pending is not None:
            pending.cancel()
        self._flush_move(session_id)
        if self.store is not None:
            self._chain(session_id, record.remove, self.store, session_id)

    def _flush_move(self, session_id: str) -> None:
        move = self._moves.pop(session_id, None)
        if move is not None:
            log_, path = move
            self._chain(session_id, log_.move, path)

    async def settle(self) -> None:
        """Wait for every file task started so far."""
        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()
        tasks = list(self._last.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _chain(self, session_id: str, job: Callable[..., None], *args: object) -> None:
        before = self._last.get(session_id)
        task = asyncio.get_running_loop().create_task(self._run(before, job, *args))
        self._last[session_id] = task
        task.add_done_callback(lambda done: self._finished(session_id, done))

    def _finished(self, session_id: str, task: asyncio.Task[None]) -> None:
        if self._last.get(session_id) is task:
            del self._last[session_id]

    @staticmethod
    async def _run(before: asyncio.Task[None] | None, job: Callable[..., None],
                   *args: object) -> None:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        try:
            await asyncio.to_thread(job, *args)
        except OSError as exc:
            log.warning("could not update a session's record: %s", exc)


SPARE = "spare-"


def _new_file_log(path: Path) -> OutputLog:
    ensure_private(path.parent)
    return OutputLog(path=path)


def _remove_spares(store: Path) -> None:
    for stale in store.glob(f"{SPARE}*.ring"):
        with contextlib.suppress(OSError):
            stale.unlink()
