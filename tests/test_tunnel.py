"""The tunnel supervisor against fake provider programs on PATH (tests/fake_tunnels/): URL
capture for every provider, restart with backoff, login and network waits, status
transitions, and that stopping leaves no process behind."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from termbeam_py.config import TunnelConfig
from termbeam_py.tunnel import process
from termbeam_py.tunnel.providers import Provider, make_provider
from termbeam_py.tunnel.providers.base import first_match
from termbeam_py.tunnel.providers.devtunnel import parse_login
from termbeam_py.tunnel.providers.ssh import parse_target
from termbeam_py.tunnel.status import TunnelStatus
from termbeam_py.tunnel.supervisor import Supervisor
from tests.conftest import process_exists
from tests.helpers import Fakes, eventually

PORT = 3456
WAIT = 15.0
#: Fast timings so no test waits for the real 1-30 s backoff.
FAST = {"backoff": (0.01, 0.02, 0.03), "url_timeout": 10.0, "network_interval": 0.05,
        "check_interval": 0.05, "kill_grace": 1.0}


class Recorder:
    """Collects every status the supervisor reports; waits for one matching a predicate."""

    def __init__(self) -> None:
        self.seen: list[TunnelStatus] = []
        self._changed = asyncio.Event()

    def __call__(self, status: TunnelStatus) -> None:
        self.seen.append(status)
        self._changed.set()

    async def wait(self, predicate: Callable[[TunnelStatus], bool],
                   limit: float = WAIT) -> TunnelStatus:
        async with asyncio.timeout(limit):
            while True:
                for status in self.seen:
                    if predicate(status):
                        return status
                self._changed.clear()
                await self._changed.wait()

    async def state(self, state: str, limit: float = WAIT) -> TunnelStatus:
        return await self.wait(lambda s: s.state == state, limit)

    def states(self) -> list[str]:
        return [s.state for s in self.seen]


class Probe:
    """An injected network check: answers from a script, then `default`."""

    def __init__(self, answers: list[bool], default: bool = True) -> None:
        self.answers = answers
        self.default = default
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.answers.pop(0) if self.answers else self.default


Make = Callable[..., tuple[Supervisor, Recorder]]


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Make]:
    made: list[Supervisor] = []

    def _make(provider: str, probe: Probe | None = None, public_url: str | None = None,
              **options: object) -> tuple[Supervisor, Recorder]:
        cfg = TunnelConfig(provider=provider, **{**FAST, **options})  # type: ignore[arg-type]
        recorder = Recorder()
        supervisor = Supervisor(
            make_provider(cfg, port=PORT, target_host="127.0.0.1",
                          id_file=tmp_path / "cfg" / "tunnel.json", public_url=public_url),
            cfg, listener=recorder, probe=probe or Probe([]),
        )
        made.append(supervisor)
        return supervisor, recorder

    yield _make
    for supervisor in made:
        await supervisor.stop()


async def assert_all_gone(pids: list[int]) -> None:
    """Every recorded pid is gone (reaped or dead) within a short bound."""
    assert pids
    await eventually(lambda: not any(process_exists(pid) for pid in pids),
                     f"every process of {pids} to be gone", WAIT)


# --------------------------------------------------------------------------- URL capture


@pytest.mark.parametrize(
    ("provider", "options", "program", "url"),
    [
        ("cloudflared", {}, "cloudflared", "https://fake-words-1.trycloudflare.com"),
        ("ngrok", {}, "ngrok", "https://fake-1.ngrok-free.app"),
        ("ssh", {"ssh_target": "nokey@localhost.run"}, "ssh", "https://fake1.lhr.life"),
        ("custom", {"command": "faketun --to example.test {port}",
                    "url_regex": r"listening at (\S+)"},
         "faketun", "http://fake1.example.test:7000"),
    ],
)
async def test_url_is_captured_from_the_providers_output(
    fakes: Fakes, make: Make, provider: str, options: dict[str, object], program: str,
    url: str,
) -> None:
    supervisor, recorder = make(provider, **options)
    await supervisor.start()
    connected = await recorder.state("connected")
    assert connected.url == url
    assert connected.tunnel == provider
    assert connected.public
    assert supervisor.status.as_api()["url"] == url
    await supervisor.stop()
    assert supervisor.status.state == "disconnected"
    await assert_all_gone(fakes.pids(program))


async def test_the_commands_aim_at_our_port(fakes: Fakes, make: Make,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMBEAM_PASSWORD", "not-for-tunnels")
    for provider, options in (("cloudflared", {}), ("ngrok", {}),
                              ("ssh", {"ssh_target": "nokey@localhost.run:2222"}),
                              ("custom", {"command": "faketun {port}",
                                          "url_regex": r"at (\S+)"})):
        supervisor, recorder = make(provider, **options)
        await supervisor.start()
        await recorder.state("connected")
        await supervisor.stop()
    assert fakes.calls("cloudflared") == [
        ["tunnel", "--url", f"http://127.0.0.1:{PORT}", "--no-autoupdate"]]
    assert fakes.calls("ngrok") == [
        ["http", f"127.0.0.1:{PORT}", "--log", "stdout", "--log-format", "json"]]
    ssh = fakes.calls("ssh")[0]
    assert ssh[-1] == "nokey@localhost.run"
    assert ssh[ssh.index("-p") + 1] == "2222"
    assert ssh[ssh.index("-R") + 1] == f"80:127.0.0.1:{PORT}"
    assert "ExitOnForwardFailure=yes" in ssh
    assert any(opt.startswith("ServerAliveInterval=") for opt in ssh)
    assert "-T" in ssh  # a URL-printing service talks in a session, not -N
    assert fakes.calls("faketun") == [[str(PORT)]]
    assert not (fakes.state / "saw-password").exists()


async def test_devtunnel_private_is_created_hosted_and_deleted(
    fakes: Fakes, make: Make
) -> None:
    fakes.login("Microsoft", "9:59:00")
    supervisor, recorder = make("devtunnel")
    await supervisor.start()
    connected = await recorder.state("connected")
    # The fake lists the port-less URL first; ours carries "-<port>.".
    assert connected.url == f"https://fake1-{PORT}.usw2.devtunnels.ms"
    assert connected.auth_provider == "microsoft"
    assert not connected.public
    lifetime = connected.as_api()["tokenLifetimeSeconds"]
    assert lifetime is not None
    assert 9 * 3600 < lifetime <= 10 * 3600
    calls = fakes.calls("devtunnel")
    assert ["create", "--expiration", "1d", "--json"] in calls
    assert ["access", "reset", "fake-tunnel-1.usw2"] in calls
    assert ["host", "fake-tunnel-1.usw2"] in calls
    # The login is re-checked while connected; finding nothing new broadcasts nothing.
    checks = calls.count(["user", "show", "-v"])
    await eventually(lambda: fakes.calls("devtunnel").count(["user", "show", "-v"]) >= checks + 3,
                     "three more login checks", WAIT)
    assert recorder.states() == ["connected"]
    await supervisor.stop()
    assert ["delete", "fake-tunnel-1.usw2", "-f"] in fakes.calls("devtunnel")
    assert (fakes.state / "tunnels").read_text() == ""
    await assert_all_gone(fakes.pids("devtunnel"))


async def test_devtunnel_persisted_public_is_kept_and_reused(
    fakes: Fakes, make: Make, tmp_path: Path
) -> None:
    fakes.login("Microsoft", "9:59:00")
    first, recorder = make("devtunnel", public=True, persisted=True)
    await first.start()
    assert (await recorder.state("connected")).public
    await first.stop()
    saved = json.loads((tmp_path / "cfg" / "tunnel.json").read_text())
    assert saved["tunnelId"] == "fake-tunnel-1.usw2"
    assert (fakes.state / "tunnels").read_text().split() == ["fake-tunnel-1.usw2"]
    second, again = make("devtunnel", public=True, persisted=True)
    await second.start()
    await again.state("connected")
    calls = fakes.calls("devtunnel")
    assert sum(call[:1] == ["create"] for call in calls) == 1
    assert ["create", "--expiration", "30d", "--json"] in calls
    assert ["show", "fake-tunnel-1.usw2", "--json"] in calls
    assert ["access", "create", "fake-tunnel-1.usw2", "-p", str(PORT), "--anonymous"] in calls


async def test_a_short_lived_github_login_is_expiring(fakes: Fakes, make: Make) -> None:
    fakes.login("GitHub", "0:30:00")
    supervisor, recorder = make("devtunnel")
    await supervisor.start()
    expiring = await recorder.state("expiring")
    message = expiring.as_message()
    assert message["type"] == "tunnel-status"
    assert message["provider"] == "github"
    assert 1700 < message["expiresIn"] <= 1800
    assert message["url"] == f"https://fake1-{PORT}.usw2.devtunnels.ms"


# --------------------------------------------------------------------------- restarts


async def test_a_crashing_tunnel_restarts_with_backoff(fakes: Fakes, make: Make,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "crash,die,ok")
    supervisor, recorder = make("cloudflared")
    await supervisor.start()
    final = await recorder.wait(lambda s: s.url == "https://fake-words-3.trycloudflare.com")
    assert final.state == "connected"
    assert final.attempt == 0
    retries = [(s.attempt, s.retry_in, s.reason) for s in recorder.seen
               if s.state == "reconnecting"]
    assert retries == [(1, 0.01, "exited"), (2, 0.02, "exited")]
    assert recorder.states() == ["connected", "reconnecting", "reconnecting", "connected"]
    assert len(fakes.runs("cloudflared")) == 3
    await supervisor.stop()
    await assert_all_gone(fakes.pids("cloudflared"))


async def test_after_max_tries_it_fails_then_waits_for_the_network(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "die,die,die,ok")
    probe = Probe([False, False])  # the network comes back on the third check
    supervisor, recorder = make("cloudflared", probe=probe, max_attempts=2)
    await supervisor.start()
    await recorder.state("connected")
    assert recorder.states() == ["reconnecting", "reconnecting", "failed", "reconnecting",
                                 "connected"]
    failed = next(s for s in recorder.seen if s.state == "failed")
    assert failed.attempt == 2
    assert "gave up after 2 tries" in (failed.message or "")
    assert probe.calls == 3
    # The count starts over once the network is back.
    assert recorder.seen[3].attempt == 0


async def test_a_lost_network_is_waited_out_without_using_up_tries(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "network,ok")
    probe = Probe([False, False, False])
    supervisor, recorder = make("ngrok", probe=probe)
    await supervisor.start()
    await recorder.state("connected")
    lost = recorder.seen[0]
    assert (lost.state, lost.reason) == ("disconnected", "network")
    assert recorder.states() == ["disconnected", "reconnecting", "connected"]
    assert probe.calls == 4


async def test_a_provider_error_with_the_network_up_counts_as_a_try(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service, not our network, is down: back off instead of retrying in a tight loop."""
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "network,ok")
    supervisor, recorder = make("ngrok", probe=Probe([], default=True))
    await supervisor.start()
    await recorder.state("connected")
    first = recorder.seen[0]
    assert (first.state, first.reason) == ("reconnecting", "network")


