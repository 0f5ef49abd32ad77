"""The server's side of the holder protocol, on the event loop.

`HolderClient` finds the holder of its state directory (starting it on first use), says hello
(asking an older holder to upgrade itself first), and then spawns shells, lists sessions to
adopt and forgets ended ones. Replies come in request order; `exited` events go to the
callback registered for that session id. Nothing here blocks the loop: the socket is
non-blocking and read from a reader callback; the holder is started as an asyncio subprocess.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import selectors
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from termbeam_py.holder import paths, wire

log = logging.getLogger(__name__)

START_TIMEOUT = 15.0
"""Seconds a starting holder has to listen (a cold Python start on a busy machine)."""
SECRET_ENV = ("TERMBEAM_PASSWORD", "PTY_PASSWORD")


def holder_supported() -> bool:
    """Whether this system has what the holder needs: Unix sequenced-packet sockets that can
    pass descriptors (Linux; not macOS, whose Unix sockets lack SOCK_SEQPACKET)."""
    if not hasattr(socket, "SOCK_SEQPACKET") or not hasattr(socket, "send_fds"):
        return False
    try:
        socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).close()
    except OSError:
        return False
    return True


def start_holder(directory: Path, timeout: float = START_TIMEOUT) -> str:
    """Start the holder of `directory` as a daemon; its first line ("ready PID" or "busy"),
    or "" when it said nothing in time. Blocking: call it in a thread."""
    paths.ensure_private(directory)
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "termbeam_py.holder", "--dir", str(directory), "--daemon"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )
    with proc:
        # The first line, then the exit of the process that forked the holder (at once);
        # not EOF, which the holder itself could hold up.
        pipe = proc.stdout
        if pipe is None:  # cannot happen with stdout=PIPE; keeps the types honest
            return ""
        with selectors.DefaultSelector() as selector:
            selector.register(pipe, selectors.EVENT_READ)
            ready = selector.select(timeout)
        line = pipe.readline().decode(errors="replace").strip() if ready else ""
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return line


class HolderError(OSError):
    """The holder could not be reached, started or understood, or refused a request."""


@dataclass(frozen=True)
class HeldSession:
    """One session the holder reports: its shell's PID, the exit code once it ended, and
    (from `list`) a duplicate of its PTY master, now ours to close."""

    id: str
    pid: int
    exit_code: int | None
    fd: int | None = None


def _sessions(message: wire.Message, fds: list[int] | None) -> list[HeldSession]:
    raw = message.get("sessions")
    if not isinstance(raw, list) or (fds is not None and len(fds) != len(raw)):
        raise HolderError("the holder sent a malformed session list")
    found: list[HeldSession] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise HolderError("the holder sent a malformed session list")
        sid, pid, code = item.get("id"), item.get("pid"), item.get("exitCode")
        if not isinstance(sid, str) or not isinstance(pid, int) or not (
            code is None or isinstance(code, int)
        ):
            raise HolderError("the holder sent a malformed session list")
        found.append(HeldSession(sid, pid, code, None if fds is None else fds[index]))
    return found


CONNECT_RETRY = 0.01
START_ATTEMPTS = 3
"""A holder that was exiting as we started ours makes the new one step back ("busy"); the
next attempt finds the folder free."""


async def _connect(sock: socket.socket, path: str) -> None:
    """Connect a non-blocking Unix socket. Done at once, or EAGAIN while the holder's backlog
    is full (it is busy): then retried, bounded. (Not `loop.sock_connect`: uvloop's does not
    handle sequenced-packet sockets.)"""
    for _ in range(round(START_TIMEOUT / CONNECT_RETRY)):
        try:
            sock.connect(path)
            return
        except (BlockingIOError, InterruptedError):
            await asyncio.sleep(CONNECT_RETRY)
    raise HolderError("the session holder is not accepting connections")


class ExitListener(Protocol):
    def exited(self, code: int) -> None: ...

    def holder_lost(self) -> None: ...


class HolderClient:
    """One connection to the holder of `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket_path = directory / paths.SOCKET
        self.exit_listeners: dict[str, ExitListener] = {}
        """Per session id: told the exit code when the holder reaps its shell, or that the
        holder is gone."""
        self.holder_pid: int | None = None
        self.holder_version: str | None = None
        self.holder_protocol = 0
        self._sock: socket.socket | None = None
        self._waiting: collections.deque[asyncio.Future[tuple[wire.Message, list[int]]]] = (
            collections.deque()
        )
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    # -- connecting -----------------------------------------------------------------------

    async def connect(self, *, start: bool) -> bool:
        """Connect (starting the holder when `start` and none runs); False when there is no
        holder and `start` is False. Raises HolderError when it cannot be used."""
        async with self._lock:
            if self._sock is not None:
                return True
            for _ in range(START_ATTEMPTS):
                if await self._try_connect():
                    break
                if not start:
                    return False
                await self._start()
            else:
                raise HolderError(f"the session holder in {self.directory} did not answer")
            if self.holder_protocol < wire.OLDEST_HOLDER:
                await self._upgrade()
            return True

    async def _upgrade(self) -> None:
        """Have an older holder re-execute itself as the installed version, then reconnect
        (its socket stays open across the exec, so connecting just waits for it)."""
        old = self.holder_protocol
        log.info("session holder speaks protocol %d: upgrading it in place", old)
        await self._ask({"op": "upgrade"})
        self._close()
        if not await self._try_connect() or self.holder_protocol < wire.OLDEST_HOLDER:
            raise HolderError(f"the session holder (protocol {old}) did not upgrade")

    async def _try_connect(self) -> bool:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sock.setblocking(False)
        try:
            await _connect(sock, str(self.socket_path))
            wire.check_peer(wire.peer_uid(sock))
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError):
            sock.close()  # none there, or one exiting this moment (it kept nothing)
            return False
        except (OSError, wire.ProtocolError) as exc:
            sock.close()
            raise HolderError(f"cannot use the session holder: {exc}") from None
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock, self._on_readable)
        try:
            await self._hello()
        except BaseException:
            self._close()
            raise
        return True

    async def _hello(self) -> None:
        reply = await self._ask({"op": "hello", "protocol": wire.PROTOCOL}, check=False)
        if not reply.get("ok"):
            raise HolderError(f"the session holder refused this server: {reply.get('error')}")
        protocol = reply.get("protocol")
        if not isinstance(protocol, int):
            raise HolderError("the session holder sent no protocol version")
        if protocol > wire.PROTOCOL:
            raise HolderError(
                f"the session holder speaks protocol {protocol}, newer than this server's "
                f"{wire.PROTOCOL} (a newer termbeam started it): run that version, or end its "
                "sessions with `termbeam stop`"
            )
        self.holder_protocol = protocol
        pid, version = reply.get("pid"), reply.get("version")
        self.holder_pid = pid if isinstance(pid, int) else None
        self.holder_version = version if isinstance(version, str) else None

    async def _start(self) -> None:
        # In a thread: starting a process (fork or vfork of this one, then exec) is a
        # blocking call that an asyncio or uvloop subprocess makes on the loop, up to a few
        # hundred ms for a big process on a busy machine.
        try:
            line = await asyncio.to_thread(start_holder, self.directory)
        except OSError as exc:  # an unusable folder, no interpreter to run
            raise HolderError(f"cannot start the session holder: {exc}") from exc
        if not (line.startswith("ready") or line == "busy"):
            raise HolderError(f"the session holder did not start ({line or 'no output'}); "
                              f"see {self.directory / paths.LOG}")
        log.info("session holder %s", line)

    # -- requests -------------------------------------------------------------------------

    async def _ask(self, message: wire.Message, *, check: bool = True,
                   ) -> wire.Message:
        reply, fds = await self._request(message)
        wire.close_all(fds)
        if check and not reply.get("ok"):
            raise HolderError(str(reply.get("error") or "the session holder refused"))
        return reply

    async def _request(self, message: wire.Message) -> tuple[wire.Message, list[int]]:
        sock = self._sock
        if sock is None:
            raise HolderError("not connected to the session holder")
        future: asyncio.Future[tuple[wire.Message, list[int]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiting.append(future)
        try:
            wire.send(sock, message)
        except (OSError, wire.ProtocolError) as exc:
            self._waiting.remove(future)
            raise HolderError(f"cannot reach the session holder: {exc}") from None
        return await future

    async def spawn(self, session_id: str, argv: list[str], *, cwd: Path,
                    env: Mapping[str, str], rows: int, cols: int) -> tuple[int, int]:
        """Start a shell in the holder: (its PID, our duplicate of its PTY master)."""
        reply, fds = await self._request({
            "op": "spawn", "id": session_id, "argv": argv, "cwd": str(cwd), "env": dict(env),
            "rows": rows, "cols": cols,
        })
        pid = reply.get("pid")
        if not reply.get("ok") or not isinstance(pid, int) or len(fds) != 1:
            wire.close_all(fds)
            raise OSError(str(reply.get("error") or "the session holder could not start it"))
        return pid, fds[0]

    async def sessions(self, *, with_fds: bool) -> list[HeldSession]:
        """Every session the holder keeps; with `with_fds`, a master for each (adoption)."""
        reply, fds = await self._request({"op": "list" if with_fds else "status"})
        try:
            if not reply.get("ok"):
                raise HolderError(str(reply.get("error")))
            return _sessions(reply, fds if with_fds else None)
        except HolderError:
            wire.close_all(fds)
            raise

    def forget(self, session_id: str) -> None:
        """The session has ended here: the holder may drop it. Fire and forget."""
        self.exit_listeners.pop(session_id, None)
        if self._sock is None:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        try:
            wire.send(self._sock, {"op": "forget", "id": session_id})
        except OSError as exc:
            self._waiting.remove(future)
            log.warning("could not tell the session holder session %s ended: %s",
                        session_id[:8], exc)

    # -- the socket -----------------------------------------------------------------------

    def _on_readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            received = wire.receive(sock)
        except (BlockingIOError, InterruptedError):
            return
        except (OSError, wire.ProtocolError) as exc:
            log.error("lost the session holder: %s", exc)
            received = None
        if received is None:
            self._lost()
            return
        message, fds = received
        if "event" in message:
            wire.close_all(fds)
            self._event(message)
            return
        if not self._waiting:
            wire.close_all(fds)
            log.warning("unexpected message from the session holder: %s", message)
            return
        future = self._waiting.popleft()
        if future.done():  # its caller was cancelled: nobody will close these
            wire.close_all(fds)
        else:
            future.set_result((message, fds))

    def _event(self, message: wire.Message) -> None:
        sid, code = message.get("id"), message.get("code")
        if message.get("event") == "exited" and isinstance(sid, str) and isinstance(code, int):
            listener = self.exit_listeners.pop(sid, None)
            if listener is not None:
                listener.exited(code)

    def _lost(self) -> None:
        self._close()
        listeners = list(self.exit_listeners.values())
        if listeners:
            log.error("the session holder is gone: %d sessions are no longer kept across "
                      "restarts", len(listeners))
        for listener in listeners:
            listener.holder_lost()

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            asyncio.get_running_loop().remove_reader(sock)
            sock.close()
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(HolderError("the session holder closed the connection"))

    def close(self) -> None:
        """Disconnect; the holder keeps every session it holds."""
        self._close()
