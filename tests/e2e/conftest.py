"""Fixtures for the browser tests: a real termbeam server subprocess and Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import child_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
URL_RE = re.compile(r"http://(?:localhost|127\.0\.0\.1):(\d+)")
STARTUP_TIMEOUT_S = 30.0
#: Desktops default to WebGL, which draws to a canvas; tests read the DOM renderer's rows.
DOM_RENDERER = "try { localStorage.setItem('termbeam.renderer', 'dom') } catch {}"


@dataclass
class ServerProcess:
    """A running `python -m termbeam_py` and what it printed."""

    base_url: str
    password: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output)


def _shell_command() -> list[str]:
    bash = shutil.which("bash")
    if bash:
        return [bash, "--norc", "--noprofile"]
    return [shutil.which("sh") or "/bin/sh"]


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def start_server(
    tmp_path_factory: pytest.TempPathFactory, env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    """Run the real server on an ephemeral port with a random password until the block ends.

    Args:
        tmp_path_factory: makes the server's config folder and starting folder.
        env: extra environment for the server (e.g. a fake HOME or PATH); it is applied over
            this process's environment, before the settings every e2e server needs.
    """
    config_dir = tmp_path_factory.mktemp("termbeam-config")
    work_dir = tmp_path_factory.mktemp("termbeam-cwd")
    password = "e2e-" + secrets.token_hex(8)
    proc = subprocess.Popen(
        _server_command(password, config_dir, work_dir),
        cwd=work_dir,
        env=_server_env(config_dir, env or {}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    output: list[str] = []
    found: dict[str, int] = {}
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            match = URL_RE.search(line)
            if match and not ready.is_set():
                found["port"] = int(match.group(1))
                ready.set()
        ready.set()  # EOF: wake the waiter so it can report the failure

    reader = threading.Thread(target=pump, name="termbeam-stdout", daemon=True)
    reader.start()
    ready.wait(STARTUP_TIMEOUT_S)
    if "port" not in found:
        _stop(proc)
        _close_output(proc, reader)
        pytest.fail(
            f"server did not print its URL within {STARTUP_TIMEOUT_S:.0f}s "
            f"(exit code {proc.poll()}). Output:\n{''.join(output)}"
        )
    srv = ServerProcess(f"http://127.0.0.1:{found['port']}", password, proc, output)
    try:
        yield srv
    finally:
        _stop(proc)
        _close_output(proc, reader)


def _close_output(proc: subprocess.Popen[str], reader: threading.Thread) -> None:
    """Close the stdout pipe once the reader has seen its end (a pipe left to the garbage
    collector is a ResourceWarning, an error under filterwarnings)."""
    reader.join(timeout=5)
    if proc.stdout is not None and not reader.is_alive():
        proc.stdout.close()


def _server_env(config_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    return child_env({**os.environ, **extra}, TERMBEAM_CONFIG_DIR=str(config_dir), PS1="$ ",
                     TERM="xterm-256color")


def _server_command(password: str, config_dir: Path, work_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "termbeam_py",
        "--port", "0",
        "--host", "127.0.0.1",
        "--password", password,
        "--config-dir", str(config_dir),
        "--cwd", str(work_dir),
        "--no-qr",
        "--", *_shell_command(),
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_slow_callbacks() -> None:
    """Overrides tests/conftest.py's check: a browser test's only event loop in this process
    is Playwright's (its sync API runs one), and the server runs in a child process."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Start the real server on an ephemeral port with a random password."""
    with start_server(tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's binary, not a Playwright download), one for all the browser
    test modules: each test gets a fresh context (cookies, storage, viewport) of its own, so
    only the launch is shared, which costs one to four seconds of the Playwright driver and
    Chromium starting per module on this machine.

    Package scope, not session: the sync API keeps an event loop alive until it is closed,
    which would break the asyncio tests that run after the browser tests.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the item so fixtures can see failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _new_page(
    browser: Any,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    server: ServerProcess,
    *,
    force_dom: bool = True,
    **context_args: Any,
) -> Iterator[Any]:
    context = browser.new_context(base_url=server.base_url, **context_args)
    if force_dom:
        context.add_init_script(DOM_RENDERER)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    try:
        yield page
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot: {shot}\npage errors: {errors}\nserver log:\n{server.log()}")
            except Exception as exc:  # best effort diagnostics only
                print(f"\nscreenshot failed: {exc}")
        context.close()


def _collect_errors(page: Any) -> None:
    """Uncaught errors of `page` collect in `page.errors` (tests assert it stays empty)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors


@pytest.fixture
def new_context(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Any]]:
    """Make browser contexts with a test's own options (a size, a login, blocked service
    workers, another server), closed after the test.

    `new_context(base_url=None, dom=False, **options)`: `base_url` defaults to the module's
    `server`; `dom` picks xterm's DOM renderer (tests read its rows); the options go to
    `browser.new_context`. Each page's uncaught errors collect in `page.errors`; a failing test
    leaves a screenshot of each page.
    """
    made: list[Any] = []

    def make(*, base_url: str | None = None, dom: bool = False, **options: Any) -> Any:
        if base_url is None:
            base_url = request.getfixturevalue("server").base_url
        context = browser.new_context(base_url=base_url, **options)
        if dom:
            context.add_init_script(DOM_RENDERER)
        context.set_default_timeout(15_000)
        context.on("page", _collect_errors)
        made.append(context)
        return context

    try:
        yield make
    finally:
        rep = getattr(request.node, "rep_call", None)
        for n, context in enumerate(made):
            for m, page in enumerate(context.pages):
                if rep is not None and rep.failed:
                    shot = tmp_path / f"failure-{n}-{m}.png"
                    with contextlib.suppress(Exception):  # best effort diagnostics only
                        page.screenshot(path=str(shot), full_page=True)
                        print(f"\nscreenshot: {shot}\npage errors: {page.errors}")
                page.close()  # before its context: a page may still be loading
            context.close()


@pytest.fixture(scope="module")
def auth_state(browser: Any, server: ServerProcess) -> dict[str, Any]:
    """Cookies of one API login, shared by tests that do not test the login page itself.

    The server allows 5 login attempts a minute, so only the login tests log in via the UI.
    """
    context = browser.new_context(base_url=server.base_url)
    try:
        response = context.request.post("/api/auth", data={"password": server.password})
        assert response.ok, f"login failed: {response.status} {response.text()}"
        state: dict[str, Any] = context.storage_state()
    finally:
        context.close()
    return state


@pytest.fixture(scope="module")
def api(browser: Any, server: ServerProcess, auth_state: dict[str, Any]) -> Iterator[Any]:
    """A logged-in API client (Playwright's request context) to arrange data and
    check what the UI really did."""
    context = browser.new_context(base_url=server.base_url, storage_state=auth_state)
    try:
        yield context.request
    finally:
        context.close()


@pytest.fixture
def authed_page(
    browser: Any,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    server: ServerProcess,
    auth_state: dict[str, Any],
) -> Iterator[Any]:
    """A desktop-sized page that is already logged in."""
    yield from _new_page(
        browser,
        request,
        tmp_path,
        server,
        viewport={"width": 1280, "height": 800},
        storage_state=auth_state,
    )


@pytest.fixture
def desktop_page(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path, server: ServerProcess
) -> Iterator[Any]:
    """A desktop-sized page in a fresh (logged-out) browser context."""
    yield from _new_page(
        browser, request, tmp_path, server, viewport={"width": 1280, "height": 800}
    )


@pytest.fixture
def phone_page(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path, server: ServerProcess
) -> Iterator[Any]:
    """A 390×844 touch page in a fresh (logged-out) browser context.

    No renderer override: touch devices use the DOM renderer by default, which this checks.
    """
    yield from _new_page(
        browser,
        request,
        tmp_path,
        server,
        force_dom=False,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        has_touch=True,
        is_mobile=True,
    )


@pytest.fixture
def phone(
    browser: Any,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    server: ServerProcess,
    auth_state: dict[str, Any],
) -> Iterator[Any]:
    """A logged-in 390×844 touch page (DOM renderer, as touch devices default to).

    Uncaught page errors collect in `page.errors`; a failing test leaves a screenshot.
    Modules needing more (clipboard permissions, a terminal already open) define their own.
    """
    yield from _new_page(
        browser,
        request,
        tmp_path,
        server,
        force_dom=False,
        storage_state=auth_state,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        has_touch=True,
        is_mobile=True,
    )
