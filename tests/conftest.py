"""Shared fixtures: a real Config, a real server on an ephemeral port, logged-in clients."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp.test_utils import TestClient

from termbeam_py.app import create_app
from termbeam_py.config import Config
from tests.helpers import TermWS

if TYPE_CHECKING:
    from tests.test_server_process import Server

PASSWORD = "correct horse battery"
SHELL = "/bin/bash"
SHELL_ARGS = ("--norc", "--noprofile")
#: A fixed prompt, no history file, no bracketed-paste noise in the output.
SHELL_ENV = {"PS1": "$ ", "HISTFILE": "/dev/null", "INPUTRC": "/dev/null", "LC_ALL": "C.UTF-8"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-long", action="store_true", default=False,
        help="tests/test_fuzz.py: 20x the cases (>= 50,000), new random ones each run, no "
             "per-test timeout (also TERMBEAM_FUZZ_LONG=1)",
    )


def fuzz_long(config: pytest.Config) -> bool:
    return bool(config.getoption("--fuzz-long")) or os.environ.get("TERMBEAM_FUZZ_LONG") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if fuzz_long(config):  # a long fuzz test runs for minutes: past the 120 s timeout
        for item in items:
            if item.nodeid.startswith("tests/test_fuzz.py"):
                item.add_marker(pytest.mark.timeout(0))


def make_config(tmp_path: Path, **overrides: object) -> Config:
    (tmp_path / "cfg").mkdir(exist_ok=True)
    (tmp_path / "work").mkdir(exist_ok=True)
    values: dict[str, object] = {
        "shell": SHELL,
        "shell_args": SHELL_ARGS,
        "config_dir": tmp_path / "cfg",
        "cwd": tmp_path / "work",
        "password": PASSWORD,
        "rate_limit": False,
        "print_qr": False,
        "shell_env": SHELL_ENV,
    }
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def client(aiohttp_client: ClientFactory, config: Config) -> TestClient:
    """An unauthenticated client of a real server on an ephemeral port."""
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def authed(client: TestClient) -> TestClient:
    """The same server, logged in through POST /api/auth (cookie kept in the jar)."""
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200, await response.text()
    return client


@pytest.fixture
async def session_id(authed: TestClient) -> str:
    response = await authed.post("/api/sessions", json={"cols": 80, "rows": 24})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


@pytest.fixture
def open_ws(authed: TestClient) -> Callable[..., Awaitable[TermWS]]:
    """Open a logged-in WebSocket; closed at teardown."""
    opened: list[TermWS] = []

    async def _open(**kwargs: object) -> TermWS:
        ws = await authed.ws_connect("/ws", **kwargs)  # type: ignore[arg-type]
        term = TermWS(ws)
        opened.append(term)
        return term

    return _open


@pytest.fixture
async def term(open_ws: Callable[..., Awaitable[TermWS]], session_id: str) -> AsyncIterator[TermWS]:
    """A WebSocket attached to a fresh 80x24 session, past the first-attach handshake."""
    ws = await open_ws()
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(80, 24)
    await ws.read_until("$ ")
    yield ws
    await ws.ws.close()


def process_exists(pid: int) -> bool:
    """True if `pid` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(autouse=True)
def _no_password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TERMBEAM_PASSWORD", "PTY_PASSWORD", "TERMBEAM_CONFIG_DIR", "PORT"):
        monkeypatch.delenv(name, raising=False)
    os.environ.setdefault("LC_ALL", "C.UTF-8")


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Callable[..., Server]]:
    """Start `termbeam` processes (tests/test_server_process.Server); all killed at teardown."""
    from tests.test_server_process import Server

    servers: list[Server] = []

    def _make(**kwargs: object) -> Server:
        server = Server(tmp_path, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    try:
        yield _make
    finally:
        for server in servers:
            await server.kill()
