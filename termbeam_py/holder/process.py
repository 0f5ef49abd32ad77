"""The holder's event loop: accept servers, start shells, reap them, hand out PTY masters.

One thread, `selectors`, no asyncio: the holder does little and must stay small (its idle RSS
is a benchmark figure). It never reads a PTY. Requests (see wire.py):

- `hello {protocol}` → `{protocol, version, pid}`; a version this holder cannot speak is
  refused with an error and the connection closed.
- `spawn {id, argv, cwd, env, rows, cols}` → `{pid}` and the PTY master.
- `list` → `{sessions: [{id, pid, exitCode}]}` and every master, in that order.
- `status` → the same without the masters (for `termbeam list` and `service stop`).
- `forget {id}` → the holder closes that master and drops the session: its server has seen
  the exit (or ended it).
- `upgrade` → the holder re-executes itself from the installed code, keeping its children,
  their masters and its listening socket; the connection closes and the server reconnects.

Events: `{"event": "exited", "id", "code"}` to every connected server when a shell is reaped.
The holder exits once it holds no session and no server is connected.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from termbeam_py import __version__, ptyspawn
from termbeam_py.holder import wire

log = logging.getLogger("termbeam.holder")

STATE_ENV = "TERMBEAM_HOLDER_STATE"
"""Carries the holder's fds and sessions across an `upgrade` re-execution."""
START_GRACE = 10.0
"""Seconds a new holder waits for its first server before giving up (it holds nothing yet)."""


def exit_code(status: int) -> int:
    """Shell convention: the exit status, or 128 + N when killed by signal N."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


@dataclass
class Held:
    """A shell the holder started: its PTY master, and its exit code once reaped."""

    id: str
    pid: int
    fd: int
    exit_code: int | None = None

    def describe(self) -> wire.Message:
        return {"id": self.id, "pid": self.pid, "exitCode": self.exit_code}


class Holder:
    def __init__(self, listener: socket.socket, *, lock: int, protocol: int = wire.PROTOCOL,
                 held: list[Held] | None = None) -> None:
        self.listener = listener
        self.lock = lock
        """The folder lock's fd: held for life, and across an upgrade."""
        self.protocol = protocol
        """Normally PROTOCOL; tests start a holder that claims an older one."""
        self.held: dict[str, Held] = {h.id: h for h in held or []}
        self.servers: dict[socket.socket, bool] = {}
        """Connected peers, and whether each has said a valid hello."""
        self.selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        self._started = time.monotonic()
        self._ever_connected = bool(held)
        self._upgrade = False

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        for fd in (self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self._wake_w)
        # A handler (not SIG_IGN, which would reap for us and lose the exit codes) so that
        # SIGCHLD writes to the wake-up pipe.
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for sig in (signal.SIGHUP, signal.SIGINT):
            # Caught, not ignored: the shells would inherit an ignored disposition across
            # exec (a caught one is reset), and then `kill -HUP` could not end their jobs.
            signal.signal(sig, lambda *_: None)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, self._accept)
        self.selector.register(self._wake_r, selectors.EVENT_READ, self._on_wake)
        self._reap()  # children that exited while an upgrade re-executed us
        while not self._done():
            for key, _ in self.selector.select(timeout=1.0):
                key.data(key.fileobj)
            if self._upgrade:
                self._re_execute()
        return 0

    def _done(self) -> bool:
        if self.held or self.servers:
            return False
        return self._ever_connected or time.monotonic() - self._started > START_GRACE

    # -- servers --------------------------------------------------------------------------

    def _accept(self, _: object) -> None:
        try:
            conn, _addr = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        try:
            wire.check_peer(wire.peer_uid(conn))
        except (wire.ProtocolError, OSError) as exc:
            log.warning("%s", exc)
            conn.close()
            return
        conn.setblocking(False)
        self.servers[conn] = False
        self._ever_connected = True
        self.selector.register(conn, selectors.EVENT_READ, self._on_message)

    def _drop(self, conn: socket.socket) -> None:
        self.servers.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(conn)
        conn.close()

    def _on_message(self, conn: object) -> None:
        sock = cast(socket.socket, conn)
        try:
            received = wire.receive(sock)
        except (BlockingIOError, InterruptedError):
            return
        except (wire.ProtocolError, OSError) as exc:
            log.warning("dropping a server connection: %s", exc)
            self._drop(sock)
            return
        if received is None:
            self._drop(sock)
            return
        message, fds = received
        wire.close_all(fds)  # a server never has a reason to send us descriptors
        try:
            self._handle(sock, message)
        except wire.ProtocolError as exc:
            self._reply(sock, {"ok": False, "error": str(exc)})
            self._drop(sock)

    def _reply(self, conn: socket.socket, message: wire.Message,
               fds: list[int] | None = None) -> None:
        try:
            wire.send(conn, message, fds)
        except OSError as exc:  # a full or closed socket: that server is gone or stuck
            log.warning("dropping a server connection: %s", exc)
            self._drop(conn)

    def _handle(self, conn: socket.socket, message: wire.Message) -> None:
        op = message.get("op")
        if not self.servers.get(conn):
            if op != "hello":
                raise wire.ProtocolError("the first message must be hello")
            wire.check_server(message.get("protocol"))
            self.servers[conn] = True
            self._reply(conn, {"ok": True, "protocol": self.protocol, "version": __version__,
                               "pid": os.getpid()})
            return
        if op == "spawn":
            self._spawn(conn, message)
        elif op in ("list", "status"):
            held = list(self.held.values())
            fds = [h.fd for h in held] if op == "list" else None
            self._reply(conn, {"ok": True, "sessions": [h.describe() for h in held]}, fds)
        elif op == "forget":
            self._forget(message.get("id"))
            self._reply(conn, {"ok": True})
        elif op == "upgrade":
            self._upgrade = True
            self._reply(conn, {"ok": True})
        else:
            raise wire.ProtocolError(f"unknown request {op!r}")

    # -- sessions -------------------------------------------------------------------------

    def _spawn(self, conn: socket.socket, message: wire.Message) -> None:
        try:
            request = _spawn_request(message)
            if request.id in self.held:
                raise ValueError("a session with this id exists")
            child = ptyspawn.spawn(request.argv, cwd=Path(request.cwd), env=request.env,
                                   rows=request.rows, cols=request.cols)
        except (OSError, ValueError, TypeError) as exc:
            self._reply(conn, {"ok": False, "error": str(exc)})
            return
        # The exit is ours to reap (waitpid below), not the Popen object's.
        child.detach()
        self.held[request.id] = Held(request.id, child.pid, child.fd)
        self._reply(conn, {"ok": True, "pid": child.pid}, [child.fd])

    def _forget(self, session_id: object) -> None:
        held = self.held.pop(session_id, None) if isinstance(session_id, str) else None
        if held is not None:
            with contextlib.suppress(OSError):
                os.close(held.fd)

    def _on_wake(self, _: object) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
                pass
        self._reap()

    def _reap(self) -> None:
        by_pid = {h.pid: h for h in self.held.values() if h.exit_code is None}
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            held = by_pid.get(pid)
            if held is None:
                continue
            held.exit_code = exit_code(status)
            event = {"event": "exited", "id": held.id, "code": held.exit_code}
            for conn, ready in list(self.servers.items()):
                if ready:
                    self._reply(conn, event)

    # -- upgrade --------------------------------------------------------------------------

    def _re_execute(self) -> None:
        """Become the installed holder in place: same PID (so still the shells' parent), same
        listening socket and masters; connected servers reconnect."""
        for conn in list(self.servers):
            self._drop(conn)
        state = {
            "listener": self.listener.fileno(),
            "lock": self.lock,
            "held": [{"id": h.id, "pid": h.pid, "fd": h.fd, "exitCode": h.exit_code}
                     for h in self.held.values()],
        }
        for fd in [self.listener.fileno(), self.lock, *(h.fd for h in self.held.values())]:
            os.set_inheritable(fd, True)
        env = {k: v for k, v in os.environ.items() if k != PROTOCOL_ENV}
        env[STATE_ENV] = json.dumps(state)
        log.info("re-executing the holder (protocol %d -> installed)", self.protocol)
        os.execve(sys.executable, [sys.executable, "-m", "termbeam_py.holder",  # noqa: S606
                                   *sys.argv[1:]], env)


