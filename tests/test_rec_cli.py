"""`termbeam rec list|play|export` against a real `termbeam --record` (#19), and a recording
that a restart keeping its session interrupts continues in a new part on the next server."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from termbeam_py.cli import serve
from termbeam_py.client.rec import play
from termbeam_py.config import ConfigError
from tests.conftest import make_config
from tests.helpers import Server, TermWS, child_env, termbeam_cli

TIMEOUT = 30.0


def cast_bytes(*events: tuple[float, str, str]) -> bytes:
    header = {"version": 2, "width": 80, "height": 24, "timestamp": 0, "title": "t",
              "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
    return b"".join(json.dumps(line).encode() + b"\n" for line in [header, *map(list, events)])


def test_play_keeps_the_timing_divided_by_speed_with_pauses_capped() -> None:
    data = cast_bytes((0.5, "o", "a"), (0.7, "m", "$ ls"), (2.5, "i", "x"), (3.0, "o", "é"),
                      (10.0, "o", "b"), (10.0, "o", "c"))
    out, sleeps = io.BytesIO(), list[float]()
    play(data, out, speed=2.0, max_idle=4.0, sleep=sleeps.append)
    assert out.getvalue() == "aébc".encode()
    assert sleeps == pytest.approx([0.25, 1.25, 2.0])  # 0.5/2, 2.5/2, min(7, 4)/2; no 0 waits


@pytest.mark.parametrize("size", ["0", "-1", "big"])
def test_record_max_mb_must_be_a_positive_size(tmp_path: Path, size: str) -> None:
    (tmp_path / "cfg").mkdir()
    result = CliRunner().invoke(serve, ["--config-dir", str(tmp_path / "cfg"), "--cwd",
                                        str(tmp_path), "--record-max-mb", size, "--password", "x"])
    assert result.exit_code == 2
    assert "--record-max-mb" in result.output
    with pytest.raises(ConfigError, match="record-max-mb"):
        make_config(tmp_path, record_max_mb=0.0)


@pytest.mark.blocks_loop(reason="starts a termbeam process from the test body")
async def test_ctrl_c_ends_a_replay_quietly(tmp_path: Path) -> None:
    recording = tmp_path / "long.cast"
    recording.write_bytes(cast_bytes((0.0, "o", "first"), (3600.0, "o", "an hour later")))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "rec", "play", str(recording),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL, env=child_env())
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readexactly(5), TIMEOUT) == b"first"
    proc.send_signal(signal.SIGINT)  # during the hour's pause
    rest, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, err
    assert err == b""
    assert b"an hour later" not in rest


async def _cli_with_token(token: str, *args: str) -> tuple[int, str]:
    """`termbeam ARGS` with TERMBEAM_TOKEN set; its status and its output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", *args, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=child_env(TERMBEAM_TOKEN=token))
    out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


async def _prompt(http: aiohttp.ClientSession, server: Server, session_id: str) -> TermWS:
    term = TermWS(await http.ws_connect(server.base.replace("http", "ws", 1) + "/ws",
                                        headers=server.headers))
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    return term


async def _recordings(http: aiohttp.ClientSession, server: Server) -> list[dict[str, Any]]:
    async with http.get(server.base + "/api/recordings", headers=server.headers) as response:
        assert response.status == 200
        return list(await response.json())


async def _download(http: aiohttp.ClientSession, server: Server, part: str) -> str:
    async with http.get(f"{server.base}/api/recordings/{part}",
                        headers=server.headers) as response:
        assert response.status == 200
        return await response.text()


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_rec_commands_and_a_recording_continued_after_a_restart(
        spawn: Callable[..., Server], http: aiohttp.ClientSession, tmp_path: Path) -> None:
    server = spawn(extra=("--keep-sessions",), env={"TERMBEAM_RECORD": "1"})  # as --record
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    async with http.get(server.base + "/api/sessions", headers=server.headers) as listed:
        [session] = await listed.json()
    assert session["recording"] is True
    term = await _prompt(http, server, session["id"])
    await term.run("printf 'hello-%s\\n' rec")

    status, out = await termbeam_cli("rec", "list", *cfg)
    assert status == 0, out
    assert out.splitlines()[0].split() == ["ID", "SESSION", "PART", "STARTED", "DURATION",
                                           "SIZE", "MARKS", "STATE"]
    assert session["name"] in out
    assert "recording" in out
    status, out = await termbeam_cli("rec", "list", "--json", *cfg)
    [entry] = json.loads(out)
    assert (entry["sessionId"], entry["active"], entry["part"]) == (session["id"], True, 1)

    exported = tmp_path / "out.cast"
    status, out = await termbeam_cli("rec", "export", session["name"], "-o", str(exported),
                                     *cfg)
    assert status == 0, out
    lines = exported.read_text().splitlines()
    assert json.loads(lines[0])["version"] == 2
    assert "hello-rec" in "".join(json.loads(line)[2] for line in lines[1:])

    status, out = await termbeam_cli("rec", "play", entry["id"], "--speed", "1000", *cfg)
    assert status == 0, out
    assert "hello-rec" in out
    async with http.post(server.base + "/api/tokens", json={"name": "r", "scope": "read"},
                         headers=server.headers) as made:
        token = (await made.json())["token"]
    code, by_token = await _cli_with_token(token, "rec", "list", "--json", *cfg)
    assert code == 0, by_token
    assert json.loads(by_token)[0]["id"] == entry["id"]
    code, refused = await _cli_with_token("tbk_" + "x" * 43, "rec", "list", *cfg)
    assert code == 1
    assert "Authentication failed" in refused
    status, out = await termbeam_cli("rec", "play", "no-such-thing", *cfg)
    assert status == 1
    assert "No recording named 'no-such-thing'" in out

    status, out = await termbeam_cli("rec", "play", str(exported), "--speed", "1000")
    assert status == 0, out
    assert "hello-rec" in out

    # Input recorded for a while: part 1 holds input, the part after the restart does not.
    for record_input in (True, False):
        async with http.patch(f"{server.base}/api/sessions/{session['id']}", headers=server.headers,
                              json={"recordInput": record_input}) as patched:
            assert (await patched.json())["recordingInput"] is record_input
    # The server stops keeping its sessions; the next one (without --record) continues the
    # recording in part 2.
    await term.ws.close()
    server.signal(signal.SIGTERM)
    await server.wait_exit()
    again = spawn()
    await again.start()
    await again.started()
    await again.wait_line(r"1 session restored")
    term = await _prompt(http, again, session["id"])
    await term.run("echo after-the-re''start")
    parts = sorted(await _recordings(http, again), key=lambda e: e["part"])
    assert [(p["part"], p["active"], p["sessionId"], p["input"]) for p in parts] == [
        (1, False, session["id"], True), (2, True, session["id"], False)]
    assert parts[0]["endedAt"] is not None
    events = [json.loads(line) for line in
              (await _download(http, again, parts[1]["id"])).splitlines()[1:]]
    assert events[0][1:] == ["m", "server restarted: recording continues"]
    assert "after-the-restart" in "".join(e[2] for e in events if e[1] == "o")
    assert "hello-rec" not in "".join(e[2] for e in events if e[1] == "o")
    # By its session's name, the whole recording plays: part 1, then part 2.
    status, out = await termbeam_cli("rec", "play", session["name"], "--speed", "1000", *cfg)
    assert status == 0, out
    assert out.index("hello-rec") < out.index("after-the-restart")
    status, out = await termbeam_cli("rec", "play", parts[1]["id"], "--speed", "1000", *cfg)
    assert "after-the-restart" in out
    assert "hello-rec" not in out
    await term.ws.close()
