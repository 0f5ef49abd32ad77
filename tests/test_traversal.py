"""The traversal corpus (#13): every case of tests/data/traversal.txt against every route that
takes a path, on a real server whose session sits next to a directory holding a secret.

An escape is any answer that holds the secret's content or a name from a directory outside the
root, a file route that answers with bytes no file under the root holds, a listing of anything
outside the root, or an upload that creates a file anywhere but where it was sent. Routes whose
contract is "any absolute path" (`X-Target-Dir`, `/api/dirs`, a new session's `cwd`) are held
to the rest: no secret, no file listed, relative and encoded forms refused. 5xx answers are
counted too and must be 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import aiohttp
import pytest
from yarl import URL

from tests.helpers import AppClient

# The tests build directory layouts and check file contents from their own coroutines, which
# may take a loop step past 0.1 s; the server's own callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="layouts are built and read in test code")
CORPUS = Path(__file__).parent / "data" / "traversal.txt"
#: Characters a corpus line may hold as written; anything else is percent-encoded on the way.
URL_SAFE = "%/:@!$'()*,;=~.-_"
#: The API reference's own answers when reading a directory fails (here: a symlink loop).
HANDLED_5XX = {b'{"error": "Failed to read directory"}', b'{"error": "Failed to build file tree"}'}


def load_corpus() -> list[str]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        cases.append("" if text == "<empty>" else text)
    return cases


@dataclass
class Layout:
    """The session's root, its surroundings, and what must never come out."""

    tmp: Path
    root: Path
    outside: Path
    static: Path
    secret: bytes = field(default_factory=lambda: b"SECRET-" + secrets.token_hex(8).encode())
    outside_mark: str = field(default_factory=lambda: "listing-" + secrets.token_hex(6))
    parent_mark: str = field(default_factory=lambda: "parent-" + secrets.token_hex(6))

    def fill(self, case: str) -> str:
        for name, value in (
            ("{root}", str(self.root)), ("{outside}", str(self.outside)), ("{tmp}", str(self.tmp)),
            ("{deep}", "../" * 1400), ("{dirs}", "d/" * 2100), ("{long}", "a" * 5000),
        ):
            case = case.replace(name, value)
        return case

    def leaks(self, body: bytes) -> list[str]:
        marks = {
            "secret content": self.secret,
            "outside listing": self.outside_mark.encode(),
            "parent listing": self.parent_mark.encode(),
            "/etc/passwd": b"root:x:0:0",
        }
        return [what for what, mark in marks.items() if mark in body]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _link(path: Path, target: str) -> None:
    path.symlink_to(target)