PROTOCOL_ENV = "TERMBEAM_HOLDER_PROTOCOL"
"""Test seam: a holder that claims an older protocol, as one left by an older release."""


@dataclass(frozen=True)
class SpawnRequest:
    id: str
    argv: list[str]
    cwd: str
    env: dict[str, str]
    rows: int
    cols: int


def _spawn_request(message: wire.Message) -> SpawnRequest:
    session_id, argv, cwd, env = (message.get(k) for k in ("id", "argv", "cwd", "env"))
    rows, cols = message.get("rows"), message.get("cols")
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("spawn: bad id")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError("spawn: bad argv")
    if not isinstance(cwd, str) or not isinstance(env, dict):
        raise ValueError("spawn: bad cwd or env")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError("spawn: bad env")
    if not isinstance(rows, int) or not isinstance(cols, int) or rows < 1 or cols < 1:
        raise ValueError("spawn: bad size")
    return SpawnRequest(session_id, cast(list[str], argv), cwd, cast(dict[str, str], env),
                        rows, cols)


@dataclass(frozen=True)
class Handover:
    """What an `upgrade` hands the re-executed holder."""

    listener: socket.socket
    lock: int
    held: list[Held]


def restored_state() -> Handover | None:
    """The listener, lock and sessions handed over by an `upgrade`, if this is one."""
    raw = os.environ.pop(STATE_ENV, None)
    if raw is None:
        return None
    state = json.loads(raw)
    listener = socket.socket(fileno=int(state["listener"]))
    lock = int(state["lock"])
    held = [Held(h["id"], int(h["pid"]), int(h["fd"]), h["exitCode"]) for h in state["held"]]
    for fd in [listener.fileno(), lock, *(h.fd for h in held)]:
        os.set_inheritable(fd, False)
    return Handover(listener, lock, held)


def bind(path: Path) -> socket.socket:
    """The listening socket at `path` (0600; a stale socket file is replaced). The caller
    holds the folder's lock, so no live holder is listening there."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError:
        listener.close()
        raise
    finally:
        os.umask(old)
    listener.listen(16)
    return listener
