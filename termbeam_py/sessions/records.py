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
import logging
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


class RecordKeeper:
    def __init__(self, store: Path | None) -> None:
        self.store = store
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._last: dict[str, asyncio.Task[None]] = {}
        """The latest file task of each session: the next one runs after it."""

    async def new_log(self, session_id: str) -> OutputLog:
        """A fresh output log, in a file when sessions are kept (else, or if the file cannot
        be made, in memory: the session works, it just will not keep its scrollback)."""
        if self.store is None:
            return OutputLog()
        store = self.store
        try:
            return await asyncio.to_thread(_new_file_log, store, session_id)
        except OSError as exc:
            log.warning("session %s keeps its output in memory (%s)", session_id[:8], exc)
            return OutputLog()

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
        if self.store is not None:
            self._chain(session.id, record.write, self.store, session.record())

    def remove(self, session_id: str) -> None:
        """The session ended: delete its record and output log (after any pending write)."""
        pending = self._pending.pop(session_id, None)
        if pending is not None:
            pending.cancel()
        if self.store is not None:
            self._chain(session_id, record.remove, self.store, session_id)

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


def _new_file_log(store: Path, session_id: str) -> OutputLog:
    ensure_private(store)
    return OutputLog(path=record.ring_path(store, session_id))
