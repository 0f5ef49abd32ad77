"""The terminal API for scripts (#17): input, the output long poll, run, screen, search,
hidden sessions; against a real server and real bash shells (with shell integration)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import shutil
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from termbeam_py.app import create_app
from termbeam_py.sessions.activity import SessionActivity
from termbeam_py.sessions.scripted import CommandRunner
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, unavailable

#: A session created like this gets shell integration (bash without --norc).
INTEGRATED: dict[str, Any] = {"shell": "/bin/bash", "args": []}


@pytest.fixture
async def api(aiohttp_client: ClientFactory, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> AppClient:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("PS1='$ '\n")
    (home / ".zshrc").write_text("PS1='$ '\n")
    monkeypatch.setenv("HOME", str(home))
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200
    return client


async def create(api: AppClient, **body: Any) -> str:
    response = await api.post("/api/sessions", json={"cols": 80, "rows": 24, **body})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def run(api: AppClient, sid: str, command: str, **body: Any) -> tuple[int, Any]:
    response = await api.post(f"/api/sessions/{sid}/run", json={"command": command, **body})
    return response.status, await response.json()


async def poll(api: AppClient, sid: str, since: int | None = None, wait: float = 0,
               encoding: str = "base64", most: int | None = None) -> Any:
    query = f"wait={wait}&encoding={encoding}" + ("" if since is None else f"&since={since}")
    query += "" if most is None else f"&max={most}"
    response = await api.get(f"/api/sessions/{sid}/output?{query}")
    assert response.status == 200, await response.text()
    return await response.json()


async def type_in(api: AppClient, sid: str, data: str) -> None:
    response = await api.post(f"/api/sessions/{sid}/input", json={"data": data})
    assert response.status == 200, await response.text()


async def read_until(api: AppClient, sid: str, since: int, needle: bytes) -> tuple[bytes, int]:
    """Long-poll from `since` until `needle` shows up; (everything read, next seq)."""
    got = b""
    async with asyncio.timeout(20):
        while needle not in got:
            answer = await poll(api, sid, since, wait=5)
            got += base64.b64decode(answer["data"])
            since = answer["next"]
    return got, since


@pytest.mark.parametrize("name", ["bash", "zsh"])
async def test_run_returns_the_commands_output_and_exit_code(api: AppClient, name: str) -> None:
    if shutil.which(name) is None:
        unavailable(f"{name} is not installed (.ci/run installs it)")
    shells = (await (await api.get("/api/shells")).json())["shells"]
    shell = next(s["path"] for s in shells if s["name"] == name)
    sid = await create(api, **{"shell": shell, "args": []})
    status, body = await run(api, sid, "echo hi-$((40+2)); (exit 3)")
    assert status == 200, body
    # Its output alone: neither the prompt nor the echoed command line.
    assert body["output"] == "hi-42\r\n"
    assert body["exitCode"] == 3
    assert body["encoding"] == "utf-8"
    assert body["truncated"] is False
    assert body["ran"] is True
    assert body["startSeq"] < body["endSeq"]
    assert body["durationMs"] >= 0
    answer = await poll(api, sid, body["startSeq"])
    got = base64.b64decode(answer["data"])
    assert got[: body["endSeq"] - body["startSeq"]] == b"hi-42\r\n"
    # The next run works (not busy), and base64 carries bytes that are not UTF-8.
    status, body = await run(api, sid, r"printf '\377\n'", encoding="base64")
    assert status == 200
    assert base64.b64decode(body["output"]) == b"\xff\r\n"
    assert body["exitCode"] == 0


async def test_output_past_the_log_is_reported_truncated(api: AppClient) -> None:
    sid = await create(api, **INTEGRATED)
    # Nobody reads while it runs, so 1.5 MB scrolls past the ~1 MB log.
    status, body = await run(api, sid, "head -c 1500000 /dev/zero | tr '\\0' x")
    assert status == 200, body
    assert body["exitCode"] == 0
    assert body["truncated"] is True
    assert 0 < len(body["output"]) < 1_000_000
    answer = await poll(api, sid, 0, encoding="utf-8")
    assert answer["truncated"] is True
    assert answer["seq"] > 0
    assert set(answer["data"][:1000]) <= {"x"}


async def test_run_times_out_with_partial_output_and_the_command_keeps_running(
    api: AppClient,
) -> None:
    sid = await create(api, **INTEGRATED)
    status, body = await run(api, sid, "echo partial; sleep 30; echo after", timeout=1)
    assert status == 408, body
    assert body["running"] is True
    assert "keeps running" in body["error"]
    assert body["output"] == "partial\r\n"
    # Still running: another run is refused as busy.
    status, busy = await run(api, sid, "echo again")
    assert status == 409
    assert "busy" in busy["error"]
    # Stop it; the session is free again.
    await type_in(api, sid, "\x03")
    _got, _ = await read_until(api, sid, body["next"], b"$ ")
    status, body = await run(api, sid, "echo free")
    assert status == 200, body
    assert body["output"] == "free\r\n"


async def test_run_refuses_a_session_without_shell_integration(api: AppClient) -> None:
    sid = await create(api)  # the test server's bash runs with --norc: no integration
    status, body = await run(api, sid, "echo hi")
    assert status == 409
    assert "shell integration" in body["error"]


async def test_run_when_the_shell_refuses_the_line(api: AppClient) -> None:
    sid = await create(api, **INTEGRATED)
    status, body = await run(api, sid, "echo (")
    assert status == 200
    assert body["ran"] is False
    assert body["exitCode"] is None
    assert "syntax error" in body["output"]


async def test_streaming_run(api: AppClient) -> None:
    sid = await create(api, **INTEGRATED)
    response = await api.post(f"/api/sessions/{sid}/run", json={
        "command": "seq 1 3; exit 7", "stream": True, "encoding": "base64"})
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/x-ndjson"
    events = [json.loads(line) for line in (await response.text()).splitlines()]
    assert events[0]["type"] == "started"
    output = b"".join(base64.b64decode(e["data"]) for e in events if e["type"] == "output")
    # (bash says "exit" as it leaves.)
    assert output in (b"1\r\n2\r\n3\r\n", b"1\r\n2\r\n3\r\nexit\r\n")
    # `exit 7` ends the shell itself: the run ends with the shell's exit status.
    assert events[-1]["type"] == "finished"
    assert events[-1]["exitCode"] == 7


async def test_input_and_the_long_poll_returning_early(api: AppClient) -> None:
    sid = await create(api)
    await read_until(api, sid, 0, b"$ ")
    head = (await poll(api, sid, wait=0))["next"]
    waiting = asyncio.create_task(poll(api, sid, head, wait=60, encoding="utf-8"))
    await asyncio.sleep(0)  # let the poll start waiting
    await type_in(api, sid, "echo marker-$((6*7))\r")
    # Returns as soon as output arrives, not after the 60 s asked for.
    async with asyncio.timeout(20):
        answer = await waiting
    assert answer["seq"] == head
    assert answer["next"] > head
    assert answer["truncated"] is False
    assert answer["encoding"] == "utf-8"
    assert answer["data"]
    got, _ = await read_until(api, sid, head, b"marker-42")
    assert b"marker-42" in got
    # Nothing new: wait=0 answers at once with no data, `next` unchanged.
    end = (await poll(api, sid, wait=0))["next"]
    empty = await poll(api, sid, end, wait=0)
    assert empty["data"] == ""
    assert empty["next"] == end


FLOOD = r"""
import sys, zlib
out, copy = sys.stdout.buffer, open(sys.argv[1], "wb")
out.write(b"FLOOD-START\n"); out.flush()
n = 0
while True:
    chunk = b"".join(b"%09d %08x\n" % (i, zlib.crc32(b"%09d" % i)) for i in range(n, n + 500))
    n += 500
    copy.write(chunk); copy.flush()  # written before it is printed: the file is ahead
    out.write(chunk); out.flush()
