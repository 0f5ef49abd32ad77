"""The asciicast v2 format as we write it: the header line, event lines, markers, and the
name a downloaded part gets."""

from __future__ import annotations

import json
import re
import time
from json.encoder import encode_basestring
from typing import NotRequired, TypedDict

#: What the events' codes mean: output, input, resize, marker.
OUTPUT, INPUT, RESIZE, MARKER = "o", "i", "r", "m"
CONTENT_TYPE = "application/x-asciicast"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class PartMeta(TypedDict):
    """One part of a recording: GET /api/recordings' entry (without `active`), plus what the
    server keeps for itself (`series`, `seriesStartedAt`, `resume`). Saved beside the part as
    `<id>.json`."""

    id: str
    sessionId: str
    sessionName: str
    startedAt: str
    endedAt: str | None
    bytes: int
    duration: float
    part: int
    input: bool
    marks: int
    series: str
    """The id of the recording's first part: every part of one recording shares it."""
    seriesStartedAt: str
    resume: bool
    """Ended by a server restart that kept the session: the next server continues it."""
    resumeInput: NotRequired[bool]
    """Whether input was being recorded when the restart came (the next part does so too)."""


#: The fields GET /api/recordings shows (`active` is added there).
PUBLIC = ("id", "sessionId", "sessionName", "startedAt", "endedAt", "bytes", "duration",
          "part", "input", "marks")


def header(width: int, height: int, title: str, shell: str) -> bytes:
    line = {"version": 2, "width": width, "height": height, "timestamp": int(time.time()),
            "title": title, "env": {"TERM": "xterm-256color", "SHELL": shell}}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode()


def event(t: float, code: str, data: str) -> bytes:
    """`[t, code, data]` and a newline, as `json.dumps(..., ensure_ascii=False)` writes it,
    put together by hand: the writer thread encodes one per read of every recorded session,
    and the generic encoder's set-up costs as much as escaping a 4 KiB read."""
    return f"[{round(t, 6)!r}, {encode_basestring(code)}, {encode_basestring(data)}]\n".encode()


def command_started(command: str | None) -> str:
    return f"$ {command}" if command else "$"


def command_ended(rest: str) -> str:
    """The marker for an OSC 133 D mark whose payload after `D;` is `rest`."""
    code = rest.split(";", 1)[0]
    return f"exit {code}" if code.lstrip("-").isdigit() else "exit"


def full(next_part: int) -> str:
    return f"recording full: continued in part {next_part}"


def download_name(meta: PartMeta) -> str:
    """`<session-name>-<YYYYmmdd-HHMMSS>[-partN].cast`, from the recording's start (UTC), in
    characters safe in any file system and header."""
    name = _UNSAFE.sub("_", meta["sessionName"]).strip("._") or "session"
    stamp = re.sub(r"[-:]", "", meta["seriesStartedAt"][:19]).replace("T", "-")
    suffix = f"-part{meta['part']}" if meta["part"] > 1 else ""
    return f"{name[:64]}-{stamp}{suffix}.cast"
