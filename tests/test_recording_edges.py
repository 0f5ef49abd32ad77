"""Recordings at their edges (#19): a resize is recorded when it happens (a last one too);
a writer thread held up by a frozen disk makes the recording skip output, never the session,
and the file says how much; `--record` leaves hidden sessions alone unless asked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.recording import cast
from tests.conftest import ClientFactory, make_config
from tests.helpers import AppClient, eventually, unavailable
from tests.test_recording import ADMIN, _attach, _download, _listing, output_of, parse_cast

#: Slack for the cast's times, which are rounded to the microsecond.
ROUNDING = 2e-6


async def _stop_recording(client: AppClient, session_id: str) -> None:
    """Stop; the part is complete on disk when the answer comes."""
    stopped = await client.patch(f"/api/sessions/{session_id}", json={"recording": False},
                                 headers=ADMIN)
    assert (await stopped.json())["recording"] is False


async def test_a_resize_is_recorded_when_it_happens_and_a_last_one_is_kept(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    made = await client.post("/api/sessions", json={"cols": 80, "rows": 24, "recording": True},
                             headers=ADMIN)
    session_id = (await made.json())["id"]
    session = client.app[keys.SESSIONS].get(session_id)
    term = await _attach(client.ws_connect, session_id)
    # cat draws nothing on SIGWINCH (bash's readline would redraw its line): after the
    # resize the terminal stays silent until something is typed.
    await term.type("echo ready-''cat; cat\r")
    await term.read_until("ready-cat\r\n")
    assert session.recorder is not None
    started = session.recorder.recording.started

    before = time.monotonic()
    await term.resize(100, 30)
    await eventually(lambda: session.terminal.cols == 100, "the resize")
    applied = time.monotonic()
    await asyncio.sleep(0.05)  # the delay under test: nothing is printed meanwhile
    typed = time.monotonic()
    await term.type("xyz\r")
    await term.read_until("xyz\r\nxyz\r\n")  # the echo, then cat's copy

    # A last resize with no output after it.
    last_before = time.monotonic()
    await term.resize(90, 20)
    await eventually(lambda: session.terminal.cols == 90, "the last resize")
    last_applied = time.monotonic()
    await _stop_recording(client, session_id)
    await term.ws.close()

    [entry] = await _listing(client, session_id)
    _, events = parse_cast(await _download(client, entry["id"]))
    resizes = [e for e in events if e[1] == "r"]
    assert [e[2] for e in resizes] == ["100x30", "90x20"]
    first, last = resizes
    assert before - started - ROUNDING <= first[0] <= applied - started + ROUNDING
    after = next(e for e in events if e[1] == "o" and "xyz" in e[2])
    assert after[0] >= typed - started - ROUNDING
    assert first[0] < after[0]
    assert last_before - started - ROUNDING <= last[0] <= last_applied - started + ROUNDING
    assert events[-1] == last  # nothing was printed after it; it is still in the file


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.sampled_from("oirm"),
       st.text())
def test_an_event_line_is_what_json_writes(t: float, code: str, data: str) -> None:
    """The writer puts event lines together by hand, for speed: they are still JSON."""
    line = cast.event(t, code, data)
    assert line == (json.dumps([round(t, 6), code, data], ensure_ascii=False) + "\n").encode()
    assert json.loads(line) == [round(t, 6), code, data]


# -- a writer that falls behind ----------------------------------------------------------

def _run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: {result.stderr.strip()}")


@contextlib.contextmanager
def freezable_disk(mount: Path) -> Iterator[Path]:
    """`mount` as a small ext4 file system on a loop device, which `fsfreeze` can freeze (a
    tmpfs cannot): every write to it then blocks in the kernel until it is thawed."""
    tools = ("mount", "mkfs.ext4", "fsfreeze", "umount")
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not all(
            map(shutil.which, tools)):
        unavailable("a freezable disk needs root on Linux with " + ", ".join(tools))
    image = mount.parent / f"{mount.name}.img"
    with image.open("wb") as fh:
        fh.truncate(16 * 1024 * 1024)
    mount.mkdir(parents=True, exist_ok=True)
    try:
        _run("mkfs.ext4", "-q", "-F", str(image))
        result = subprocess.run(["mount", "-o", "loop", str(image), str(mount)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            unavailable(f"cannot mount a loop device here: {result.stderr.strip()}")
        mount.chmod(0o700)
        try:
            yield mount
        finally:
            # Thawed whatever happened: a frozen file system would hang whoever touches it.
            subprocess.run(["fsfreeze", "-u", str(mount)], capture_output=True, check=False)
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
    finally:
        image.unlink(missing_ok=True)


@pytest.mark.blocks_loop(reason="mounts, freezes and thaws a file system from the test body")
async def test_a_writer_held_up_by_the_disk_skips_output_and_says_so(
        aiohttp_client: ClientFactory, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path)
    with freezable_disk(config.config_dir / "recordings") as mount:
        client = await aiohttp_client(create_app(config))
        # The limit is the service's setting (16 MB by default); a small one keeps the
        # burst short.
        limit = 256 * 1024
        client.app[keys.RECORDINGS].max_pending = limit
        made = await client.post("/api/sessions", json={"recording": True}, headers=ADMIN)
        session_id = (await made.json())["id"]
        session = client.app[keys.SESSIONS].get(session_id)
        term = await _attach(client.ws_connect, session_id)
        await _listing(client, session_id)  # the part is open and its start on disk
        before = session.log.read(0, session.log.head)  # the burst will push it out of the log
        burst = 2 * 1024 * 1024
        _run("fsfreeze", "-f", str(mount))
        try:
            # The writer thread is stuck in a write: the session goes on at full speed.
            out = await term.run(f"head -c {burst} /dev/zero | tr '\\0' x; echo")
            assert out.count("x") == burst
            assert await term.run("echo still-wor''king") == "still-working"
            assert session.recorder is not None
            assert session.recorder.active
        finally:
            _run("fsfreeze", "-u", str(mount))
        await _stop_recording(client, session_id)
        total = session.log.head
        await term.ws.close()

        [entry] = await _listing(client, session_id)
        _, events = parse_cast(await _download(client, entry["id"]))
    # One marker per stretch of skipping. There can be more than one: a writer thread that
    # the busy machine left behind before its first write blocked still had room in its
    # buffer, so the queue shrank below the limit once before it filled up for good.
    skipped = [e for e in events if e[1] == "m" and e[2].startswith("recording skipped ")]
    assert skipped, [e for e in events if e[1] == "m"]
    counts = [int(e[2].split()[2]) for e in skipped]
    assert [e[2] for e in skipped] == [
        f"recording skipped {n} bytes: the disk could not keep up" for n in counts]
    count = sum(counts)
    recorded = output_of(events)
    # What was written is the session's output up to the writer's stall (its start, the
    # command line, then the burst's first bytes); the rest of the burst, and what followed,
    # is what the marker counts.
    assert recorded.startswith(before)
    command, _, xs = recorded[len(before):].rpartition(b"\r\n")
    assert b"head -c" in command
    assert xs == b"x" * len(xs)
    assert len(recorded) + count == total
    assert count > burst - 3 * limit  # most of the burst: the writer stayed stuck
    assert "the disk cannot keep up" in caplog.text
    for n in counts:
        assert f"{n} bytes of output were skipped" in caplog.text


# -- --record and hidden sessions --------------------------------------------------------

async def test_record_all_leaves_hidden_sessions_alone_unless_asked(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, record=True)))

    async def recording(body: dict[str, object]) -> tuple[str, bool]:
        made = await client.post("/api/sessions", json=body, headers=ADMIN)
        assert made.status == 201, await made.text()
        session_id = (await made.json())["id"]
        info = await (await client.get(f"/api/sessions/{session_id}", headers=ADMIN)).json()
        return session_id, info["recording"]

    assert (await recording({}))[1] is True
    hidden, on = await recording({"hidden": True})  # `termbeam run`'s kind
    assert on is False
    assert await _listing(client, hidden) == []
    assert (await recording({"hidden": True, "recording": True}))[1] is True
    asked = await client.patch(f"/api/sessions/{hidden}", json={"recording": True},
                               headers=ADMIN)
    assert (await asked.json())["recording"] is True
    [entry] = await _listing(client, hidden)
    assert entry["active"] is True
