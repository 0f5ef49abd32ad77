"""The holder's protocol: JSON messages on a Unix SOCK_SEQPACKET socket, fds beside them.

A sequenced-packet socket keeps message boundaries, and the fds sent with a message
(SCM_RIGHTS) arrive with exactly that message, so there is no framing to get wrong. Requests
are answered in order; the holder also sends events (`{"event": ...}`) at any time.

Version rule: every connection starts with `hello`, each side giving its protocol. The holder
refuses servers older than OLDEST_SERVER. A server talks to holders from OLDEST_HOLDER to its
own PROTOCOL; an older holder is asked to `upgrade` (re-execute itself from the installed
code, keeping its fds and children), and a newer one is refused. `hello` and `upgrade` never
change, so any two versions can always get that far.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import sys
from typing import cast

PROTOCOL = 1
"""The version this code speaks; bump it on any incompatible change of a message."""
OLDEST_HOLDER = 1
"""The oldest holder protocol a server can still talk to without an upgrade."""
OLDEST_SERVER = 1
"""The oldest server protocol a holder still serves."""
MAX_MESSAGE = 512 * 1024
"""A spawn request carries the shell's whole environment; nothing else comes close."""
MAX_FDS = 250
"""Under Linux's SCM_MAX_FD (253): a list reply carries one fd per session (at most 200)."""

Message = dict[str, object]


class ProtocolError(Exception):
    """The peer sent something this side cannot use; the connection is closed."""


def encode(message: Message) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"message too large ({len(data)} bytes)")
    return data


def decode(data: bytes) -> Message:
    try:
        message = json.loads(data)
    except ValueError as exc:
        raise ProtocolError(f"unreadable message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return cast(Message, message)


def send(sock: socket.socket, message: Message, fds: list[int] | None = None) -> None:
    """Send one message (and `fds`); raises BlockingIOError on a full non-blocking socket."""
    data = encode(message)
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


def receive(sock: socket.socket) -> tuple[Message, list[int]] | None:
    """One message and the fds that came with it; None at end of stream.

    Every received fd is closed again if the message turns out to be unusable, so a hostile or
    broken peer cannot leak descriptors into us.
    """
    data, fds, flags, _ = socket.recv_fds(sock, MAX_MESSAGE, MAX_FDS)
    try:
        if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
            raise ProtocolError("message or descriptors truncated")
        if not data:
            if fds:
                raise ProtocolError("descriptors without a message")
            return None
        return decode(data), fds
    except ProtocolError:
        close_all(fds)
        raise


def close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket, from the kernel."""
    if sys.platform.startswith("linux"):
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", creds)[1])
    # BSD and macOS: LOCAL_PEERCRED (level SOL_LOCAL = 0) gives a struct xucred, whose
    # second field is the effective uid. Untested here (see docs/architecture.md).
    xucred = sock.getsockopt(0, 0x001, struct.calcsize("Ii16i") + 4)
    return int(struct.unpack_from("Ii", xucred)[1])


def check_peer(uid: int, own: int | None = None) -> None:
    """Refuse a peer running as another user: a session is a shell of ours."""
    own = os.getuid() if own is None else own
    if uid != own:
        raise ProtocolError(f"refused a connection from uid {uid} (the holder serves uid {own})")


def check_server(theirs: object) -> None:
    """The holder's side of hello: refuse a server older than it can serve."""
    if not isinstance(theirs, int) or isinstance(theirs, bool):
        raise ProtocolError("the server sent no protocol version")
    if theirs < OLDEST_SERVER:
        raise ProtocolError(
            f"this session holder speaks protocol {PROTOCOL} and needs a server of protocol "
            f"{OLDEST_SERVER} or newer; the server speaks {theirs}. Stop the sessions "
            "(`termbeam stop`) or run the newer termbeam"
        )
