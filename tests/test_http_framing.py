"""Requests as they arrive on the wire, over raw sockets to the app served behind its
connection guard as `termbeam` serves it (found by tests/test_fuzz.py and its harness): a JSON
body in several packets is read whole; what breaks HTTP itself gets a clear JSON 400 with our
headers and one log line, never a traceback or aiohttp's `Server` header."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from termbeam_py import keys
from termbeam_py.app import create_app
from tests.conftest import PASSWORD, make_config
from tests.helpers import eventually

DEADLINE = 10.0


class Served:
    def __init__(self, app: web.Application, runner: web.AppRunner) -> None:
        self.app, self.runner = app, runner
        self.port = int(runner.addresses[0][1])

    async def exchange(self, *parts: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send `parts` on one connection; the first response's status, headers, body."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            for part in parts:
                writer.write(part)
                await writer.drain()
            async with asyncio.timeout(DEADLINE):
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                status_line, *lines = head.strip().split("\r\n")
                headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
                body = await reader.readexactly(int(headers["content-length"]))
        finally:
            writer.close()
        return int(status_line.split()[1]), headers, body

    def host(self) -> bytes:
        return b"Host: 127.0.0.1:%d\r\n" % self.port


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    app = create_app(make_config(tmp_path))
    runner = await app[keys.CONNECTIONS].serve(app, "127.0.0.1", 0)
    try:
        yield Served(app, runner)
    finally:
        await runner.cleanup()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="termbeam_py")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    return caplog


def assert_no_traceback(logs: pytest.LogCaptureFixture) -> None:
    noisy = [r for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]
    assert noisy == [], [r.getMessage() for r in noisy]


def assert_our_bad_request(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 400
    assert json.loads(body) == {"error": "Bad request"}
    assert headers["server"] == "termbeam"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("request_bytes", [
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nFoo\r\n\r\n",  # a header without a colon
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",  # a request line over 8190 bytes
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + b"b" * 9000 + b"\r\n\r\n",
    b"POST /api/auth HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"POST /api/auth HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
])
async def test_what_aiohttp_cannot_parse_gets_our_json_400_and_one_line(
    served: Served, logs: pytest.LogCaptureFixture, request_bytes: bytes,
) -> None:
    assert_our_bad_request(*await served.exchange(request_bytes))
    assert_no_traceback(logs)
    lines = [r for r in logs.records if r.getMessage().startswith("bad request from")]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO


async def test_non_http_traffic_is_logged_at_debug_only(
    served: Served, logs: pytest.LogCaptureFixture,
) -> None:
    assert_our_bad_request(*await served.exchange(b"\x16\x03\x01\x02\x00\x01\x00\r\n\r\n"))
    assert_no_traceback(logs)
    assert all(r.levelno == logging.DEBUG for r in logs.records
               if r.getMessage().startswith("bad request from"))


async def test_a_cookie_that_is_not_utf8_is_a_401_not_a_500(
    served: Served, logs: pytest.LogCaptureFixture,
) -> None:
    """Found by tests/test_fuzz.py: the token's undecodable bytes reached the hash as lone
    surrogates and raised, a 500 with a traceback on every route for anyone."""
    status, _, body = await served.exchange(
        b"GET /api/sessions HTTP/1.1\r\n" + served.host()
        + b"Cookie: pty_token=\xed\xa0\x80\xff\r\nConnection: close\r\n\r\n")
    assert status == 401
    assert json.loads(body) == {"error": "unauthorized"}
    assert_no_traceback(logs)


async def test_a_body_that_breaks_its_content_encoding_is_a_400(
    served: Served, logs: pytest.LogCaptureFixture,
) -> None:
    """It used to be a 500 `internal error` with two tracebacks (the handler's, then
    aiohttp's while draining the rest of the body)."""
    head = (b"POST /api/auth HTTP/1.1\r\n" + served.host()
            + b"Content-Encoding: gzip\r\nContent-Length: 8\r\nConnection: close\r\n\r\n")
    status, _, body = await served.exchange(head, b"not gzip")
    assert status == 400
    assert json.loads(body) == {"error": "Invalid request body"}
    assert_no_traceback(logs)


@pytest.mark.parametrize("padding", [0, 90 * 1024])
async def test_a_json_body_in_several_packets_is_read_whole(
    served: Served, padding: int,
) -> None:
    """The body used to be whatever had arrived when the route first read it: a login sent
    in two packets was "Invalid JSON body"."""
    body = json.dumps({"password": PASSWORD, "padding": "x" * padding}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(b"POST /api/auth HTTP/1.1\r\n" + served.host()
                 + b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
    await writer.drain()
    limiter = served.app[keys.AUTH].login_limiter
    # The login route counted the attempt: it reads the body now.
    await eventually(lambda: len(limiter) > 0, "the login attempt to be counted", DEADLINE)
    writer.write(body[10:])
    status_line = await asyncio.wait_for(reader.readline(), DEADLINE)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 200"), status_line


async def test_a_client_hanging_up_mid_body_leaves_no_traceback(
    served: Served, logs: pytest.LogCaptureFixture,
) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(b"POST /api/auth HTTP/1.1\r\n" + served.host()
                 + b"Content-Length: 100\r\n\r\n{\"pass")
    await writer.drain()
    limiter = served.app[keys.AUTH].login_limiter
    # The login route counted the attempt: it reads the body now.
    await eventually(lambda: len(limiter) > 0, "the login attempt to be counted", DEADLINE)
    writer.close()
    await eventually(lambda: any("mid-request" in r.getMessage() for r in logs.records),
                     "the mid-request hang-up to be logged", DEADLINE)
    assert_no_traceback(logs)
