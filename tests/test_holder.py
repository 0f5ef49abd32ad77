"""The session holder on its own: its socket, who it talks to, versions, upgrades, exits.

Real holder processes (python -m termbeam_py.holder) in a folder of the test's own; the
server's client (HolderClient) and raw sockets talk to them.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from termbeam_py import keys
from termbeam_py.holder import control, paths, wire
from termbeam_py.holder.client import HolderClient, HolderError
from termbeam_py.holder.process import PROTOCOL_ENV
from tests.conftest import process_exists
from tests.helpers import AppClient, child_env, eventually


async def start_holder(folder: Path, **env: str) -> int:
    """Start a holder as the server does; its PID."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py.holder", "--dir", str(folder), "--daemon",
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        env=child_env(**env), start_new_session=True,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode().split()
    await proc.wait()
    assert line[0] == "ready", line
    return int(line[1])


@pytest.fixture
async def folder(tmp_path: Path) -> AsyncIterator[Path]:
    # Short: a Unix socket path has a ~100-byte limit.
    where = Path(os.environ["TERMBEAM_RUNTIME_DIR"]) / tmp_path.name[-20:]
    yield where
    await asyncio.to_thread(control.end_sessions, where)


def raw(folder: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.settimeout(10)
    sock.connect(str(folder / paths.SOCKET))
    return sock


def ask(sock: socket.socket, message: dict[str, object]) -> dict[str, object] | None:
    sock.send(json.dumps(message).encode())
    received = wire.receive(sock)
    if received is None:
        return None
    reply, fds = received
    wire.close_all(fds)
    return reply


def test_a_peer_of_another_uid_is_refused() -> None:
    wire.check_peer(os.getuid())
    with pytest.raises(wire.ProtocolError, match="refused a connection from uid 4242"):
        wire.check_peer(4242, own=1000)


def test_the_kernel_reports_our_own_uid_for_a_socket_pair() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with a, b:
        assert wire.peer_uid(a) == os.getuid()


@pytest.mark.blocks_loop(reason="raw blocking sockets to the holder in the test body")
async def test_folder_and_socket_are_private(folder: Path) -> None:
    await start_holder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / paths.SOCKET).stat().st_mode) == 0o600
    sock = raw(folder)
    sock.close()


@pytest.mark.blocks_loop(reason="raw blocking sockets to the holder in the test body")
async def test_an_older_server_is_refused_with_a_clear_error(folder: Path) -> None:
    pid = await start_holder(folder)
    keeper = raw(folder)  # a good server stays connected, so the holder has reason to live
    assert ask(keeper, {"op": "hello", "protocol": wire.PROTOCOL}) is not None
    sock = raw(folder)
    reply = ask(sock, {"op": "hello", "protocol": wire.OLDEST_SERVER - 1})
    assert reply is not None
    assert reply["ok"] is False
    assert "needs a server of protocol" in str(reply["error"])
    assert wire.receive(sock) is None  # and the connection is closed
    sock.close()
    # Requests before hello, garbage and descriptors get the same treatment; the holder
    # stays up for the next server.
    sock = raw(folder)
    reply = ask(sock, {"op": "list"})
    assert reply is not None
    assert "first message must be hello" in str(reply["error"])
    sock.close()
    sock = raw(folder)
    sock.send(b"\xff not json")
    assert wire.receive(sock) is None
    sock.close()
    assert process_exists(pid)
    assert ask(keeper, {"op": "status"}) == {"ok": True, "sessions": []}
    keeper.close()


async def test_a_newer_holder_is_refused_by_the_server(folder: Path) -> None:
    await start_holder(folder, **{PROTOCOL_ENV: str(wire.PROTOCOL + 1)})
    client = HolderClient(folder)
    with pytest.raises(HolderError, match="newer than this server"):
        await client.connect(start=False)