async def test_no_url_in_time_kills_the_run_and_retries(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "hang,ok")
    # Long enough for the fake (a Python script) to start and record its pids on a loaded
    # machine before it is killed; 0.5 s was not, in CI.
    supervisor, recorder = make("cloudflared", url_timeout=3.0)
    await supervisor.start()
    retry = await recorder.state("reconnecting")
    assert retry.reason == "url-timeout"
    hung = fakes.runs("cloudflared")[0]
    await assert_all_gone(list(hung))  # the hung program and its grandchild
    assert (await recorder.state("connected")).url == "https://fake-words-2.trycloudflare.com"


async def test_a_program_ignoring_sigterm_is_killed(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "stubborn")
    supervisor, _ = make("cloudflared", kill_grace=0.2)
    await supervisor.start()
    await eventually(lambda: fakes.runs("cloudflared"), "cloudflared to run", WAIT)
    await supervisor.stop()
    await assert_all_gone(fakes.pids("cloudflared"))


async def test_a_devtunnel_host_without_relay_connection_is_restarted(
    fakes: Fakes, make: Make
) -> None:
    """`devtunnel host` can keep running after losing the relay: the watchdog notices."""
    fakes.login("Microsoft", "9:00:00")
    supervisor, recorder = make("devtunnel")
    await supervisor.start()
    await recorder.state("connected")
    (fakes.state / "host-down").touch()
    retry = await recorder.state("reconnecting")
    assert "failed health checks" in (retry.message or "")
    (fakes.state / "host-down").unlink()
    await recorder.wait(lambda s: s.url == f"https://fake2-{PORT}.usw2.devtunnels.ms")
    await assert_all_gone(list(fakes.runs("devtunnel")[0]))


