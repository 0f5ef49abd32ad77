"""`termbeam -i` and a bare `termbeam service install` on a terminal (#18): the questions,
answered with typed lines through a pipe and with arrow keys on a real PTY, the summary with
the equivalent command line, and a server (or service) that really uses the answers."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from termbeam_py import wizard
from termbeam_py.holder import control
from termbeam_py.holder.paths import holder_dir
from termbeam_py.service import envfile
from tests.helpers import LOCAL, SHELL_ENV, child_env, free_port
from tests.test_client import PtyClient
from tests.test_service import Machine, machine  # noqa: F401 - the fixture is used below

pytestmark = pytest.mark.blocks_loop(reason="children are forked from the test body")
TIMEOUT = 30.0


class Piped:
    """`python -m termbeam_py -i ...` answering from a pipe, as a script would."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.cfg = tmp / "cfg"
        self.args = [sys.executable, "-m", "termbeam_py", "-i", "--no-qr",
                     "--config-dir", str(self.cfg), *args, "--", "/bin/bash", "--norc"]
        self.env = child_env(**SHELL_ENV, **(env or {}))
        self.proc: asyncio.subprocess.Process | None = None
        self.stdout = ""

    async def start(self, answers: str) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env)
        assert self.proc.stdin is not None
        self.proc.stdin.write(answers.encode())
        await self.proc.stdin.drain()
        self.proc.stdin.close()

    async def until_serving(self) -> int:
        """The port once the banner's Local: line is out."""
        assert self.proc is not None
        assert self.proc.stdout is not None
        port = None
        async with asyncio.timeout(TIMEOUT):
            while line := (await self.proc.stdout.readline()).decode():
                self.stdout += line
                if match := LOCAL.search(line):
                    port = int(match.group(1))
                if port is not None and "termbeam attach" in line:  # the banner's last line
                    return port
        raise AssertionError(f"no banner: {self.stdout!r} {await self.stderr()!r}")

    async def stderr(self) -> str:
        assert self.proc is not None
        assert self.proc.stderr is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT):
            err = (await self.proc.stderr.read()).decode()
            await self.proc.wait()
        return err


@pytest.fixture
async def piped() -> AsyncIterator[list[Piped]]:
    started: list[Piped] = []
    try:
        yield started
    finally:
        for run in started:
            if run.proc is not None and run.proc.returncode is None:
                run.proc.kill()
                await run.proc.wait()
            await asyncio.to_thread(control.end_sessions, holder_dir(run.cfg))


async def _status(port: int, password: str | None) -> int:
    headers = {"Authorization": f"Bearer {password}"} if password else {}
    async with aiohttp.ClientSession() as http, http.get(
        f"http://127.0.0.1:{port}/api/sessions", headers=headers
    ) as response:
        return response.status


async def test_typed_answers_through_a_pipe(tmp_path: Path, piped: list[Piped]) -> None:
    port = free_port()
    run = Piped(tmp_path)
    piped.append(run)
    # A typed password, a bad port then a good one, this computer only, the default level.
    await run.start(f"2\ntyped-s3cret\n70000\n{port}\n1\n\n")
    assert await run.until_serving() == port
    assert await _status(port, "typed-s3cret") == 200
    assert await _status(port, "wrong") == 401
    err = await run.stderr()
    assert "A port is a number from 1 to 65535." in err
    assert f"TERMBEAM_PASSWORD=… termbeam --port {port}\n" in err
    assert "typed-s3cret" not in err  # never echoed, never in the summary (the banner shows it)


async def test_a_tunnel_with_none_installed_says_how_and_asks_again(
    tmp_path: Path, piped: list[Piped],
) -> None:
    port = free_port()
    run = Piped(tmp_path, env={"PATH": str(tmp_path)})  # no tunnel program anywhere
    piped.append(run)
    await run.start(f"1\n{port}\n3\n1\ndebug\n")
    await run.until_serving()
    password = re.search(r"Password: (\S+)", run.stdout)
    assert password is not None
    assert await _status(port, password.group(1)) == 200
    err = await run.stderr()
    assert "No tunnel program is installed" in err
    assert "  - cloudflared: https://" in err
    assert f"termbeam --port {port} --generate-password --log-level debug\n" in err


async def test_no_password_keeps_it_on_this_computer(tmp_path: Path, piped: list[Piped]) -> None:
    port = free_port()
    run = Piped(tmp_path)
    piped.append(run)
    await run.start(f"3\n{port}\n\n")  # no access question: only localhost is possible
    await run.until_serving()
    assert await _status(port, None) == 200
    err = await run.stderr()
    assert "Who can connect" not in err
    assert f"termbeam --port {port} --no-password\n" in err


async def test_arrow_keys_on_a_terminal(tmp_path: Path) -> None:
    port = free_port()
    client = PtyClient("-i", "--no-qr", "--port", str(port), "--config-dir",
                       str(tmp_path / "cfg"), "--", "/bin/bash", "--norc",
                       env=child_env(**SHELL_ENV))
    await client.start()
    try:
        await client.wait_for("Enter to choose")
        client.type("\x1b[B\x1b[B\x1b[A\r")  # down, down, up: "Type my own"
        await client.wait_for("Password: ")
        client.type("pty-s3cret\r")
        await client.wait_for("Repeat for confirmation: ")
        client.type("pty-s3cret\r")
        await client.wait_for(f"Port (1-65535) [{port}]: ")
        client.type("\r")
        await client.wait_for("Who can connect")
        client.type("\r")  # this computer only
        await client.wait_for("Log level")
        client.type("\r")
        await client.wait_for(f"Local:    http://localhost:{port}")
        assert "→ Type my own" in client.text
        assert await _status(port, "pty-s3cret") == 200
        assert client.proc is not None
        client.proc.send_signal(signal.SIGTERM)  # a real stop ends the session and holder
        assert await client.wait_exit() == 0
    finally:
        await client.close()
        await asyncio.to_thread(control.end_sessions, holder_dir(tmp_path / "cfg"))


def test_the_service_command_line_asks_for_a_typed_password() -> None:
    answers = wizard.Answers(password_mode=wizard.TYPE, password="x", port=4000,
                             access=wizard.TUNNEL, tunnel="ngrok", log_level="warn")
    assert answers.command_line("termbeam service install") == (
        "termbeam service install --port 4000 --ask-password --log-level warn -- --tunnel ngrok")
    assert answers.command_line() == (
        "TERMBEAM_PASSWORD=… termbeam --port 4000 --log-level warn --tunnel ngrok")


async def test_a_bare_service_install_on_a_terminal_asks(machine: Machine) -> None:  # noqa: F811
    given = {k: v for k, v in machine.env.items() if v is not None}
    # child_env drops TERMBEAM_CONFIG_DIR from its base: the fake home's state dir goes back.
    env = child_env(given, TERMBEAM_CONFIG_DIR=str(machine.state_dir), CI="")
    client = PtyClient("service", "install", env=env)
    await client.start()
    try:
        await client.wait_for("Enter to choose")
        client.type("\r")  # generate a password
        await client.wait_for("Port (1-65535) [3456]: ")
        client.type("4011\r")
        await client.wait_for("Who can connect")
        client.type("\x1b[B\r")  # devices on my network
        await client.wait_for("Log level")
        client.type("\r")
        assert await client.wait_exit() == 0
    finally:
        await client.close()
    assert "termbeam service install --port 4011 --lan --generate-password" in client.text
    unit = machine.unit_file.read_text()
    assert "--port 4011" in unit
    assert "--host 0.0.0.0" in unit
    assert envfile.read(machine.env_file)["TERMBEAM_PASSWORD"]
