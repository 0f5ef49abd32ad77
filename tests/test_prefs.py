"""/api/preferences (sanitiser, version counter, persistence) and workspace autoboot
(startup.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from termbeam_py import keys, prefs, startup
from termbeam_py.app import create_app
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient

DEFAULTS = prefs.defaults()


async def put(client: AppClient, body: Any) -> tuple[int, Any]:
    response = await client.put("/api/preferences", json=body)
    return response.status, await response.json()


async def sanitized(client: AppClient, raw: dict[str, Any]) -> dict[str, Any]:
    status, body = await put(client, {"prefs": raw})
    assert status == 200, body
    return dict(body["prefs"])


async def test_get_defaults_when_missing(authed: AppClient) -> None:
    response = await authed.get("/api/preferences")
    assert response.status == 200
    assert await response.json() == {"prefs": DEFAULTS, "version": 0}


async def test_requires_auth(client: AppClient) -> None:
    assert (await client.get("/api/preferences")).status == 401


async def test_put_body_must_hold_a_prefs_object(authed: AppClient) -> None:
    for body in ({}, {"prefs": None}, {"prefs": [1]}, {"prefs": "x"}):
        assert await put(authed, body) == (400, {"error": "Body must be { prefs: object }"})
    response = await authed.put(
        "/api/preferences", data=b"not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"error": "Body must be { prefs: object }"}


async def test_unknown_keys_dropped_and_bad_types_default(authed: AppClient) -> None:
    out = await sanitized(authed, {
        "evil": 1, "__proto__": {}, "themeId": 5, "haptics": "yes", "notifications": True,
        "showSplash": 0, "defaultFolder": ["x"], "touchBarKeys": "nope", "workspaces": {},
        "startupWorkspace": [],
    })
    assert set(out) == set(DEFAULTS)
    assert out == {**DEFAULTS, "notifications": True}


async def test_strings_truncated_not_refused(authed: AppClient) -> None:
    out = await sanitized(authed, {
        "themeId": "t" * 100, "defaultFolder": "/" + "d" * 2000,
        "defaultInitialCommand": "c" * 1500,
    })
    assert out["themeId"] == "t" * 64
    assert out["defaultFolder"] == "/" + "d" * 1023
    assert out["defaultInitialCommand"] == "c" * 1024


async def test_font_size_rounded_and_clamped(authed: AppClient) -> None:
    for raw, expected in ((15.5, 16), (14.4, 14), (1, 2), (-5, 2), (99, 32), ("20", 14),
                          (True, 14), (None, 14)):
        assert (await sanitized(authed, {"fontSize": raw}))["fontSize"] == expected, raw


async def test_terminal_font_is_one_of_the_known_choices(authed: AppClient) -> None:
    assert DEFAULTS["terminalFont"] == "bundled"
    for raw, expected in (("system", "system"), ("bundled", "bundled"), ("Comic Sans", "bundled"),
                          (["system"], "bundled"), ({}, "bundled"), (None, "bundled")):
        assert (await sanitized(authed, {"terminalFont": raw}))["terminalFont"] == expected, raw


async def test_ctrl_shortcuts_is_off_unless_set_to_true(authed: AppClient) -> None:
    # Off: plain Ctrl+K / Ctrl+F reach the shell; only a real boolean turns it on.
    assert DEFAULTS["ctrlShortcuts"] is False
    for raw, expected in ((True, True), (False, False), ("true", False), (1, False),
                          (None, False)):
        assert (await sanitized(authed, {"ctrlShortcuts": raw}))["ctrlShortcuts"] is expected, raw


async def test_touch_bar_keys(authed: AppClient) -> None:
    good = {"id": "k" * 80, "label": "L" * 20, "send": "s" * 70, "modifier": "ctrl",
            "action": "paste", "size": 2, "row": 3, "col": 8, "bg": "#abc", "color": "#A0B0C0FF",
            "style": "enter", "extra": 1}
    bad = {"id": "b", "modifier": "hyper", "action": "explode", "size": 9, "row": 4,
           "col": 1.5, "bg": "red", "color": "#12", "style": "fancy", "label": 7}
    out = await sanitized(authed, {"touchBarKeys": [good, bad, {"label": "no id"}, "x"]})
    assert out["touchBarKeys"] == [
        {"id": "k" * 64, "label": "L" * 16, "send": "s" * 64, "modifier": "ctrl",
         "action": "paste", "size": 2, "row": 3, "col": 8, "bg": "#abc",
         "color": "#A0B0C0FF", "style": "enter"},
        {"id": "b"},
    ]
    many = [{"id": f"k{i}"} for i in range(40)]
    assert len((await sanitized(authed, {"touchBarKeys": many}))["touchBarKeys"]) == 32
    assert (await sanitized(authed, {"touchBarKeys": None}))["touchBarKeys"] is None


async def test_workspaces(authed: AppClient) -> None:
    session = {"id": "s1", "name": "n" * 200, "kind": "agent", "agentId": "claude",
               "cwd": "/tmp", "initialCommand": "ls", "shell": "/bin/bash", "color": "#fff",
               "bogus": True}
    shell_session = {"id": "s2", "name": "sh", "kind": "shell", "agentId": "dropped",
                     "color": "not-a-colour", "kind2": 1}
    out = await sanitized(authed, {"workspaces": [
        {"id": "w1", "name": "one", "sessions": [session, shell_session, {"id": "x"}]},
        {"id": "w2", "name": "two", "default": True, "sessions": []},
        {"id": "w3", "name": "three", "default": True, "sessions": []},
        {"name": "no id"}, {"id": "no name"},
    ]})
    assert out["workspaces"] == [
        {"id": "w1", "name": "one", "sessions": [
            {**{k: v for k, v in session.items() if k != "bogus"}, "name": "n" * 128},
            {"id": "s2", "name": "sh", "kind": "shell"},
        ]},
        {"id": "w2", "name": "two", "default": True, "sessions": []},
        {"id": "w3", "name": "three", "sessions": []},
    ]


async def test_workspace_and_session_limits(authed: AppClient) -> None:
    sessions = [{"id": f"s{i}", "name": f"S{i}"} for i in range(20)]
    workspaces = [{"id": f"w{i}", "name": f"W{i}", "sessions": sessions} for i in range(20)]
    out = await sanitized(authed, {
        "workspaces": workspaces, "startupWorkspace": {"enabled": True, "sessions": sessions},
    })
    assert len(out["workspaces"]) == 16
    assert all(len(w["sessions"]) == 16 for w in out["workspaces"])
    assert out["startupWorkspace"]["enabled"] is True
    assert len(out["startupWorkspace"]["sessions"]) == 16


async def test_version_counter_and_persistence(
    authed: AppClient, aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    for expected in (1, 2, 3):
        status, body = await put(authed, {"prefs": {"fontSize": 10 + expected}})
        assert (status, body["version"]) == (200, expected)
    stored = json.loads((tmp_path / "cfg" / "prefs.json").read_text())
    assert stored["version"] == 3
    assert stored["prefs"]["fontSize"] == 13
    assert (tmp_path / "cfg" / "prefs.json").stat().st_mode & 0o777 == 0o600

    fresh = await aiohttp_client(create_app(make_config(tmp_path)))
    assert (await fresh.post("/api/auth", json={"password": PASSWORD})).status == 200
    body = await (await fresh.get("/api/preferences")).json()
    assert body["version"] == 3
    assert body["prefs"]["fontSize"] == 13


async def test_concurrent_puts_get_distinct_versions(authed: AppClient) -> None:
    results = await asyncio.gather(*(put(authed, {"prefs": {"fontSize": 12}}) for _ in range(8)))
    assert sorted(body["version"] for _, body in results) == list(range(1, 9))


async def test_corrupt_file_gives_defaults(authed: AppClient, tmp_path: Path) -> None:
    (tmp_path / "cfg" / "prefs.json").write_text("{not json")
    assert await (await authed.get("/api/preferences")).json() == {"prefs": DEFAULTS, "version": 0}
    (tmp_path / "cfg" / "prefs.json").write_text('{"prefs": [], "version": "x"}')
    assert await (await authed.get("/api/preferences")).json() == {"prefs": DEFAULTS, "version": 0}


async def test_persist_failure_is_500(authed: AppClient, tmp_path: Path) -> None:
    authed.app[keys.PREFS].path = tmp_path / "cfg" / "missing" / "file" / "prefs.json"
    (tmp_path / "cfg" / "missing").write_text("a file where a directory must go")
    assert await put(authed, {"prefs": {}}) == (500, {"error": "Failed to persist preferences"})


# -- workspace autoboot ---------------------------------------------------------------------

async def boot(client: AppClient, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Store `raw`, run the autoboot and return the sessions it created."""
    status, _ = await put(client, {"prefs": raw})
    assert status == 200
    app = client.app
    ids = await startup.start_sessions(app[keys.PREFS], app[keys.SESSIONS], app[keys.CONFIG])
    listing = await (await client.get("/api/sessions")).json()
    by_id = {s["id"]: s for s in listing}
    assert set(ids) <= set(by_id)
    return [by_id[i] for i in ids]


