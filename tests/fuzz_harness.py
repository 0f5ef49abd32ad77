"""The fuzzing harness of tests/test_fuzz.py: the server under fuzz, its clients, and the
checks that run after every case.

`AppTarget` is a real app (`create_app`) served behind its connection guard exactly as
`termbeam` serves it; `ProcessTarget` is a real `termbeam` process. Both run on an event loop
of their own, so hypothesis drives them from plain test functions, one `run(coro)` per case.
After each case the server must answer /health, keep exactly the one session the harness
owns, and have logged no traceback (`LogTrap` in process, the stderr log of the process).

Side effects stay in the test's temp dir: HOME, the config dir and the session's directory
are there; the update command is pip against a dead loopback index with `--dry-run`; update
checks ask the same dead port; the preview reaches only a loopback app the harness runs;
every session a case creates is deleted after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiohttp
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict
from yarl import URL

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.preview.proxy import BAD_GATEWAY, GATEWAY_TIMEOUT
from tests.conftest import PASSWORD, make_config
from tests.fuzz_strategies import Confinement

T = TypeVar("T")

#: Longest a single case may take (a stuck case is a failure, not a hang).
CASE_TIMEOUT = 30.0
#: The session the harness keeps: a cat in raw mode, so input reaches the output path and no
#: keystroke is a signal. Fuzzed input never reaches a shell.
ECHO_SHELL, ECHO_ARGS = "/bin/sh", ["-c", "stty raw -echo 2>/dev/null; exec cat"]
#: 5xx answers a route documents (message → statuses). Everything else is a failure.
DOCUMENTED_5XX = {
    BAD_GATEWAY: {502}, GATEWAY_TIMEOUT: {504},
    "Push notifications not configured": {503},
    "Not enough disk space": {507},
    "Failed to write file": {500}, "Failed to read changelog": {500},
    "Failed to persist preferences": {500}, "Failed to save subscription": {500},
}
TRACEBACK = "Traceback (most recent call last)"


class LogTrap(logging.Handler):
    """Collects WARNING+ records of our loggers and aiohttp's, and ERROR+ of asyncio's (a
    failed callback, "Task exception was never retrieved"); a record with a traceback, or
    any such asyncio error, is a failure."""

    WATCHED: ClassVar[dict[str, int]] = {
        "termbeam_py": logging.WARNING, "aiohttp": logging.WARNING, "asyncio": logging.ERROR}

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.warnings: Counter[str] = Counter()
        self.tracebacks: list[str] = []
        self.total_tracebacks = 0
        self._saved: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        root = record.name.split(".", 1)[0]
        if record.levelno < self.WATCHED.get(root, logging.CRITICAL + 1):
            return
        text = logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)
        if record.exc_info or record.exc_text or record.stack_info or TRACEBACK in text \
                or root == "asyncio":
            self.tracebacks.append(text)
            self.total_tracebacks += 1
        else:
            self.warnings[f"{record.name}: {record.msg}"] += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[LogTrap]:
        for name, level in self.WATCHED.items():
            logger = logging.getLogger(name)
            self._saved[name] = logger.level
            if logger.getEffectiveLevel() > level:
                logger.setLevel(level)
            logger.addHandler(self)
        try:
            yield self
        finally:
            for name in self.WATCHED:
                logger = logging.getLogger(name)
                logger.removeHandler(self)
                logger.setLevel(self._saved[name])

    def take(self) -> list[str]:
        found, self.tracebacks = self.tracebacks, []
        return found


@dataclass
class Stats:
    """What one fuzz test did, for its summary line (and docs/security.md)."""

    name: str
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def count(self, outcome: object) -> None:
        self.cases += 1
        self.statuses[str(outcome)] += 1
        if isinstance(outcome, int) and outcome >= 500:
            self.server_errors += 1

    def summary(self, tracebacks: int, warnings: int) -> str:
        seconds = time.monotonic() - self.started
        top = ", ".join(f"{s}×{n}" for s, n in sorted(self.statuses.items()))
        return (f"[fuzz] {self.name}: {self.cases} cases in {seconds:.1f} s, "
                f"{self.server_errors} 5xx, {tracebacks} tracebacks, {warnings} warnings; "
                f"outcomes {top or '-'}")


@dataclass
class Answer:
    status: int
    headers: CIMultiDict[str]
    body: bytes


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=fuzz", "-c", "user.email=fuzz@localhost", *args],
                   cwd=cwd, check=True, capture_output=True)


def make_workdir(work: Path) -> None:
    """A git repo with a commit, a staged change, an unstaged one, an untracked file, a
    subdirectory and an image: every file and git route has something to show."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "sub").mkdir(exist_ok=True)
    (work / "a.txt").write_text("one\ntwo\n")
    (work / "sub" / "b.txt").write_text("b\n")
    (work / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    git(work, "init", "-q")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "first")
    (work / "a.txt").write_text("one\nTWO\n")
    (work / "sub" / "b.txt").write_text("staged\n")
    git(work, "add", "sub/b.txt")
    (work / "new.txt").write_text("untracked\n")


