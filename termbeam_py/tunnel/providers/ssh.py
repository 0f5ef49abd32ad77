"""`ssh -R` to a host the user names: localhost.run-style services print the URL, a plain
server gets `--public-url` or http://host:remoteport once ssh confirms the forward."""

from __future__ import annotations

import re

from termbeam_py.tunnel.providers.base import NETWORK_ERRORS, Provider, first_match
from termbeam_py.tunnel.sshtarget import parse_target

__all__ = ["Ssh", "parse_target"]

#: Services that print the public URL in their ssh session (a plain sshd prints nothing).
URL_SERVICES = ("localhost.run", "serveo.net", "pinggy.io")
_SERVICE_URL = re.compile(
    r"tunneled with tls termination, (https://\S+)|Forwarding HTTP traffic from (https://\S+)|"
    r"(https://[a-z0-9.-]+\.pinggy\.link)",
    re.IGNORECASE,
)
# "Allocated port N" is printed at ssh's default log level for -R 0:…; the fixed-port
# confirmation is a debug1 line, which is why the command runs ssh with -v.
_FORWARDED = re.compile(
    r"Allocated port (\d+) for remote forward|remote forward success for: listen (?:\S+:)?(\d+)"
)
_AUTH = re.compile(r"Permission denied|Host key verification failed|Too many authentication")
_NETWORK = re.compile(
    NETWORK_ERRORS.pattern + r"|connection refused|connection timed out|no route to host",
    re.IGNORECASE,
)
SSH_OPTIONS = (
    "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=3", "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=accept-new",
)


class Ssh(Provider):
    name = "ssh"
    install_hint = "install the OpenSSH client (apt install openssh-client, brew install openssh)"
    login_hint = "check the ssh key: --tunnel-ssh-opts '-i ~/.ssh/KEY'"
    auth_errors = _AUTH
    network_errors = _NETWORK

    def __init__(self, port: int, target_host: str, *, target: str,
                 options: tuple[str, ...], remote_port: int, public_url: str | None,
                 url_regex: str | None) -> None:
        super().__init__(port, target_host)
        self.destination, self.host, self.ssh_port = parse_target(target)
        self.options = options
        self.remote_port = remote_port
        self.public_url = public_url
        self._url = re.compile(url_regex) if url_regex else _SERVICE_URL
        self.prints_url = url_regex is not None or self.host.endswith(URL_SERVICES)
        self.probe_host = self.host
        # Such services talk in a session (no -N) that ends when its stdin does.
        self.keep_stdin = self.prints_url

    def command(self) -> list[str]:
        argv = ["ssh", "-v", *SSH_OPTIONS]
        if self.ssh_port is not None:
            argv += ["-p", str(self.ssh_port)]
        argv += ["-T" if self.prints_url else "-N",
                 "-R", f"{self.remote_port}:{self.target_host}:{self.port}"]
        # `--`: nothing after it is an option, whatever the destination looks like. The
        # user's own --tunnel-ssh-opts come before it, as they asked.
        return [*argv, *self.options, "--", self.destination]

    def find_url(self, line: str) -> str | None:
        if self.prints_url and self.public_url is None:
            return first_match(self._url, line) if not line.startswith("debug") else None
        match = _FORWARDED.search(line)
        if match is None:
            return None
        remote = int(match.group(1) or match.group(2))
        if remote == 0:
            return None  # "-R 0:…" succeeded; the "Allocated port" line names the port
        if self.public_url:
            return self.public_url.replace("{port}", str(remote)).rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}" + ("" if remote == 80 else f":{remote}")
