"""The /ws wire protocol, both directions (mirrored by frontend/src/protocol.ts).

Client messages are parsed and validated into frozen dataclasses: anything that does not
parse is dropped before it can reach a PTY. Server messages are `TypedDict`s shaped as
protocol.ts reads them; a session's domain events (sessions/events.py) become them in
`event_message`. Binary output frames (the protocol extension) are built by `output_frame`.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NotRequired, TypeAlias, TypedDict

from termbeam_py.sessions.events import Attached, Event, Exited, Notification, Replay
from termbeam_py.sessions.manager import MAX_COLS, MAX_ROWS

if TYPE_CHECKING:
    from termbeam_py.tunnel.status import TunnelStatusMsg
    from termbeam_py.update.updater import UpdateProgressMsg

MAX_ID = 64
#: First byte of a binary server frame carrying output; 8 bytes of sequence number follow.
OP_OUTPUT = 0x01
_HEADER = struct.Struct(">BQ")


@dataclass(frozen=True, slots=True)
class Auth:
    password: str | None
    token: str | None


@dataclass(frozen=True, slots=True)
class Attach:
    session_id: str
    binary: bool = False
    since: int | None = None


@dataclass(frozen=True, slots=True)
class Input:
    data: str


@dataclass(frozen=True, slots=True)
class Resize:
    cols: int
    rows: int


@dataclass(frozen=True, slots=True)
class Ack:
    seq: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """A well-formed message we do not act on (`ping`, unknown types, out-of-range sizes)."""


class InvalidMessage(ValueError):
    """Not JSON, not an object, or a known type with fields of the wrong type."""


ClientMessage = Auth | Attach | Input | Resize | Ack | Ignored


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: object) -> int | None:
    """A non-negative whole number, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Only floats can be infinite or NaN; an int past float range (`1` and 400 zeros is
    # valid JSON) must not go through math.isfinite, which raises OverflowError for it.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value >= 0 else None


def _parse_attach(msg: dict[str, object]) -> Attach:
    session_id = msg.get("sessionId")
    if not isinstance(session_id, str) or not 0 < len(session_id) <= MAX_ID:
        raise InvalidMessage("attach needs a sessionId")
    since = _count(msg.get("since")) if "since" in msg else None
    return Attach(session_id, binary=msg.get("binary") is True, since=since)


def _parse_resize(msg: dict[str, object]) -> Resize | Ignored:
    cols, rows = _count(msg.get("cols")), _count(msg.get("rows"))
    if cols is None or rows is None or not (1 <= cols <= MAX_COLS and 1 <= rows <= MAX_ROWS):
        return Ignored()  # the reference: sizes outside the bounds are ignored
    return Resize(cols, rows)


def parse_client_message(text: str) -> ClientMessage:
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError) as exc:  # deep nesting raises RecursionError
        raise InvalidMessage("not JSON") from exc
    if not isinstance(msg, dict):
        raise InvalidMessage("not a JSON object")
    kind = msg.get("type")
    if kind == "input":
        data = msg.get("data")
        if not isinstance(data, str):
            raise InvalidMessage("input data must be a string")
        return Input(data)
    if kind == "resize":
        return _parse_resize(msg)
    if kind == "ack":
        seq = _count(msg.get("seq"))
        if seq is None:
            raise InvalidMessage("ack needs a seq")
        return Ack(seq)
    if kind == "attach":
        return _parse_attach(msg)
    if kind == "auth":
        return Auth(_str_or_none(msg.get("password")), _str_or_none(msg.get("token")))
    return Ignored()


# -- client messages as sent (protocol.ts `ClientMsg`; the terminal client sends these) ------


class AuthMsg(TypedDict):
    type: Literal["auth"]
    password: str


class AttachMsg(TypedDict):
    type: Literal["attach"]
    sessionId: str
    binary: NotRequired[bool]
    since: NotRequired[int]


class InputMsg(TypedDict):
    type: Literal["input"]
    data: str


class ResizeMsg(TypedDict):
    type: Literal["resize"]
    cols: int
    rows: int


class AckMsg(TypedDict):
    type: Literal["ack"]
    seq: int


ClientMsg = AuthMsg | AttachMsg | InputMsg | ResizeMsg | AckMsg


# -- server messages (protocol.ts `ServerMsg`, `NotificationMsg`) ---------------------------


class AuthOkMsg(TypedDict):
    type: Literal["auth_ok"]


class ErrorMsg(TypedDict):
    type: Literal["error"]
    message: str


class AttachedMsg(TypedDict):
    type: Literal["attached"]
    sessionId: str
    seq: NotRequired[int]
    resumed: NotRequired[bool]
    boot: NotRequired[str]


