"""The optional second factor (#17): correct, wrong, reused and skewed codes, recovery codes,
the login rate limit, what does not ask for a code (share links, scoped tokens, the machine
key), the store on disk and `termbeam totp enable|status|disable` against a real server.

Time is the store's clock, pinned by the test, so moving between 30 s steps takes no waiting.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import sys
from collections.abc import Callable

import aiohttp
import pyotp
import pytest
from aiohttp import web

from termbeam_py import keys
from termbeam_py.totp import ALONE_REFUSED, TotpStore
from tests.conftest import PASSWORD
from tests.helpers import AppClient, Server, child_env

#: Mid-step, so ±15 s of slack either side is still the same step.
NOW = 1_800_000_015.0
STEP = 30
TIMEOUT = 15.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _app(client: AppClient) -> web.Application:
    app = client.server.app  # type: ignore[attr-defined]
    assert isinstance(app, web.Application)
    return app


def _store(client: AppClient) -> TotpStore:
    return _app(client)[keys.AUTH].totp


async def _turn_on(authed: AppClient, clock: Clock) -> tuple[pyotp.TOTP, list[str]]:
    """Set up and confirm a secret through the API (its first code is then spent)."""
    _store(authed).clock = clock
    made = await (await authed.post("/api/totp/setup")).json()
    assert made["uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(made["secret"])
    response = await authed.post("/api/totp/enable", json={"code": totp.at(clock.now)})
    assert response.status == 200, await response.text()
    clock.now += STEP  # the confirming code is spent: log in with the next one
    return totp, list(made["recoveryCodes"])


_addresses = iter(range(1, 1 << 16))


async def _login(client: AppClient, ip: str | None = None,
                 **body: str) -> tuple[int, dict[str, object]]:
    """POST /api/auth from `ip` (else an address of its own: the login limit counts every
    attempt per address, and the peer is loopback, so X-Forwarded-For names the client)."""
    client.session.cookie_jar.clear()
    n = next(_addresses)
    ip = ip or f"198.18.{n >> 8}.{n & 255}"
    response = await client.post("/api/auth", json={"password": PASSWORD, **body},
                                 headers={"X-Forwarded-For": ip})
    return response.status, await response.json()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_correct_wrong_and_reused_codes(authed: AppClient, clock: Clock) -> None:
    totp, _ = await _turn_on(authed, clock)
    asks = {"error": "code required", "totp": True}
    assert await _login(authed) == (401, asks)
    # The same answer with a wrong password: nothing says whether the password was right.
    status, body = await _login(authed, password="wrong")
    assert (status, body) == (401, asks)
    code = totp.at(clock.now)
    # A right code with a wrong password is refused and not spent.
    assert (await _login(authed, password="wrong", code=code))[0] == 401
    assert await _login(authed, code="000000" if code != "000000" else "111111") == (
        401, {"error": "wrong password or code", "totp": True})
    assert (await _login(authed, code=code))[0] == 200
    assert authed.session.cookie_jar.filter_cookies(authed.make_url("/"))["pty_token"]
    assert (await authed.get("/api/sessions")).status == 200
    # The same code again, within its step: a replay.
    assert (await _login(authed, code=code))[0] == 401
    clock.now += STEP
    spaced = f" {totp.at(clock.now)[:3]} {totp.at(clock.now)[3:]}"
    assert (await _login(authed, code=spaced))[0] == 200
    # Each refusal of a code is in the audit log, as a failed password login, without what
    # was typed (the first step, a password without a code, is not a failure yet).
    response = await authed.get("/api/audit?event=login.failed&limit=50")
    failed = (await response.json())["entries"]
    assert len(failed) == 3  # a wrong password with a code, a wrong code, a replayed code
    assert {(e["method"], e["reason"]) for e in failed} == {
        ("password", "wrong password or code")}
    assert code not in json.dumps(failed)


async def test_one_step_of_skew_is_accepted_two_are_not(authed: AppClient, clock: Clock) -> None:
    totp, _ = await _turn_on(authed, clock)
    clock.now += 5 * STEP
    for off in (-2, 2):
        assert (await _login(authed, code=totp.at(clock.now + off * STEP)))[0] == 401, off
    assert (await _login(authed, code=totp.at(clock.now - STEP)))[0] == 200
    assert (await _login(authed, code=totp.at(clock.now + STEP)))[0] == 200
    # Older than the last code accepted: refused even though within the skew.
    assert (await _login(authed, code=totp.at(clock.now)))[0] == 401


async def test_recovery_codes_work_once_each(authed: AppClient, clock: Clock) -> None:
    _, recovery = await _turn_on(authed, clock)
    assert len(recovery) == len(set(recovery)) == 8
    assert (await (await authed.get("/api/totp")).json()) == {"enabled": True, "recoveryLeft": 8}
    first, second = recovery[0], recovery[1]
    assert (await _login(authed, code=first))[0] == 200
    assert (await _login(authed, code=first))[0] == 401
    # Typed in capitals without the dash: the same code.
    assert (await _login(authed, code=second.replace("-", "").upper()))[0] == 200
    assert (await (await authed.get("/api/totp")).json())["recoveryLeft"] == 6
    stored = (_app(authed)[keys.CONFIG].config_dir / "totp.json")
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    text = stored.read_text()
    assert all(code not in text and code.replace("-", "") not in text for code in recovery)


async def test_failed_codes_count_toward_the_login_limit(authed: AppClient, clock: Clock) -> None:
    totp, _ = await _turn_on(authed, clock)
    wrong = "123456" if totp.at(clock.now) != "123456" else "654321"
    statuses = [(await _login(authed, "203.0.113.9", code=wrong))[0] for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert (await _login(authed, "203.0.113.9", code=totp.at(clock.now)))[0] == 429
    # Codes tried to turn the code off count too (the admin's own address here).
    assert (await _login(authed, code=totp.at(clock.now)))[0] == 200


async def test_bearer_and_websocket_passwords_are_refused_while_on(
        authed: AppClient, clock: Clock) -> None:
    await _turn_on(authed, clock)
    authed.session.cookie_jar.clear()
    for secret in (PASSWORD, "wrong"):
        response = await authed.get("/api/sessions", headers={"Authorization": f"Bearer {secret}"})
        assert response.status == 401
        assert (await response.json())["error"] == ALONE_REFUSED
    ws = await authed.ws_connect("/ws")
    await ws.send_json({"type": "auth", "password": PASSWORD})
    reply = await ws.receive_json(timeout=TIMEOUT)
    assert reply["type"] == "error"
    await ws.close()
    # The machine key (connection.json) stands for the owner on this machine.
    key = _app(authed)[keys.AUTH].machine_key
    response = await authed.get("/api/sessions", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200


async def test_share_links_and_scoped_tokens_do_not_ask(authed: AppClient, clock: Clock) -> None:
    totp, _ = await _turn_on(authed, clock)
    assert (await _login(authed, code=totp.at(clock.now)))[0] == 200
    made = await (await authed.post("/api/tokens", json={"name": "ci", "scope": "read"})).json()
    link = (await (await authed.get("/api/share-token")).json())["url"]
    authed.session.cookie_jar.clear()
    response = await authed.get("/api/sessions",
                                headers={"Authorization": f"Bearer {made['token']}"})
    assert response.status == 200
    ott = link.split("?ott=")[1]
    response = await authed.get(f"/?ott={ott}", allow_redirects=False)
    assert response.status == 302
    assert (await authed.get("/api/sessions")).status == 200


async def test_setup_needs_a_code_and_disable_needs_one_too(authed: AppClient,
                                                           clock: Clock) -> None:
    _store(authed).clock = clock
    assert (await authed.post("/api/totp/enable", json={"code": "123456"})).status == 409
    made = await (await authed.post("/api/totp/setup")).json()
    totp = pyotp.TOTP(made["secret"])
    wrong = "000000" if totp.at(clock.now) != "000000" else "111111"
    assert (await authed.post("/api/totp/enable", json={"code": wrong})).status == 400
    assert (await (await authed.get("/api/totp")).json())["enabled"] is False
    assert (await authed.post("/api/totp/enable", json={"code": totp.at(clock.now)})).status == 200
    assert (await authed.post("/api/totp/setup")).status == 409
    assert (await authed.post("/api/totp/disable", json={"code": wrong})).status == 400
    assert (await (await authed.get("/api/totp")).json())["enabled"] is True
    response = await authed.post("/api/totp/disable", json={"code": made["recoveryCodes"][3]})
    assert response.status == 200
    assert await _login(authed) == (200, {"ok": True})


async def test_a_restart_keeps_the_secret_and_the_last_step(tmp_path: os.PathLike[str],
                                                            clock: Clock) -> None:
    path = tmp_path / "totp.json"  # type: ignore[operator]
    store = TotpStore(path, clock)
    secret, _, _ = store.begin("t")
    code = pyotp.TOTP(secret).at(clock.now)
    assert await store.confirm(code) is True
    again = TotpStore(path, clock)
    await again.load()
    assert again.enabled
    assert await again.check(code) is False  # spent before the restart
    clock.now += STEP
    assert await again.check(pyotp.TOTP(secret).at(clock.now)) is True


# -- the CLI against a real server --------------------------------------------------------


async def _cli(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "totp", *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env())
    out, err = await asyncio.wait_for(proc.communicate(stdin), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _enable(cfg: tuple[str, ...]) -> tuple[str, list[str], str]:
    """`termbeam totp enable`, typing the code its key gives once the key is shown."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "totp", "enable", *cfg,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=child_env())
    assert proc.stdout is not None
    assert proc.stdin is not None
    shown = ""
    async with asyncio.timeout(TIMEOUT):
        while not (match := re.search(r"by hand:\n  ([A-Z2-7]+)\n", shown)):
            line = await proc.stdout.readline()
            assert line, shown
            shown += line.decode()
        secret = match.group(1)
        proc.stdin.write(pyotp.TOTP(secret).now().encode() + b"\n")
        rest, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    out = shown + rest.decode()
    return secret, re.findall(r"^  ([a-z0-9]{5}-[a-z0-9]{5})$", out, re.M), out


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_cli_enable_status_disable(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    assert (await _cli("status", *cfg))[:2] == (0, "One-time code: off.\n")
    secret, recovery, out = await _enable(cfg)
    assert len(recovery) == 8
    assert "▀" in out or "█" in out  # the QR code
    assert "password logins now ask for it" in out
    assert (await _cli("status", *cfg))[1] == "One-time code: on (8 recovery codes left).\n"
    async with aiohttp.ClientSession() as http:
        async with http.post(server.base + "/api/auth", json={"password": PASSWORD}) as got:
            assert got.status == 401
            assert (await got.json())["totp"] is True  # at once, no restart
        async with http.get(server.base + "/api/sessions", headers=server.headers) as got:
            assert got.status == 401  # the Bearer password alone
    stored = json.loads((server.cfg / "totp.json").read_text())
    assert stored["secret"] == secret
    # The other commands still work from this machine: they send the machine key.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "list", *cfg, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env())
    _, listed = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, listed.decode()
    code, _, err = await _cli("disable", "--code", "000000x", *cfg)
    assert (code, "wrong code" in err) == (1, True)
    code, _, err = await _cli("disable", *cfg, stdin=recovery[0].encode() + b"\n")
    assert code == 0, err
    assert (await _cli("status", *cfg))[1] == "One-time code: off.\n"
    for text in [secret, *recovery]:
        assert text not in server.stderr
        assert all(text not in line for line in server.lines)
