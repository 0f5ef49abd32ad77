"""Faults, with real processes: `kill -9` of a shell and of a viewer in the middle of a flood,
uploads on a full disk (a small tmpfs, and RLIMIT_FSIZE on a real `termbeam`), and SIGTERM
while an upload and an update download are in flight.

State files (corrupt on start-up, or unwritable) are in tests/test_state.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import resource
import shlex
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import PASSWORD, process_exists
from tests.disk import fill, free, small_tmpfs
from tests.helpers import AppClient, Server, TermWS, eventually

WAIT = 20.0


def session_members(sid: int) -> set[int]:
    """Live (not zombie) processes whose session id is `sid`, read from /proc."""
    members = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[3] == str(sid) and fields[0] not in ("Z", "X"):
            members.add(int(entry))
    return members


async def sessions(client: AppClient) -> list[dict[str, Any]]:
    response = await client.get("/api/sessions")
    assert response.status == 200
    return list(await response.json())


async def wait_clients(client: AppClient, count: int) -> None:
    """Until GET /api/sessions shows `count` viewers on the (only) session."""

    async def shown() -> bool:
        return bool((await sessions(client))[0]["clients"] == count)

    await eventually(shown, f"{count} viewer(s) in GET /api/sessions", WAIT)


class AckingWS(TermWS):
    """A viewer on the binary protocol that acks every frame, as the browser does once it has
    rendered it (flow control counts acks); TermWS asserts each frame's sequence number."""

    async def receive(self, timeout: float = WAIT) -> dict[str, Any] | None:
        message = await super().receive(timeout)
        if message is not None and message["type"] == "binary":
            await self.send({"type": "ack", "seq": self.seq})
        return message


async def attach_binary(open_ws: Callable[..., Awaitable[TermWS]], session_id: str) -> AckingWS:
    ws = AckingWS((await open_ws()).ws)
    await ws.attach(session_id, binary=True)
    await ws.expect("attached")
    return ws


# -- kill -9 of the shell ---------------------------------------------------------------------


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process table")


@needs_proc
async def test_sigkill_of_the_shell_mid_flood(
    authed: AppClient, open_ws: Callable[..., Awaitable[TermWS]], session_id: str
) -> None:
    """Both viewers get `exit`, the session is gone, what the shell started is hung up (a
    background job, the flooding foreground command) except a command that ignores SIGHUP,
    which asked to outlive its terminal (`nohup`), and the server goes on serving."""
    viewers = [await attach_binary(open_ws, session_id) for _ in range(2)]
    await viewers[0].resize(80, 24)
    for viewer in viewers:
        await viewer.read_until("$ ")
    shell = (await sessions(authed))[0]["pid"]
    await viewers[0].type(
        "sleep 300 & sh -c 'trap \"\" HUP; exec sleep 301' & seq 1 999999999\r")
    for viewer in viewers:
        await viewer.read_until("\n20000\r\n")  # the flood streams to both
    members = session_members(shell)
    assert len(members) >= 4, members  # the shell, two sleepers, seq
    nohup = {pid for pid in members if _cmdline(pid) == "sleep 301"}
    assert len(nohup) == 1, members

    os.kill(shell, signal.SIGKILL)
    try:
        for viewer in viewers:
            assert (await viewer.expect("exit"))["code"] == 128 + signal.SIGKILL
        assert await sessions(authed) == []
        hung_up = members - nohup
        await eventually(lambda: not any(process_exists(pid) for pid in hung_up),
                         f"every other process of the killed shell's session to end: {hung_up}",
                         WAIT)
        assert all(process_exists(pid) for pid in nohup)
    finally:
        for pid in session_members(shell):  # a failure must not leave sleepers behind
            os.kill(pid, signal.SIGKILL)
    assert (await authed.get("/health")).status == 200
    response = await authed.post("/api/sessions", json={})
    assert response.status == 201
    assert len(await sessions(authed)) == 1


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


# -- kill -9 of a viewer ------------------------------------------------------------------------