def fuzz_environment(root: Path, dead_port: int) -> dict[str, str]:
    """Environment of the server under fuzz: nothing it starts leaves the temp dir or
    reaches the network. The update route runs pip, with --dry-run, for a version that does
    not exist, from an index that refuses connections."""
    home = root / "home"
    home.mkdir(exist_ok=True)
    index = f"http://127.0.0.1:{dead_port}"
    return {
        "HOME": str(home),
        "TMUX_TMPDIR": str(root),
        "TERMBEAM_INDEX_URL": index,
        "TERMBEAM_INSTALL_METHOD": "pip",
        "TERMBEAM_UPDATE_COMMAND": (
            f"{sys.executable} -m pip install --dry-run --no-deps --no-input --retries 0 "
            f"--timeout 1 --index-url {index}/simple/ termbeam-py==0.0.0.dev999"
        ),
    }


async def _upstream(request: web.Request) -> web.StreamResponse:
    """The previewed app: echoes (WebSocket messages too), and misbehaves as a dev server may
    (`?v=` picks what it puts in a redirect, a cookie or a page)."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(msg.data)
        return ws
    kind = request.path.strip("/").split("/", 1)[0]
    value = request.query.get("v", "")
    if kind == "html":
        return web.Response(text=f'<a href="/x">{value}</a><script src="/s.js"></script>',
                            content_type="text/html")
    if kind == "css":
        return web.Response(text=f"a{{background:url(/i.png)}} /*{value}*/",
                            content_type="text/css")
    if kind == "redirect":
        return web.Response(status=302, headers={"Location": value or "/"})
    if kind == "cookie":
        response = web.Response(text="ok")
        response.headers.add("Set-Cookie", value or "a=b; Path=/")
        return response
    if kind == "gzip":
        return web.Response(body=gzip.compress(b"<p>x</p>"), content_type="text/html",
                            headers={"Content-Encoding": "gzip"})
    if kind == "badgzip":
        return web.Response(body=b"not gzip", content_type="text/html",
                            headers={"Content-Encoding": "gzip"})
    body = await request.read()
    return web.json_response({"method": request.method, "path": request.raw_path,
                              "size": len(body)})


class Target:
    """A server under fuzz, reached over loopback like any client, on a private loop."""

    password = PASSWORD

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        make_workdir(self.work)
        self._dead = socket.socket()  # bound, never listening: connections are refused
        self._dead.bind(("127.0.0.1", 0))
        self.dead_port = int(self._dead.getsockname()[1])
        self.env = fuzz_environment(root, self.dead_port)
        self.loop = asyncio.new_event_loop()
        self.session_id = ""
        self.token = ""
        self.upload_id = ""
        self.port = 0
        self.upstream_port = 0
        self._runners: list[web.AppRunner] = []
        self.http: aiohttp.ClientSession | None = None

    # -- lifecycle --

    def run(self, coro: Awaitable[T], timeout: float = CASE_TIMEOUT) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def start(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.run(self._start(), 60)

    async def _start(self) -> None:
        upstream = web.Application()
        upstream.router.add_route("*", "/{tail:.*}", _upstream)
        # Its own logger: what the previewed app logs is not the server's log.
        runner = web.AppRunner(upstream, access_log=None,
                               logger=logging.getLogger("tests.fuzz.upstream"))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runners.append(runner)
        self.upstream_port = int(runner.addresses[0][1])
        self.port = await self._serve()
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=CASE_TIMEOUT - 5),
        )
        self.token = await self.login()
        await self.ensure_session()
        self.upload_id = await self._upload_image()

    async def _serve(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        try:
            self.run(self._close(), 60)
            # As asyncio.run ends: what is still pending (a connection aiohttp lingers on to
            # drain an unread body) is cancelled, not destroyed pending with the loop.
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()
            asyncio.set_event_loop(None)
            self._dead.close()

    async def _close(self) -> None:
        if self.http is not None:
            await self.http.close()
        for runner in reversed(self._runners):
            await runner.cleanup()

    @property
    def confinement(self) -> Confinement:
        return Confinement(
            root=str(self.root), work=str(self.work), main_port=self.port,
            upstream_port=self.upstream_port, dead_port=self.dead_port,
            session_id=lambda: self.session_id, upload_id=self.upload_id,
            password=self.password, token=lambda: self.token, home=self.env["HOME"],
        )

    # -- state the cases rely on --

    @property
    def cookie(self) -> tuple[str, str]:
        return ("Cookie", f"pty_token={self.token}")

    async def ensure_session(self) -> None:
        """Keep exactly one session, the harness's echoing cat in the work dir: whatever a
        case created is deleted, whatever it deleted is made again."""
        listing = await self.request("GET", "/api/sessions", headers=[self.cookie])
        assert listing.status == 200, listing
        ids = [str(s["id"]) for s in json.loads(listing.body)]
        for session_id in ids:
            if session_id != self.session_id:
                gone = await self.request("DELETE", f"/api/sessions/{session_id}",
                                          headers=[self.cookie])
                assert gone.status in (204, 404), gone
        if self.session_id not in ids:
            body = {"shell": ECHO_SHELL, "args": ECHO_ARGS, "cwd": str(self.work)}
            made = await self.request("POST", "/api/sessions", body=json.dumps(body).encode(),
                                      headers=[self.cookie])
            assert made.status == 201, made
            self.session_id = str(json.loads(made.body)["id"])

    async def login(self) -> str:
        answer = await self.request("POST", "/api/auth",
                                    body=json.dumps({"password": self.password}).encode())
        assert answer.status == 200, answer
        cookie = answer.headers.get("Set-Cookie", "")
        return cookie.split("pty_token=", 1)[1].split(";", 1)[0]

    async def _upload_image(self) -> str:
        answer = await self.request("POST", "/api/upload", body=b"\x89PNG\r\n\x1a\n" + bytes(32),
                                    headers=[("Content-Type", "image/png"), self.cookie])
        assert answer.status == 201, answer
        return str(json.loads(answer.body)["id"])

    # -- requests --

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def request(self, method: str, target: str, *, body: bytes | None = None,
                      headers: list[tuple[str, str]] | None = None) -> Answer:
        assert self.http is not None
        url = URL(self.base + target, encoded=True)
        try:
            async with self.http.request(
                method, url, data=body, headers=CIMultiDict(headers or ()),
                allow_redirects=False, auto_decompress=False,
                skip_auto_headers=("User-Agent", "Content-Type", "Accept", "Accept-Encoding"),
            ) as response:
                body = await response.read()
                return Answer(response.status, CIMultiDict(response.headers), body)
        except aiohttp.ClientResponseError as exc:
            # A request aiohttp's server cannot parse (a repeated Content-Type…) is answered
            # 400 with a body before it knows the method: a HEAD client calls that a bad
            # response. The raw-HTTP cases check that answer byte for byte.
            if method.upper() != "HEAD" or "Data after" not in exc.message:
                raise
            return Answer(400, CIMultiDict(), b"")

    async def healthy(self) -> None:
        answer = await self.request("GET", "/health")
        assert answer.status == 200, f"/health answered {answer.status}: {answer.body[:200]!r}"
        assert json.loads(answer.body) == {"status": "ok"}

    def after_case(self) -> None:
        """The server still answers, holds one session, and logged no traceback."""
        self.run(self.healthy())
        self.run(self.ensure_session())
        found = self.take_tracebacks()
        assert not found, "a traceback in the server's log:\n" + "\n".join(found)

    def take_tracebacks(self) -> list[str]:
        raise NotImplementedError

    @property
    def tracebacks_seen(self) -> int:
        raise NotImplementedError

    @property
    def warnings_seen(self) -> int:
        raise NotImplementedError


class AppTarget(Target):
    """`create_app` in this process, behind its connection guard on an ephemeral port."""

    def __init__(self, root: Path, trap: LogTrap) -> None:
        super().__init__(root)
        self.trap = trap
        self.config = make_config(root, rate_limit=False)

    async def _serve(self) -> int:
        self.app = create_app(self.config)
        runner = await self.app[keys.CONNECTIONS].serve(self.app, "127.0.0.1", 0)
        self._runners.append(runner)
        port = int(runner.addresses[0][1])
        self.app[keys.RUNTIME].port = port  # as server.run records it
        return port

    def take_tracebacks(self) -> list[str]:
        return self.trap.take()

    @property
    def tracebacks_seen(self) -> int:
        return self.trap.total_tracebacks

    @property
    def warnings_seen(self) -> int:
        return sum(self.trap.warnings.values())


class ProcessTarget(Target):
    """A real `termbeam` process (tests/test_server_process.Server), stopped with SIGTERM."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.server: Any = None
        self._read_upto = 0
        self._tracebacks = 0

    async def _serve(self) -> int:
        from tests.helpers import PW, Server

        self.password = PW
        self.server = Server(self.root, env=self.env)
        await self.server.start()
        return int(await self.server.started())

    async def _close(self) -> None:
        if self.server is not None and self.server.alive:
            self.server.signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await self.server.wait_exit()
            await self.server.kill()
        await super()._close()

    def take_tracebacks(self) -> list[str]:
        text = self.server.stderr[self._read_upto:]
        self._read_upto += len(text)
        found = [line for line in text.splitlines() if TRACEBACK in line or "[ERROR]" in line]
        self._tracebacks += len(found)
        return [text] if found else []

    @property
    def tracebacks_seen(self) -> int:
        return self._tracebacks

    @property
    def warnings_seen(self) -> int:
        return int(self.server.stderr.count("[WARN"))


