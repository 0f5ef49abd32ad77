"""`termbeam rec export|play NAME` give the whole recording (#19): the parts of a recording that
rotated at its size cap (or continued after a restart) joined into one asciicast v2 stream,
one header and times that go on across the parts; a part's id still gives that part alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.client import rec
from termbeam_py.recording.joined import Joiner, NotACast
from termbeam_py.recording.recorder import MAX_PENDING
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import termbeam_cli
from tests.test_recording import (
    ADMIN,
    TINY_CAP,
    _attach,
    _download,
    _listing,
    output_of,
    parse_cast,
)


def _part(width: int, height: int, *events: tuple[float, str, str], cut: bytes = b"") -> bytes:
    header = {"version": 2, "width": width, "height": height, "timestamp": 1, "title": "t",
              "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
    return b"".join(json.dumps(line).encode() + b"\n" for line in [header, *map(list, events)]
                    ) + cut


def test_parts_join_into_one_stream_whose_times_go_on() -> None:
    joiner = Joiner()
    lines = [*joiner.part(_part(80, 24, (0.5, "o", "a"), (1.0, "r", "100x30"),
                                (2.0, "m", "recording full: continued in part 2"))),
             *joiner.part(_part(100, 30, (0.0, "o", "b"), (1.5, "o", "c"),
                                cut=b'[1.75, "o", "cut sho')),  # a crash
             # Continued after a restart, the terminal's size changed meanwhile.
             *joiner.part(_part(90, 20, (0.0, "m", "server restarted: recording continues"),
                                (0.25, "o", "d")))]
    header, *events = [json.loads(line) for line in lines]
    assert all(line.endswith(b"\n") for line in lines)
    assert (header["width"], header["height"]) == (80, 24)
    assert events == [
        [0.5, "o", "a"], [1.0, "r", "100x30"], [2.0, "m", "recording full: continued in part 2"],
        [2.0, "o", "b"], [3.5, "o", "c"],
        [3.5, "r", "90x20"], [3.5, "m", "server restarted: recording continues"],
        [3.75, "o", "d"]]
    with pytest.raises(NotACast, match="line 2 is not an asciicast event"):
        list(Joiner().part(_part(80, 24) + b"[1, 2]\n"))
    with pytest.raises(NotACast, match="line 1"):
        list(Joiner().part(b"[0.5, \"o\", \"a\"]\n"))
    # json reads NaN and Infinity; no event time is either (nor could it be written back).
    for bad in (b"NaN", b"Infinity", b"true"):
        with pytest.raises(NotACast, match="line 2 is not an asciicast event"):
            list(Joiner().part(_part(80, 24) + b"[" + bad + b', "o", "a"]\n'))


def test_export_leaves_what_it_cannot_open_alone(tmp_path: Path) -> None:
    """A failed export removes only what it wrote itself, never what was at the path."""
    there = tmp_path / "talk.cast"
    there.mkdir()  # opening it for writing fails, even as root
    (there / "notes").write_text("mine")
    with pytest.raises(click.ClickException, match="Cannot write"):
        rec._write(there, iter([b"new\n"]))
    assert (there / "notes").read_text() == "mine"
    # A write that fails part way leaves no half file.
    made = tmp_path / "half.cast"

    def broken() -> Iterator[bytes]:
        yield b"first\n"
        raise OSError(28, "No space left on device")

    with pytest.raises(click.ClickException, match="No space left"):
        rec._write(made, broken())
    assert not made.exists()



@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_export_and_play_give_every_part_of_a_rotated_recording(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    config = make_config(tmp_path, record_max_mb=TINY_CAP / 1024 / 1024)
    client = await aiohttp_client(create_app(config))
    assert client.app[keys.RECORDINGS].max_pending == MAX_PENDING
    made = await client.post("/api/sessions", json={"name": "build", "recording": True, "cols": 80,
                                                    "rows": 24},
                             headers=ADMIN)
    session_id = (await made.json())["id"]
    session = client.app[keys.SESSIONS].get(session_id)
    term = await _attach(client.ws_connect, session_id)
    await term.resize(100, 30)
    await term.run("seq 1 1500")
    stopped = await client.patch(f"/api/sessions/{session_id}", json={"recording": False},
                                 headers=ADMIN)
    assert (await stopped.json())["recording"] is False
    await term.ws.close()
    parts = sorted(await _listing(client, session_id), key=lambda e: e["part"])
    assert len(parts) >= 3
    stored = [await _download(client, part["id"]) for part in parts]
    whole = output_of([e for data in stored for e in parse_cast(data)[1]])
    assert whole == session.log.read(0, len(whole))  # recorded from the start

    assert client.server is not None
    server = ("--host", "127.0.0.1", "--port", str(client.server.port), "--password", PASSWORD,
              "--config-dir", str(config.config_dir))
    exported = tmp_path / "build.cast"
    status, out = await termbeam_cli("rec", "export", "build", "-o", str(exported), *server)
    assert status == 0, out
    assert f"{len(parts)} parts joined" in out
    data = exported.read_bytes()
    header, events = parse_cast(data)  # one header, every line an event, times in order
    assert (header["width"], header["height"]) == (80, 24)
    assert output_of(events) == whole
    assert [e[2] for e in events if e[1] == "r"] == ["100x30"]
    # The joined times are the parts' own, each part going on where the one before ended.
    assert events[-1][0] == pytest.approx(sum(parse_cast(d)[1][-1][0] for d in stored),
                                          abs=1e-5)
    assert [e[2] for e in events if e[1] == "m" and e[2].startswith("recording full")] == [
        f"recording full: continued in part {n}" for n in range(2, len(parts) + 1)]

    status, out = await termbeam_cli("rec", "export", parts[1]["id"], "-o", "-", *server)
    assert status == 0
    assert out.encode() == stored[1]  # one part, as stored

    status, out = await termbeam_cli("rec", "play", "build", "--speed", "1000", *server)
    assert status == 0, out
    assert out == whole.decode() + "\x1b[0m\x1b[?25h\r\n"
