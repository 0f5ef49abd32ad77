"""The tunnel inside the server: `GET /api/tunnel/status`, the `tunnel-status` broadcast, the
tunnel host in the Host allow-list, Secure cookies and share links behind it, the command
line's refusals and consent prompt, and the real `termbeam` process with a fake provider."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import click
import ptyprocess
import pytest

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.cli import serve
from termbeam_py.config import TunnelConfig
from termbeam_py.tunnel.options import pick_installed, tunnel_config
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import FAKES, ROOT, SHELL_ENV, AppClient, Fakes, Server, TermWS, child_env
from tests.test_cli import one_line_error, run_cli
from tests.test_tunnel import FAST, WAIT, assert_all_gone

FIRST = "fake-words-1.trycloudflare.com"
SECOND = "fake-words-2.trycloudflare.com"


@pytest.fixture
async def tunneled(aiohttp_client: ClientFactory, tmp_path: Path,
                   fakes: Fakes) -> AsyncIterator[AppClient]:
    """A logged-in client of a server whose cloudflared tunnel is not started yet."""
    config = make_config(tmp_path, tunnel=TunnelConfig(provider="cloudflared", **FAST))  # type: ignore[arg-type]
    client = await aiohttp_client(create_app(config))
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200
    yield client
    await client.close()
    await assert_all_gone(fakes.pids("cloudflared"))  # shutdown leaves no process


async def start_tunnel(client: AppClient) -> None:
    assert client.port is not None
    supervisor = await client.app[keys.TUNNEL].start(client.port)
    assert supervisor is not None


async def tunnel_messages(term: TermWS, count: int) -> list[dict[str, object]]:
    return [await term.expect("tunnel-status") for _ in range(count)]


def via(host: str) -> dict[str, str]:
    """Headers of a browser request relayed by the tunnel program (a loopback peer)."""
    return {"Host": host, "Origin": f"https://{host}"}


async def test_status_without_a_tunnel(authed: AppClient) -> None:
    response = await authed.get("/api/tunnel/status")
    assert response.status == 200
    body = await response.json()
    assert body["state"] == "disconnected"
    assert body["provider"] is None
    assert body["tokenLifetimeSeconds"] is None
    assert body["tunnel"] is None


async def test_status_needs_a_login(client: AppClient) -> None:
    response = await client.get("/api/tunnel/status")
    assert response.status == 401


async def test_every_change_is_broadcast_and_the_status_follows(
    tunneled: AppClient, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "crash,ok")
    term = TermWS(await tunneled.ws_connect("/ws"))
    await start_tunnel(tunneled)
    connected, retry, again = await tunnel_messages(term, 3)
    assert connected == {"type": "tunnel-status", "state": "connected",
                         "tunnel": "cloudflared", "url": f"https://{FIRST}"}
    assert retry["state"] == "reconnecting"
    assert (retry["attempt"], retry["retryIn"], retry["reason"]) == (1, 0.01, "exited")
    assert "url" not in retry
    assert again["url"] == f"https://{SECOND}"
    response = await tunneled.get("/api/tunnel/status")
    status = await response.json()
    assert (status["state"], status["url"], status["tunnel"]) == (
        "connected", f"https://{SECOND}", "cloudflared")
    assert status["public"] is True
    await term.ws.close()


async def test_broadcasts_reach_only_logged_in_sockets(
    tunneled: AppClient, aiohttp_client: ClientFactory
) -> None:
    stranger = await aiohttp_client(tunneled.server)  # same server, no cookie
    anonymous = TermWS(await stranger.ws_connect("/ws"))
    member = TermWS(await tunneled.ws_connect("/ws"))
    await start_tunnel(tunneled)
    assert (await member.expect("tunnel-status"))["state"] == "connected"
    # The broadcast has gone out; logging in now shows whether it reached this socket.
    await anonymous.send({"type": "auth", "password": PASSWORD})
    await anonymous.expect("auth_ok")
    assert [m["type"] for m in anonymous.messages] == ["auth_ok"]
    await member.ws.close()
    await anonymous.ws.close()


async def test_the_tunnel_host_is_allowed_and_follows_restarts(
    tunneled: AppClient, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await tunneled.get("/api/config", headers={"Host": FIRST})).status == 403
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "ok")
    term = TermWS(await tunneled.ws_connect("/ws"))
    await start_tunnel(tunneled)
    await term.expect("tunnel-status")
    assert (await tunneled.get("/api/config", headers={"Host": FIRST})).status == 200
    assert (await tunneled.get("/api/config", headers={"Host": "evil.example"})).status == 403
    # The tunnel program dies and comes back with a new name: only the new one is ours.
    pid = fakes.runs("cloudflared")[0][0]
    os.kill(pid, signal.SIGKILL)
    while (await term.expect("tunnel-status")).get("url") != f"https://{SECOND}":
        pass
    assert (await tunneled.get("/api/config", headers={"Host": SECOND})).status == 200
    assert (await tunneled.get("/api/config", headers={"Host": FIRST})).status == 403
    await term.ws.close()


async def test_logins_through_an_https_tunnel_get_secure_cookies(
    tunneled: AppClient, aiohttp_client: ClientFactory
) -> None:
    term = TermWS(await tunneled.ws_connect("/ws"))
    await start_tunnel(tunneled)
    await term.expect("tunnel-status")
    await term.ws.close()
    fresh = await aiohttp_client(tunneled.server)
    relayed = await fresh.post("/api/auth", json={"password": PASSWORD}, headers=via(FIRST))
    assert relayed.status == 200, await relayed.text()
    assert "Secure" in relayed.headers["Set-Cookie"]
    local = await fresh.post("/api/auth", json={"password": PASSWORD})
    assert local.status == 200
    assert "Secure" not in local.headers["Set-Cookie"]


async def test_share_links_use_the_public_url(tunneled: AppClient) -> None:
    term = TermWS(await tunneled.ws_connect("/ws"))
    await start_tunnel(tunneled)
    await term.expect("tunnel-status")
    await term.ws.close()
    response = await tunneled.get("/api/share-token")
    url = (await response.json())["url"]
    assert re.fullmatch(rf"https://{re.escape(FIRST)}/\?ott=[0-9a-f]+", url), url


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tunnel", "devtunnel", "--public", "--no-password"], "needs a password"),
        (["--tunnel", "cloudflared", "--no-password"], "needs a password"),
        (["--public"], "--public needs a tunnel"),
        (["--tunnel", "ngrok", "--tunnel-cmd", "x {port}"], "cannot be combined"),
        (["--tunnel", "custom"], "needs --tunnel-cmd"),
        (["--tunnel", "ssh"], "needs --tunnel-ssh"),
        (["--tunnel-ssh", "me@host:99999"], "invalid ssh target"),
        (["--tunnel", "cloudflared", "--persisted-tunnel"], "cannot be combined"),
        (["--public-url", "term.example.org"], "must be an http:// or https:// URL"),
    ],
)
def test_refused_tunnel_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("--config-dir", str(tmp_path), "--no-qr", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in one_line_error(result)


def _tunnel(*args: str) -> TunnelConfig | None:
    """The TunnelConfig `termbeam ARGS` would run with."""
    with serve.make_context("termbeam", list(args)) as ctx:
        return tunnel_config(ctx.params)


def test_options_imply_their_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _tunnel() is None  # off by default
    assert _tunnel("--no-tunnel", "--tunnel-ssh", "me@host", "--public") is None
    persisted = _tunnel("--persisted-tunnel")
    assert persisted is not None
    assert (persisted.provider, persisted.persisted, persisted.public) == (
        "devtunnel", True, False)
    ssh = _tunnel("--tunnel-ssh", "me@host:2200", "--tunnel-ssh-opts", "-i 'my key' -A",
                  "--tunnel-remote-port", "0")
    assert ssh is not None
    assert (ssh.provider, ssh.ssh_target, ssh.ssh_options, ssh.remote_port) == (
        "ssh", "me@host:2200", ("-i", "my key", "-A"), 0)
    custom = _tunnel("--tunnel-cmd", "bore local {port}")
    assert custom is not None
    assert custom.provider == "custom"
    monkeypatch.setenv("TERMBEAM_TUNNEL", "cloudflared")
    from_env = _tunnel()
    assert from_env is not None
    assert from_env.provider == "cloudflared"
    assert from_env.exposed


def _pty(args: list[str], tmp_path: Path) -> ptyprocess.PtyProcess:
    env = child_env(**SHELL_ENV, PATH=f"{FAKES}{os.pathsep}{os.environ['PATH']}",
                    FAKE_TUNNEL_DIR=str(tmp_path))
    return ptyprocess.PtyProcess.spawn(
        [sys.executable, "-m", "termbeam_py", "--port", "0", "--password", "pw-for-test",
         "--config-dir", str(tmp_path / "cfg"), "--cwd", str(tmp_path), "--no-qr",
         "--no-preview-port", *args, "/bin/sh"],
        env=env, cwd=str(ROOT),
    )


class Screen:
    """Everything a pty child printed so far; waits on markers with a deadline."""

    def __init__(self, proc: ptyprocess.PtyProcess) -> None:
        self.proc = proc
        self.text = ""

    def until(self, marker: str, limit: float = WAIT) -> str:
        deadline = time.monotonic() + limit
        while marker not in self.text:
            left = deadline - time.monotonic()
            assert left > 0, f"no {marker!r} in {self.text!r}"
            if select.select([self.proc.fd], [], [], left)[0]:
                try:
                    self.text += self.proc.read(4096).decode(errors="replace")
                except EOFError as exc:
                    raise AssertionError(f"ended before {marker!r}: {self.text!r}") from exc
        return self.text


def test_public_asks_for_consent_on_a_terminal(tmp_path: Path) -> None:
    proc = _pty(["--tunnel", "devtunnel", "--public"], tmp_path)
    screen = Screen(proc)
    try:
        assert "DANGER" in screen.until("Open a public tunnel? [y/N]")
        proc.write(b"n\r")
        assert "Local:" not in screen.until("Aborted")
        proc.wait()
        assert proc.exitstatus == 1
    finally:
        if proc.isalive():
            proc.terminate(force=True)


def test_yes_skips_the_consent_prompt(tmp_path: Path) -> None:
    proc = _pty(["--tunnel", "devtunnel", "--public", "--yes"], tmp_path)
    screen = Screen(proc)
    try:
        shown = screen.until("Scan the QR code")
        assert "Open a public tunnel?" not in shown
        # Not logged in to the fake devtunnel: local only, and the banner says what to run.
        assert "devtunnel auth-expired" in shown
        assert "devtunnel user login" in shown
        proc.kill(signal.SIGTERM)
        proc.wait()
        assert proc.exitstatus == 0
    finally:
        if proc.isalive():
            proc.terminate(force=True)


# --------------------------------------------------------------------------- the process


async def test_the_banner_and_qr_use_the_tunnel_and_sigterm_cleans_up(
    fakes: Fakes, spawn: Callable[..., Server]
) -> None:
    server = spawn(qr=True, extra=("--tunnel", "cloudflared"))
    await server.start()
    await server.started()
    await server.wait_line(rf"^\s*Public:\s+https://{re.escape(FIRST)}\s*$")
    await server.wait_line(rf"Scan the QR code or open: https://{re.escape(FIRST)}$")
    # The login is on the internet now: the banner says where a one-time code is added.
    await server.wait_line(r"Settings → Security in the web app, or termbeam totp enable$")
    assert len(fakes.runs("cloudflared")) == 1
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0
    await assert_all_gone(fakes.pids("cloudflared"))


async def test_a_bare_tunnel_flag_uses_the_first_installed_program(
    fakes: Fakes, spawn: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`termbeam --tunnel`, as the original's users type it (#18): only cloudflared is
    installed here, so it is used, and the server says so."""
    only = tmp_path / "only-cloudflared"
    only.mkdir()
    (only / "cloudflared").symlink_to(FAKES / "cloudflared")
    monkeypatch.setenv("PATH", f"{only}{os.pathsep}/usr/bin{os.pathsep}/bin")
    server = spawn(extra=("--tunnel", "--"))  # `--`: the shell that follows is no provider
    await server.start()
    await server.started()
    await server.wait_line(rf"^\s*Public:\s+https://{re.escape(FIRST)}\s*$")
    assert "Tunnel: using cloudflared (the first installed of devtunnel, cloudflared, ngrok)" \
        in server.stderr
    assert len(fakes.runs("cloudflared")) == 1


