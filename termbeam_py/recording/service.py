"""Recordings: which sessions record, starting and ending their recorders, and what the
routes list, serve and delete. Sessions record when asked (PATCH, a workspace entry), all of
them with `--record`, and a recording a restart interrupted continues in a new part."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from termbeam_py.errors import Conflict, NotFound
from termbeam_py.recording import store
from termbeam_py.recording.cast import PUBLIC, PartMeta
from termbeam_py.recording.recorder import MAX_PENDING, Recorder
from termbeam_py.recording.writer import Recording, Writer
from termbeam_py.sessions import Session

RESTARTED = "server restarted: recording continues"
NOT_FOUND = "Recording not found"
IN_PROGRESS = "Recording in progress"


def _size(session: Session) -> tuple[int, int]:
    return session.terminal.cols, session.terminal.rows


class Recordings:
    """Every recorder of this server, and the folder their parts are written to."""

    def __init__(self, folder: Path, *, max_bytes: int, record_all: bool = False,
                 max_pending: int = MAX_PENDING) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.record_all = record_all
        """--record: every session records from its start, except hidden ones."""
        self.max_pending = max_pending
        """Bytes of output a recording may have waiting for the writer thread before its
        output is skipped (recorder.py); read when a recording starts."""
        self.writer = Writer()
        self._recorders: dict[str, Recorder] = {}
        self._resumable: dict[str, PartMeta] = {}
        """The last part of each recording a restart interrupted, by session id."""

    async def start_up(self) -> None:
        for meta in await asyncio.to_thread(store.settle, self.folder):
            known = self._resumable.get(meta["sessionId"])
            if known is None or known["part"] < meta["part"]:
                self._resumable[meta["sessionId"]] = meta

    # -- sessions -------------------------------------------------------------------------

    def session_started(self, session: Session) -> None:
        """A session was created or adopted: continue its interrupted recording, or record
        it with --record unless it is hidden (`termbeam run`'s throwaway sessions, a
        script's): those record only when asked (POST/PATCH `recording: true`)."""
        continued = self._resumable.pop(session.id, None)
        if continued is not None:
            # `input` says whether the part holds any input; what counts is whether input
            # was still being recorded when the server stopped.
            self.start(session, record_input=continued.get("resumeInput", False),
                       continues=continued)
        elif self.record_all and not session.hidden:
            self.start(session)

    def session_ended(self, session: Session) -> None:
        self.stop(session)

    def start(self, session: Session, *, record_input: bool | None = None,
              continues: PartMeta | None = None) -> Recorder:
        """Record `session`, with its input when `record_input` (None: as it was, else
        not); on a session already recording, only `record_input` changes."""
        current = self._recorders.get(session.id)
        if current is not None and current.active:
            if record_input is not None:
                current.record_input = record_input
            return current
        if current is not None:  # its disk was full: a fresh recording
            self.stop(session)
        recording = Recording(
            folder=self.folder, max_bytes=self.max_bytes, session_id=session.id,
            session_name=session.name, shell=session.shell, size=_size(session),
            record_input=bool(record_input), started=time.monotonic(), continues=continues,
        )
        # A program's next run brings a new terminal: the size is read from the session.
        # (The lambda's reference back to the session goes when the recording stops.)
        recorder = Recorder(self.writer, recording, lambda: _size(session),
                            note=RESTARTED if continues else None,
                            max_pending=self.max_pending)
        self._recorders[session.id] = session.recorder = recorder
        return recorder

    def stop(self, session: Session, *, resume: bool = False) -> None:
        recorder = self._recorders.pop(session.id, None)
        if recorder is not None:
            recorder.stop(resume=resume)
        session.recorder = None

    async def close(self, sessions: list[Session], *, keep: bool) -> None:
        """The server stops: end every recording (to be continued by the next server when
        `keep`: its sessions live on), write out what is queued, end the writer thread."""
        for recorder in list(self._recorders.values()):
            recorder.stop(resume=keep)
        self._recorders.clear()
        for session in sessions:
            session.recorder = None
        await asyncio.to_thread(self.writer.stop)
        stale = list(self._resumable.values())  # their sessions were not adopted
        self._resumable.clear()
        for meta in stale:
            await asyncio.to_thread(store.clear_resume, self.folder, meta)

    # -- what the routes show -------------------------------------------------------------

    def _live(self) -> dict[str, PartMeta]:
        recordings = [r.recording for r in self._recorders.values()]
        return {r.part_id: r.meta.copy() for r in recordings if not r.failed}

    async def listing(self, session_id: str | None = None) -> list[dict[str, object]]:
        """Every part, newest first (optionally only one session's)."""
        await self.writer.sync()  # a part that just ended shows its end
        parts = {m["id"]: m for m in await asyncio.to_thread(store.read_all, self.folder)}
        live = self._live()
        parts.update(live)
        entries: list[dict[str, object]] = []
        for meta in parts.values():
            if session_id is not None and meta["sessionId"] != session_id:
                continue
            entry: dict[str, object] = {k: meta[k] for k in PUBLIC}  # type: ignore[literal-required]
            entry["active"] = meta["id"] in live
            if entry["active"]:
                entry["endedAt"] = None
            entries.append(entry)
        entries.sort(key=lambda e: (str(e["startedAt"]), int(e["part"])), reverse=True)  # type: ignore[call-overload]
        return entries

    async def find(self, part_id: str) -> tuple[Path, PartMeta]:
        live = self._live().get(part_id)
        if live is not None:
            await self.writer.sync()  # what was recorded so far, all of it
        meta = live or await asyncio.to_thread(store.read_meta, self.folder, part_id)
        if meta is None:
            raise NotFound(NOT_FOUND)
        return self.folder / f"{part_id}.cast", meta

    async def delete(self, part_id: str) -> None:
        if part_id in self._live():
            raise Conflict(IN_PROGRESS)
        if await asyncio.to_thread(store.read_meta, self.folder, part_id) is None:
            raise NotFound(NOT_FOUND)
        await asyncio.to_thread(store.delete, self.folder, part_id)

    @property
    def bytes_written(self) -> int:
        return self.writer.written

    @property
    def active(self) -> int:
        """How many sessions record now."""
        return len(self._recorders)