# --------------------------------------------------------------------------- logins


async def test_a_login_request_waits_until_the_login_is_back(
    fakes: Fakes, make: Make
) -> None:
    supervisor, recorder = make("devtunnel")  # no logged-in file yet
    await supervisor.start()
    expired = await recorder.state("auth-expired")
    assert expired.reason == "login"
    assert "devtunnel user login" in (expired.message or "")
    assert not fakes.runs("devtunnel")  # never hosted without a login
    fakes.login("Microsoft", "8:00:00")
    assert (await recorder.state("connected")).auth_provider == "microsoft"


async def test_login_required_in_the_output_is_auth_expired(
    fakes: Fakes, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODES", "login,ok")
    supervisor, recorder = make("ngrok")
    await supervisor.start()
    expired = await recorder.state("auth-expired")
    assert "ngrok config add-authtoken" in (expired.message or "")
    assert expired.as_message()["state"] == "auth-expired"
    assert (await recorder.state("connected")).url == "https://fake-2.ngrok-free.app"


async def test_a_login_that_expires_while_connected_is_reported(
    fakes: Fakes, make: Make
) -> None:
    fakes.login("Microsoft", "5:00:00")
    supervisor, recorder = make("devtunnel")
    await supervisor.start()
    await recorder.state("connected")
    (fakes.state / "logged-in").unlink()
    await recorder.state("auth-expired")
    fakes.login("Microsoft", "0:10:00")
    assert (await recorder.state("expiring")).url == f"https://fake1-{PORT}.usw2.devtunnels.ms"


# --------------------------------------------------------------------------- missing program


async def test_a_missing_program_fails_with_an_install_hint(
    tmp_path: Path, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for provider, hint in (("cloudflared", "developers.cloudflare.com"),
                           ("ngrok", "ngrok.com/download"), ("devtunnel", "aka.ms"),
                           ("ssh", "openssh")):
        supervisor, recorder = make(provider, ssh_target="example.org")
        await supervisor.start()
        failed = await recorder.state("failed")
        assert failed.reason == "missing-binary"
        assert "not found on PATH" in (failed.message or "")
        assert hint in (failed.message or "").lower()
        assert (await supervisor.wait_ready(1)).state == "failed"


# --------------------------------------------------------------------------- parsers


def test_ssh_targets() -> None:
    assert parse_target("me@example.org:2222") == ("me@example.org", "example.org", 2222)
    assert parse_target("localhost.run") == ("localhost.run", "localhost.run", None)
    assert parse_target("u@[::1]:22") == ("u@::1", "::1", 22)
    for bad in ("me@", "host:0", "host:99999"):
        with pytest.raises(ValueError, match="invalid ssh target"):
            parse_target(bad)


def test_ssh_url_from_a_plain_server(tmp_path: Path) -> None:
    def ssh(public_url: str | None) -> Provider:
        return make_provider(TunnelConfig(provider="ssh", ssh_target="me@example.org"),
                             port=PORT, target_host="127.0.0.1",
                             id_file=tmp_path / "t.json", public_url=public_url)

    plain = ssh(None)
    assert "-N" in plain.command()  # a plain sshd prints nothing: no session needed
    assert plain.find_url("debug1: remote forward success for: listen 80, connect x") == \
        "http://example.org"
    assert plain.find_url("Allocated port 40022 for remote forward to 127.0.0.1:1") == \
        "http://example.org:40022"
    assert plain.find_url("Welcome https://example.org/ to the host") is None
    assert plain.find_url("debug1: remote forward success for: listen 0, connect x") is None
    named = ssh("https://term.example.org/{port}")
    assert named.find_url("Allocated port 40022 for remote forward") == \
        "https://term.example.org/40022"


def test_devtunnel_login_output() -> None:
    login = parse_login("Logged in as me using GitHub.\nToken lifetime: 1.02:03:04\n", 0)
    assert login.logged_in
    assert login.provider == "github"
    assert login.token_lifetime == ((24 + 2) * 60 + 3) * 60 + 4
    assert not parse_login("Not logged in.", 1).logged_in
    assert not parse_login("Not logged in.", 0).logged_in
    assert parse_login("Logged in as me using Microsoft.", 0).token_lifetime is None


def test_url_regex_groups_and_schemes() -> None:
    import re

    assert first_match(re.compile(r"at (\S+)"), "listening at bore.pub:4242.") == \
        "http://bore.pub:4242"
    assert first_match(re.compile(r"https://\S+"), "| https://a.b/ |") == "https://a.b"
    assert first_match(re.compile(r"x(y)?|(z)"), "z") == "http://z"


async def test_output_lines_are_bounded() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"a" * (process.MAX_LINE * 3) + b"\nnext\r\n")
    reader.feed_data("tail é".encode())
    reader.feed_eof()
    lines = [line async for line in process.lines(reader)]
    assert lines == ["a" * process.MAX_LINE, "next", "tail é"]


def test_status_messages_follow_the_contract() -> None:
    status = TunnelStatus(state="reconnecting", tunnel="ngrok", attempt=2, retry_in=5.0,
                          reason="exited", message="ngrok exited (1): boom")
    assert status.as_message() == {
        "type": "tunnel-status", "state": "reconnecting", "tunnel": "ngrok",
        "reason": "exited", "message": "ngrok exited (1): boom", "attempt": 2, "retryIn": 5.0,
    }
    off = TunnelStatus().as_api()
    assert {k: off[k] for k in ("state", "provider", "tokenLifetimeSeconds")} == {
        "state": "disconnected", "provider": None, "tokenLifetimeSeconds": None}
    connected = replace(status, state="connected", url="https://x.example", attempt=0,
                        retry_in=None, reason=None, message=None)
    assert connected.as_message() == {"type": "tunnel-status", "state": "connected",
                                      "tunnel": "ngrok", "url": "https://x.example"}
