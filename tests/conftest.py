"""Shared fixtures: a real Config, a real server on an ephemeral port, logged-in clients."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from termbeam_py.app import create_app
from termbeam_py.config import Config
from termbeam_py.holder import control
from termbeam_py.holder.paths import holder_dir
from tests import coverage_summary, runqueue
from tests.helpers import FAKES, SHELL_ENV, AppClient, Fakes, Server, TermWS
from tests.runqueue import RunQueueClock

PASSWORD = "correct horse battery"
SHELL = "/bin/bash"
SHELL_ARGS = ("--norc", "--noprofile")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-long", action="store_true", default=False,
        help="tests/test_fuzz.py: 20x the cases (>= 50,000), new random ones each run, no "
             "per-test timeout (also TERMBEAM_FUZZ_LONG=1)",
    )


def fuzz_long(config: pytest.Config) -> bool:
    return bool(config.getoption("--fuzz-long")) or os.environ.get("TERMBEAM_FUZZ_LONG") == "1"


def pytest_configure(config: pytest.Config) -> None:
    # Session holders of the run's servers live in a folder of the run's own, not in the
    # user's runtime directory; sessionfinish checks that none is left.
    os.environ.setdefault("TERMBEAM_RUNTIME_DIR", tempfile.mkdtemp(prefix="termbeam-run-"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # each pytest-xdist worker checks (and ends) only the holders of its own tests
        own = Path(os.environ["TERMBEAM_RUNTIME_DIR"]) / f"worker-{worker}"
        own.mkdir(mode=0o700, exist_ok=True)
        os.environ["TERMBEAM_RUNTIME_DIR"] = str(own)
    # pytest-asyncio builds each test's loop with its own `asyncio_debug` setting (off by
    # default), which overrides PYTHONASYNCIODEBUG: follow the variable, as .ci/run sets it.
    if os.environ.get("PYTHONASYNCIODEBUG") and config.getoption("asyncio_debug") is None:
        config.option.asyncio_debug = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a session holder outlived its test: something left shells running."""
    root = Path(os.environ["TERMBEAM_RUNTIME_DIR"])
    left = []
    for folder in root.glob("*"):
        found = control.connect(folder)
        if found is not None:
            found.close()
            control.end_sessions(folder)
            left.append(folder.name)
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        sys.stderr.write(f"\nsession holders left running (ended now): {left}\n")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After pytest-cov's table: the total against its floor and target, and the modules
    with the least covered (only when the run measured coverage: `pytest --cov`)."""
    plugin = terminalreporter.config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None or getattr(plugin, "cov_total", None) is None:
        return
    cov = controller.cov
    report = coverage_summary.json_report(cov)
    floor = float(cov.config.fail_under)
    terminalreporter.write_sep("-", "coverage")
    for line in coverage_summary.summary_lines(report, floor):
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if fuzz_long(config):  # a long fuzz test runs for minutes: past the 120 s timeout
        for item in items:
            if item.nodeid.startswith("tests/test_fuzz.py"):
                item.add_marker(pytest.mark.timeout(0))


#: asyncio's own threshold, set explicitly: a callback this slow is logged in debug mode
#: (PYTHONASYNCIODEBUG=1, as .ci/run runs the suite) and fails the test it ran in.
SLOW_CALLBACK_SECONDS = 0.1
#: Under coverage's line tracer (the README's test command measures coverage) every line
#: of our code runs about 1.6 times slower. The threshold grows with it, so that what it
#: catches is still a blocked loop, not tracing. (Time a callback spent preempted, waiting
#: for a CPU that two xdist workers and their browsers share, is not counted at all: see
#: tests/runqueue.py.)
TRACED_SLOW_CALLBACK_SECONDS = 0.5


def slow_callback_seconds() -> float:
    return TRACED_SLOW_CALLBACK_SECONDS if sys.gettrace() is not None else SLOW_CALLBACK_SECONDS


def _test_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.slow_callback_duration = slow_callback_seconds()
    return loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item,
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every test and fixture loop is a plain asyncio loop with the threshold set."""
    return {"asyncio": _test_loop}


#: A task running test code, not the product: the tests' own coroutines.
TEST_CODE = re.compile(
    r"coro=<\S+?\(\) (?:running|done, defined) at "
    rf"{re.escape(str(Path(__file__).resolve().parent))}/"
)
#: pytest-asyncio's fixture wrappers: fixture setup and teardown (building an app, starting
#: a test server, logging in) is not a callback of the running product, so it never fails
#: a test.
FIXTURE_CODE = re.compile(r"coro=<\S+?\(\) (?:running|done, defined) at \S*/pytest_asyncio/")


