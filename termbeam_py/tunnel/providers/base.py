"""What every tunnel provider supplies to the supervisor: a command, a URL parser, a login check."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import ClassVar

#: Output that means the provider cannot reach its service (wait for the network, no retries
#: used up).
NETWORK_ERRORS = re.compile(
    r"getaddrinfo|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network is unreachable|"
    r"no such host|temporary failure in name resolution|nodename nor servname|"
    r"could not resolve hostname|name or service not known",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Login:
    """A provider's login as its CLI reports it."""

    logged_in: bool
    provider: str | None = None
    """microsoft or github (devtunnel), else None."""
    token_lifetime: float | None = None
    """Seconds the current token has left, when the CLI says."""


class ProviderError(Exception):
    """Preparing the tunnel failed; the message is one line for the log and the status."""


class Provider:
    """Defaults for a provider that needs no preparation, login or clean-up."""

    name: ClassVar[str]
    install_hint: ClassVar[str]
    """One line telling how to install the program."""
    login_hint: ClassVar[str] = "log in with the provider's CLI"
    #: Output that means the provider needs a login before it can serve.
    auth_errors: ClassVar[re.Pattern[str] | None] = None
    network_errors: ClassVar[re.Pattern[str]] = NETWORK_ERRORS
    #: Where a cheap DNS lookup tells whether the network is back (None: assume it is).
    probe_host: str | None = None
    #: ssh's session mode reads stdin: an EOF would end the tunnel.
    keep_stdin: bool = False

    def __init__(self, port: int, target_host: str) -> None:
        self.port = port
        self.target_host = target_host
        """The address the tunnel dials to reach us (127.0.0.1 unless bound elsewhere)."""

    @property
    def local_url(self) -> str:
        return f"http://{self.target_host}:{self.port}"

    @property
    def binary(self) -> str:
        return self.command()[0]

    def command(self) -> list[str]:
        raise NotImplementedError

    def find_url(self, line: str) -> str | None:
        """The public URL if this output line announces it."""
        raise NotImplementedError

    def needs_login(self, line: str) -> bool:
        return bool(self.auth_errors and self.auth_errors.search(line))

    def network_lost(self, line: str) -> bool:
        return bool(self.network_errors.search(line))

    async def login(self) -> Login | None:
        """The login state; None when the provider has no login to check."""
        return None

    async def healthy(self) -> bool | None:
        """Whether the running tunnel still serves; None when the provider cannot tell."""
        return None

    async def prepare(self) -> None:
        """Create whatever must exist before `command()` runs (devtunnel's tunnel id)."""

    async def cleanup(self) -> None:
        """Delete what `prepare` made and must not outlive the server."""

    @property
    def public(self) -> bool:
        return True


async def dns_probe(host: str | None, limit: float = 5.0) -> bool:
    """True if `host` resolves: a cheap sign that the network is back."""
    if host is None:
        return True
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.getaddrinfo(host, 443), limit)
    except (OSError, TimeoutError):
        return False
    return True


def first_match(pattern: re.Pattern[str], line: str) -> str | None:
    """The first group that matched (else the whole match), trailing punctuation cut."""
    match = pattern.search(line)
    if match is None:
        return None
    groups = [g for g in match.groups() if g]
    url = groups[0] if groups else match.group(0)
    url = url.rstrip(".,;:)'\"|/ ")
    if "://" not in url:
        url = "http://" + url
    return url
