"""A real `ssh -R` tunnel: the test runs its own OpenSSH server on a loopback port, and a
browser-like client logs in to termbeam through the port that sshd forwards."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from termbeam_py.config import ConfigError, TunnelConfig
from termbeam_py.tunnel.providers import make_provider
from termbeam_py.tunnel.providers.ssh import parse_target
from tests.helpers import PW, Server, eventually, free_port, unavailable

WAIT = 20.0


def _sshd() -> str | None:
    # sshd lives in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("sshd") or "/usr/sbin/sshd"
    return found if os.access(found, os.X_OK) else None


async def _accepts(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class Sshd:
    """One private sshd: its own host key, one authorized client key, loopback only."""

    def __init__(self, root: Path, binary: str) -> None:
        self.root = root
        self.binary = binary
        self.port = free_port()
        self.client_key = root / "client_key"
        self.known_hosts = root / "known_hosts"
        self.proc: asyncio.subprocess.Process | None = None
        self.log = root / "sshd.log"

    def write_config(self) -> Path:
        for key in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(self.root / key)], check=True, timeout=30)
        authorized = self.root / "authorized_keys"
        authorized.write_text((self.root / "client_key.pub").read_text())
        authorized.chmod(0o600)
        config = self.root / "sshd_config"
        config.write_text("\n".join([
            "ListenAddress 127.0.0.1", f"Port {self.port}",
            f"HostKey {self.root / 'host_key'}", f"AuthorizedKeysFile {authorized}",
            "PidFile none", "UsePAM no",
            # The temp dir's modes are not what StrictModes wants for ~/.ssh.
            "StrictModes no",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "AllowTcpForwarding remote",
            "GatewayPorts no", "LogLevel VERBOSE", "",
        ]))
        return config

    async def start(self) -> None:
        config = self.write_config()
        check = subprocess.run([self.binary, "-t", "-f", str(config)], capture_output=True,
                               text=True, timeout=30, check=False)
        if "privilege separation directory" in check.stderr:
            if os.geteuid() != 0:
                unavailable(f"sshd cannot run here: {check.stderr.strip()}")
            # Debian creates /run/sshd when its service starts; a test-run sshd needs it too.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        with self.log.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                self.binary, "-D", "-e", "-f", str(config), stdout=log, stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
            )
        proc = self.proc

        async def listening() -> bool:
            assert proc.returncode is None, self.log.read_text()
            return await _accepts(self.port)

        await eventually(listening, f"sshd to listen on {self.port}", WAIT)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), WAIT)

    def ssh_options(self) -> str:
        return shlex.join([
            "-F", "/dev/null", "-i", str(self.client_key), "-o", "IdentitiesOnly=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}",
        ])


@pytest.fixture
async def sshd(tmp_path: Path) -> AsyncIterator[Sshd]:
    binary = _sshd()
    if binary is None or not shutil.which("ssh") or not shutil.which("ssh-keygen"):
        unavailable("OpenSSH (sshd, ssh, ssh-keygen) is not installed: "
                    "apt-get install openssh-server")
    root = tmp_path / "sshd"
    root.mkdir()
    server = Sshd(root, binary)
    await server.start()
    yield server
    await server.stop()


async def test_login_through_a_real_ssh_reverse_tunnel(
    sshd: Sshd, spawn: Callable[..., Server]
) -> None:
    server = spawn(extra=(
        "--tunnel-ssh", f"{getpass.getuser()}@127.0.0.1:{sshd.port}",
        "--tunnel-remote-port", "0", "--tunnel-ssh-opts", sshd.ssh_options(),
    ))
    await server.start()
    await server.started()
    public = (await server.wait_line(r"^\s*Public:\s+(http://127\.0\.0\.1:(\d+))\s*$"))
    url, remote_port = public.group(1), int(public.group(2))
    assert remote_port != server.port  # sshd's listener, not ours
    # unsafe=True: keep cookies from an IP-address host, as a browser does.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(url + "/api/sessions") as response:
            assert response.status == 401  # the tunnel reaches termbeam, which wants a login
        async with http.post(url + "/api/auth", json={"password": PW}) as response:
            assert response.status == 200, await response.text()
        async with http.get(url + "/api/sessions") as response:
            assert response.status == 200
            assert len(await response.json()) == 1
        async with http.get(url + "/api/tunnel/status") as response:
            status = await response.json()
    assert (status["state"], status["tunnel"], status["url"]) == ("connected", "ssh", url)
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0
    # ssh is gone, so sshd closed the forwarded port.
    async def closed() -> bool:
        return not await _accepts(remote_port)

    await eventually(closed, "sshd to close the forwarded port", WAIT)
    assert "Accepted publickey" in sshd.log.read_text()


# --------------------------------------------------------------------------- target injection


@pytest.mark.parametrize("target", [
    "-oProxyCommand=touch /tmp/x", "-oProxyCommand=sh", "-p22", "me@-oProxyCommand=sh",
    "-me@host", "me@", "@host", "me@host name", "me@ho\nst", "me\t@host", "me\x1b@host",
    "host:", "host:0", "host:99999", "host:+22", "host: 22", "host:٢٢", "[::1", "[::1]x",
    "[not-v6]:22", "::zz", "ho/st", "-", "host-", "a..b",
])
def test_bad_targets_are_refused(target: str) -> None:
    with pytest.raises(ValueError, match="invalid ssh target"):
        parse_target(target)
    with pytest.raises(ConfigError, match="invalid ssh target"):
        TunnelConfig(provider="ssh", ssh_target=target)


def test_good_targets() -> None:
    assert parse_target("me@example.org:2222") == ("me@example.org", "example.org", 2222)
    assert parse_target("token+qr@a.pinggy.io") == ("token+qr@a.pinggy.io", "a.pinggy.io", None)
    assert parse_target("u@[::1]:22") == ("u@::1", "::1", 22)
    assert parse_target("u@::1") == ("u@::1", "::1", None)
    assert parse_target("10.0.0.1:22") == ("10.0.0.1", "10.0.0.1", 22)
    assert parse_target("my_alias") == ("my_alias", "my_alias", None)
    assert parse_target("host.example.") == ("host.example.", "host.example.", None)


def test_destination_comes_after_a_double_dash(tmp_path: Path) -> None:
    cfg = TunnelConfig(provider="ssh", ssh_target="me@example.org:2222",
                       ssh_options=("-i", "key", "-A"))
    argv = make_provider(cfg, port=4321, target_host="127.0.0.1", id_file=tmp_path / "t.json",
                         public_url=None).command()
    assert argv[-5:] == ["-i", "key", "-A", "--", "me@example.org"]
    assert argv.index("--") == len(argv) - 2
    assert argv[argv.index("-R"):argv.index("-R") + 2] == ["-R", "80:127.0.0.1:4321"]
    assert argv[argv.index("-p"):argv.index("-p") + 2] == ["-p", "2222"]


async def test_option_like_target_is_a_usage_error_and_runs_nothing(
    spawn: Callable[..., Server], tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "ssh-ran"
    fake = bin_dir / "ssh"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {shlex.quote(str(ran))}\nexec sleep 60\n")
    fake.chmod(0o755)
    touched = tmp_path / "x"
    server = spawn(
        extra=("--tunnel-ssh", f"-oProxyCommand=touch {touched}"),
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    await server.start()
    assert await server.refused_or_started() == "refused", "\n".join(server.lines)
    assert server.proc is not None
    assert server.proc.returncode == 2
    assert "invalid ssh target" in server.stderr
    assert not ran.exists()
    assert not touched.exists()
