"""Behaviour users of the original TermBeam rely on that was built but untested (#18): the
generated password, the legacy environment variables, the $SHELL fallback, the first viewer's
scrollback wipe, the heartbeat that drops a dead peer, and a share link opened while logged in.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py import keys
from termbeam_py.config import Config
from tests.conftest import make_config
from tests.helpers import AppClient, Server, TermWS, eventually

GENERATED = re.compile(r"^\s*Password: ([A-Za-z0-9_-]{22})$")
#: An rc file whose prompt is easy to count, with a background job that keeps the terminal
#: busy for ~2.5 s so the session's initialCommand is still waiting at the first resize.
RC = (
    "PS1='MARK$ '\n"
    "( for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.25; printf '\\033[0m'; done ) &\n"
)


def _without(args: list[str], *flags: str, values: int = 0) -> list[str]:
    """`args` with each of `flags` removed, and the `values` arguments after it."""
    out, skip = [], 0
    for arg in args:
        if skip:
            skip -= 1
        elif arg in flags:
            skip = values
        else:
            out.append(arg)
    return out


async def _listing(server: Server, password: str | None = None) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {password or server.password}"}
    async with aiohttp.ClientSession() as http, http.get(
        f"{server.base}/api/sessions", headers=headers
    ) as response:
        assert response.status == 200, await response.text()
        return list(await response.json())


async def _first_session(server: Server, password: str | None = None) -> dict[str, object]:
    async def created() -> list[dict[str, object]]:
        return await _listing(server, password)

    return (await eventually(created, "the start-up session"))[0]


async def test_a_generated_password_is_printed_and_logs_in(
    spawn: Callable[..., Server],
) -> None:
    server = spawn(password=None)
    server.args = _without(server.args, "--no-password")  # nothing said: one is generated
    await server.start()
    await server.started()
    password = (await server.wait_line(GENERATED)).group(1)
    assert await _first_session(server, password)
    async with aiohttp.ClientSession() as http, http.get(
        f"{server.base}/api/sessions", headers={"Authorization": "Bearer wrong"}
    ) as response:
        assert response.status == 401


@pytest.mark.parametrize(("env", "expected"), [
    ({"PTY_CWD": "legacy"}, "legacy"),
    ({"PTY_CWD": "legacy", "TERMBEAM_CWD": "new"}, "new"),
])
async def test_the_starting_folder_comes_from_the_environment(
    spawn: Callable[..., Server], tmp_path: Path, env: dict[str, str], expected: str,
) -> None:
    folders = {name: tmp_path / name for name in ("legacy", "new")}
    for folder in folders.values():
        folder.mkdir()
    server = spawn(env={k: str(folders[v]) for k, v in env.items()})
    server.args = _without(server.args, "--cwd", values=1)
    await server.start()
    await server.started()
    assert (await _first_session(server))["cwd"] == str(folders[expected])


async def test_without_a_shell_argument_the_shell_is_shell_env(
    spawn: Callable[..., Server],
) -> None:
    zsh = shutil.which("zsh")
    assert zsh, "zsh is installed by .ci/run"
    server = spawn(env={"SHELL": zsh})
    server.args = _without(server.args, "/bin/bash", "--norc", "--noprofile")
    await server.start()
    await server.started()
    # This test's process is the server's parent, and it is not a shell: $SHELL decides.
    assert (await _first_session(server))["shell"] in (zsh, "zsh")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, ws_heartbeat=0.3)


async def _prompts_before_the_command(
    authed: AppClient, tmp_path: Path, cols: int, rows: int,
) -> int:
    """Start a session whose initialCommand is still pending, attach as its first viewer
    once its prompt is in the log, resize to cols x rows, and count the prompts seen before
    the command."""
    rc = tmp_path / "rc"
    rc.write_text(RC)
    response = await authed.post("/api/sessions", json={
        "shell": "/bin/bash", "args": ["--noprofile", "--rcfile", str(rc)],
        "initialCommand": "echo init-''ran", "cols": 80, "rows": 24})
    assert response.status == 201, await response.text()
    sid = (await response.json())["id"]
    log = authed.app[keys.SESSIONS].get(sid).log
    await eventually(lambda: b"MARK$ " in log.snapshot(), "the first prompt")
    term = TermWS(await authed.ws_connect("/ws"))
    try:
        await term.attach(sid)
        await term.expect("attached")
        await term.resize(cols, rows)
        text = await term.read_until("init-ran\r\n")
        return text[: text.index("echo init-")].count("MARK$ ")
    finally:
        await term.ws.close()


async def test_a_first_resize_to_a_new_size_wipes_the_prompt_the_shell_redraws(
    authed: AppClient, tmp_path: Path,
) -> None:
    # A new size: the shell redraws its prompt (SIGWINCH), so the old one is dropped.
    assert await _prompts_before_the_command(authed, tmp_path, 100, 30) == 1


async def test_a_first_resize_to_the_same_size_replays_the_scrollback(
    authed: AppClient, tmp_path: Path,
) -> None:
    # The same size: nothing is redrawn, so the scrollback is replayed as it is.
    assert await _prompts_before_the_command(authed, tmp_path, 80, 24) == 1


async def test_the_heartbeat_drops_a_peer_that_stopped_answering(
    authed: AppClient, session_id: str,
) -> None:
    """A phone that vanished (no close, no pong) is dropped within two heartbeats, so it no
    longer counts as a viewer (config: ws_heartbeat=0.3; the default is 15 s)."""
    session = authed.app[keys.SESSIONS].get(session_id)
    ws = await authed.ws_connect("/ws", autoping=False)  # pings are never answered
    term = TermWS(ws)
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    await eventually(lambda: len(session.clients) == 1, "the viewer counted")
    await eventually(lambda: not session.clients, "the silent viewer dropped", timeout=5)
    ends = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    message = await ws.receive(timeout=5)
    while message.type not in ends:  # read past what was queued before the drop
        message = await ws.receive(timeout=5)
    assert ws.closed or message.type is aiohttp.WSMsgType.CLOSE


async def test_a_live_peer_that_answers_pings_stays(
    authed: AppClient, session_id: str,
) -> None:
    session = authed.app[keys.SESSIONS].get(session_id)
    ws = await authed.ws_connect("/ws", autoping=False)
    term = TermWS(ws)
    await term.attach(session_id)
    await term.expect("attached")
    await term.resize(80, 24)
    answered = 0
    while answered < 3:  # three heartbeats, each answered by hand
        message = await ws.receive(timeout=5)
        if message.type is aiohttp.WSMsgType.PING:
            await ws.pong(message.data)
            answered += 1
        else:
            assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message
    assert len(session.clients) == 1
    await ws.close()


async def test_a_share_link_opened_while_logged_in_keeps_the_login(authed: AppClient) -> None:
    response = await authed.get("/api/share-token")
    url = (await response.json())["url"]
    ott = url.split("?ott=", 1)[1]
    before = {c.key: c.value for c in authed.session.cookie_jar}
    response = await authed.get(f"/terminal?ott={ott}&id=x", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/terminal?id=x"  # the link's token is dropped
    assert not response.headers.getall("Set-Cookie", [])  # the login in use is kept
    assert {c.key: c.value for c in authed.session.cookie_jar} == before
    assert (await authed.get("/api/sessions")).status == 200
