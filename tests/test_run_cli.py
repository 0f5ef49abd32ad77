"""`termbeam run`, `send`, `tail` and `screen` (#17): real `termbeam` processes against a
real server process, with the token in TERMBEAM_TOKEN."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers import SHELL_ENV, Server, child_env

TIMEOUT = 30.0

pytestmark = pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")

#: 5 MB of pseudo-random bytes (every byte value, escapes and newlines included).
BIG = "import hashlib,sys\nfor i in range(5*1024*1024//32):\n" \
      "    sys.stdout.buffer.write(hashlib.sha256(b'%d' % i).digest())\n"


def big_output() -> bytes:
    return b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(5 * 1024 * 1024 // 32))


@pytest.fixture
async def server(spawn: Callable[..., Server]) -> Server:
    srv = spawn()
    await srv.start()
    await srv.started()
    return srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


class Cli:
    """One `termbeam <command>` process, its stdout kept as bytes."""

    def __init__(self, server: Server, *args: str) -> None:
        self.args = [sys.executable, "-m", "termbeam_py", *args[:1], "--port",
                     str(server.port), *args[1:]]
        env = child_env(**SHELL_ENV, TERMBEAM_TOKEN=server.password or "")
        env.pop("TERMBEAM_SESSION", None)
        self.env = env
        self.out = bytearray()
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, cwd: Path) -> Cli:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env, cwd=cwd)
        return self

    async def read_until(self, marker: bytes) -> None:
        """Read stdout until `marker` (b"": until the first bytes)."""
        assert self.proc is not None
        assert self.proc.stdout is not None
        async with asyncio.timeout(TIMEOUT):
            while marker not in self.out or not self.out:
                chunk = await self.proc.stdout.read(65536)
                assert chunk, f"ended before {marker!r}: {bytes(self.out)!r}"
                self.out += chunk

    async def finish(self) -> tuple[int, bytes, str]:
        assert self.proc is not None
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(), TIMEOUT)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        assert self.proc.returncode is not None
        return self.proc.returncode, bytes(self.out) + out, err.decode()


async def termbeam(server: Server, *args: str) -> tuple[int, bytes, str]:
    return await (await Cli(server, *args).start(server.work)).finish()


async def listed(http: aiohttp.ClientSession, server: Server) -> list[dict[str, Any]]:
    async with http.get(server.base + "/api/sessions?all=1", headers=server.headers) as r:
        assert r.status == 200
        return list(await r.json())


async def hidden(http: aiohttp.ClientSession, server: Server) -> list[dict[str, Any]]:
    """The hidden sessions (the server also starts one visible session of its own)."""
    return [s for s in await listed(http, server) if s["hidden"]]


async def create(http: aiohttp.ClientSession, server: Server, **body: Any) -> str:
    async with http.post(server.base + "/api/sessions", headers=server.headers,
                         json=body) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])


async def test_run_prints_the_output_and_exits_with_the_status(
    server: Server, http: aiohttp.ClientSession,
) -> None:
    code, out, err = await termbeam(server, "run", "--", "sh", "-c", "echo hi; exit 3")
    assert (code, out) == (3, b"hi\n"), err
    # The hidden session it used is gone (the command failed: removed all the same).
    assert await hidden(http, server) == []


async def test_run_of_5_mb_is_byte_exact(server: Server, http: aiohttp.ClientSession) -> None:
    cli = await Cli(server, "run", "--", "python3", "-c", BIG).start(server.work)
    await cli.read_until(b"")
    # A reader that stops for a while (stdout piped to a slow consumer): the command must
    # wait for it, not print on past what the server's output log holds.
    await asyncio.sleep(1.5)
    code, out, err = await cli.finish()
    assert code == 0, err
    expected = await asyncio.to_thread(big_output)
    assert len(out) == len(expected)
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(expected).hexdigest()
    assert await hidden(http, server) == []


async def test_run_timeout_and_ctrl_c_remove_the_hidden_session(
    server: Server, http: aiohttp.ClientSession,
) -> None:
    code, out, err = await termbeam(server, "run", "--timeout", "1", "--", "sh", "-c",
                                    "echo partial; sleep 60")
    assert (code, out) == (124, b"partial\n")
    assert "did not finish within 1 s" in err
    assert await hidden(http, server) == []
    cli = await Cli(server, "run", "--", "sh -c 'echo started; sleep 60'").start(server.work)
    await cli.read_until(b"started\n")
    assert len(await hidden(http, server)) == 1
    assert cli.proc is not None
    cli.proc.send_signal(signal.SIGINT)
    code, out, _ = await cli.finish()
    assert (code, out) == (130, b"started\n")
    assert await hidden(http, server) == []


async def test_run_in_a_named_session(server: Server, http: aiohttp.ClientSession) -> None:
    await create(http, server, name="plain")  # the server's bash --norc: no integration
    code, _, err = await termbeam(server, "run", "--session", "plain", "--", "true")
    assert code == 1
    assert "no shell integration" in err
    await create(http, server, **{"name": "marked", "shell": "/bin/bash", "args": []})
    code, out, err = await termbeam(server, "run", "--session", "marked", "--", "echo x; false")
    # Someone's own terminal: as it shows it (\r\n), and the session stays.
    assert (code, out) == (1, b"x\r\n"), err
    assert {"marked", "plain"} <= {s["name"] for s in await listed(http, server)}


async def test_send_tail_and_screen(server: Server, http: aiohttp.ClientSession) -> None:
    await create(http, server, name="job", cols=80, rows=24)
    follower = await Cli(server, "tail", "job", "-f").start(server.work)
    code, _, err = await termbeam(server, "send", "job", "echo from-send-$((2+3))")
    assert code == 0, err
    await follower.read_until(b"from-send-5\r\n")
    code, out, _ = await termbeam(server, "tail", "job")
    assert code == 0
    assert b"from-send-5\r\n" in out
    code, out, _ = await termbeam(server, "screen", "job")
    lines = out.decode().splitlines()
    assert code == 0
    assert "$ echo from-send-$((2+3))" in lines
    assert "from-send-5" in lines
    # --escapes reads \r as Enter (--no-enter: only the ones in TEXT); the shell ends, and
    # tail -f with it.
    code, _, _ = await termbeam(server, "send", "-e", "--no-enter", "job",
                                "echo esc-$((1+1))\\rexit\\r")
    assert code == 0
    code, out, err = await follower.finish()
    assert code == 0, err
    assert b"\resc-2\r\n" in out
    code, _, err = await termbeam(server, "tail", "nothing-by-that-name")
    assert code == 1
    assert "No session named 'nothing-by-that-name'" in err