#: A separate viewer process, as slow as a phone on a bad link: it reads one message every
#: 50 ms, so it paces the PTY (docs/architecture.md, flow control) and the server always has a
#: frame half sent to it.
SLOW_VIEWER = r"""
import asyncio, sys
import aiohttp

async def main(url, password, session_id):
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url, max_msg_size=0) as ws:
            await ws.send_json({"type": "auth", "password": password})
            await ws.send_json({"type": "attach", "sessionId": session_id, "binary": True})
            while True:
                msg = await ws.receive()
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.ERROR):
                    return
                if msg.type == aiohttp.WSMsgType.TEXT and '"attached"' in msg.data:
                    print("attached", flush=True)
                await asyncio.sleep(0.05)
                if msg.type == aiohttp.WSMsgType.BINARY:  # "rendered": ack, as a browser does
                    seq = int.from_bytes(msg.data[1:9], "big") + len(msg.data) - 9
                    await ws.send_json({"type": "ack", "seq": seq})

asyncio.run(main(*sys.argv[1:]))
"""

FLOOD_LINES = 300_000


@contextlib.asynccontextmanager
async def slow_viewer(client: AppClient, session_id: str) -> AsyncIterator[
        asyncio.subprocess.Process]:
    """The SLOW_VIEWER process, once it is attached to `session_id`."""
    url = str(client.make_url("/ws")).replace("http", "ws", 1)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SLOW_VIEWER, url, PASSWORD, session_id,
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
        assert line == b"attached\n", line
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def test_sigkill_of_a_viewer_mid_frame(
    authed: AppClient, open_ws: Callable[..., Awaitable[TermWS]], session_id: str
) -> None:
    """The server drops the dead viewer, the PTY is paced by the live one again (the flood
    completes), and the live viewer gets every byte, in order, with no resync."""
    fast = await attach_binary(open_ws, session_id)
    await fast.resize(80, 24)
    await fast.read_until("$ ")
    async with slow_viewer(authed, session_id) as slow:
        assert (await sessions(authed))[0]["clients"] == 2
        start = len(fast.messages)
        await fast.type(f"echo S''TART; seq 1 {FLOOD_LINES}; echo E''ND\r")
        # 290 KB in: past HIGH_WATER, so the slow viewer is pacing the PTY now.
        await fast.read_until("\n50000\r\n")
        slow.send_signal(signal.SIGKILL)
        await slow.wait()
        await fast.read_until("\nEND\r\n", timeout=WAIT)
    output = fast.text[fast.text.index("START\r\n") + 7 : fast.text.rindex("END\r\n")]
    expected = "".join(f"{n}\r\n" for n in range(1, FLOOD_LINES + 1))
    assert hashlib.sha256(output.encode()).hexdigest() == hashlib.sha256(
        expected.encode()).hexdigest(), f"{len(output)} bytes, expected {len(expected)}"
    assert not [m for m in fast.messages[start:] if m["type"] == "replay"]
    await wait_clients(authed, 1)
    assert await fast.run("echo still-''here") == "still-here"


# -- a full disk: uploads -----------------------------------------------------------------------

NO_ROOM = {"error": "Not enough disk space"}


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (skipped, with the reason, where it cannot be mounted)."""
    with small_tmpfs(tmp_path / "disk") as mount:
        yield mount


async def upload(client: AppClient, session_id: str, directory: Path, name: str,
                 body: bytes) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        f"/api/sessions/{session_id}/upload", data=io.BytesIO(body),
        headers={"X-Filename": name, "X-Target-Dir": str(directory),
                 "Content-Type": "application/octet-stream"},
    )
    return response.status, dict(await response.json())


async def upload_image(client: AppClient, body: bytes) -> tuple[int, dict[str, Any]]:
    response = await client.post("/api/upload", data=body, headers={"Content-Type": "image/png"})
    return response.status, dict(await response.json())


PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(200_000)


@pytest.mark.parametrize("size", [100_000, 3_000_000], ids=["small", "bigger-than-a-batch"])
async def test_session_upload_to_a_full_disk(
    authed: AppClient, session_id: str, disk: Path, size: int
) -> None:
    """507 with a clear message and no partial file, whether the disk was full before the
    upload began or fills up while it streams; once there is room again, uploads work."""
    target = disk / "dir"
    target.mkdir()
    if size < 1024 * 1024:
        fill(disk)
    assert await upload(authed, session_id, target, "big.bin", os.urandom(size)) == (
        507, NO_ROOM)
    assert os.listdir(target) == []
    free(disk)
    status, body = await upload(authed, session_id, target, "ok.bin", b"fits")
    assert (status, body["name"]) == (201, "ok.bin")
    assert os.listdir(target) == ["ok.bin"]


async def test_image_upload_to_a_full_disk(
    authed: AppClient, disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pasted images go to a private dir under TMPDIR: on a full disk, 507 and nothing left."""
    monkeypatch.setattr(tempfile, "tempdir", str(disk))  # TMPDIR, as the server reads it
    fill(disk)
    assert await upload_image(authed, PNG) == (507, NO_ROOM)
    leftovers = [p for p in disk.rglob("*") if p.is_file() and p.name != ".filler"]
    assert leftovers == []
    free(disk)
    status, body = await upload_image(authed, PNG)
    assert status == 201
    assert Path(body["path"]).read_bytes() == PNG


