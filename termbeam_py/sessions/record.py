"""A session's record beside its output log: what a later server needs to bring it back.

The holder knows a session's id, PID and PTY; everything else the user sees (name, colour,
shell, when it started, shell-integration state) is in `<id>.json` next to `<id>.ring` in the
holder's folder, written whole and renamed into place (a crash leaves the old one or the new
one). Blocking file IO: call these in a thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from pathlib import Path
from typing import TypedDict

from termbeam_py.sessions.lease import valid_lease
from termbeam_py.sessions.program import ProgramRecord, valid_record

log = logging.getLogger(__name__)

FORMAT = 1
#: Session types: a plain terminal, one started to run an AI coding agent, or a program kept
#: running (sessions/program.py).
KINDS = ("terminal", "agent", "program")
_ID = re.compile(r"[0-9a-f]{32}")


class SessionRecord(TypedDict):
    format: int
    id: str
    name: str
    color: str
    shell: str
    args: list[str]
    cwd: str
    createdAt: str
    lastActivity: int
    nonce: str | None
    notifyMinSeconds: float
    integrated: bool
    """The shell emitted integration marks (command-complete comes from them)."""
    command: str | None
    """The command line running now, from the marks, if any."""
    commandStartedAt: int | None
    """Wall-clock ms when the running command started (C mark), if one runs."""
    hidden: bool
    """Left out of the session list unless asked for (records before it: False)."""
    type: str
    """"terminal" or "agent" (records before it: "terminal")."""
    agent: str | None
    """The agent's id for an agent session."""
    program: ProgramRecord | None
    """A program session's spec and supervision state (records before it: None)."""
    lease: float | None
    """Seconds the session lives unused (sessions/lease.py); None: until deleted (records
    before it: None)."""


def ring_path(directory: Path, session_id: str) -> Path:
    return directory / f"{session_id}.ring"


def record_path(directory: Path, session_id: str) -> Path:
    return directory / f"{session_id}.json"


def write(directory: Path, record: SessionRecord) -> None:
    """Replace the record atomically (0600)."""
    final = record_path(directory, record["id"])
    temp = final.with_suffix(".json.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    os.replace(temp, final)


def remove(directory: Path, session_id: str) -> None:
    """Delete a session's record and output log (it has ended)."""
    for path in (record_path(directory, session_id), ring_path(directory, session_id),
                 record_path(directory, session_id).with_suffix(".json.tmp")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _valid(data: object, session_id: str) -> SessionRecord | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("id") != session_id:
        return None
    strings = ("name", "color", "shell", "cwd", "createdAt")
    if not all(isinstance(data.get(k), str) for k in strings):
        return None
    args = data.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return None
    if not isinstance(data.get("lastActivity"), int) or not isinstance(
        data.get("notifyMinSeconds"), int | float
    ):
        return None
    optional = {"nonce": str, "command": str, "commandStartedAt": int}
    if any(data.get(k) is not None and not isinstance(data.get(k), t) for k, t in optional.items()):
        return None
    if not isinstance(data.get("integrated"), bool):
        return None
    hidden, kind, agent = data.get("hidden", False), data.get("type", "terminal"), data.get("agent")
    if not isinstance(hidden, bool) or kind not in KINDS or not (agent is None or isinstance(
            agent, str)):
        return None
    program = valid_record(data.get("program")) if kind == "program" else None
    if kind == "program" and program is None:
        return None
    lease = data.get("lease")
    if lease is not None and valid_lease(lease) is None:
        return None
    return {
        "format": FORMAT, "id": session_id, "name": data["name"], "color": data["color"],
        "shell": data["shell"], "args": args, "cwd": data["cwd"],
        "createdAt": data["createdAt"], "lastActivity": data["lastActivity"],
        "nonce": data.get("nonce"), "notifyMinSeconds": float(data["notifyMinSeconds"]),
        "integrated": data["integrated"], "command": data.get("command"),
        "commandStartedAt": data.get("commandStartedAt"), "hidden": hidden, "type": kind,
        "agent": agent, "program": program, "lease": None if lease is None else float(lease),
    }


def read(directory: Path, session_id: str) -> SessionRecord | None:
    """The record of `session_id`, or None when it is missing or damaged (logged)."""
    path = record_path(directory, session_id)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("session record %s is unreadable (%s)", path.name, exc)
        return None
    record = _valid(data, session_id)
    if record is None:
        log.warning("session record %s is damaged: the session comes back with defaults",
                    path.name)
    return record


def stored_ids(directory: Path) -> set[str]:
    """Ids of every session with a record or an output log in `directory`."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return set()
    return {stem for name in names
            if (stem := name.split(".", 1)[0]) and _ID.fullmatch(stem)}
