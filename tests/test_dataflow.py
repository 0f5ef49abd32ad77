"""The data path under stress: flow control, resync of stalled viewers, exact resume."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from termbeam_py import keys
from termbeam_py.config import Config
from termbeam_py.sessions.client import Client, Output, Phase
from termbeam_py.sessions.outlog import MAX_BYTES
from termbeam_py.sessions.session import ACK_WINDOW, HIGH_WATER, LOW_WATER
from tests.conftest import make_config
from tests.helpers import AppClient, TermWS

OpenWS = Callable[..., Awaitable[TermWS]]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    # The stalled viewers here never read their sockets, so they never answer the server's
    # pings either: with the default 15 s heartbeat, a flood slowed by coverage on a busy CI
    # machine outlasts ping + pong wait and the server drops them as dead (as it should a
    # real dead socket; tests/test_original_habits.py tests that). Flow control is tested here.
    return make_config(tmp_path, ws_heartbeat=600.0)


async def binary_viewer(open_ws: OpenWS, session_id: str, since: int | None = None) -> TermWS:
    ws = await open_ws()
    extra: dict[str, object] = {"binary": True}
    if since is not None:
        extra["since"] = since
    await ws.attach(session_id, **extra)
    return ws


async def ack_all(ws: TermWS) -> None:
    await ws.send({"type": "ack", "seq": ws.seq})


async def test_binary_frames_carry_contiguous_sequence_numbers(
    open_ws: OpenWS, term: TermWS, session_id: str
) -> None:
    viewer = await binary_viewer(open_ws, session_id)
    replay = await viewer.expect("replay")
    attached = await viewer.expect("attached")
    assert attached["seq"] == replay["seq"] == viewer.seq
    assert attached["resumed"] is False
    await term.type("seq 1 2000\r")
    await viewer.read_until("2000\r\n")  # TermWS asserts every frame starts where the last ended
    assert viewer.messages[-1]["type"] == "attached"  # no JSON output messages in between


async def test_exact_resume_after_a_dropped_socket(
    open_ws: OpenWS, term: TermWS, session_id: str
) -> None:
    first = await binary_viewer(open_ws, session_id)
    await first.expect("attached")
    await term.type("for i in $(seq 1 500); do echo before-$i; done\r")
    await first.read_until("before-500\r\n")
    seen, since = bytes(first.raw), first.seq
    await first.ws.close()
    await term.type("for i in $(seq 1 500); do echo during-$i; done; echo do''ne\r")
    await term.read_until("done\r\n")
    second = await binary_viewer(open_ws, session_id, since=since)
    attached = await second.expect("attached")
    assert isinstance(attached.pop("boot"), str)
    assert attached == {"type": "attached", "sessionId": session_id, "seq": since,
                        "resumed": True}
    second.seq = since
    await second.read_until("done\r\n")
    assert all(m["type"] != "replay" for m in second.messages)
    combined = (seen + bytes(second.raw)).decode()
    for i in range(1, 501):
        assert combined.count(f"before-{i}\r\n") == 1
        assert combined.count(f"during-{i}\r\n") == 1


async def test_resume_from_an_evicted_position_gets_a_replay(
    open_ws: OpenWS, term: TermWS, session_id: str
) -> None:
    await term.type("head -c 3000000 /dev/zero | tr '\\0' x; echo; echo fl''ooded\r")
    await term.read_until("flooded\r\n", timeout=60)
    viewer = await binary_viewer(open_ws, session_id, since=1)
    replay = await viewer.expect("replay")
    attached = await viewer.expect("attached")
    assert attached["resumed"] is False
    assert replay["seq"] == attached["seq"]


async def test_unacknowledged_viewer_is_held_to_the_ack_window(
    authed: AppClient, open_ws: OpenWS, term: TermWS, session_id: str
) -> None:
    viewer = await binary_viewer(open_ws, session_id)
    await viewer.expect("attached")
    await term.type("head -c 4000000 /dev/zero | tr '\\0' y; echo; echo fl''ooded\r")
    # Without acks the binary viewer gets at most one window past its last ack (a resync
    # replay, when it falls behind the log, starts a new window).
    unacked = largest = 0
    async def read_without_acking() -> None:
        nonlocal unacked, largest
        while True:
            message = await viewer.receive()
            assert message is not None
            unacked = unacked + message["size"] if message["type"] == "binary" else 0
            largest = max(largest, unacked)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(read_without_acking(), 2)
    assert 0 < largest <= ACK_WINDOW
    # Acknowledging lets it continue to the end.
    async with asyncio.timeout(60):
        while "flooded\r\n" not in viewer.text[-200:]:
            await ack_all(viewer)
            message = await viewer.receive()
            if message and message["type"] == "replay":
                viewer.text = message["data"]  # resynced: fine, continue from the snapshot
    session = authed.app[keys.SESSIONS].get(session_id)
    assert len(session.log) <= MAX_BYTES


@pytest.mark.slow
@pytest.mark.blocks_loop(reason="the readers check 20 MB of frames in test code")
async def test_twenty_megabytes_to_five_viewers_one_stalled(
    authed: AppClient, open_ws: OpenWS, session_id: str
) -> None:
    viewers = []
    for _ in range(5):
        ws = await binary_viewer(open_ws, session_id)
        viewers.append(ws)
    # The first viewer ever of the session waits for a resize; give every viewer one.
    for ws in viewers:
        await ws.resize(80, 24)
    for ws in viewers:
        await ws.read_until("$ ")
        await ack_all(ws)
        ws.raw.clear()
    stalled, readers = viewers[0], viewers[1:]
    await readers[0].type("seq 1 2600000; echo fl''ood-end\r")  # ~20 MB

    async def read_all(ws: TermWS) -> None:
        expected, pending = 1, ""
        async with asyncio.timeout(40):
            while True:
                before = len(ws.raw)
                message = await ws.receive()
                assert message is not None
                assert message["type"] != "replay"
                if message["type"] != "binary":
                    continue
                chunk = pending + bytes(ws.raw[before:]).decode()
                *lines, pending = chunk.split("\r\n")
                for line in lines:
                    line = line.rsplit("\r", 1)[-1]
                    if line.isdigit() and expected <= 2_600_000:
                        assert int(line) == expected
                        expected += 1
                if "flood-end" in pending or any("flood-end" in x for x in lines):
                    break
                await ack_all(ws)
                ws.raw.clear()
                ws.text = ""
        assert expected == 2_600_001

    session = authed.app[keys.SESSIONS].get(session_id)
    await asyncio.gather(*(read_all(ws) for ws in readers))
    assert len(session.log) <= MAX_BYTES
    # The stalled viewer is resynchronised: a replay equal to the session's own snapshot.
    stalled_replay = None
    async with asyncio.timeout(30):
        while stalled_replay is None:
            await ack_all(stalled)
            message = await stalled.receive()
            if message and message["type"] == "replay":
                stalled_replay = message
    # Nothing was printed since the flood ended, so the snapshot is the session's replay now.
    snapshot = session.log.snapshot().decode(errors="replace")
    assert len(stalled_replay["data"]) == len(snapshot)
    assert hashlib.sha256(stalled_replay["data"].encode()).digest() == hashlib.sha256(
        snapshot.encode()
    ).digest()
    assert "flood-end" in snapshot


@pytest.mark.blocks_loop(reason="the test checks 700,000 numbered lines in its body")
async def test_a_slower_viewer_that_keeps_reading_loses_nothing(
    open_ws: OpenWS, session_id: str
) -> None:
    """The PTY is paced by the slowest viewer still moving, so it is never resynced."""
    fast, slow = await binary_viewer(open_ws, session_id), await binary_viewer(open_ws, session_id)
    for ws in (fast, slow):
        await ws.resize(80, 24)
    for ws in (fast, slow):
        await ws.read_until("$ ")
        await ack_all(ws)
    await fast.type("seq 1 700000; echo pa''ced-end\r")  # ~4.6 MB, over four log capacities

    async def read_all(ws: TermWS, delay: float) -> str:
        async with asyncio.timeout(60):
            while "paced-end\r\n" not in ws.text[-64:]:
                message = await ws.receive()
                assert message is not None
                assert message["type"] != "replay", "a moving viewer was resynchronised"
                if message["type"] == "binary":
                    if delay:
                        await asyncio.sleep(delay)  # a slow renderer: acks come late
                    await ack_all(ws)
        return ws.text

    _, text = await asyncio.gather(read_all(fast, 0), read_all(slow, 0.01))
    lines = (line.rsplit("\r", 1)[-1] for line in text.split("\r\n"))
    numbers = [line for line in lines if line.isdigit()]
    assert numbers[-1] == "700000"
    assert numbers == [str(i) for i in range(int(numbers[0]), 700001)]
    assert numbers[0] == "1"


@pytest.mark.blocks_loop(reason="the test checks 700,000 numbered lines in its body")
async def test_a_viewer_parked_between_the_water_marks_does_not_hold_the_others(
    authed: AppClient, open_ws: OpenWS, session_id: str
) -> None:
    """A viewer that stops with its lag between LOW_WATER and HIGH_WATER stops pacing the PTY
    after STALL_SECONDS; reading resumes for the others and it is resynchronised later."""
    fast = await binary_viewer(open_ws, session_id)
    parked = await binary_viewer(open_ws, session_id)
    for ws in (fast, parked):
        await ws.resize(80, 24)
    for ws in (fast, parked):
        await ws.read_until("$ ")
        await ack_all(ws)
    session = authed.app[keys.SESSIONS].get(session_id)

    async def read_all(ws: TermWS) -> str:
        async with asyncio.timeout(60):
            while "parked-end\r\n" not in ws.text[-64:]:
                message = await ws.receive()
                assert message is not None
                assert message["type"] != "replay", "the fast viewer was resynchronised"
                await ack_all(ws)
        return ws.text

    reader = asyncio.ensure_future(read_all(fast))
    await fast.type("seq 1 500000; echo pa''rked-end\r")  # ~3.4 MB, over three log capacities
    # The parked viewer reads without acknowledging: reading pauses while it counts as moving.
    async with asyncio.timeout(30):
        while session.terminal.reading or parked.seq < session.log.head:
            await parked.receive()
    # It acknowledges up to a lag between the marks (progress, so still moving), then stops.
    lag = (LOW_WATER + HIGH_WATER) // 2
    await parked.send({"type": "ack", "seq": parked.seq - lag})
    text = await reader  # would wait forever if the parked viewer kept the PTY paused
    numbers = [line for line in (x.rsplit("\r", 1)[-1] for x in text.split("\r\n"))
               if line.isdigit()]
    assert numbers == [str(i) for i in range(1, 500001)]
    # Reading again, the parked viewer is far behind the log: it gets a fresh snapshot.
    async with asyncio.timeout(30):
        while True:
            await ack_all(parked)
            message = await parked.receive()
            assert message is not None
            if message["type"] == "replay":
                break
    assert "parked-end" in message["data"]


async def test_viewers_at_one_position_send_the_same_frames(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    """A viewer following another from the same position gets the other's frame (the same
    bytes, so it is encoded once) even if it could take more, and one allowed less (a binary
    viewer near the end of its ack window) gets its own shorter frame."""
    session = authed.app[keys.SESSIONS].get(session_id)
    await term.run("seq 1 600")
    # Start inside a number: no frame the real viewer was sent begins there (its frames
    # follow the shell's writes, which end lines).
    tail = session.log.read(session.log.head - 2100, 100)
    start = session.log.head - 2100 + next(
        i for i in range(1, 100) if tail[i - 1 : i + 1].isdigit()
    )
    size = session.log.head - start
    # The leader may take 500 bytes (its ack window ends there); the follower has no limit.
    leader = Client(binary=True, cursor=start, acked=start + 500 - ACK_WINDOW, phase=Phase.LIVE)
    follower = Client(cursor=start, phase=Phase.LIVE)
    frame = session.next_for(leader)
    assert isinstance(frame, Output)
    assert (frame.seq, len(frame.data)) == (start, 500)
    shared = session.next_for(follower)
    assert isinstance(shared, Output)
    assert shared.data is frame.data
    assert follower.cursor == leader.cursor == start + 500
    rest = session.next_for(follower)
    assert isinstance(rest, Output)
    assert (rest.seq, len(rest.data)) == (start + 500, size - 500)
    assert frame.data + rest.data == session.log.read(start, size)
    narrow = Client(binary=True, cursor=start, acked=start + 100 - ACK_WINDOW, phase=Phase.LIVE)
    own = session.next_for(narrow)
    assert isinstance(own, Output)
    assert own.data == frame.data[:100]


async def test_ctrl_c_stops_a_flood(term: TermWS) -> None:
    await term.type("yes flood-line\r")
    await term.read_until("flood-line\r\nflood-line\r\n")
    await term.type("\x03")
    async with asyncio.timeout(15):
        while True:
            await term.type("echo back''-at-prompt\r")
            try:
                await term.read_until("back-at-prompt\r\n", timeout=2)
                break
            except TimeoutError:
                continue


async def test_a_paste_does_not_slow_another_session(
    authed: AppClient, open_ws: OpenWS, term: TermWS
) -> None:
    response = await authed.post("/api/sessions", json={"cols": 80, "rows": 24})
    other_id = (await response.json())["id"]
    other = await open_ws()
    await other.attach(other_id)
    await other.expect("attached")
    await other.resize(80, 24)
    await other.read_until("$ ")
    await term.type("cat > /dev/null\r")
    payload = ("z" * 99 + "\n") * 10_000
    paste = asyncio.gather(*(term.type(payload[i : i + 200_000])
                             for i in range(0, len(payload), 200_000)))
    assert await other.run("echo responsive") == "responsive"
    await paste
    await term.type("\x04")
    await term.run("true", timeout=60)