async def test_a_bare_tunnel_flag_without_any_program_says_how_to_install_one(
    spawn: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "no-tunnels"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    server = spawn(extra=("--tunnel", "--"))
    await server.start()
    assert await server.wait_exit() == 2
    for name in ("devtunnel", "cloudflared", "ngrok"):
        assert f"  - {name}: http" in server.stderr
    assert not server.lines  # nothing started, no banner


def test_auto_prefers_devtunnel_then_cloudflared_then_ngrok() -> None:
    def installed(*names: str) -> Callable[[str], str | None]:
        return lambda name: f"/bin/{name}" if name in names else None

    assert pick_installed(installed("ngrok", "cloudflared", "devtunnel")) == "devtunnel"
    assert pick_installed(installed("ngrok", "cloudflared")) == "cloudflared"
    assert pick_installed(installed("ngrok", "ssh")) == "ngrok"
    with pytest.raises(click.UsageError, match="none of devtunnel, cloudflared or ngrok"):
        pick_installed(installed("ssh"))


async def test_a_missing_program_leaves_the_server_local(
    tmp_path: Path, spawn: Callable[..., Server]
) -> None:
    if shutil.which("cloudflared"):
        pytest.skip("a real cloudflared is installed; this test needs it missing")
    server = spawn(extra=("--tunnel", "cloudflared"))
    await server.start()
    await server.started()
    line = await server.wait_line(r"Tunnel:.*cloudflared not found on PATH")
    assert "developers.cloudflare.com" in line.string
    assert not any(re.match(r"\s*Public:", text) for text in server.lines)
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0