class LimitedServer(Server):
    """A real `termbeam` whose files may not grow past `fsize` bytes (RLIMIT_FSIZE).

    Over the limit the kernel sends SIGXFSZ, whose default action kills the process; CPython
    ignores it at start-up, so the write fails with EFBIG instead, as on a full disk.
    """

    def __init__(self, tmp_path: Path, fsize: int, **kwargs: Any) -> None:
        super().__init__(tmp_path, **kwargs)
        self.fsize = fsize

    async def start(self) -> None:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.fsize, self.fsize))

        with self.stderr_path.open("wb") as err:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, stdout=asyncio.subprocess.PIPE, stderr=err,
                stdin=asyncio.subprocess.DEVNULL, env=self.env, cwd=str(self.work),
                preexec_fn=limit,
            )
        self._reader = asyncio.create_task(self._read())


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as session:
        yield session


async def server_sessions(http: aiohttp.ClientSession, server: Server) -> list[dict[str, Any]]:
    async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
        assert response.status == 200
        return list(await response.json())


async def test_uploads_over_the_file_size_limit_of_a_real_server(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """RLIMIT_FSIZE works without root: the server survives (SIGXFSZ does not kill it), each
    upload over the limit gets 507 and leaves no partial file, and smaller ones still work."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    server = LimitedServer(tmp_path, 64 * 1024, env={"TMPDIR": str(tmp)})
    try:
        await server.start()
        await server.started()
        [session] = await server_sessions(http, server)
        url = f"{server.base}/api/sessions/{session['id']}/upload"
        headers = {**server.headers, "X-Filename": "big.bin"}
        async with http.post(url, data=os.urandom(200_000), headers=headers) as response:
            assert (response.status, await response.json()) == (507, NO_ROOM)
        image_headers = {**server.headers, "Content-Type": "image/png"}
        async with http.post(server.base + "/api/upload", data=PNG,
                             headers=image_headers) as response:
            assert (response.status, await response.json()) == (507, NO_ROOM)
        assert os.listdir(server.work) == []
        assert [p for p in tmp.rglob("*") if p.is_file()] == []
        async with http.post(url, data=b"small", headers=headers) as response:
            assert response.status == 201
        assert os.listdir(server.work) == ["big.bin"]
        assert server.alive
        server.signal(signal.SIGTERM)
        assert await server.wait_exit() == 0
    finally:
        await server.kill()


# -- SIGTERM with work in flight ----------------------------------------------------------------


async def half_upload(server: Server, path: str, headers: dict[str, str],
                      head: bytes) -> asyncio.StreamWriter:
    """Start a 2 MB upload and send only its first half; the socket stays open."""
    size = 2_000_000
    _, writer = await asyncio.open_connection("127.0.0.1", server.port)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
             f"Content-Length: {size}", *(f"{k}: {v}" for k, v in
                                          {**server.headers, **headers}.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    writer.write(head + b"\0" * (size // 2 - len(head)))
    await writer.drain()
    return writer


def state_temp_files(cfg: Path) -> list[str]:
    return [p.name for p in cfg.iterdir() if p.name.endswith(".tmp")]


async def test_sigterm_with_uploads_in_flight(
    spawn: Callable[..., Server], http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """The server exits promptly with status 0 although two uploads wait for the rest of
    their body: both partial files are removed, no temp file is left in the state dir,
    connection.json is gone and the shell with it."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    server = spawn(env={"TMPDIR": str(tmp)})
    await server.start()
    await server.started()
    [session] = await server_sessions(http, server)
    writers = [
        await half_upload(server, f"/api/sessions/{session['id']}/upload",
                          {"X-Filename": "half.bin"}, b"x"),
        await half_upload(server, "/api/upload", {"Content-Type": "image/png"}, PNG[:16]),
    ]
    try:
        await eventually(lambda: (server.work / "half.bin").exists()
                         and any(tmp.rglob("termbeam-*.png")), "both uploads to reach the disk",
                         WAIT)
        server.signal(signal.SIGTERM)
        assert await server.wait_exit() == 0, server.stderr  # bounded: EXIT_TIMEOUT
    finally:
        for writer in writers:
            writer.close()
    assert os.listdir(server.work) == []
    assert list(tmp.iterdir()) == []
    assert not (server.cfg / "connection.json").exists()
    assert state_temp_files(server.cfg) == []
    assert not process_exists(session["pid"])


WHEEL = "termbeam_py-9.9.9-py3-none-any.whl"


@pytest.fixture
async def trickling_index(
    aiohttp_server: Callable[..., Awaitable[Any]],
) -> tuple[str, asyncio.Event]:
    """A loopback package index offering termbeam-py 9.9.9, whose wheel never finishes
    downloading: a few bytes, then a trickle. The event is set once a download has begun."""
    downloading = asyncio.Event()

    async def project(request: web.Request) -> web.Response:
        return web.json_response({"info": {"version": "9.9.9"}})

    async def simple(request: web.Request) -> web.Response:
        link = f'<a href="/files/{WHEEL}">{WHEEL}</a>'
        return web.Response(text=f"<html><body>{link}</body></html>", content_type="text/html")

    async def wheel(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(5_000_000),
                                               "Content-Type": "application/octet-stream"})
        await response.prepare(request)
        await response.write(b"PK\3\4" + b"\0" * 4092)
        downloading.set()
        with contextlib.suppress(ConnectionError):
            while True:  # a very slow network, not a wait for a condition
                await asyncio.sleep(0.2)
                await response.write(b"\0" * 16)
        return response

    app = web.Application()
    app.router.add_get("/pypi/termbeam-py/json", project)
    app.router.add_get("/simple/termbeam-py/", simple)
    app.router.add_get(f"/files/{WHEEL}", wheel)
    server = await aiohttp_server(app, shutdown_timeout=0.5)
    return str(server.make_url("")).rstrip("/"), downloading


