"""Connection limits with real sockets: the request-head and keep-alive timeouts, the WebSocket
login deadline, the per-address and total caps, and the open-files limit of a real process."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web

from termbeam_py import connlimits, keys
from termbeam_py.app import create_app
from tests.conftest import PASSWORD, make_config

if TYPE_CHECKING:
    from tests.helpers import Server

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
#: How long a test waits for something the server must do by itself (a close) before failing.
DEADLINE = 10.0


class Harness:
    """The app behind its connection guard, served as `termbeam` serves it, and raw TCP
    connections to it from a chosen loopback source address."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.runners: list[web.AppRunner] = []
        self.writers: list[asyncio.StreamWriter] = []

    async def serve(self, **overrides: object) -> int:
        app = create_app(make_config(self.tmp_path, **overrides))
        runner = await app[keys.CONNECTIONS].serve(app, "127.0.0.1", 0)
        self.runners.append(runner)
        return int(runner.addresses[0][1])

    async def connect(self, port: int, source: str = "127.0.0.1") -> Stream:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        self.writers.append(writer)
        return reader, writer

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        for runner in self.runners:
            await runner.cleanup()


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path)
    yield harness
    await harness.close()


async def get(stream: Stream, port: int, path: str = "/health",
              close: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on a raw connection; status, headers (lower-case) and body."""
    reader, writer = stream
    extra = "Connection: close\r\n" if close else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status_line, *lines = head.strip().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    headers = {name.lower(): value for name, value in headers.items()}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Read until the server closes the connection; what it sent before closing."""
    data = b""
    async with asyncio.timeout(DEADLINE):
        try:
            while chunk := await reader.read(4096):
                data += chunk
        except ConnectionResetError:
            pass
    return data


async def refused_from(port: int, source: str) -> tuple[int, str | None, dict[str, str]]:
    """A request from `source` through an ordinary HTTP client: status, Retry-After, body."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http, \
            http.get(f"http://127.0.0.1:{port}/health") as response:
        return response.status, response.headers.get("Retry-After"), await response.json()


# --- the request-head timeout ------------------------------------------------------------


async def test_silent_sockets_are_closed_after_the_head_timeout(
    h: Harness
) -> None:
    port = await h.serve(head_timeout=0.3)
    silent = [await h.connect(port) for _ in range(5)]
    for reader, _ in silent:
        assert await closed_by_server(reader) == b""  # closed without a word
    status, _, _ = await get(await h.connect(port), port)
    assert status == 200


async def test_a_slowloris_trickle_is_closed(
    h: Harness
) -> None:
    """One header byte every 50 ms: never idle for long, but the head never completes."""
    port = await h.serve(head_timeout=0.5)
    reader, writer = await h.connect(port)
    writer.write(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
    trickle = b"X-Slow: " + b"a" * 10_000
    async with asyncio.timeout(DEADLINE):
        for i in range(len(trickle)):
            try:
                writer.write(trickle[i:i + 1])
                await writer.drain()
                # The pace of the trickle; it ends early when the server closes.
                data = await asyncio.wait_for(reader.read(4096), 0.05)
            except TimeoutError:
                continue
            except ConnectionResetError:
                data = b""
            assert data == b"", data  # no response: the request never completed
            break
        else:
            raise AssertionError("the trickle was never cut off")


async def test_a_request_within_the_head_timeout_then_idle_keep_alive_times_out(
    h: Harness
) -> None:
    port = await h.serve(head_timeout=30.0, keepalive_timeout=0.3)
    stream = await h.connect(port)
    status, headers, _ = await get(stream, port)
    assert status == 200
    assert headers.get("connection", "").lower() != "close"
    assert await closed_by_server(stream[0]) == b""


# --- the WebSocket login deadline ----------------------------------------------------------


async def test_an_unauthenticated_websocket_is_closed_after_the_auth_timeout(
    h: Harness,
) -> None:
    # The head timeout is as short: it must not touch a socket past its handshake.
    port = await h.serve(ws_auth_timeout=0.5, head_timeout=0.5)
    base = f"http://127.0.0.1:{port}"
    jar = aiohttp.CookieJar(unsafe=True)  # keep the login cookie for an IP-address host
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.post(base + "/api/auth", json={"password": PASSWORD}) as response:
            assert response.status == 200
        by_cookie = await http.ws_connect(base + "/ws")
        async with aiohttp.ClientSession() as anonymous:
            by_message = await anonymous.ws_connect(base + "/ws")
            await by_message.send_json({"type": "auth", "password": PASSWORD})
            assert (await by_message.receive_json(timeout=DEADLINE))["type"] == "auth_ok"
            silent = await anonymous.ws_connect(base + "/ws")
            async with asyncio.timeout(DEADLINE):
                assert json.loads((await silent.receive()).data) == {
                    "type": "error", "message": "Unauthorized"}
                assert (await silent.receive()).type == aiohttp.WSMsgType.CLOSE
            # Both logged-in sockets were open longer than the deadline, and still answer.
            for ws in (by_cookie, by_message):
                await ws.send_json({"type": "attach", "sessionId": "nope"})
                assert await ws.receive_json(timeout=DEADLINE) == {
                    "type": "error", "message": "Session not found"}
                await ws.close()


# --- the caps ----------------------------------------------------------------------------


async def test_the_per_address_cap_refuses_clearly_and_serves_other_addresses(
    h: Harness
) -> None:
    port = await h.serve(max_connections_per_loopback=3)
    held = [await h.connect(port) for _ in range(3)]
    for stream in held:
        assert (await get(stream, port))[0] == 200  # admitted, kept alive

    status, retry_after, body = await refused_from(port, "127.0.0.1")
    assert (status, retry_after) == (503, "10")
    assert body == {"error": "Too many connections from your address"}
    # The raw socket sees the same response, then the server's close.
    reader, writer = await h.connect(port)
    writer.write(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert (await closed_by_server(reader)).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")

    assert (await get(await h.connect(port, "127.0.0.2"), port))[0] == 200
    # A connection that ends frees its place.
    status, _, _ = await get(held[0], port, close=True)
    assert status == 200
    assert await closed_by_server(held[0][0]) == b""
    assert (await get(await h.connect(port), port))[0] == 200


async def test_the_total_cap_refuses_every_address(
    h: Harness
) -> None:
    port = await h.serve(max_connections=3)
    for source in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        assert (await get(await h.connect(port, source), port))[0] == 200
    status, retry_after, body = await refused_from(port, "127.0.0.4")
    assert (status, retry_after) == (503, "10")
    assert body == {"error": "Too many connections"}


async def test_a_flood_of_refused_silent_sockets_does_not_hide_the_refusal(
    h: Harness,
) -> None:
    """Refused sockets that never read nor close fill the refusal slots; the next client
    still reads its 503 (the oldest waiting refusal is cut instead)."""
    port = await h.serve(max_connections=1)
    assert (await get(await h.connect(port), port))[0] == 200
    for _ in range(connlimits.REFUSAL_SLOTS + 5):
        await h.connect(port, "127.0.0.2")
    status, _, body = await refused_from(port, "127.0.0.3")
    assert (status, body) == (503, {"error": "Too many connections"})


async def test_loopback_is_held_to_the_total_cap_only(
    h: Harness
) -> None:
    """A tunnel brings every remote user in over loopback: the per-address cap is not theirs."""
    port = await h.serve(max_connections_per_address=2, max_connections=10)
    held = [await h.connect(port) for _ in range(4)]
    for stream in held:
        assert (await get(stream, port))[0] == 200


IN_PROCESS = [
    test_silent_sockets_are_closed_after_the_head_timeout,
    test_a_slowloris_trickle_is_closed,
    test_a_request_within_the_head_timeout_then_idle_keep_alive_times_out,
    test_an_unauthenticated_websocket_is_closed_after_the_auth_timeout,
    test_the_per_address_cap_refuses_clearly_and_serves_other_addresses,
    test_the_total_cap_refuses_every_address,
    test_a_flood_of_refused_silent_sockets_does_not_hide_the_refusal,
    test_loopback_is_held_to_the_total_cap_only,
]


@pytest.mark.parametrize("scenario", IN_PROCESS, ids=lambda f: f.__name__.removeprefix("test_"))
def test_on_uvloop(scenario: Callable[[Harness], Awaitable[None]], tmp_path: Path) -> None:
    """The same tests on uvloop, which `termbeam` runs on where it is installed."""
    uvloop = pytest.importorskip("uvloop")

    async def run() -> None:
        harness = Harness(tmp_path)
        try:
            await scenario(harness)
        finally:
            await harness.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run())


def test_peer_buckets() -> None:
    assert connlimits.peer_bucket(("127.0.0.2", 1)) == ("127.0.0.2", True)
    assert connlimits.peer_bucket(("::ffff:127.0.0.1", 1, 0, 0)) == ("127.0.0.1", True)
    assert connlimits.peer_bucket(("::1", 1, 0, 0)) == ("::1", True)
    assert connlimits.peer_bucket(("192.0.2.7", 1)) == ("192.0.2.7", False)
    assert connlimits.peer_bucket(("::ffff:192.0.2.7", 1, 0, 0)) == ("192.0.2.7", False)
    # One host owns its whole /64.
    assert connlimits.peer_bucket(("2001:db8:1:2:aaaa::1", 1, 0, 0)) == (
        connlimits.peer_bucket(("2001:db8:1:2:bbbb::9", 1, 0, 0)))
    assert connlimits.peer_bucket(("2001:db8:1:2::1", 1, 0, 0)) == ("2001:db8:1:2::/64", False)


def test_the_total_cap_leaves_room_under_the_open_files_limit() -> None:
    for nofile in (256, 1024, 4096, 1 << 20):
        total = connlimits.total_for(nofile)
        spare = nofile - total * connlimits.FDS_PER_CONNECTION - connlimits.REFUSAL_SLOTS
        assert spare >= connlimits.RESERVED_FDS, nofile
    assert connlimits.total_for(1 << 20) == connlimits.MAX_TOTAL


# --- a real `termbeam` process -------------------------------------------------------------


def _with_nofile(server: Server, flags: str, limit: int) -> None:
    """Start the server under `ulimit <flags> <limit>` (the shell execs: same pid)."""
    server.args = ["/bin/bash", "-c", f'ulimit {flags} {limit} && exec "$@"', "bash",
                   *server.args]


def _nofile_of(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files line")


async def test_start_up_raises_the_soft_open_files_limit(
    spawn: Callable[..., Server],
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 512:
        pytest.skip(f"the hard open-files limit is only {hard}")
    server = spawn()
    _with_nofile(server, "-S -n", 512)
    await server.start()
    await server.started()
    assert server.proc is not None
    soft_now, hard_now = _nofile_of(server.proc.pid)
    assert soft_now == min(hard_now, connlimits.NOFILE_CEILING) > 512


async def test_the_real_server_caps_connections_from_its_open_files_limit(
    spawn: Callable[..., Server], h: Harness
) -> None:
    """The original finding: under `ulimit -n 256`, silent sockets locked everyone out."""
    server = spawn()
    _with_nofile(server, "-n", 256)
    await server.start()
    port = await server.started()
    total = connlimits.total_for(256)
    held = [await h.connect(port, "127.0.0.2") for _ in range(total)]
    for stream in held:
        assert (await get(stream, port))[0] == 200
    status, retry_after, body = await refused_from(port, "127.0.0.1")
    assert (status, retry_after, body) == (503, "10", {"error": "Too many connections"})