def build_layout(tmp: Path) -> Layout:
    root, outside, static = tmp / "work", tmp / "outside", tmp / "static"
    layout = Layout(tmp, root, outside, static)
    for directory in (root / "sub" / "deeper", outside / "sub", tmp / "work-evil",
                      static / "assets", static / "icons"):
        directory.mkdir(parents=True, exist_ok=True)
    for path in (outside / "secret.txt", outside / "sub" / "deep.txt", tmp / "work-evil" /
                 "secret.txt", outside / "f.txt"):
        path.write_bytes(layout.secret)
    (outside / f"{layout.outside_mark}.txt").write_text("x")
    (tmp / f"{layout.parent_mark}.txt").write_text("x")
    git(outside, "init", "-q")
    git(outside, "add", "-A")
    git(outside, "commit", "-q", "-m", "secret")
    (root / "inside.txt").write_text("inside one\n")
    (root / "sub" / "deeper" / "file.txt").write_text("inside two\n")
    (root / "tracked.txt").write_text("inside three\n")
    (root / "tracked_swap.txt").write_text("inside four\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "inside")
    (root / "tracked_swap.txt").unlink()
    for name, target in (
        ("tracked_swap.txt", "../outside/secret.txt"), ("out_file", "../outside/secret.txt"),
        ("out_dir", "../outside"), ("abs_link", str(outside)), ("chain_a", "chain_b"),
        ("chain_b", "chain_c"), ("chain_c", "../outside"), ("chain_fa", "chain_fb"),
        ("chain_fb", "chain_fc"), ("chain_fc", "../outside/secret.txt"), ("sub/up", "../.."),
        ("loop", "loop"), ("dangling", "nowhere"), ("in_link", "sub"),
        ("proc_root", "/proc/self/root"), ("proc_cwd", "/proc/self/cwd"),
    ):
        _link(root / name, target)
    (static / "index.html").write_text("<!doctype html><title>static</title>")
    (static / "assets" / "app.js").write_text("console.log('static')")
    (static / "icons" / "icon.svg").write_text("<svg/>")
    return layout


def contents_under(root: Path) -> set[bytes]:
    """Every regular file's bytes under `root`, never following a symlink out of it."""
    found: set[bytes] = set()
    real_root = os.path.realpath(root)
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            real = os.path.realpath(path)
            if real.startswith(real_root + os.sep) and os.path.isfile(real):
                found.add(Path(real).read_bytes())
    return found


def tree_snapshot(tmp: Path, skip: tuple[Path, ...]) -> set[str]:
    """Every path under `tmp` except those under `skip`, symlinks not followed."""
    seen: set[str] = set()
    for directory, dirs, files in os.walk(tmp):
        if any(Path(directory).is_relative_to(s) for s in skip):
            dirs.clear()
            continue
        seen.update(os.path.join(directory, name) for name in dirs + files)
    return seen


def inside(path: str, root: Path) -> bool:
    real_root, real = os.path.realpath(root), os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


@dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    escapes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Runner:
    """Sends each case to one route and judges the answer."""

    def __init__(
        self, client: AppClient, layout: Layout, sid: str, structural: bool = True
    ) -> None:
        self.client, self.layout, self.sid = client, layout, sid
        self.structural = structural
        """Also check listed names against the disk (not while another thread reshapes it)."""
        self.base = str(client.make_url("")).rstrip("/")
        self.inside = contents_under(layout.root)
        self.static = contents_under(layout.static)
        self.outcome = Outcome()

    async def send(self, case: str, method: str, target: str, **kwargs: Any
                   ) -> tuple[int, bytes] | None:
        try:
            async with self.client.session.request(
                method, URL(self.base + target, encoded=True), **kwargs
            ) as response:
                body = await response.read()
                status = response.status
        except (ValueError, aiohttp.ClientError, UnicodeError):
            self.outcome.skipped += 1  # not even sendable (e.g. CR/LF in a header)
            return None
        self.outcome.sent += 1
        if status >= 500 and body not in HANDLED_5XX:
            self.outcome.errors.append(f"{status} for {case!r}: {body[:200]!r}")
        for what in self.layout.leaks(body):
            self.outcome.escapes.append(f"{what} via {case!r}")
        return status, body

    def escape(self, case: str, why: str) -> None:
        self.outcome.escapes.append(f"{why} via {case!r}")

    # -- the routes ------------------------------------------------------------------------

    def _api(self, endpoint: str, name: str, case: str) -> str:
        value = quote(self.layout.fill(case), safe=URL_SAFE)
        return f"/api/sessions/{self.sid}/{endpoint}?{name}={value}"

    async def reader(self, endpoint: str, case: str) -> None:
        got = await self.send(case, "GET", self._api(endpoint, "file", case))
        if got is None or got[0] != 200:
            return
        body = got[1]
        if endpoint == "file-content":
            text = json.loads(body)["content"]
            body = next((c for c in self.inside if c.decode("utf-8", "replace") == text), b"?")
        if body not in self.inside:
            self.escape(case, f"{endpoint} served bytes no file under the root holds")

    async def files(self, case: str) -> None:
        got = await self.send(case, "GET", self._api("files", "dir", case))
        if got is None or got[0] != 200:
            return
        listing = json.loads(got[1])
        if not self.structural:
            return
        if not inside(listing["base"], self.layout.root):
            self.escape(case, f"listed {listing['base']}")
        for entry in listing["entries"]:
            if not os.path.lexists(os.path.join(os.path.realpath(listing["base"]), entry["name"])):
                self.escape(case, f"listed {entry['name']} from elsewhere")

    async def tree(self, case: str) -> None:
        got = await self.send(case, "GET", self._api("file-tree", "path", case))
        if got is None or got[0] != 200 or not self.structural:
            return
        stack = list(json.loads(got[1])["tree"])
        while stack:
            node = stack.pop()
            path = os.path.join(self.layout.root, node["path"])
            if not inside(os.path.dirname(path), self.layout.root) or not os.path.lexists(path):
                self.escape(case, f"tree showed {node['path']}")
            stack.extend(node.get("children", []))

    async def git(self, what: str, case: str, **extra: str) -> None:
        query = "".join(f"&{k}={v}" for k, v in extra.items())
        await self.send(case, "GET", self._api(f"git/{what}", "file", case) + query)

    async def upload_name(self, case: str) -> None:
        name = unquote(self.layout.fill(case))
        got = await self.send(case, "POST", f"/api/sessions/{self.sid}/upload",
                              data=b"uploaded", headers={"X-Filename": name})
        if got is not None and got[0] == 201:
            created = json.loads(got[1])["path"]
            if os.path.realpath(os.path.dirname(created)) != os.path.realpath(self.layout.root):
                self.escape(case, f"upload created {created}")
            os.unlink(created)

    async def upload_target(self, case: str) -> None:
        # HTTP trims a header value's surrounding spaces and tabs: "\t" is no header at all.
        target = unquote(self.layout.fill(case)).strip(" \t")
        absolute = target.startswith("/")
        if absolute and not Path(os.path.normpath(target)).is_relative_to(self.layout.tmp):
            # Any absolute directory is the API's contract; the tests run as root, so a system
            # directory is not written to.
            self.outcome.skipped += 1
            return
        got = await self.send(case, "POST", f"/api/sessions/{self.sid}/upload", data=b"up",
                              headers={"X-Filename": "u.txt", "X-Target-Dir": target})
        if got is None or got[0] != 201:
            return
        created = json.loads(got[1])["path"]
        expected = os.path.normpath(target) if target else str(self.layout.root)
        if not absolute and target:
            self.escape(case, "a relative X-Target-Dir was accepted")
        if os.path.dirname(created) != expected:
            self.escape(case, f"upload to {target!r} created {created}")
        os.unlink(created)

    async def dirs(self, case: str) -> None:
        value = quote(self.layout.fill(case), safe=URL_SAFE)
        got = await self.send(case, "GET", f"/api/dirs?q={value}")
        if got is not None and got[0] == 200:
            for path in json.loads(got[1])["dirs"]:
                if not os.path.isdir(path) or os.path.islink(path):
                    self.escape(case, f"/api/dirs listed {path}, not a directory")

    async def session_cwd(self, case: str) -> None:
        cwd = unquote(self.layout.fill(case))
        got = await self.send(case, "POST", "/api/sessions", json={"cwd": cwd})
        if got is not None and got[0] == 201:
            if not os.path.isabs(cwd) or not os.path.isdir(cwd):
                self.escape(case, f"a session started in {cwd!r}")
            sid = json.loads(got[1])["id"]
            await self.client.delete(f"/api/sessions/{sid}")

    async def static_file(self, prefix: str, case: str) -> None:
        value = quote(self.layout.fill(case), safe=URL_SAFE)
        got = await self.send(case, "GET", f"/{prefix}/{value}")
        if got is not None and got[0] == 200 and got[1] not in self.static:
            self.escape(case, f"/{prefix}/ served bytes from outside the app's folder")

    async def pasted_image(self, case: str) -> None:
        value = quote(self.layout.fill(case), safe=URL_SAFE)
        got = await self.send(case, "GET", f"/uploads/{value}")
        if got is not None and got[0] == 200:
            self.escape(case, "/uploads/ served a file no image upload made")


RouteCall = Callable[[Runner, str], Awaitable[None]]
ROUTES: dict[str, RouteCall] = {
    "GET files?dir": Runner.files,
    "GET file-tree?path": Runner.tree,
    "GET download?file": lambda r, c: r.reader("download", c),
    "GET file-raw?file": lambda r, c: r.reader("file-raw", c),
    "GET file-content?file": lambda r, c: r.reader("file-content", c),
    "GET git/diff?file": lambda r, c: r.git("diff", c),
    "GET git/diff?file&untracked": lambda r, c: r.git("diff", c, untracked="true"),
    "GET git/blame?file": lambda r, c: r.git("blame", c),
    "GET git/log?file": lambda r, c: r.git("log", c),
    "POST upload X-Filename": Runner.upload_name,
    "POST upload X-Target-Dir": Runner.upload_target,
    "GET /api/dirs?q": Runner.dirs,
    "POST /api/sessions cwd": Runner.session_cwd,
    "GET /assets/<path>": lambda r, c: r.static_file("assets", c),
    "GET /icons/<path>": lambda r, c: r.static_file("icons", c),
    "GET /uploads/<id>": Runner.pasted_image,
}


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Jane Doe")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "jane@example.com")
    built = build_layout(tmp_path)
    monkeypatch.setenv("TERMBEAM_STATIC_DIR", str(built.static))
    return built


async def open_root_session(authed: AppClient, layout: Layout) -> str:
    response = await authed.post("/api/sessions", json={"cwd": str(layout.root)})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


def test_the_corpus_is_large_enough() -> None:
    cases = load_corpus()
    assert len(cases) >= 200
    assert len(set(cases)) == len(cases), "duplicate cases"


@pytest.mark.parametrize("route", list(ROUTES))
async def test_no_case_escapes(authed: AppClient, layout: Layout, route: str) -> None:
    sid = await open_root_session(authed, layout)
    runner = Runner(authed, layout, sid)
    before = tree_snapshot(layout.tmp, (layout.root, layout.tmp / "cfg"))
    for case in load_corpus():
        await ROUTES[route](runner, case)
    outcome = runner.outcome
    print(f"\n{route}: {outcome.sent} sent, {outcome.skipped} skipped, "
          f"{len(outcome.escapes)} escapes, {len(outcome.errors)} errors")
    assert outcome.escapes == [], "\n".join(outcome.escapes)
    assert outcome.errors == [], "\n".join(outcome.errors)
    assert tree_snapshot(layout.tmp, (layout.root, layout.tmp / "cfg")) == before
    assert outcome.sent >= 200


# -- a symlink swapped between the check and the open ----------------------------------------


def _swap_forever(root: Path, outside: Path, stop: threading.Event) -> None:
    """Flip `root/race` between a real directory and a symlink to `outside`, as fast as it goes."""
    real, parked = root / "race", root / "race-parked"
    while not stop.is_set():
        real.rename(parked)
        real.symlink_to(outside)
        real.unlink()
        parked.rename(real)


async def test_a_symlink_swapped_in_during_requests_never_leaks(
    authed: AppClient, layout: Layout
) -> None:
    (layout.root / "race").mkdir()
    (layout.root / "race" / "f.txt").write_text("inside race\n")
    sid = await open_root_session(authed, layout)
    runner = Runner(authed, layout, sid, structural=False)
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(layout.root, layout.outside, stop))
    swapper.start()
    try:
        for _ in range(300):
            await asyncio.gather(
                runner.reader("download", "race/f.txt"),
                runner.reader("file-content", "race/f.txt"),
                runner.reader("file-raw", "race/f.txt"),
                runner.files("race"),
                runner.tree("race"),
            )
    finally:
        stop.set()
        swapper.join()
    assert runner.outcome.escapes == []
    assert runner.outcome.errors == []
