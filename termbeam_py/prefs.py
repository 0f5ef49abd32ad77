"""User preferences: the sanitiser, the `prefs.json` store and /api/preferences. The start-up
sessions the stored preferences describe are started by `startup.py`."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from pathlib import Path
from typing import NotRequired, TypedDict, TypeVar

from aiohttp import web

from termbeam_py import keys, state
from termbeam_py.audit import note
from termbeam_py.errors import BadRequest, write_failed
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

PREFS_FILE = "prefs.json"
MAX_TOUCH_KEYS = 32
MAX_WORKSPACES = 16
MAX_WORKSPACE_SESSIONS = 16
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")
MODIFIERS = frozenset({"ctrl", "alt", "shift", "meta"})
ACTIONS = frozenset({"mic", "copy", "paste", "cancel", "newline"})
# "default" … "enter" are legacy styles that older clients still store.
KEY_STYLES = frozenset({
    "plain", "accent", "danger", "custom", "default", "special", "modifier", "icon", "enter",
})
SESSION_KINDS = frozenset({"agent", "shell", "program"})
PROGRAM_POLICIES = frozenset({"no", "on-failure", "always"})
TERMINAL_FONTS = frozenset({"bundled", "system"})


class TouchKey(TypedDict):
    """A custom key of the touch bar; only `id` is required."""

    id: str
    label: NotRequired[str]
    send: NotRequired[str]
    modifier: NotRequired[str]
    action: NotRequired[str]
    size: NotRequired[float]
    row: NotRequired[int]
    col: NotRequired[int]
    bg: NotRequired[str]
    color: NotRequired[str]
    style: NotRequired[str]


class SessionEntry(TypedDict):
    """A session a workspace starts; `agentId` only on `kind: "agent"` entries."""

    id: str
    name: str
    kind: NotRequired[str]
    cwd: NotRequired[str]
    initialCommand: NotRequired[str]
    agentId: NotRequired[str]
    shell: NotRequired[str]
    color: NotRequired[str]
    record: NotRequired[bool]
    """Record the session from its start (#19)."""
    command: NotRequired[str]
    """A program entry's command line and restart policy (#19, docs/programs.md)."""
    restart: NotRequired[str]
    maxRestarts: NotRequired[int]
    backoffMax: NotRequired[float]
    env: NotRequired[dict[str, str]]


class StartupWorkspace(TypedDict):
    enabled: bool
    sessions: list[SessionEntry]


class Workspace(TypedDict):
    id: str
    name: str
    sessions: list[SessionEntry]
    default: NotRequired[bool]
    """Only on the first workspace flagged default, which autoboot starts."""


class Prefs(TypedDict):
    """The preferences as stored and served: always every key, each of its type."""

    themeId: str
    fontSize: int
    terminalFont: str
    notifications: bool
    haptics: bool
    showSplash: bool
    keepSessions: bool
    """Sessions survive a deliberate stop of the server (as --keep-sessions)."""
    ctrlShortcuts: bool
    """Plain Ctrl+K / Ctrl+F open the web app's tools and find even in a shell; off (the
    default), they reach the shell and only Ctrl+Shift or Cmd open ours."""
    particleDissolve: bool
    touchBarCollapsed: bool
    defaultFolder: str
    defaultInitialCommand: str
    touchBarKeys: list[TouchKey] | None
    """null: the built-in layout."""
    startupWorkspace: StartupWorkspace
    workspaces: list[Workspace]


def defaults() -> Prefs:
    """A fresh copy of the default preferences (callers may mutate it)."""
    return {
        "themeId": "dark",
        "fontSize": 14,
        "terminalFont": "bundled",
        "notifications": False,
        "haptics": True,
        "showSplash": True,
        "keepSessions": False,
        "ctrlShortcuts": False,
        "particleDissolve": True,
        "touchBarCollapsed": False,
        "defaultFolder": "",
        "defaultInitialCommand": "",
        "touchBarKeys": None,
        "startupWorkspace": {"enabled": False, "sessions": []},
        "workspaces": [],
    }


# -- field checkers: each takes a value of the client's JSON and returns it clean, or None
# when it is unusable ------------------------------------------------------------------------

T = TypeVar("T")


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def _text(value: object, limit: int) -> str | None:
    """A string truncated to `limit` characters (too long is trimmed, not refused)."""
    return value[:limit] if isinstance(value, str) else None


def _required_text(value: object, limit: int) -> str | None:
    text = _text(value, limit)
    return text or None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int_in(value: object, low: int, high: int) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer() or not low <= number <= high:
        return None
    return int(number)


def _choice(value: object, allowed: frozenset[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def _color(value: object) -> str | None:
    return value if isinstance(value, str) and _HEX_COLOR.fullmatch(value) else None


def _font_size(value: object) -> int | None:
    number = _number(value)
    if number is None:
        return None
    # Math.round semantics (half up), not Python's banker's rounding.
    return max(2, min(32, math.floor(number + 0.5)))


def _size(value: object) -> float | int | None:
    number = _number(value)
    if number is None or not 1 <= number <= 8:
        return None
    return int(number) if number.is_integer() else number


# Each optional field is set only when its value passes, in the order the keys are written.


def _touch_key(raw: object) -> TouchKey | None:
    if not isinstance(raw, dict) or (key_id := _required_text(raw.get("id"), 64)) is None:
        return None
    key: TouchKey = {"id": key_id}
    if (label := _text(raw.get("label"), 16)) is not None:
        key["label"] = label
    if (send := _text(raw.get("send"), 64)) is not None:
        key["send"] = send
    if (modifier := _choice(raw.get("modifier"), MODIFIERS)) is not None:
        key["modifier"] = modifier
    if (action := _choice(raw.get("action"), ACTIONS)) is not None:
        key["action"] = action
    if (size := _size(raw.get("size"))) is not None:
        key["size"] = size
    if (row := _int_in(raw.get("row"), 1, 3)) is not None:
        key["row"] = row
    if (col := _int_in(raw.get("col"), 1, 8)) is not None:
        key["col"] = col
    if (bg := _color(raw.get("bg"))) is not None:
        key["bg"] = bg
    if (color := _color(raw.get("color"))) is not None:
        key["color"] = color
    if (style := _choice(raw.get("style"), KEY_STYLES)) is not None:
        key["style"] = style
    return key


def _touch_keys(raw: object) -> list[TouchKey] | None:
    if not isinstance(raw, list):
        return None
    keys_ = [key for key in map(_touch_key, raw) if key is not None]
    return keys_[:MAX_TOUCH_KEYS]


def _session_entry(raw: object) -> SessionEntry | None:
    if not isinstance(raw, dict):
        return None
    entry_id, name = _required_text(raw.get("id"), 64), _required_text(raw.get("name"), 128)
    if entry_id is None or name is None:
        return None
    entry: SessionEntry = {"id": entry_id, "name": name}
    if (kind := _choice(raw.get("kind"), SESSION_KINDS)) is not None:
        entry["kind"] = kind
    if (cwd := _text(raw.get("cwd"), 1024)) is not None:
        entry["cwd"] = cwd
    if (initial := _text(raw.get("initialCommand"), 1024)) is not None:
        entry["initialCommand"] = initial
    # An agent id means nothing on a shell entry.
    if kind == "agent" and (agent_id := _text(raw.get("agentId"), 128)) is not None:
        entry["agentId"] = agent_id
    if (shell := _text(raw.get("shell"), 256)) is not None:
        entry["shell"] = shell
    if (color := _color(raw.get("color"))) is not None:
        entry["color"] = color
    if raw.get("record") is True:
        entry["record"] = True
    if kind == "program":
        _program_fields(raw, entry)
    return entry


def _program_fields(raw: dict[str, object], entry: SessionEntry) -> None:
    """A program entry's command and policy (#19); POST /api/sessions' checks apply when the
    workspace starts it."""
    if (command := _text(raw.get("command"), 8192)) is not None:
        entry["command"] = command
    if (restart := _choice(raw.get("restart"), PROGRAM_POLICIES)) is not None:
        entry["restart"] = restart
    if (most := _int_in(raw.get("maxRestarts"), 0, 1000)) is not None:
        entry["maxRestarts"] = most
    if (cap := _number(raw.get("backoffMax"))) is not None and 0.01 <= cap <= 86400:
        entry["backoffMax"] = cap
    env = raw.get("env")
    if isinstance(env, dict) and all(isinstance(v, str) for v in env.values()):
        entry["env"] = {str(k): v for k, v in list(env.items())[:100]}


def _session_list(raw: object) -> list[SessionEntry]:
    if not isinstance(raw, list):
        return []
    entries = [entry for entry in map(_session_entry, raw) if entry is not None]
    return entries[:MAX_WORKSPACE_SESSIONS]


def _startup_workspace(raw: object) -> StartupWorkspace:
    if not isinstance(raw, dict):
        return {"enabled": False, "sessions": []}
    enabled = raw.get("enabled")
    return {
        "enabled": enabled if isinstance(enabled, bool) else False,
        "sessions": _session_list(raw.get("sessions")),
    }


def _workspaces(raw: object) -> list[Workspace]:
    if not isinstance(raw, list):
        return []
    out: list[Workspace] = []
    seen_default = False
    for item in raw:
        if not isinstance(item, dict):
            continue
        ws_id, name = _required_text(item.get("id"), 64), _required_text(item.get("name"), 128)
        if ws_id is None or name is None:
            continue
        workspace: Workspace = {
            "id": ws_id, "name": name, "sessions": _session_list(item.get("sessions")),
        }
        # Only the first workspace flagged default keeps the flag: autoboot needs one answer.
        if item.get("default") is True and not seen_default:
            workspace["default"] = seen_default = True
        out.append(workspace)
        if len(out) == MAX_WORKSPACES:
            break
    return out


def sanitize(raw: object) -> Prefs:
    """Clean preferences: unknown keys dropped, bad values replaced by their defaults."""
    base = defaults()
    if not isinstance(raw, dict):
        return base
    get = raw.get
    return {
        "themeId": _or(_required_text(get("themeId"), 64), base["themeId"]),
        "fontSize": _or(_font_size(get("fontSize")), base["fontSize"]),
        "terminalFont": _or(_choice(get("terminalFont"), TERMINAL_FONTS), base["terminalFont"]),
        "notifications": _or(_flag(get("notifications")), base["notifications"]),
        "haptics": _or(_flag(get("haptics")), base["haptics"]),
        "showSplash": _or(_flag(get("showSplash")), base["showSplash"]),
        "keepSessions": _or(_flag(get("keepSessions")), base["keepSessions"]),
        "ctrlShortcuts": _or(_flag(get("ctrlShortcuts")), base["ctrlShortcuts"]),
        "particleDissolve": _or(_flag(get("particleDissolve")), base["particleDissolve"]),
        "touchBarCollapsed": _or(_flag(get("touchBarCollapsed")), base["touchBarCollapsed"]),
        "defaultFolder": _or(_text(get("defaultFolder"), 1024), base["defaultFolder"]),
        "defaultInitialCommand": _or(_text(get("defaultInitialCommand"), 1024),
                                     base["defaultInitialCommand"]),
        # null means "the built-in layout", so a bad value falls back to null too.
        "touchBarKeys": _touch_keys(get("touchBarKeys")),
        "startupWorkspace": _startup_workspace(get("startupWorkspace")),
        "workspaces": _workspaces(get("workspaces")),
    }


# -- the store ------------------------------------------------------------------------------


def _stored(data: object) -> tuple[Prefs, int]:
    """`{"prefs": {...}, "version": N}`. Inside `prefs`, values are sanitised one by one (a
    newer or older client may store what this version does not know); the frame must hold."""
    data = state.obj(data)
    version = state.field(data, "version", int)
    if version < 0:
        raise state.BadShape("'version' is negative")
    return sanitize(state.field(data, "prefs", dict)), version


class PrefsStore:
    """`<config_dir>/prefs.json` as `{"prefs": {...}, "version": N}`; last writer wins."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / PREFS_FILE
        self._lock = asyncio.Lock()

    def _read(self) -> tuple[Prefs, int]:
        return state.read_json(self.path, _stored) or (defaults(), 0)

    async def load(self) -> tuple[Prefs, int]:
        return await asyncio.to_thread(self._read)

    async def save(self, raw: object) -> tuple[Prefs, int]:
        """Sanitise and store `raw`; the stored preferences and their new version."""
        prefs = sanitize(raw)
        # The lock makes read-version/write atomic, so concurrent PUTs never share a version.
        async with self._lock:
            _, version = await self.load()
            version += 1
            try:
                await asyncio.to_thread(
                    state.write_json, self.path, {"prefs": prefs, "version": version}
                )
            except OSError as exc:  # the previous file stays as it was
                log.error("could not write %s: %s", self.path, exc)
                raise write_failed(exc, "Failed to persist preferences") from exc
        return prefs, version


@routes.get("/api/preferences")
@requires(Scope.READ)
async def get_preferences(request: web.Request) -> web.Response:
    prefs, version = await request.app[keys.PREFS].load()
    return web.json_response({"prefs": prefs, "version": version})


@routes.put("/api/preferences")
@requires(Scope.ADMIN)
async def put_preferences(request: web.Request) -> web.Response:
    try:
        body = await json_body(request)
    except BadRequest as exc:
        raise BadRequest("Body must be { prefs: object }") from exc
    if not isinstance(body.get("prefs"), dict):
        raise BadRequest("Body must be { prefs: object }")
    store = request.app[keys.PREFS]
    before, _ = await store.load()
    prefs, version = await store.save(body["prefs"])
    # Which settings, never their values: a value may be something private (a path, a URL).
    changed = sorted(k for k in prefs.keys() | before.keys() if prefs.get(k) != before.get(k))
    if changed:
        note(request, "settings.changed", keys=changed)
    return web.json_response({"prefs": prefs, "version": version})


def setup(app: web.Application) -> None:
    """Register the preferences store and its routes on `app` (called by create_app)."""
    app[keys.PREFS] = PrefsStore(app[keys.CONFIG].config_dir)
    app.router.add_routes(routes)
