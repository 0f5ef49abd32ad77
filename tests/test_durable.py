"""Sessions that outlive the server (#15), with real server processes, shells and holders.

A server is killed (-9), replaced (--force), stopped with and without --keep-sessions; the
next one adopts what the session holder kept: same ids and PIDs, the scrollback, the output
printed while no server ran, and sequence numbers that continue, so a viewer that resumes
with its `since` sees every line exactly once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from termbeam_py.holder import control, paths
from termbeam_py.holder.paths import holder_dir
from termbeam_py.sessions.record import read as read_record
from termbeam_py.sessions.record import record_path
from tests.conftest import process_exists
from tests.helpers import Server, TermWS, eventually, termbeam_cli, unavailable

pytestmark = pytest.mark.blocks_loop(reason="servers are forked from the test body")

# Numbered lines, four at a time about every 2 ms, so thousands come in seconds. The pause is
# `read -t` (a bash builtin; nobody types into this terminal), not `sleep`, whose fork made
# each pause 8 ms on a busy machine.
NUMBERED = ("n=0; while :; do for _ in 1 2 3 4; do n=$((n+1)); echo \"line-$n\"; done; "
            "read -t 0.002; done")
LINE = re.compile(r"line-(\d+)\r\n")


@dataclass
class Http:
    """An HTTP client that closes the WebSockets a test opened."""

    session: aiohttp.ClientSession
    sockets: list[TermWS] = field(default_factory=list)


@pytest.fixture
async def http() -> AsyncIterator[Http]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        client = Http(session)
        try:
            yield client
        finally:
            for term in client.sockets:
                await term.ws.close()


async def sessions(http: Http, server: Server) -> list[dict[str, Any]]:
    async with http.session.get(server.base + "/api/sessions", headers=server.headers) as response:
        assert response.status == 200
        listing: list[dict[str, Any]] = await response.json()
        return listing


async def create(http: Http, server: Server, **body: Any) -> str:
    async with http.session.post(server.base + "/api/sessions", json=body,
                         headers=server.headers) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])


async def viewer(http: Http, server: Server, session_id: str, *,
                 binary: bool = False, since: int | None = None) -> TermWS:
    ws = await http.session.ws_connect(server.base.replace("http", "ws", 1) + "/ws")
    term = TermWS(ws)
    http.sockets.append(term)
    await term.send({"type": "auth", "password": server.password})
    await term.expect("auth_ok")
    extra: dict[str, Any] = {"binary": True} if binary else {}
    if since is not None:
        extra["since"] = since
        term.seq = since
    await term.attach(session_id, **extra)
    return term


async def prompt(http: Http, server: Server, session_id: str) -> TermWS:
    """A text viewer past the first attach, at a prompt."""
    term = await viewer(http, server, session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await term.read_until("$ ")
    return term


def numbers(raw: bytes) -> list[int]:
    return [int(n) for n in LINE.findall(raw.decode(errors="replace"))]


def holder_pid(server: Server) -> int:
    conn = control.connect(holder_dir(server.cfg))
    assert conn is not None, "no session holder runs"
    try:
        assert conn.holder_pid is not None
        return conn.holder_pid
    finally:
        conn.close()


async def test_kill_9_brings_back_three_sessions_without_a_gap(
    spawn: Callable[..., Server], http: Http
) -> None:
    if shutil.which("vim") is None:
        unavailable("vim is not installed (.ci/run installs it)")
    server = spawn()
    await server.start()
    await server.started()
    (idle,) = [s["id"] for s in await sessions(http, server)]
    counter = await create(http, server, name="counter")
    editor = await create(http, server, name="editor", color="#22d3ee")

    term = await prompt(http, server, counter)
    await term.type(NUMBERED + "\r")
    vim = await prompt(http, server, editor)
    await vim.type("vim -u NONE -N\r")
    await vim.read_until("~")
    before = {s["id"]: s for s in await sessions(http, server)}

    watch = await viewer(http, server, counter, binary=True)
    await watch.expect("attached")
    await watch.read_until("line-300\r\n", timeout=30)
    since, seen = watch.seq, bytes(watch.raw)

    # A new session's record is written a moment after it starts (records.NEW_DELAY).
    store = holder_dir(server.cfg) / paths.SESSIONS
    await eventually(lambda: all(record_path(store, sid).exists() for sid in before),
                     "the three session records", 10)
    server.signal(signal.SIGKILL)
    await server.wait_exit()
    shell = before[counter]["pid"]
    assert process_exists(shell), "the shell died with the server"

    again = spawn()
    await again.start()
    await again.started()
    await again.wait_line(r"3 sessions restored")
    after = {s["id"]: s for s in await sessions(http, again)}
    assert set(after) == {idle, counter, editor}
    for sid, old in before.items():
        assert after[sid]["pid"] == old["pid"]
        assert after[sid]["name"] == old["name"]
        assert after[sid]["color"] == old["color"]
        assert after[sid]["createdAt"] == old["createdAt"]
        assert after[sid]["restored"] is True

    resumed = await viewer(http, again, counter, binary=True, since=since)
    attached = await resumed.expect("attached")
    assert attached["resumed"] is True
    assert attached["seq"] == since
    target = numbers(seen)[-1] + 3000  # well past what fits in a PTY buffer while down
    await resumed.read_until(f"line-{target}\r\n", timeout=60)
    stream = numbers(seen + bytes(resumed.raw))
    assert stream == list(range(stream[0], stream[-1] + 1)), "a line was lost or repeated"

    keys = await prompt(http, again, editor)
    await keys.type("ivim-still-answers\x1b")
    await keys.read_until("vim-still-answers")


async def test_a_command_running_across_a_crash_notifies_when_it_ends(
    spawn: Callable[..., Server], http: Http, tmp_path: Path
) -> None:
    """The shell-integration state is kept: the next server knows the command line and when
    it started, so its notification names it, with its exit code and whole duration."""
    server = spawn(extra=("--notify-min-seconds", "0"))
    await server.start()
    await server.started()
    # An integrated bash (no --norc); its prompt is the user's, so no waiting for "$ ".
    session_id = await create(http, server, **{"shell": "/bin/bash", "args": []})
    term = await viewer(http, server, session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    go = tmp_path / "go"
    command = f"while [ ! -e {go} ]; do sleep 0.05; done; (exit 4)"
    await term.type(command + "\r")
    store = holder_dir(server.cfg) / paths.SESSIONS

    def running() -> bool:
        saved = read_record(store, session_id)
        return saved is not None and saved["command"] == command

    await eventually(running, "the running command in the session's record", 10)
    saved = read_record(store, session_id)
    assert saved is not None
    assert saved["commandStartedAt"] is not None
    server.signal(signal.SIGKILL)
    await server.wait_exit()

    again = spawn(extra=("--notify-min-seconds", "0"))
    await again.start()
    await again.started()
    await again.wait_line(r"2 sessions restored")  # with the default session
    watch = await viewer(http, again, session_id)
    await watch.expect("attached")
    go.touch()
    note = await watch.expect("notification")
    assert note["sessionId"] == session_id
    assert note["command"] == command
    assert note["exitCode"] == 4
    # Timed from its start under the previous server, not from the adoption.
    assert note["durationMs"] >= note["timestamp"] - saved["commandStartedAt"] - 50


async def test_force_replacing_a_server_keeps_its_sessions(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    (first,) = await sessions(http, server)
    term = await prompt(http, server, first["id"])
    await term.type("export KEPT=for''ce-kept\r")
    await term.read_until("$ ", timeout=10)

    again = spawn(extra=("--force",))
    await again.start()
    await again.started()
    assert await server.wait_exit() == 0
    assert any("keeping 1 session" in line for line in server.lines)
    (adopted,) = await sessions(http, again)
    assert (adopted["id"], adopted["pid"]) == (first["id"], first["pid"])
    term = await prompt(http, again, adopted["id"])
    assert "force-kept" in await term.run("echo $KEPT")


def _ours(pid: int) -> bool:
    return process_exists(pid)


async def test_ctrl_c_ends_every_session_and_the_holder(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    await create(http, server)
    shells = [s["pid"] for s in await sessions(http, server)]
    holder = holder_pid(server)

    server.signal(signal.SIGINT)
    assert await server.wait_exit() == 0
    assert any("ending 2 sessions" in line for line in server.lines)
    await eventually(lambda: not any(_ours(p) for p in [*shells, holder]),
                     "every shell and the holder to end", 5)


async def test_keep_sessions_leaves_only_the_holder_behind(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn(extra=("--keep-sessions",))
    await server.start()
    await server.started()
    (session,) = await sessions(http, server)
    holder = holder_pid(server)

    server.signal(signal.SIGINT)
    assert await server.wait_exit() == 0
    assert any("keeping 1 session" in line for line in server.lines)
    assert process_exists(session["pid"])
    assert process_exists(holder)
    # The holder is a session of its own with no other member (no helper left behind), and
    # the shell is its child.
    assert _session_members(holder) == {holder}
    assert _parent(session["pid"]) == holder
    kept = control.kept_sessions(holder_dir(server.cfg))
    assert [(k.id, k.pid, k.exit_code) for k in kept] == [(session["id"], session["pid"], None)]

    # `termbeam list` shows them while no server runs.
    status, out = await termbeam_cli("list", "--config-dir", str(server.cfg))
    assert status == 0, out
    assert "1 kept session waits for the next `termbeam`" in out
    assert session["name"] in out
    assert session["id"][:8] in out
    status, out = await termbeam_cli("list", "--json", "--config-dir", str(server.cfg))
    (listed,) = json.loads(out)
    assert (listed["id"], listed["pid"], listed["kept"]) == (session["id"], session["pid"], True)


async def test_the_keep_sessions_setting_keeps_them_on_ctrl_c(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    (session,) = await sessions(http, server)
    url = server.base + "/api/preferences"
    async with http.session.get(url, headers=server.headers) as response:
        prefs = (await response.json())["prefs"]
    async with http.session.put(url, json={"prefs": {**prefs, "keepSessions": True}},
                                headers=server.headers) as response:
        assert response.status == 200
    server.signal(signal.SIGINT)
    assert await server.wait_exit() == 0
    assert any("keeping 1 session" in line for line in server.lines)
    assert process_exists(session["pid"])


async def test_termbeam_stop_keep_sessions_then_stop_ends_them(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn()
    await server.start()
    await server.started()
    (session,) = await sessions(http, server)
    status, out = await termbeam_cli("stop", "--keep-sessions", "--config-dir", str(server.cfg))
    assert status == 0, out
    await server.wait_exit()
    assert process_exists(session["pid"])

    # A plain `termbeam stop` ends them, even on a server that keeps sessions when stopped
    # otherwise (as the service's does).
    again = spawn(extra=("--keep-sessions",))
    await again.start()
    await again.started()
    await again.wait_line(r"1 session restored")
    holder = holder_pid(again)
    status, out = await termbeam_cli("stop", "--config-dir", str(again.cfg))
    assert status == 0, out
    await again.wait_exit()
    await eventually(lambda: not _ours(session["pid"]) and not _ours(holder),
                     "the shell and the holder to end", 5)


async def test_a_damaged_output_log_gives_an_empty_scrollback_not_a_crash(
    spawn: Callable[..., Server], http: Http
) -> None:
    server = spawn(extra=("--keep-sessions",))
    await server.start()
    await server.started()
    (session,) = await sessions(http, server)
    term = await prompt(http, server, session["id"])
    await term.run("echo before-the-dam''age")
    server.signal(signal.SIGTERM)
    await server.wait_exit()

    ring = holder_dir(server.cfg) / paths.SESSIONS / f"{session['id']}.ring"
    with ring.open("r+b") as fh:
        fh.write(os.urandom(64))  # the header
        fh.truncate(5000)

    again = spawn()
    await again.start()
    await again.started()
    await again.wait_line(r"1 session restored")
    assert "output log" in again.stderr
    replay = await viewer(http, again, session["id"])
    message = await replay.expect("replay")
    assert "before-the-damage" not in message["data"]
    await replay.expect("attached")
    assert "still-works" in await replay.run("echo still-wo''rks")


async def test_a_shell_that_exited_while_no_server_ran_is_reported_with_its_code(
    spawn: Callable[..., Server], http: Http, tmp_path: Path
) -> None:
    server = spawn(extra=("--keep-sessions",))
    await server.start()
    await server.started()
    (session,) = await sessions(http, server)
    go = tmp_path / "go"
    term = await prompt(http, server, session["id"])
    await term.type(f"while [ ! -e {go} ]; do sleep 0.02; done; echo last-words; exit 7\r")
    await term.read_until("exit 7\r\n")
    server.signal(signal.SIGTERM)
    await server.wait_exit()

    go.touch()
    await eventually(lambda: not _ours(session["pid"]), "the shell to exit", 10)
    kept = control.kept_sessions(holder_dir(server.cfg))
    assert [(k.id, k.exit_code) for k in kept] == [(session["id"], 7)]

    again = spawn()
    await again.start()
    await again.started()
    await again.wait_line(rf"Session '{re.escape(session['name'])}' exited with code 7")
    ids = [s["id"] for s in await sessions(http, again)]
    assert session["id"] not in ids  # a fresh default session took its place
    kept = control.kept_sessions(holder_dir(server.cfg))
    assert session["id"] not in [k.id for k in kept]  # the holder was told to drop it


def _session_members(leader: int) -> set[int]:
    members = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == leader and fields[0] != "Z":
                members.add(int(entry))
    return members


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])