class SlowCallbacks(logging.Handler):
    """Collects asyncio debug mode's "Executing <handle> took 0.123 seconds" warnings.

    Two waits the callback did not cause are subtracted before comparing with the
    threshold: a pause of the cycle collector (it lands in whichever callback happens to
    allocate) and the time its thread sat preempted on the run queue (a busy machine)."""

    def __init__(self, run_queue: RunQueueClock) -> None:
        super().__init__(logging.WARNING)
        self.threshold = slow_callback_seconds()
        self.run_queue = run_queue
        self.messages: list[str] = []
        self.pauses: list[tuple[float, float]] = []
        self._pause_start = 0.0

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._pause_start = time.time()
        else:
            self.pauses.append((self._pause_start, time.time()))

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg != "Executing %s took %.3f seconds" or not isinstance(record.args, tuple):
            return
        took = record.args[1]
        assert isinstance(took, float)
        start, end = record.created - took, record.created
        collecting = sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.pauses)
        preempted = self.run_queue.since_callback_start()
        if took - min(took, collecting + preempted) > self.threshold:
            cpu = self.run_queue.cpu_since_callback_start()
            waited = max(0.0, took - cpu - preempted - collecting)
            self.messages.append(
                f"{record.getMessage()} ({cpu:.3f} s on a CPU, {preempted:.3f} s preempted, "
                f"{collecting:.3f} s collecting garbage, {waited:.3f} s waiting: a syscall, "
                "a lock or the GIL)")


@pytest.fixture(scope="session")
def _run_queue() -> Iterator[RunQueueClock]:
    clock = RunQueueClock()
    undo = runqueue.install(clock) if clock.available else (lambda: None)
    try:
        yield clock
    finally:
        undo()


@pytest.fixture(autouse=True)
def _no_slow_callbacks(request: pytest.FixtureRequest,
                       _run_queue: RunQueueClock) -> Iterator[None]:
    """Fail a test during which the event loop ran a callback slower than
    SLOW_CALLBACK_SECONDS (asyncio logs them in debug mode: PYTHONASYNCIODEBUG=1).

    A test whose own code blocks on purpose (it forks servers, runs git(1) or writes
    thousands of files in its body) says so with `@pytest.mark.blocks_loop(reason=...)`:
    that excuses the steps of test code only; a slow server callback still fails it."""
    marker = request.node.get_closest_marker("blocks_loop")
    if marker is not None and not (marker.kwargs.get("reason") or marker.args):
        pytest.fail("@pytest.mark.blocks_loop needs a reason", pytrace=False)
    handler = SlowCallbacks(_run_queue)
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    gc.callbacks.append(handler.on_gc)
    try:
        yield
    finally:
        gc.callbacks.remove(handler.on_gc)
        logger.removeHandler(handler)
    blocked = [m for m in handler.messages if not FIXTURE_CODE.search(m)
               and (marker is None or not TEST_CODE.search(m))]
    if blocked:
        pytest.fail("the event loop was blocked:\n" + "\n".join(blocked), pytrace=False)


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


ClientFactory = Callable[..., Awaitable[AppClient]]


@pytest.fixture
async def client(aiohttp_client: ClientFactory, config: Config) -> AppClient:
    """An unauthenticated client of a real server on an ephemeral port."""
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def authed(client: AppClient) -> AppClient:
    """The same server, logged in through POST /api/auth (cookie kept in the jar)."""
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200, await response.text()
    return client


@pytest.fixture
async def session_id(authed: AppClient) -> str:
    response = await authed.post("/api/sessions", json={"cols": 80, "rows": 24})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


@pytest.fixture
def open_ws(authed: AppClient) -> Callable[..., Awaitable[TermWS]]:
    """Open a logged-in WebSocket; closed at teardown."""
    opened: list[TermWS] = []

    async def _open(**kwargs: object) -> TermWS:
        ws = await authed.ws_connect("/ws", **kwargs)  # type: ignore[call-overload]
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
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fakes:
    """The fake tunnel programs (tests/fake_tunnels) first on PATH, recording into tmp."""
    state = tmp_path / "fake-state"
    state.mkdir()
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TUNNEL_DIR", str(state))
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "ok")
    return Fakes(state)


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Callable[..., Server]]:
    """Start `termbeam` processes (tests.helpers.Server); all killed at teardown."""
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
        # A test that kept sessions (or killed a server with -9) leaves them in the holder.
        for folder in {holder_dir(server.cfg) for server in servers}:
            await asyncio.to_thread(control.end_sessions, folder)
