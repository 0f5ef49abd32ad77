"""User preferences: the sanitiser, the `prefs.json` store and /api/preferences. The start-up
sessions the stored preferences describe are started by `startup.py`."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from termbeam_py import keys, state
from termbeam_py.errors import BadRequest, write_failed
from termbeam_py.httputil import json_body

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
SESSION_KINDS = frozenset({"agent", "shell"})
TERMINAL_FONTS = frozenset({"bundled", "system"})


def defaults() -> dict[str, Any]:
    """A fresh copy of the default preferences (callers may mutate it)."""
    return {
        "themeId": "dark",
        "fontSize": 14,
        "terminalFont": "bundled",
        "notifications": False,
        "haptics": True,
        "showSplash": True,
        "particleDissolve": True,
        "touchBarCollapsed": False,
        "defaultFolder": "",
        "defaultInitialCommand": "",
        "touchBarKeys": None,
        "startupWorkspace": {"enabled": False, "sessions": []},
        "workspaces": [],
    }


# -- field checkers: each returns the clean value, or None when the value is unusable -------

def _text(value: Any, limit: int) -> str | None:
    """A string truncated to `limit` characters (too long is trimmed, not refused)."""
    return value[:limit] if isinstance(value, str) else None


def _required_text(value: Any, limit: int) -> str | None:
    text = _text(value, limit)
    return text or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int_in(value: Any, low: int, high: int) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer() or not low <= number <= high:
        return None
    return int(number)


def _choice(value: Any, allowed: frozenset[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def _color(value: Any) -> str | None:
    return value if isinstance(value, str) and _HEX_COLOR.fullmatch(value) else None


def _font_size(value: Any) -> int | None:
    number = _number(value)
    if number is None:
        return None
    # Math.round semantics (half up), not Python's banker's rounding.
    return max(2, min(32, math.floor(number + 0.5)))


def _size(value: Any) -> float | int | None:
    number = _number(value)
    if number is None or not 1 <= number <= 8:
        return None
    return int(number) if number.is_integer() else number


def _optional_fields(
    raw: dict[str, Any], checks: dict[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """The fields of `raw` that pass their check; bad or missing ones are left out."""
    out: dict[str, Any] = {}
    for name, check in checks.items():
        if name in raw:
            value = check(raw[name])
            if value is not None:
                out[name] = value
    return out


_KEY_FIELDS: dict[str, Callable[[Any], Any]] = {
    "label": lambda v: _text(v, 16),
    "send": lambda v: _text(v, 64),
    "modifier": lambda v: _choice(v, MODIFIERS),
    "action": lambda v: _choice(v, ACTIONS),
    "size": _size,
    "row": lambda v: _int_in(v, 1, 3),
    "col": lambda v: _int_in(v, 1, 8),
    "bg": _color,
    "color": _color,
    "style": lambda v: _choice(v, KEY_STYLES),
}

_SESSION_FIELDS: dict[str, Callable[[Any], Any]] = {
    "kind": lambda v: _choice(v, SESSION_KINDS),
    "cwd": lambda v: _text(v, 1024),
    "initialCommand": lambda v: _text(v, 1024),
    "agentId": lambda v: _text(v, 128),
    "shell": lambda v: _text(v, 256),
    "color": _color,
}


def _touch_key(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or (key_id := _required_text(raw.get("id"), 64)) is None:
        return None
    return {"id": key_id, **_optional_fields(raw, _KEY_FIELDS)}


def _touch_keys(raw: Any) -> list[dict[str, Any]] | None:
    if not isinstance(raw, list):
        return None
    keys_ = [key for key in map(_touch_key, raw) if key is not None]
    return keys_[:MAX_TOUCH_KEYS]


def _session_entry(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    entry_id, name = _required_text(raw.get("id"), 64), _required_text(raw.get("name"), 128)
    if entry_id is None or name is None:
        return None
    entry = {"id": entry_id, "name": name, **_optional_fields(raw, _SESSION_FIELDS)}
    if entry.get("kind") != "agent":
        entry.pop("agentId", None)  # an agent id means nothing on a shell entry
    return entry


def _session_list(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    entries = [entry for entry in map(_session_entry, raw) if entry is not None]
    return entries[:MAX_WORKSPACE_SESSIONS]


def _startup_workspace(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {"enabled": False, "sessions": []}
    enabled = raw.get("enabled")
    return {
        "enabled": enabled if isinstance(enabled, bool) else False,
        "sessions": _session_list(raw.get("sessions")),
    }


def _workspaces(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    out: list[dict[str, Any]] = []
    seen_default = False
    for item in raw:
        if not isinstance(item, dict):
            continue
        ws_id, name = _required_text(item.get("id"), 64), _required_text(item.get("name"), 128)
        if ws_id is None or name is None:
            continue
        workspace: dict[str, Any] = {
            "id": ws_id, "name": name, "sessions": _session_list(item.get("sessions")),
        }
        # Only the first workspace flagged default keeps the flag: autoboot needs one answer.
        if item.get("default") is True and not seen_default:
            workspace["default"] = seen_default = True
        out.append(workspace)
        if len(out) == MAX_WORKSPACES:
            break
    return out


_TOP_LEVEL: dict[str, Callable[[Any], Any]] = {
    "themeId": lambda v: _required_text(v, 64),
    "fontSize": _font_size,
    "terminalFont": lambda v: v if isinstance(v, str) and v in TERMINAL_FONTS else None,
    "notifications": lambda v: v if isinstance(v, bool) else None,
    "haptics": lambda v: v if isinstance(v, bool) else None,
    "showSplash": lambda v: v if isinstance(v, bool) else None,
    "particleDissolve": lambda v: v if isinstance(v, bool) else None,
    "touchBarCollapsed": lambda v: v if isinstance(v, bool) else None,
    "defaultFolder": lambda v: _text(v, 1024),
    "defaultInitialCommand": lambda v: _text(v, 1024),
    "startupWorkspace": _startup_workspace,
    "workspaces": _workspaces,
}


def sanitize(raw: Any) -> dict[str, Any]:
    """Clean preferences: unknown keys dropped, bad values replaced by their defaults."""
    prefs = defaults()
    if not isinstance(raw, dict):
        return prefs
    prefs.update(_optional_fields(raw, _TOP_LEVEL))
    # touchBarKeys: null means "the built-in layout", so a bad value falls back to null too.
    prefs["touchBarKeys"] = _touch_keys(raw.get("touchBarKeys"))
    return prefs


# -- the store ------------------------------------------------------------------------------


def _stored(data: Any) -> tuple[dict[str, Any], int]:
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

    def _read(self) -> tuple[dict[str, Any], int]:
        return state.read_json(self.path, _stored) or (defaults(), 0)

    async def load(self) -> tuple[dict[str, Any], int]:
        return await asyncio.to_thread(self._read)

    async def save(self, raw: Any) -> tuple[dict[str, Any], int]:
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
async def get_preferences(request: web.Request) -> web.Response:
    prefs, version = await request.app[keys.PREFS].load()
    return web.json_response({"prefs": prefs, "version": version})


@routes.put("/api/preferences")
async def put_preferences(request: web.Request) -> web.Response:
    try:
        body = await json_body(request)
    except BadRequest as exc:
        raise BadRequest("Body must be { prefs: object }") from exc
    if not isinstance(body.get("prefs"), dict):
        raise BadRequest("Body must be { prefs: object }")
    prefs, version = await request.app[keys.PREFS].save(body["prefs"])
    return web.json_response({"prefs": prefs, "version": version})


def setup(app: web.Application) -> None:
    """Register the preferences store and its routes on `app` (called by create_app)."""
    app[keys.PREFS] = PrefsStore(app[keys.CONFIG].config_dir)
    app.router.add_routes(routes)