def processes_mentioning(text: str) -> list[int]:
    """PIDs of live processes whose command line contains `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/cmdline", "rb") as fh:
                if text.encode() in fh.read() and process_exists(int(entry)):
                    found.append(int(entry))
    return found


@needs_proc
async def test_sigterm_with_an_update_download_in_flight(
    spawn: Callable[..., Server], http: aiohttp.ClientSession, tmp_path: Path,
    trickling_index: tuple[str, asyncio.Event],
) -> None:
    """A real pip downloads the update from a loopback index that trickles the wheel. SIGTERM
    then: the server exits promptly with status 0, pip is interrupted the way Ctrl+C would
    (it cleans up its temp dirs) and is gone, nothing is installed, no update result is
    recorded, and the update-check cache is intact."""
    index, downloading = trickling_index
    tmp, site = tmp_path / "tmp", tmp_path / "site"
    tmp.mkdir()
    install = [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--no-deps",
               "--disable-pip-version-check", "--target", str(site),
               "--index-url", f"{index}/simple", "termbeam-py==9.9.9"]
    server = spawn(env={
        "TMPDIR": str(tmp), "TERMBEAM_INDEX_URL": index, "TERMBEAM_INSTALL_METHOD": "pip",
        "TERMBEAM_UPDATE_COMMAND": shlex.join(install),
        "PIP_CONFIG_FILE": os.devnull,
    })
    await server.start()
    await server.started()
    async with http.get(server.base + "/api/update-check", headers=server.headers) as response:
        assert (await response.json())["latest"] == "9.9.9"
    async with http.post(server.base + "/api/update", headers=server.headers) as response:
        assert response.status == 200, await response.text()
    await asyncio.wait_for(downloading.wait(), WAIT)
    assert processes_mentioning(str(site))  # pip is downloading

    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0, server.stderr

    assert processes_mentioning(str(site)) == []
    assert not site.exists() or not any(site.iterdir())
    assert list(tmp.iterdir()) == []  # pip's own temp dirs too
    assert not (server.cfg / "update-result.json").exists()
    cache = json.loads((server.cfg / "update-check.json").read_text())
    assert cache["latest"] == "9.9.9"
    assert state_temp_files(server.cfg) == []
    assert not (server.cfg / "connection.json").exists()
