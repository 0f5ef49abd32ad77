"""The `--tunnel-ssh [user@]host[:port]` syntax, checked strictly at start-up.

The target ends up on ssh's command line: a value ssh could read as an option (a leading
`-`, as in `-oProxyCommand=...`) or that is not a plain host name or address is refused here,
before anything runs. The command also puts `--` before the destination.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
#: A DNS name or ssh alias: dot-separated labels of letters, digits, `_` and inner `-`.
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
MAX_HOSTNAME = 253


class SshTargetError(ValueError):
    """The target is not `[user@]host[:port]`; the message says why, for the user."""


def _check_user(target: str, user: str) -> None:
    if not user:
        raise SshTargetError(f"invalid ssh target {target!r}: the user before @ is empty")
    if user.startswith("-") or any(ch.isspace() or not ch.isprintable() for ch in user):
        raise SshTargetError(f"invalid ssh target {target!r}: the user must not start with - "
                             "or contain spaces or control characters")


def _check_host(target: str, host: str, bracketed: bool) -> None:
    if bracketed or ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise SshTargetError(
                f"invalid ssh target {target!r}: {host!r} is not an IPv6 address") from None
        return
    if not host or len(host) > MAX_HOSTNAME or not _HOSTNAME.fullmatch(host):
        raise SshTargetError(f"invalid ssh target {target!r}: the host must be a host name "
                             "or an IP address")


def _check_port(target: str, text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise SshTargetError(f"invalid ssh target {target!r}: the port must be 1-65535")
    return int(text)


def parse_target(target: str) -> tuple[str, str, int | None]:
    """`[user@]host[:port]` (IPv6 as `[addr]:port`) → (user@host or host, host, port).

    Raises:
        SshTargetError: the target could be read by ssh as an option, or is not of that form.
    """
    user, at, rest = target.rpartition("@")
    if at:
        _check_user(target, user)
    port: int | None = None
    bracketed = rest.startswith("[")
    if bracketed:
        host, closed, tail = rest[1:].partition("]")
        if not closed or (tail and not tail.startswith(":")):
            raise SshTargetError(f"invalid ssh target {target!r}: expected [user@]host[:port]")
        if tail:
            port = _check_port(target, tail[1:])
    elif rest.count(":") == 1:
        host, _, text = rest.partition(":")
        port = _check_port(target, text)
    else:
        host = rest
    _check_host(target, host, bracketed)
    return (f"{user}@{host}" if at else host), host, port
