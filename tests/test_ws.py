"""The /ws protocol against real PTYs: the documented JSON messages and their rules."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.sessions.outlog import MAX_BYTES
from termbeam_py.update.updater import UpdateProgressMsg, idle_state
from tests.helpers import AppClient, TermWS

OpenWS = Callable[..., Awaitable[TermWS]]


async def new_session(authed: AppClient, **body: object) -> str:
    response = await authed.post("/api/sessions", json={"cols": 80, "rows": 24, **body})
    assert response.status == 201
    return str((await response.json())["id"])


async def attached(open_ws: OpenWS, session_id: str, cols: int = 80, rows: int = 24) -> TermWS:
    ws = await open_ws()
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(cols, rows)
    return ws


async def test_echo_round_trip(term: TermWS) -> None:
    assert await term.run("echo hello-$((6*7))") == "hello-42"


async def test_resize_reaches_the_pty(term: TermWS) -> None:
    await term.resize(132, 43)
    assert await term.run("stty size") == "43 132"


async def test_first_client_sees_nothing_before_its_first_resize(
    open_ws: OpenWS, session_id: str
) -> None:
    ws = await open_ws()
    await ws.attach(session_id)
    assert (await ws.expect("attached"))["sessionId"] == session_id
    await ws.type("echo early-$((1+1))\r")
    with pytest.raises(TimeoutError):
        await ws.read_until("early-2", timeout=1.0)
    await ws.resize(80, 24)
    await ws.read_until("early-2")


async def test_reconnect_replays_without_duplicated_lines(
    open_ws: OpenWS, session_id: str
) -> None:
    first = await attached(open_ws, session_id)
    await first.run("for i in 1 2 3; do echo line-$i-end; done")
    await first.ws.close()
    second = await open_ws()
    await second.attach(session_id)
    replay = await second.expect("replay")
    assert (await second.expect("attached"))["sessionId"] == session_id
    # Each printed line appears once in the replay (plus the echoed command line).
    for i in (1, 2, 3):
        assert replay["data"].count(f"line-{i}-end\r\n") == 1
    await second.resize(80, 24)
    assert await second.run("echo after") == "after"


async def test_alt_screen_replay_reenters_and_repaints(
    open_ws: OpenWS, session_id: str, tmp_path: Path
) -> None:
    text = tmp_path / "pager.txt"
    text.write_text("".join(f"pager-line-{i}\n" for i in range(200)))
    first = await attached(open_ws, session_id)
    await first.type(f"less {text}\r")
    await first.read_until("pager-line-20")
    await first.ws.close()
    second = await open_ws()
    await second.attach(session_id)
    replay = (await second.expect("replay"))["data"]
    assert "\x1b[?1049h" in replay
    assert replay.rindex("\x1b[?1049h") > replay.rindex("$ ")  # TUI drawn on the alt screen
    await second.expect("attached")
    second.text = ""
    await second.resize(80, 24)  # triggers the SIGWINCH bounce: less repaints
    await second.read_until("pager-line-10")
    await second.type("q")
    assert await second.run("echo back") == "back"


async def test_two_clients_share_one_shell(open_ws: OpenWS, session_id: str) -> None:
    a = await attached(open_ws, session_id)
    b = await attached(open_ws, session_id)
    pid_a = await a.run("echo $$")
    await b.read_until(pid_a)
    assert await b.run("echo $$") == pid_a


async def test_two_sessions_have_different_shells(authed: AppClient, open_ws: OpenWS) -> None:
    a = await attached(open_ws, await new_session(authed))
    b = await attached(open_ws, await new_session(authed))
    assert await a.run("echo $$") != await b.run("echo $$")


async def test_resize_uses_the_smallest_active_client(open_ws: OpenWS, session_id: str) -> None:
    a = await attached(open_ws, session_id, cols=100, rows=30)
    b = await attached(open_ws, session_id, cols=80, rows=40)
    assert await a.run("stty size") == "30 80"
    await b.ws.close()
    await a.resize(100, 30)
    assert await a.run("stty size") == "30 100"


async def test_out_of_bounds_resize_is_ignored(term: TermWS) -> None:
    for cols, rows in ((0, 10), (501, 10), (80, 201), (-5, -5)):
        await term.resize(cols, rows)
    assert await term.run("stty size") == "24 80"


async def test_megabyte_paste_arrives_byte_exact(term: TermWS, tmp_path: Path) -> None:
    target = tmp_path / "paste.txt"
    lines = [f"{i:07d} " + "abcdefghij" * 9 + "\n" for i in range(10_600)]
    payload = "".join(lines)
    assert len(payload) > 1_000_000
    # Wait for the marker printed just before cat starts (the echoed command line may wrap).
    await term.type(f"echo RE''ADY; cat > {target}\r")
    await term.read_until("READY\r\n")
    for start in range(0, len(payload), 256 * 1024):  # ≤ 1 MiB per WebSocket message
        await term.type(payload[start : start + 256 * 1024])
    await term.type("\x04")
    await term.run("true", timeout=60)
    data = target.read_bytes()
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload.encode()).hexdigest()


@pytest.mark.slow
async def test_fifty_megabytes_arrive_in_order_with_a_bounded_log(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    session = authed.app[keys.SESSIONS].get(session_id)
    await term.type("seq 1 6000000; echo se''q-done\r")
    expected, pending, largest_log = 1, "", 0
    async with asyncio.timeout(120):
        while True:
            message = await term.ws.receive_json()
            if message["type"] != "output":
                continue
            largest_log = max(largest_log, len(session.log))
            chunk = pending + message["data"]
            *lines, pending = chunk.split("\r\n")
            for line in lines:
                line = line.rsplit("\r", 1)[-1]  # bracketed-paste toggles end in \r
                if line.isdigit():
                    assert int(line) == expected, f"got {line} after {expected - 1}"
                    expected += 1
            if "seq-done" in pending or any("seq-done" in line for line in lines):
                break
    assert expected == 6_000_001
    assert largest_log <= MAX_BYTES


async def test_exit_message_when_the_shell_exits(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    await term.type("exit 3\r")
    assert (await term.expect("exit"))["code"] == 3
    listing = await (await authed.get("/api/sessions")).json()
    assert session_id not in [s["id"] for s in listing]


async def test_delete_while_attached_sends_exit(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    pid = int(await term.run("echo $$"))
    response = await authed.delete(f"/api/sessions/{session_id}")
    assert response.status == 204
    message = await term.expect("exit")
    assert isinstance(message["code"], int)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_attaching_another_session_detaches_the_first(
    authed: AppClient, open_ws: OpenWS
) -> None:
    first, second = await new_session(authed), await new_session(authed)
    ws = await attached(open_ws, first)
    await ws.run("echo on-first")
    await ws.attach(second)
    await ws.expect("attached")  # its first viewer: no replay until the first resize
    await ws.resize(80, 24)
    manager = authed.app[keys.SESSIONS]
    assert len(manager.get(first).clients) == 0
    assert len(manager.get(second).clients) == 1
    assert await ws.run("echo on-second") == "on-second"


async def test_attach_unknown_session_keeps_the_socket(term: TermWS) -> None:
    await term.attach("no-such-session")
    assert await term.expect("error") == {"type": "error", "message": "Session not found"}
    # Still attached to the original session and still usable.
    assert await term.run("echo still-here") == "still-here"


async def test_bad_messages_never_reach_the_pty(term: TermWS) -> None:
    await term.ws.send_str("echo leaked-1\r")
    await term.ws.send_str('["input", "echo leaked-2\\r"]')
    await term.send({"type": "bogus", "data": "echo leaked-3\r"})
    await term.send({"type": "input", "data": 12345})
    await term.ws.send_bytes(b"echo leaked-4\r")
    assert await term.run("echo fine") == "fine"
    assert "leaked" not in term.text


async def test_input_before_attach_is_ignored(open_ws: OpenWS, session_id: str) -> None:
    ws = await open_ws()
    await ws.type("echo too-early\r")
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(80, 24)
    assert await ws.run("echo ok") == "ok"
    assert "too-early" not in ws.text


async def test_utf8_split_across_reads_is_decoded_whole(term: TermWS) -> None:
    # printf writes the 4-byte emoji in two separate writes: the JSON client must not see
    # a replacement character.
    out = await term.run(r"printf '\xf0\x9f'; sleep 0.1; printf '\x98\x80\n'")
    assert out == "😀"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
async def test_a_replay_never_ends_inside_a_character(
    open_ws: OpenWS, term: TermWS, session_id: str, binary: bool
) -> None:
    # The shell prints half an emoji and waits, so the log ends inside it when the viewer
    # attaches (found by benchmarks/soak.py: replays taken mid-flood ended in U+FFFD).
    await term.type(r"stty -echo; printf 'M''ARK\xf0\x9f'; read x; printf '\x98\x80''DO''NE\n'"
                    "\r")
    await term.read_until("MARK")
    viewer = await open_ws()
    await viewer.attach(session_id, **({"binary": True} if binary else {}))
    replay = await viewer.expect("replay")
    await viewer.expect("attached")
    assert replay["data"].endswith("MARK")
    await term.type("\r")  # `read` returns; echo is off, so nothing lands inside the emoji
    await viewer.read_until("DONE")
    assert "MARK😀DONE".encode() in viewer.raw
    await term.type("stty echo\r")


async def test_broadcasts_reach_only_authenticated_sockets(
    authed: AppClient, open_ws: OpenWS
) -> None:
    import aiohttp

    logged_in = await open_ws()
    async with aiohttp.ClientSession() as anonymous, anonymous.ws_connect(
        authed.make_url("/ws")
    ) as stranger:
        progress: UpdateProgressMsg = {
            "type": "update-progress", **idle_state(), "status": "installing",
        }
        await authed.app[keys.HUB].broadcast(progress)
        assert (await logged_in.expect("update-progress"))["status"] == "installing"
        with pytest.raises(TimeoutError):
            await stranger.receive(timeout=0.5)


async def test_json_client_sees_only_documented_messages(
    open_ws: OpenWS, term: TermWS, session_id: str
) -> None:
    viewer = await open_ws()
    await viewer.attach(session_id)
    await viewer.expect("attached")
    await term.type("head -c 600000 /dev/zero | tr '\\0' j; echo; echo en''d-mark\r")
    await viewer.read_until("end-mark\r\n", timeout=60)
    await term.type("exit 4\r")
    await viewer.expect("exit")
    documented = {
        "replay": {"type", "data"},
        "attached": {"type", "sessionId"},
        "output": {"type", "data"},
        "exit": {"type", "code"},
    }
    for message in viewer.messages:
        assert set(message) == documented[message["type"]], message.keys()


async def test_binary_attach_carries_the_server_boot_id(
    authed: AppClient, open_ws: OpenWS, session_id: str
) -> None:
    boot = authed.app[keys.RUNTIME].boot_id
    assert boot
    for since in (None, 0):  # a first attach and a resume both say which server answered
        viewer = await open_ws()
        await viewer.attach(session_id, binary=True, **({} if since is None else {"since": since}))
        assert (await viewer.expect("attached"))["boot"] == boot
    other = create_app(authed.app[keys.CONFIG])[keys.RUNTIME].boot_id
    assert other != boot  # every server process has its own


async def close_frame(ws: TermWS) -> tuple[int, str]:
    """Read past any output to the server's close frame: (code, reason)."""
    while True:
        msg = await ws.ws.receive(timeout=10)
        if msg.type == aiohttp.WSMsgType.CLOSE:
            return int(msg.data), str(msg.extra)
        assert msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), msg


@pytest.mark.parametrize(("keep_sessions", "code", "reason"), [
    (False, 1001, "Server shutting down"),
    (True, 1012, "server restarting"),
])
async def test_shutdown_tells_viewers_whether_their_sessions_live_on(
    authed: AppClient, open_ws: OpenWS, keep_sessions: bool, code: int, reason: str
) -> None:
    # No session, so none is left to a session holder: the close is the hub's alone.
    viewer = await open_ws()
    await viewer.attach("no-such-session")
    await viewer.expect("error")  # the server now handles this socket: it is in the hub
    authed.app[keys.RUNTIME].keep_sessions = keep_sessions
    closing = asyncio.create_task(close_frame(viewer))
    await authed.server.close()
    assert await closing == (code, reason)