def entry(name: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"id-{name}", "name": name, **extra}


async def test_autoboot_default_session(authed: AppClient, tmp_path: Path) -> None:
    created = await boot(authed, {})
    assert [(s["name"], s["cwd"]) for s in created] == [("work", str(tmp_path / "work"))]


async def test_autoboot_prefers_default_workspace(authed: AppClient, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    created = await boot(authed, {
        "workspaces": [
            {"id": "a", "name": "A", "sessions": [entry("from-a")]},
            {"id": "b", "name": "B", "default": True, "sessions": [
                entry("one", cwd=str(other), color="#123456", initialCommand="  echo hi  "),
                entry("two", cwd="relative/dir", **{"shell": "/no/such/shell"}),
                entry("three", cwd=str(tmp_path / "gone")),
            ]},
        ],
        "startupWorkspace": {"enabled": True, "sessions": [entry("legacy")]},
    })
    work = str(tmp_path / "work")
    assert [(s["name"], s["cwd"]) for s in created] == [
        ("one", str(other)), ("two", work), ("three", work),
    ]
    assert created[0]["color"] == "#123456"
    assert created[1]["shell"] == "/bin/bash"  # unknown shells fall back to the default


async def test_autoboot_only_workspace_then_legacy(authed: AppClient) -> None:
    created = await boot(authed, {"workspaces": [
        {"id": "a", "name": "A", "sessions": [entry("solo")]},
    ]})
    assert [s["name"] for s in created] == ["solo"]

    legacy = {"enabled": True, "sessions": [entry("legacy")]}
    two = [{"id": "a", "name": "A", "sessions": [entry("x")]},
           {"id": "b", "name": "B", "sessions": [entry("y")]}]
    created = await boot(authed, {"workspaces": two, "startupWorkspace": legacy})
    assert [s["name"] for s in created] == ["legacy"]

    created = await boot(authed, {"startupWorkspace": {**legacy, "enabled": False}})
    assert [s["name"] for s in created] == ["work"]


async def test_autoboot_default_workspace_without_sessions_is_skipped(
    authed: AppClient,
) -> None:
    created = await boot(authed, {
        "workspaces": [{"id": "a", "name": "A", "default": True, "sessions": []}],
        "startupWorkspace": {"enabled": True, "sessions": [entry("legacy")]},
    })
    assert [s["name"] for s in created] == ["legacy"]


async def test_autoboot_all_failing_falls_back(authed: AppClient, monkeypatch: Any) -> None:
    manager = authed.app[keys.SESSIONS]
    real_create = manager.create

    def failing_create(**kwargs: Any) -> Any:
        if kwargs.get("name") == "doomed":
            from termbeam_py.errors import BadRequest
            raise BadRequest("Failed to create session")
        return real_create(**kwargs)

    monkeypatch.setattr(manager, "create", failing_create)
    created = await boot(authed, {"startupWorkspace": {
        "enabled": True, "sessions": [entry("doomed"), entry("doomed")],
    }})
    assert [s["name"] for s in created] == ["work"]