async def test_an_older_holder_upgrades_in_place_and_keeps_its_shells(folder: Path) -> None:
    pid = await start_holder(folder, **{PROTOCOL_ENV: str(wire.OLDEST_HOLDER - 1)})
    first = HolderClient(folder)
    # The old holder can still start a shell for a server that speaks its language; this
    # one connects with the seam's protocol to play such an older server's part.
    sock = await asyncio.to_thread(raw, folder)
    hello = await asyncio.to_thread(ask, sock, {"op": "hello", "protocol": wire.PROTOCOL})
    assert hello is not None
    assert hello["protocol"] == wire.OLDEST_HOLDER - 1
    spawned = await asyncio.to_thread(ask, sock, {
        "op": "spawn", "id": "a" * 32, "argv": ["/bin/sh", "-c", "sleep 300"], "cwd": "/",
        "env": {"PATH": os.environ["PATH"]}, "rows": 24, "cols": 80,
    })
    sock.close()
    assert spawned is not None
    assert spawned["ok"] is True
    shell = spawned["pid"]

    assert await first.connect(start=False)
    assert first.holder_protocol == wire.PROTOCOL  # upgraded
    assert first.holder_pid == pid  # in place: still the shell's parent
    held = await first.sessions(with_fds=True)
    assert [(h.id, h.pid, h.exit_code) for h in held] == [("a" * 32, shell, None)]
    for h in held:
        assert h.fd is not None
        os.close(h.fd)
    first.close()


async def test_a_shell_that_cannot_start_is_an_error_and_the_holder_stays(folder: Path) -> None:
    client = HolderClient(folder)
    await client.connect(start=True)
    with pytest.raises(OSError, match="not found"):
        await client.spawn("b" * 32, ["/no/such/shell"], cwd=Path("/"), env={"PATH": "/bin"},
                           rows=24, cols=80)
    pid, fd = await client.spawn("c" * 32, ["/bin/sh", "-c", "exit 5"], cwd=Path("/"),
                                 env={"PATH": "/bin"}, rows=24, cols=80)
    assert pid > 0
    os.close(fd)
    client.close()


async def test_the_holder_exits_once_it_keeps_nothing_and_nobody_is_connected(
    folder: Path,
) -> None:
    client = HolderClient(folder)
    await client.connect(start=True)
    holder = client.holder_pid
    assert holder is not None
    codes: list[int] = []

    class Listener:
        def exited(self, code: int) -> None:
            codes.append(code)

        def holder_lost(self) -> None:
            codes.append(-99)

    pid, fd = await client.spawn("d" * 32, ["/bin/sh", "-c", "read x; exit 3"],
                                 cwd=Path("/"), env={"PATH": "/bin"}, rows=24, cols=80)
    client.exit_listeners["d" * 32] = Listener()
    os.write(fd, b"go\n")
    await eventually(lambda: codes == [3], "the exit code from the holder", 10)
    os.close(fd)
    client.forget("d" * 32)
    client.close()
    await eventually(lambda: not process_exists(holder), "the holder to exit", 10)
    assert not process_exists(pid)


@pytest.fixture
def unusable_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime directory that cannot be made (a file is in the way)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("TERMBEAM_RUNTIME_DIR", str(blocker))


async def test_without_a_usable_holder_sessions_start_and_end_with_the_server(
    unusable_runtime_dir: None, authed: AppClient
) -> None:
    response = await authed.post("/api/sessions", json={})
    assert response.status == 201, await response.text()
    manager = authed.app[keys.SESSIONS]
    session = manager.get((await response.json())["id"])
    assert not session.terminal.held
    with open(f"/proc/{session.pid}/stat") as fh:
        assert int(fh.read().rsplit(")", 1)[1].split()[1]) == os.getpid()  # our own child
    # A keeping stop cannot keep it: it ends, and nothing is counted as kept.
    assert await manager.keep_all() == 0
    await eventually(lambda: not process_exists(session.pid), "the shell to end", 10)
