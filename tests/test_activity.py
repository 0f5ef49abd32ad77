"""Command-complete detection: OSC 133/633 marks from real bash, the heuristics, delivery."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.sessions import activity, integration
from termbeam_py.sessions.activity import CommandDone, SessionActivity, unescape_633
from tests.conftest import PASSWORD, make_config
from tests.helpers import AppClient, FakeClock, TermWS, eventually

ClientFactory = Callable[..., Awaitable[AppClient]]
#: A session created like this gets shell integration (no --norc).
INJECTED: dict[str, Any] = {"shell": "/bin/bash", "args": []}
DOCUMENTED = {"type", "notificationType", "sessionName", "timestamp"}


# -- the mark parser and the heuristics, without a shell -----------------------------------


def tracker(
    min_seconds: float = 0.0, nonce: str | None = None, clock: FakeClock | None = None
) -> tuple[SessionActivity, list[CommandDone]]:
    done: list[CommandDone] = []
    track = SessionActivity(
        done.append, min_seconds=min_seconds, nonce=nonce, clock=clock or FakeClock()
    )
    return track, done


def test_unescape_633() -> None:
    assert unescape_633(r"echo a\x3b b \\ c\x0a") == "echo a; b \\ c\n"
    assert unescape_633(r"no\xZZescape\\") == r"no\xZZescape" + "\\"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1000])
def test_marks_split_across_reads_are_found(chunk: int) -> None:
    stream = (
        b"prompt\x1b]133;A\x07$ \x1b]133;B\x07make\r\n"
        b"\x1b]633;E;make test\\x3b ok;n1\x07\x1b]133;C\x1b\\out\x1b]0;title\x07"
        b"\x1b]133;D;2\x07\x1b]133;A\x07$ "
    )
    track, done = tracker(nonce="n1")
    for i in range(0, len(stream), chunk):
        track.feed(stream[i : i + chunk])
    assert track.integrated
    assert len(done) == 1
    assert done[0].command == "make test; ok"
    assert done[0].exit_code == 2
    assert done[0].duration_ms is not None
    assert done[0].duration_ms >= 0


def test_marks_ignore_d_without_c_wrong_nonce_and_short_commands() -> None:
    track, done = tracker(nonce="good")
    track.feed(b"\x1b]133;D;0\x07")  # no command started: Ctrl+C at the prompt
    track.feed(b"\x1b]633;E;rm -rf x;bad\x07\x1b]133;C\x07\x1b]133;D;1\x07")
    assert [(d.command, d.exit_code) for d in done] == [(None, 1)]
    slow, none = tracker(min_seconds=60)
    slow.feed(b"\x1b]133;C\x07\x1b]133;D;0\x07")
    assert none == []


def test_plain_output_is_not_a_mark() -> None:
    track, done = tracker()
    track.feed(b"\x1b]0;title\x07\x1b]1337;File=x\x07 plain \x1b[31mred\x1b[0m")
    assert not track.integrated
    assert done == []


def test_child_exit_after_warmup_notifies_once_per_cooldown() -> None:
    track, done = tracker(min_seconds=1.0)
    now = 1000.0
    for _ in range(activity.WARMUP):
        track.on_children({11: 0.0}, now)
    track.on_children({}, now + 2)  # the start-up child exits: warm-up is over, it counts
    assert len(done) == 1
    assert done[0].duration_ms is not None
    track.on_children({12: 5.0}, now + 4)
    track.on_children({}, now + 6)  # within the 30 s cooldown
    assert len(done) == 1
    track.on_children({13: 5.0}, now + 40)
    track.on_children({}, now + 42)
    assert len(done) == 2
    assert done[1].command is None


def test_short_lived_children_do_not_notify() -> None:
    track, done = tracker(min_seconds=10.0)
    for i in range(activity.WARMUP + 1):
        track.on_children({20 + i: 0.5}, 100.0 + 2 * i)
    assert done == []


def test_burst_then_silence_with_a_child_notifies() -> None:
    clock = FakeClock(10.0)
    track, done = tracker(clock=clock)
    for _ in range(activity.WARMUP + 1):
        track.on_children({30: 0.0}, 0.0)
    track.feed(b"x" * 500)  # 500 bytes at once: too short a burst to count
    track.check_silence(16.0)
    assert done == []
    clock.advance(10.0)
    track.feed(b"x" * 250)  # a burst from 20 s to 22 s, 500 bytes
    clock.advance(2.0)
    track.feed(b"x" * 250)
    track.check_silence(26.0)  # only 4 s of silence
    assert done == []
    track.check_silence(27.5)
    assert len(done) == 1
    track.check_silence(40.0)  # the burst was used up
    assert len(done) == 1


def test_bash_injection_respects_the_users_choices(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin"}
    assert integration.prepare("/bin/bash", [], env).args[0] == "--rcfile"
    assert integration.prepare("/bin/bash", ["-i"], env).args[-1] == "-i"
    for args in (["--norc"], ["--rcfile", "x"], ["-l"], ["--login"], ["-c", "ls"], ["s.sh"]):
        launch = integration.prepare("/bin/bash", args, env)
        assert launch.args == args
        assert launch.nonce is None
    assert integration.prepare("/bin/sh", [], env).nonce is None
    zsh = integration.prepare("/usr/bin/zsh", [], {**env, "ZDOTDIR": "/z"})
    assert zsh.env["ZDOTDIR"] == str(integration.ZSH_DIR)
    assert zsh.env["TERMBEAM_USER_ZDOTDIR"] == "/z"


# -- real shells --------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME whose .bashrc only sets the prompt (set before the app copies the env)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("PS1='$ '\n")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
async def fast(
    aiohttp_client: ClientFactory, tmp_path: Path, home: Path
) -> AppClient:
    """A logged-in server notifying for any duration, polling the process table often."""
    client = await aiohttp_client(create_app(make_config(tmp_path, notify_min_seconds=0)))
    client.app[keys.SESSIONS].activity.interval = 0.2
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200
    return client


async def create(client: AppClient, **body: Any) -> str:
    response = await client.post("/api/sessions", json={"cols": 80, "rows": 24, **body})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def attach(client: AppClient, session_id: str) -> TermWS:
    ws = TermWS(await client.ws_connect("/ws"))
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(80, 24)
    await ws.read_until("$ ")
    return ws


async def test_bash_integration_reports_command_exit_code_and_duration(
    fast: AppClient,
) -> None:
    session_id = await create(fast, **INJECTED)
    ws = await attach(fast, session_id)
    await ws.type("echo before-$((1+1)); sleep 1; (exit 3)\r")
    note = await ws.expect("notification")
    assert note.keys() >= DOCUMENTED
    assert note["notificationType"] == "command-complete"
    assert note["sessionId"] == session_id
    assert note["command"] == "echo before-$((1+1)); sleep 1; (exit 3)"
    assert note["exitCode"] == 3
    assert 900 <= note["durationMs"] < 8000
    # Queued at the output position: the command's output came first.
    assert "before-2" in ws.text
    session = fast.app[keys.SESSIONS].get(session_id)
    assert session.activity.integrated
    assert await ws.run("echo ${TERMBEAM_SHELL_NONCE-none}") == "none"
    await ws.ws.close()


async def test_a_session_name_that_cannot_be_utf8_reaches_the_viewer_escaped(
    fast: AppClient,
) -> None:
    """Found after the fuzzing's lone surrogates: a name sent as "\\ud800" (JSON lets one
    through) could not be written as UTF-8 in the notification, and the viewer's sender died:
    no notification, and no more output."""
    session_id = await create(fast, name="x" + chr(0xD800), **INJECTED)
    ws = await attach(fast, session_id)
    await ws.type("sleep 0.2\r")
    note = await ws.expect("notification")
    assert note["sessionName"] == "x" + chr(0xD800)
    assert await ws.run("echo still-$((40+2))") == "still-42"
    await ws.ws.close()


async def test_short_commands_do_not_notify(
    aiohttp_client: ClientFactory, tmp_path: Path, home: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, notify_min_seconds=5)))
    await client.post("/api/auth", json={"password": PASSWORD})
    ws = await attach(client, await create(client, **INJECTED))
    assert await ws.run("(exit 4)") == ""
    assert await ws.run("echo done") == "done"
    assert not [m for m in ws.messages if m["type"] == "notification"]
    await ws.ws.close()


async def test_a_hidden_first_command_is_not_reported_as_the_last_saved_one(
    fast: AppClient, home: Path
) -> None:
    # bash loads its history file only after the rc files: the integration must not take
    # the file's last line for a first command that was never saved (leading space).
    (home / ".bashrc").write_text("PS1='$ '\nHISTCONTROL=ignorespace\nHISTFILE=~/.bash_history\n")
    (home / ".bash_history").write_text("echo from-the-history-file\n")
    ws = await attach(fast, await create(fast, **INJECTED))
    await ws.type(" sleep 1; (exit 6)\r")
    note = await ws.expect("notification")
    assert (note["command"], note["exitCode"]) == ("sleep 1", 6)
    await ws.type("sleep 1; (exit 7)\r")  # saved: reported as typed
    note = await ws.expect("notification")
    assert (note["command"], note["exitCode"]) == ("sleep 1; (exit 7)", 7)
    await ws.ws.close()


async def test_bash_integration_joins_a_prompt_command_array(fast: AppClient, home: Path) -> None:
    (home / ".bashrc").write_text(
        "PS1='$ '\n__hook() { __hooks=$((${__hooks-0} + 1)); }\nPROMPT_COMMAND=(__hook)\n"
    )
    ws = await attach(fast, await create(fast, **INJECTED))
    await ws.type("sleep 1; (exit 8)\r")
    note = await ws.expect("notification")
    assert (note["command"], note["exitCode"]) == ("sleep 1; (exit 8)", 8)
    # The user's hook still runs at every prompt, inside the array bash 5.1+ allows.
    assert await ws.run('echo "$__hooks ${PROMPT_COMMAND[*]}"') == (
        "2 __termbeam_precmd __hook __termbeam_prompt_end"
    )
    await ws.ws.close()


async def test_bash_integration_leaves_a_users_debug_trap_alone(
    fast: AppClient, home: Path
) -> None:
    (home / ".bashrc").write_text("PS1='$ '\ntrap -p DEBUG\ntrap ': mine' DEBUG\n")
    session_id = await create(fast, **INJECTED)
    ws = await attach(fast, session_id)
    assert await ws.run("trap -p DEBUG") == "trap -- ': mine' DEBUG"
    assert await ws.run("type -t trap") == "builtin"  # our watcher is gone again
    session = fast.app[keys.SESSIONS].get(session_id)
    assert not session.activity.integrated  # no marks: the heuristics take over
    await ws.ws.close()


async def test_bash_integration_installs_after_an_rc_file_clears_its_debug_trap(
    fast: AppClient, home: Path
) -> None:
    (home / ".bashrc").write_text(
        "PS1='$ '\ntrap ': mine' DEBUG\ntrap - DEBUG\ntrap 'echo rc-exit-trap' EXIT\n"
    )
    ws = await attach(fast, await create(fast, **INJECTED))
    await ws.type("sleep 1; (exit 9)\r")
    note = await ws.expect("notification")
    assert (note["command"], note["exitCode"]) == ("sleep 1; (exit 9)", 9)
    assert await ws.run("trap -p EXIT") == "trap -- 'echo rc-exit-trap' EXIT"
    await ws.ws.close()


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed on this machine")
async def test_zsh_integration(fast: AppClient, home: Path) -> None:
    (home / ".zshrc").write_text("PS1='$ '\n")
    shells = (await (await fast.get("/api/shells")).json())["shells"]
    zsh = next(s["path"] for s in shells if s["name"] == "zsh")
    ws = await attach(fast, await create(fast, **{"shell": zsh, "args": []}))
    await ws.type("sleep 1; (exit 5)\r")
    note = await ws.expect("notification")
    assert (note["command"], note["exitCode"]) == ("sleep 1; (exit 5)", 5)
    # Shells started from this one read the user's own files again.
    assert await ws.run("echo ${ZDOTDIR-unset} ${TERMBEAM_SHELL_NONCE-none}") == "unset none"
    await ws.ws.close()


async def test_heuristic_child_exit_without_integration(fast: AppClient) -> None:
    session_id = await create(fast)  # conftest's bash --norc: no integration
    ws = await attach(fast, session_id)
    await ws.type("sleep 2\r")
    note = await ws.expect("notification", timeout=20)
    assert set(note) == DOCUMENTED | {"sessionId", "durationMs"}
    assert 1000 <= note["durationMs"] < 10000
    session = fast.app[keys.SESSIONS].get(session_id)
    assert not session.activity.integrated
    await ws.ws.close()


async def test_integration_off_by_config(
    aiohttp_client: ClientFactory, tmp_path: Path, home: Path
) -> None:
    config = make_config(tmp_path, shell_integration=False)
    client = await aiohttp_client(create_app(config))
    await client.post("/api/auth", json={"password": PASSWORD})
    ws = await attach(client, await create(client, **INJECTED))
    assert await ws.run("echo plain") == "plain"
    assert "133;" not in ws.text
    await ws.ws.close()


async def test_nobody_attached_queues_five_and_flushes_after_attached(
    fast: AppClient,
) -> None:
    session_id = await create(fast, **INJECTED)
    first = await attach(fast, session_id)
    await first.type("sleep 1; (exit 7)\r")
    await first.ws.close()
    session = fast.app[keys.SESSIONS].get(session_id)
    await eventually(lambda: session.pending_notifications, "a queued notification", 15)
    for i in range(6):
        session.command_done(CommandDone(i, command=f"c{i}", exit_code=0, duration_ms=1))
    assert len(session.pending_notifications) == 5
    ws = TermWS(await fast.ws_connect("/ws"))
    await ws.attach(session_id)
    await ws.expect("attached")
    notes = [await ws.expect("notification") for _ in range(5)]
    assert [n["command"] for n in notes] == ["c1", "c2", "c3", "c4", "c5"]
    assert not session.pending_notifications
    # A viewer received the next one: nothing is queued.
    session.command_done(CommandDone(9, command="live"))
    assert (await ws.expect("notification"))["command"] == "live"
    assert not session.pending_notifications
    await ws.ws.close()
