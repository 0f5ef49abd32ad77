"""The holder from the command line, with no server running: what it keeps, and ending it.

`termbeam list` shows kept sessions while no server runs; `termbeam service stop|uninstall`
ends them (the service keeps sessions across restarts, so its stop has to end them itself).
Plain blocking sockets: these run in the CLI, never on the server's event loop.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from termbeam_py import running
from termbeam_py.holder import paths, wire
from termbeam_py.sessions import procfs
from termbeam_py.sessions.record import SessionRecord, read

TIMEOUT = 5.0
"""Seconds to wait for the holder to answer."""
GRACE = 2.0
"""Seconds between the hangup and SIGKILL, as when a server ends a session."""


@dataclass(frozen=True)
class KeptSession:
    id: str
    pid: int
    exit_code: int | None
    record: SessionRecord | None


class Connection:
    """A blocking connection to a holder, hello done."""

    def __init__(self, directory: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(TIMEOUT)
        try:
            self.sock.connect(str(directory / paths.SOCKET))
            wire.check_peer(wire.peer_uid(self.sock))
            reply = self.ask({"op": "hello", "protocol": wire.PROTOCOL})
        except BaseException:
            self.sock.close()
            raise
        pid = reply.get("pid")
        self.holder_pid = pid if isinstance(pid, int) else None

    def ask(self, message: wire.Message) -> wire.Message:
        """Send a request; its reply (events that come first are skipped)."""
        wire.send(self.sock, message)
        while True:
            reply = self.next()
            if "event" not in reply:
                if not reply.get("ok"):
                    raise wire.ProtocolError(str(reply.get("error")))
                return reply

    def next(self) -> wire.Message:
        received = wire.receive(self.sock)
        if received is None:
            raise wire.ProtocolError("the session holder closed the connection")
        message, fds = received
        wire.close_all(fds)
        return message

    def close(self) -> None:
        self.sock.close()


def connect(directory: Path) -> Connection | None:
    """A connection to the holder of `directory`, or None when none runs there."""
    try:
        return Connection(directory)
    except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError):
        return None  # none there, or one just exiting (it had nothing left to keep)


def kept_sessions(directory: Path) -> list[KeptSession]:
    """The sessions the holder of `directory` keeps, with their records; [] with no holder."""
    conn = connect(directory)
    if conn is None:
        return []
    try:
        reply = conn.ask({"op": "status"})
    finally:
        conn.close()
    raw = reply.get("sessions")
    found: list[KeptSession] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        sid, pid, code = item.get("id"), item.get("pid"), item.get("exitCode")
        if isinstance(sid, str) and isinstance(pid, int):
            record = read(directory / paths.SESSIONS, sid)
            found.append(KeptSession(sid, pid, code if isinstance(code, int) else None, record))
    return found


def end_sessions(directory: Path, grace: float = GRACE) -> int:
    """End every session the holder of `directory` keeps (shells and their jobs), and so the
    holder; how many were running. 0 when no holder runs there."""
    conn = connect(directory)
    if conn is None:
        return 0
    try:
        reply = conn.ask({"op": "status"})
        raw = reply.get("sessions")
        items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
        live = {i["id"]: i["pid"] for i in items if i.get("exitCode") is None}
        _hang_up(list(live.values()), grace)
        for item in items:
            conn.ask({"op": "forget", "id": item.get("id")})
        holder = conn.holder_pid
    finally:
        conn.close()
    if holder is not None:
        _wait_gone(holder, TIMEOUT)
    for stale in (directory / paths.SESSIONS).glob("*"):
        with contextlib.suppress(OSError):
            stale.unlink()
    return len(live)


def _hang_up(pids: list[int], grace: float) -> None:
    members: set[int] = set(pids)
    for pid in pids:
        members |= procfs.session_members(pid)
    procfs.signal_all(members, signal.SIGHUP)
    deadline = time.monotonic() + grace
    while any(running.alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)  # the CLI has no event loop; bounded by `grace`
    for pid in pids:
        members |= procfs.session_members(pid)
    procfs.signal_all({m for m in members if running.alive(m)}, signal.SIGKILL)


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while running.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