class ReplayMsg(TypedDict):
    type: Literal["replay"]
    data: str
    seq: NotRequired[int]


class ExitMsg(TypedDict):
    type: Literal["exit"]
    code: int


class NotificationMsg(TypedDict):
    type: Literal["notification"]
    notificationType: Literal["command-complete"]
    sessionName: str
    timestamp: int
    sessionId: str
    command: NotRequired[str]
    exitCode: NotRequired[int]
    durationMs: NotRequired[int]


SessionMsg = AttachedMsg | ReplayMsg | ExitMsg | NotificationMsg
ServerMsg = AuthOkMsg | ErrorMsg | SessionMsg

if TYPE_CHECKING:
    #: Sent to every signed-in socket, attached or not, that may read the same state over
    #: REST (`Hub.broadcast`, ws.BROADCAST_SCOPES; the frontend reads them in
    #: state/events.ts). Their shapes live beside the code that builds them.
    BroadcastMsg: TypeAlias = UpdateProgressMsg | TunnelStatusMsg

AUTH_OK: AuthOkMsg = {"type": "auth_ok"}


def error_message(message: str) -> ErrorMsg:
    return {"type": "error", "message": message}


def event_message(event: Event, boot: str = "") -> SessionMsg:
    """The WebSocket message for a session event (binary viewers also get sequence numbers,
    and in `attached` the server's `boot` id, which tells them a restart happened under them)."""
    match event:
        case Replay(data=data, seq=seq, binary=binary):
            replay: ReplayMsg = {"type": "replay", "data": data}
            if binary:
                replay["seq"] = seq
            return replay
        case Attached(session_id=session_id, seq=seq, binary=binary, resumed=resumed):
            attached: AttachedMsg = {"type": "attached", "sessionId": session_id}
            if binary:
                attached["seq"] = seq
                attached["resumed"] = resumed
                if boot:
                    attached["boot"] = boot
            return attached
        case Exited(code=code):
            return {"type": "exit", "code": code}
        case Notification():
            return notification_message(event)


def notification_message(event: Notification) -> NotificationMsg:
    """The documented keys first, then what the shell told us."""
    done = event.done
    message: NotificationMsg = {
        "type": "notification",
        "notificationType": "command-complete",
        "sessionName": event.session_name,
        "timestamp": done.timestamp_ms,
        "sessionId": event.session_id,
    }
    if done.command is not None:
        message["command"] = done.command
    if done.exit_code is not None:
        message["exitCode"] = done.exit_code
    if done.duration_ms is not None:
        message["durationMs"] = done.duration_ms
    return message


def output_frame(seq: int, data: bytes) -> bytes:
    """A binary output frame: opcode, big-endian sequence number of data[0], the bytes."""
    return _HEADER.pack(OP_OUTPUT, seq) + data


# -- JSON output messages ------------------------------------------------------------------
# json.dumps escapes a 64 KiB flood frame at ~270 MB/s, a fifth of the server's CPU during a
# burst. Terminal output needs few distinct escapes (CR, LF, ESC, BEL…), so one C-level pass
# finds which occur and one bytes.replace per kind writes them: ~6x faster, same bytes.

_SHORT_ESCAPES = {0x22: b'\\"', 0x5C: b"\\\\", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t",
                  0x08: b"\\b", 0x0C: b"\\f"}
_JSON_ESCAPES = {c: _SHORT_ESCAPES.get(c, b"\\u%04x" % c) for c in (*range(0x20), 0x22, 0x5C)}
#: Every byte that needs no escape; deleting them leaves the ones that do.
_PLAIN_BYTES = bytes(c for c in range(256) if c not in _JSON_ESCAPES)
_OUTPUT_PREFIX = b'{"type":"output","data":"'
_JSON_ESCAPE_ITEMS = [(bytes((c,)), e) for c, e in _JSON_ESCAPES.items() if c != 0x5C]


def json_string_body(text: str) -> bytes:
    """`text` as the UTF-8 inside a JSON string literal, exactly as json.dumps(…,
    ensure_ascii=False) writes it (control characters, quote and backslash escaped)."""
    raw = text.encode("utf-8", "surrogatepass")
    specials = raw.translate(None, _PLAIN_BYTES)
    if not specials:
        return raw
    if b"\\" in specials:  # first, so the backslashes of the other escapes stay single
        raw = raw.replace(b"\\", b"\\\\")
    for byte, escape in _JSON_ESCAPE_ITEMS:
        if byte in specials:
            raw = raw.replace(byte, escape)
    return raw


def json_output_message(text: str) -> bytes:
    """The documented `{"type":"output","data":…}` message, UTF-8 encoded."""
    return b"".join((_OUTPUT_PREFIX, json_string_body(text), b'"}'))