"""


async def test_long_poll_loses_and_repeats_nothing_over_100_polls_during_a_flood(
    api: AppClient, tmp_path: Path,
) -> None:
    sid = await create(api)
    _, since = await read_until(api, sid, 0, b"$ ")
    script, copy = tmp_path / "flood.py", tmp_path / "flood.out"
    script.write_text(FLOOD)
    await type_in(api, sid, f"stty -onlcr; {sys.executable} {script} {copy}\r")
    received = bytearray()
    for _ in range(100):
        # Small answers: the program prints far faster than this reads.
        answer = await poll(api, sid, since, wait=10, most=16384)
        assert answer["seq"] == since
        assert not answer["truncated"]
        received += base64.b64decode(answer["data"])
        since = answer["next"]
    await type_in(api, sid, "\x03")
    stream, printed = await asyncio.to_thread(_flood_parts, bytes(received), copy)
    assert len(stream) > 1_200_000  # more than the output log holds
    assert hashlib.sha256(stream).hexdigest() == hashlib.sha256(printed).hexdigest()


def _flood_parts(received: bytes, copy: Path) -> tuple[bytes, bytes]:
    """(the flood as received, as many bytes of what the program printed); checks that the
    received lines are numbered without a gap and carry their checksums."""
    stream = received[received.index(b"FLOOD-START\n") + len(b"FLOOD-START\n"):]
    for i, line in enumerate(stream.split(b"\n")[:-1]):
        assert line == b"%09d %08x" % (i, zlib.crc32(b"%09d" % i)), (i, line)
    return stream, copy.read_bytes()[: len(stream)]


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
async def test_screen_shows_vim_then_the_shell_after_quitting(
    api: AppClient, tmp_path: Path,
) -> None:
    sid = await create(api)
    _, since = await read_until(api, sid, 0, b"$ ")
    # In the session's folder: a short command line, which the screen shows unwrapped.
    (tmp_path / "work" / "notes.txt").write_text("first line of the file\nsecond line\n")
    await type_in(api, sid, "vim -u NONE -N notes.txt\r")
    screen = await screen_when(api, sid, since, lambda s: s["altScreen"]
                               and "first line of the file" in s["lines"][0])
    assert screen["cols"] == 80
    assert screen["rows"] == 24
    assert len(screen["lines"]) == 24
    assert screen["lines"][1] == "second line"
    assert screen["lines"][2].startswith("~")
    assert screen["cursor"]["y"] == 0
    assert screen["cursor"]["x"] == 0
    since = (await poll(api, sid, wait=0))["next"]
    await type_in(api, sid, ":q\r")
    screen = await screen_when(api, sid, since, lambda s: not s["altScreen"]
                               and any(line == "$" for line in s["lines"]))
    shown = "\n".join(screen["lines"])
    assert "first line of the file" not in shown
    assert "~" not in shown
    assert "$ vim -u NONE -N notes.txt" in shown


async def screen_when(api: AppClient, sid: str, since: int, ready: Any) -> Any:
    """The screen once `ready(screen)`, asked again each time new output arrives."""
    async with asyncio.timeout(20):
        while True:
            response = await api.get(f"/api/sessions/{sid}/screen")
            assert response.status == 200
            screen = await response.json()
            if ready(screen):
                return screen
            since = (await poll(api, sid, since, wait=5))["next"]


async def test_search_the_scrollback(api: AppClient) -> None:
    sid = await create(api)
    _, since = await read_until(api, sid, 0, b"$ ")
    # Octal escapes, so that the echoed command line does not match too.
    await type_in(api, sid, "printf '\\141lpha One\\n\\033[31m\\142eta TWO\\033[0m\\n"
                            "\\160rogress 1\\r\\160rogress 99\\n'; echo done-$((1+1))\r")
    await read_until(api, sid, since, b"done-2")

    async def search(query: str) -> Any:
        response = await api.get(f"/api/sessions/{sid}/search?{query}")
        return response.status, await response.json()

    status, body = await search("q=beta+two")
    assert status == 200
    assert body["timedOut"] is False
    assert [m["text"] for m in body["matches"]] == ["beta TWO"]  # colours stripped
    match = body["matches"][0]
    answer = await poll(api, sid, match["seq"])
    assert base64.b64decode(answer["data"]).startswith(b"\x1b[31mbeta TWO")
    status, body = await search("q=beta+two&case=1")
    assert body["matches"] == []
    status, body = await search("q=" + "%5E(alpha|progress)+%5Cw%2B%24" + "&regex=1")
    assert [m["text"] for m in body["matches"]] == ["alpha One", "progress 99"]
    assert body["matches"][0]["line"] < body["matches"][1]["line"]
    status, body = await search("q=(unclosed&regex=1")
    assert status == 400
    assert "invalid regular expression" in body["error"]
    # A pattern that backtracks for ever is cut off by the deadline, not left running.
    await type_in(api, sid, "printf 'x%.0s' $(seq 1 3000); echo\r")
    await read_until(api, sid, since, b"x" * 3000)
    status, body = await search("q=" + "(x%2Bx%2B)%2By" + "&regex=1")
    assert status == 200
    assert body["timedOut"] is True
    assert body["matches"] == []


async def test_hidden_sessions_are_listed_only_when_asked(api: AppClient) -> None:
    visible = await create(api)
    hidden = await create(api, hidden=True)
    listed = await (await api.get("/api/sessions")).json()
    assert [s["id"] for s in listed] == [visible]
    everything = await (await api.get("/api/sessions?all=1")).json()
    assert {s["id"]: s["hidden"] for s in everything} == {visible: False, hidden: True}
    response = await api.post("/api/sessions", json={"hidden": "yes"})
    assert response.status == 400
    assert (await response.json())["error"] == "hidden must be a boolean"


@pytest.mark.parametrize(("method", "path", "body", "status", "error"), [
    ("post", "input", {}, 400, "data must be a string"),
    ("post", "input", {"data": "x" * 70000}, 413, "data too long"),
    ("post", "run", {}, 400, "command must be a non-empty string"),
    ("post", "run", {"command": "echo a\necho b"}, 400, "one line"),
    ("post", "run", {"command": "true", "timeout": -1}, 400, "timeout must be"),
    ("post", "run", {"command": "true", "timeout": "5"}, 400, "timeout must be"),
    ("post", "run", {"command": "true", "stream": 1}, 400, "stream must be a boolean"),
    ("get", "output?since=abc", None, 400, "since must be"),
    ("get", "output?since=999999999", None, 400, "since is past the end"),
    ("get", "output?wait=61", None, 400, "wait must be between 0 and 60"),
    ("get", "output?wait=nan", None, 400, "wait must be between"),
    ("get", "output?encoding=latin-1", None, 400, "encoding must be"),
    ("get", "search", None, 400, "q is required"),
    ("get", "search?q=a&regex=maybe", None, 400, "regex must be 0 or 1"),
])
async def test_bad_requests(api: AppClient, method: str, path: str, body: Any, status: int,
                            error: str) -> None:
    sid = await create(api, **INTEGRATED)
    response = await getattr(api, method)(f"/api/sessions/{sid}/{path}", json=body)
    assert response.status == status
    assert error in (await response.json())["error"]


@pytest.mark.parametrize(("method", "path"), [
    ("post", "input"), ("get", "output"), ("post", "run"), ("get", "screen"),
    ("get", "search?q=a"),
])
async def test_unknown_session(api: AppClient, method: str, path: str) -> None:
    body = {"data": "x", "command": "true"} if method == "post" else None
    response = await getattr(api, method)(f"/api/sessions/nope/{path}", json=body)
    assert response.status == 404
    assert re.search("not found", (await response.json())["error"], re.I)


async def test_the_previous_prompt_s_mark_arriving_late_is_not_a_refused_line() -> None:
    """A shell prints the end mark of one command and the start mark of its next prompt with
    two writes: the server may read them apart, and a script's next command can be typed in
    between. That late prompt mark belongs to the previous command, not to the new line."""
    activity = SessionActivity(lambda done: None)
    runner = CommandRunner(activity)
    activity.on_mark = runner.mark
    head = 0

    def out(data: bytes) -> None:
        nonlocal head
        head += len(data)
        activity.feed(data, head)

    out(b"\x1b]133;A\x07$ \x1b]133;B\x07")
    first = runner.begin(head)
    out(b"stty -onlcr\r\n\x1b]133;C\x07")
    out(b"\x1b]133;D;0\x07")
    assert first.finished.done()
    assert first.ran
    second = runner.begin(head)  # typed before the next prompt's mark was read
    out(b"\x1b]133;A\x07$ \x1b]133;B\x07")
    assert not second.started.done()
    out(b"echo hi; exit 3\r\n\x1b]133;C\x07hi\r\n")
    assert second.ran
    assert second.started.done()
    assert not second.finished.done()
    out(b"\x1b]133;D;3\x07")
    assert second.finished.result()[1] == 3
    # A line the shell refuses (no C, straight to a new prompt) is still told apart.
    out(b"\x1b]133;A\x07$ \x1b]133;B\x07")
    third = runner.begin(head)
    out(b"(\r\nbash: syntax error\r\n\x1b]133;A\x07$ \x1b]133;B\x07")
    assert third.finished.done()
    assert not third.ran
