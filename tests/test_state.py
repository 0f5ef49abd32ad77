"""State files under faults. Every file the server keeps, made corrupt in every way (truncated,
empty, garbage, invalid UTF-8, the wrong JSON type, fields of the wrong type, nested too deep):
the server still starts, the file is moved aside as `<name>.corrupt-<time>` with its bytes,
one warning is logged and the feature works from its defaults. And every file written on a
full disk (a small tmpfs): the previous file stays, no temp file is left, the request gets a
clear error and the server keeps running.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from termbeam_py import keys, prefs
from termbeam_py.app import create_app
from termbeam_py.audit import FILE_NAME as AUDIT_FILE
from termbeam_py.push import b64url
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.disk import fill, free, small_tmpfs
from tests.helpers import AppClient, Fakes, Server, eventually

NOW_MS = int(time.time() * 1000)
# The tests start servers, fill disks and write state files in their own bodies, which may
# take a loop step past 0.1 s on a busy machine; the server's callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="servers, full disks and state files set up in tests")
DIGEST = "ab" * 32
SUBSCRIPTION = {"endpoint": "http://127.0.0.1:9/push/1",
                "keys": {"p256dh": b64url(b"\x04" + bytes(range(64))), "auth": b64url(bytes(16))}}
ASIDE = re.compile(r"\.corrupt-\d{8}T\d{6}Z$")


# -- a harness: the server in-process or as a real `termbeam` ----------------------------------


class Harness:
    """Starts the server under test on `tmp_path/cfg`; collects its warnings."""

    def __init__(self, tmp_path: Path, aiohttp_client: ClientFactory,
                 spawn: Callable[..., Server], caplog: pytest.LogCaptureFixture) -> None:
        self.tmp_path = tmp_path
        self.cfg = tmp_path / "cfg"
        self.cfg.mkdir(exist_ok=True)
        self._aiohttp_client = aiohttp_client
        self._spawn = spawn
        self._caplog = caplog
        self.server: Server | None = None

    async def client(self) -> AppClient:
        """A real server on an ephemeral port, in this process (app start-up has run)."""
        return await self._aiohttp_client(create_app(make_config(self.tmp_path)))

    async def authed(self) -> AppClient:
        client = await self.client()
        response = await client.post("/api/auth", json={"password": PASSWORD})
        assert response.status == 200, await response.text()
        return client

    async def process(self, **kwargs: Any) -> Server:
        """A real `termbeam` process, once it has printed its banner."""
        self.server = self._spawn(**kwargs)
        await self.server.start()
        await self.server.started()
        return self.server

    def warnings(self, name: str) -> list[str]:
        """Warnings (in-process records, or the process's log) that mention the file `name`."""
        found = [r.getMessage() for r in self._caplog.records
                 if r.levelno == logging.WARNING and name in r.getMessage()]
        if self.server is not None:
            found += [line for line in self.server.stderr.splitlines()
                      if "WARNING" in line and name in line]
        return found


@pytest.fixture
def harness(tmp_path: Path, aiohttp_client: ClientFactory, spawn: Callable[..., Server],
            caplog: pytest.LogCaptureFixture) -> Harness:
    caplog.set_level(logging.WARNING)
    return Harness(tmp_path, aiohttp_client, spawn, caplog)


@pytest.fixture
async def index(aiohttp_server: Callable[..., Awaitable[TestServer]],
                monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A loopback package index whose latest termbeam-py is `version` (9.9.9)."""
    served: dict[str, Any] = {"version": "9.9.9"}

    async def project(request: web.Request) -> web.Response:
        return web.json_response({"info": {"version": served["version"]}})

    app = web.Application()
    app.router.add_get("/pypi/termbeam-py/json", project)
    server = await aiohttp_server(app)
    monkeypatch.setenv("TERMBEAM_INDEX_URL", str(server.make_url("/")))
    return served


@pytest.fixture
def devtunnel(fakes: Fakes) -> None:
    """The fake devtunnel CLI (tests/fake_tunnels) on PATH, logged in."""
    fakes.login("Microsoft", "9:59:00")


def stored(harness: Harness, name: str) -> Any:
    return json.loads((harness.cfg / name).read_text())


# -- each state file, and what "works from its defaults" means for it ---------------------------


async def tokens_work(h: Harness) -> None:
    client = await h.authed()  # the file is read at app start-up; logging in writes it anew
    assert (await client.get("/api/sessions")).status == 200
    assert len(stored(h, "tokens.json")["tokens"]) == 1


async def prefs_work(h: Harness) -> None:
    client = await h.authed()
    response = await client.get("/api/preferences")
    assert await response.json() == {"prefs": prefs.defaults(), "version": 0}
    response = await client.put("/api/preferences", json={"prefs": {"fontSize": 15}})
    assert (await response.json())["version"] == 1
    assert stored(h, "prefs.json")["prefs"]["fontSize"] == 15


async def vapid_works(h: Harness) -> None:
    client = await h.authed()
    response = await client.get("/api/push/vapid-key")
    assert response.status == 200
    assert stored(h, "vapid.json")["publicKey"] == (await response.json())["publicKey"]


async def subscriptions_work(h: Harness) -> None:
    client = await h.authed()
    response = await client.post("/api/push/subscribe", json={"subscription": SUBSCRIPTION})
    assert response.status == 200, await response.text()
    assert stored(h, "push-subscriptions.json") == {"subscriptions": [SUBSCRIPTION]}


async def update_check_works(h: Harness) -> None:
    client = await h.authed()
    response = await client.get("/api/update-check")
    assert (await response.json())["latest"] == "9.9.9"
    assert stored(h, "update-check.json")["latest"] == "9.9.9"


async def update_result_works(h: Harness) -> None:
    server = await h.process()
    # Read right after the banner, then removed or moved aside.
    await eventually(lambda: not (h.cfg / "update-result.json").exists(),
                     "update-result.json to be consumed", 20)
    assert not any("Updated from" in line for line in server.lines)


async def connection_works(h: Harness) -> None:
    server = await h.process()
    assert server.proc is not None
    assert stored(h, "connection.json")["pid"] == server.proc.pid


async def tunnel_works(h: Harness) -> None:
    server = await h.process(extra=("--tunnel", "devtunnel", "--persisted-tunnel"))
    await server.wait_line(r"^\s*Public:\s+https://fake1\S*\.devtunnels\.ms")
    assert stored(h, "tunnel.json")["tunnelId"] == "fake-tunnel-1.usw2"


@dataclass(frozen=True)
class StateFile:
    name: str
    good: Any
    """What its owner writes."""
    wrong_fields: Any
    """The right frame, a field of the wrong type (numbers as strings and the like)."""
    works: Callable[[Harness], Awaitable[None]]
    """Starts the server with the file in place and uses the feature."""


STATE_FILES = [
    StateFile("tokens.json", {"tokens": {DIGEST: time.time() + 3600}},
              {"tokens": {DIGEST: str(time.time() + 3600)}}, tokens_work),
    StateFile("prefs.json", {"prefs": {"fontSize": 15}, "version": 3},
              {"prefs": {"fontSize": 15}, "version": "3"}, prefs_work),
    StateFile("vapid.json", {"publicKey": "BPub", "privateKey": "priv"},
              {"publicKey": 1234, "privateKey": None}, vapid_works),
    StateFile("push-subscriptions.json", {"subscriptions": [SUBSCRIPTION]},
              {"subscriptions": [{"endpoint": 5, "keys": []}]}, subscriptions_work),
    StateFile("update-check.json", {"latest": "9.9.9", "checkedAt": NOW_MS},
              {"latest": "9.9.9", "checkedAt": str(NOW_MS)}, update_check_works),
    StateFile("update-result.json", {"fromVersion": "1.0.0", "toVersion": "1.1.0",
                                     "updatedAt": NOW_MS},
              {"fromVersion": 1, "toVersion": ["1.1.0"], "updatedAt": "now"},
              update_result_works),
    StateFile("connection.json", {"port": 9, "host": "localhost", "password": "pw", "pid": 1},
              {"port": "9", "host": "localhost", "password": None, "pid": "1"},
              connection_works),
    StateFile("tunnel.json", {"tunnelId": "fake-tunnel-7.usw2", "createdAt": time.time()},
              {"tunnelId": 7, "createdAt": "yesterday"}, tunnel_works),
]


def corrupted(kind: str, file: StateFile) -> bytes:
    text = json.dumps(file.good).encode()
    return {
        "truncated": text[: len(text) // 2],
        "empty": b"",
        "garbage": b"\x00\x13}{ this is not JSON \x7f",
        "invalid-utf8": text[:-2] + b'\xff\xfe"}',
        "wrong-type": json.dumps([file.good]).encode(),
        "wrong-fields": json.dumps(file.wrong_fields).encode(),
        "nested-too-deep": b"[" * 100_000 + b"]" * 100_000,
    }[kind]


KINDS = ["truncated", "empty", "garbage", "invalid-utf8", "wrong-type", "wrong-fields",
         "nested-too-deep"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("file", STATE_FILES, ids=lambda f: f.name)
@pytest.mark.usefixtures("index", "devtunnel")
async def test_a_corrupt_state_file_is_moved_aside(
    harness: Harness, file: StateFile, kind: str
) -> None:
    bad = corrupted(kind, file)
    (harness.cfg / file.name).write_bytes(bad)

    await file.works(harness)

    [aside] = [p for p in harness.cfg.iterdir() if p.name.startswith(file.name + ".corrupt")]
    assert ASIDE.search(aside.name), aside.name
    assert aside.read_bytes() == bad
    warnings = harness.warnings(file.name)
    assert len(warnings) == 1, warnings
    assert "corrupt" in warnings[0]


async def test_state_files_the_server_writes_read_back_cleanly(
    harness: Harness, index: dict[str, Any]
) -> None:
    """The shapes accept what their owners write: after a restart on the same state dir the
    login, preferences, VAPID key, subscription and update check are all read back, and
    nothing is moved aside."""
    first = await harness.authed()
    await first.put("/api/preferences", json={"prefs": {"fontSize": 17}})
    key = (await (await first.get("/api/push/vapid-key")).json())["publicKey"]
    await first.post("/api/push/subscribe", json={"subscription": SUBSCRIPTION})
    assert (await (await first.get("/api/update-check")).json())["latest"] == "9.9.9"
    cookies = {c.key: c.value for c in first.session.cookie_jar}
    index["version"] = "9.9.10"

    again = await harness.client()
    again.session.cookie_jar.update_cookies(cookies)
    assert (await again.get("/api/sessions")).status == 200  # tokens.json
    body = await (await again.get("/api/preferences")).json()
    assert (body["prefs"]["fontSize"], body["version"]) == (17, 1)
    assert (await (await again.get("/api/push/vapid-key")).json())["publicKey"] == key
    assert (await (await again.get("/api/update-check")).json())["latest"] == "9.9.9"  # cached
    assert again.app[keys.PUSH].subscriptions.keys() == {SUBSCRIPTION["endpoint"]}
    assert [p.name for p in harness.cfg.iterdir() if "corrupt" in p.name] == []
    assert harness.warnings("json") == []


# -- a full disk under the state dir ----------------------------------------------------------

NO_ROOM = {"error": "Not enough disk space"}


@pytest.fixture
def full(tmp_path: Path) -> Iterator[Path]:
    """The state dir (tmp_path/cfg) on a 1 MiB tmpfs; fill it with `tests.disk.fill`."""
    with small_tmpfs(tmp_path / "cfg") as mount:
        yield mount


def snapshot(cfg: Path) -> dict[str, bytes]:
    """Every state file's bytes (not the filler, and not the audit log: it only appends, a
    short line may still fit on a "full" disk, and tests/test_audit.py has its own full-disk
    test)."""
    return {p.name: p.read_bytes() for p in cfg.iterdir()
            if p.name != ".filler" and not p.name.startswith(AUDIT_FILE)}


def assert_unchanged(cfg: Path, before: dict[str, bytes]) -> None:
    """The previous files as they were, and no temp file left by a failed write."""
    assert snapshot(cfg) == before


async def test_login_on_a_full_disk_still_works(harness: Harness, full: Path) -> None:
    """tokens.json cannot be written: the login works anyway, in memory until the server
    restarts (a full disk must not lock you out of the shell you need to free space)."""
    client = await harness.authed()
    before = snapshot(full)
    fill(full)
    second = await harness.authed()
    assert (await second.get("/api/sessions")).status == 200
    assert (await client.get("/api/sessions")).status == 200
    assert_unchanged(full, before)
    assert len(harness.warnings("tokens.json")) == 1


async def test_preferences_on_a_full_disk(harness: Harness, full: Path) -> None:
    client = await harness.authed()
    assert (await client.put("/api/preferences", json={"prefs": {"fontSize": 15}})).status == 200
    before = snapshot(full)
    fill(full)
    response = await client.put("/api/preferences", json={"prefs": {"fontSize": 20}})
    assert (response.status, await response.json()) == (507, NO_ROOM)
    assert_unchanged(full, before)
    body = await (await client.get("/api/preferences")).json()
    assert (body["prefs"]["fontSize"], body["version"]) == (15, 1)


def subscription(n: int) -> dict[str, Any]:
    return {**SUBSCRIPTION, "endpoint": f"http://127.0.0.1:9/push/{n}"}


async def test_push_on_a_full_disk(harness: Harness, full: Path) -> None:
    """No VAPID key can be stored: push is off (503) rather than handing out a key that is
    lost at the next restart. Subscribing and unsubscribing answer 507: a refused
    subscription is not kept, an unsubscribe holds until the next restart."""
    client = await harness.authed()
    before = snapshot(full)
    fill(full)
    response = await client.get("/api/push/vapid-key")
    assert (response.status, await response.json()) == (
        503, {"error": "Push notifications not configured"})
    assert_unchanged(full, before)
    free(full)
    assert (await client.get("/api/push/vapid-key")).status == 200
    response = await client.post("/api/push/subscribe", json={"subscription": subscription(1)})
    assert response.status == 200
    before = snapshot(full)
    fill(full)
    response = await client.post("/api/push/subscribe", json={"subscription": subscription(2)})
    assert (response.status, await response.json()) == (507, NO_ROOM)
    response = await client.delete("/api/push/unsubscribe",
                                   json={"endpoint": subscription(1)["endpoint"]})
    assert (response.status, await response.json()) == (507, NO_ROOM)
    assert_unchanged(full, before)
    free(full)
    response = await client.post("/api/push/subscribe", json={"subscription": subscription(3)})
    assert response.status == 200
    assert stored(harness, "push-subscriptions.json") == {"subscriptions": [subscription(3)]}


@pytest.mark.usefixtures("index")
async def test_update_check_cache_on_a_full_disk(harness: Harness, full: Path) -> None:
    stale = {"latest": "0.0.1", "checkedAt": 1_000}
    (full / "update-check.json").write_text(json.dumps(stale))
    before = snapshot(full)
    fill(full)
    client = await harness.authed()
    response = await client.get("/api/update-check")
    assert (response.status, (await response.json())["latest"]) == (200, "9.9.9")
    assert_unchanged(full, before)
    assert len(harness.warnings("update-check.json")) == 1


async def test_update_result_on_a_full_disk(
    harness: Harness, full: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update completes (the restart goes ahead); only the next banner's line is lost."""
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "pip")
    monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", "echo Successfully installed termbeam-py")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    client = await harness.authed()
    fill(full)
    assert (await client.post("/api/update")).status == 200
    async def complete() -> bool:
        return bool((await (await client.get("/api/update/status")).json())["status"]
                    == "complete")

    await eventually(complete, "the update to complete", 30)
    assert not (full / "update-result.json").exists()
    assert [p.name for p in full.iterdir() if p.name.endswith(".tmp")] == []
    assert len(harness.warnings("update result")) == 1


async def test_connection_file_on_a_full_disk(harness: Harness, full: Path) -> None:
    """connection.json cannot be written at start: the server serves anyway (with a warning;
    `termbeam list` and the one-server check cannot find it) and stops cleanly."""
    fill(full)
    server = await harness.process()
    assert not (full / "connection.json").exists()
    assert len(harness.warnings("connection.json")) == 1
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0, server.stderr
    assert "Traceback" not in server.stderr
    assert snapshot(full) == {}


@pytest.mark.usefixtures("devtunnel")
async def test_tunnel_id_on_a_full_disk(harness: Harness, full: Path) -> None:
    """The persisted tunnel is created and serves; only its id is not kept for the next run."""
    fill(full)
    server = await harness.process(extra=("--tunnel", "devtunnel", "--persisted-tunnel"))
    await server.wait_line(r"^\s*Public:\s+https://fake1\S*\.devtunnels\.ms")
    assert not (full / "tunnel.json").exists()
    assert len(harness.warnings("tunnel.json")) == 1
    assert "Traceback" not in server.stderr