def check_answer(method: str, path: str, answer: Answer) -> None:
    """No crash behind the answer: no `internal error`, no undocumented 5xx, JSON errors on
    the API, and never aiohttp's or Python's version in `Server`."""
    server = answer.headers.get("Server", "")
    assert SERVER_SOFTWARE not in server, f"Server: {server}"
    assert "Python" not in server, f"Server: {server}"
    error = error_message(answer)
    assert error != "internal error", f"{method} {path}: 500 internal error"
    if answer.status >= 500:
        page_not_built = answer.status == 503 and not path.startswith("/api/")
        assert page_not_built or answer.status in DOCUMENTED_5XX.get(error or "", ()), (
            f"{method} {path}: undocumented {answer.status} {answer.body[:300]!r}")
    # aiohttp answers an unknown `Expect` (417, text) before any middleware runs: no crash.
    expect_refused = answer.status == 417
    if path.startswith("/api/") and answer.status >= 400 and method.upper() != "HEAD" \
            and not expect_refused:
        assert error is not None, (
            f"{method} {path}: {answer.status} without a JSON error: {answer.body[:300]!r}")


def error_message(answer: Answer) -> str | None:
    if "json" not in answer.headers.get("Content-Type", ""):
        return None
    try:
        body = json.loads(answer.body)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None
