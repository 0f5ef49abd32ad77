"""Host, Origin and forwarded-address values: strict parsing, and which names are our own.

A Host is `name`, `name:port`, `[v6]` or `[v6]:port`, the port digits only; anything else is
refused, never guessed at (`[::1]evil.example` is not `::1`). Names are compared lower-case
and IP literals in canonical form, so `[::0:1]` and `[::1]` are the same host.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_HOST = re.compile(
    r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9_-]+(?:\.[a-z0-9_-]+)*))(?::(?P<port>[0-9]{1,5}))?"
)
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>[^/?#@]+)")
DEFAULT_PORTS = {"http": 80, "https": 443}
WILDCARDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names to compare, not to bind


@dataclass(frozen=True, slots=True)
class HostPort:
    """A parsed Host: `name` lower-case, an IP literal canonical (IPv6 without brackets)."""

    name: str
    port: int | None = None

    @property
    def ip(self) -> IPAddress | None:
        return _ip(self.name)

    @property
    def url_host(self) -> str:
        """The name as it goes in a URL (IPv6 in brackets)."""
        return f"[{self.name}]" if ":" in self.name else self.name


def _ip(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


def parse_host(value: str) -> HostPort | None:
    """A Host header (or an Origin's host part), or None when it is not one."""
    if not value.isascii():
        return None
    match = _HOST.fullmatch(value.lower())
    if match is None:
        return None
    port = int(match["port"]) if match["port"] is not None else None
    if port is not None and port > 65535:
        return None
    if match["v6"] is not None:
        try:
            return HostPort(str(ipaddress.IPv6Address(match["v6"])), port)
        except ValueError:
            return None
    name = match["name"]
    if name.replace(".", "").isdigit():  # numeric: an IPv4 literal or nothing
        ip = _ip(name)
        return HostPort(str(ip), port) if isinstance(ip, ipaddress.IPv4Address) else None
    return HostPort(name, port)


def parse_origin(value: str) -> tuple[str, HostPort] | None:
    """(scheme, host) of an http(s) Origin header; None for anything else (`null` included)."""
    match = _ORIGIN.fullmatch(value.lower()) if value.isascii() else None
    if match is None:
        return None
    host = parse_host(match["host"])
    return (match["scheme"], host) if host is not None else None


def effective_port(scheme: str, port: int | None) -> int | None:
    return DEFAULT_PORTS.get(scheme) if port is None else port


def is_loopback(address: str | None) -> bool:
    """A loopback name or address (`localhost`, 127.0.0.0/8, ::1, ::ffff:127.x.y.z)."""
    if not address:
        return False
    text = address.strip("[]").lower()
    if text == "localhost":
        return True
    ip = _ip(text)
    return ip is not None and ip.is_loopback


def parse_forwarded_for(entry: str) -> IPAddress | None:
    """One X-Forwarded-For entry: an address, optionally `a.b.c.d:port` or `[v6]:port`
    (some proxies add the client's port); None when it is not an address."""
    text = entry.strip()
    if text.startswith("["):
        text, closed, rest = text[1:].partition("]")
        if not closed or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    return _ip(text)


def limit_key(address: str) -> str:
    """The rate limiters' key for a client address: IPv6 clients by their /64, since one
    home or host usually holds a whole /64 and could otherwise rotate through it."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address) and not ip.is_loopback:
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip) if ip is not None else address


def _key(value: str) -> str:
    """How a configured name is compared: as a parsed Host when it is one (a port dropped)."""
    parsed = parse_host(value.strip())
    return parsed.name if parsed is not None else value.strip().lower()


class HostNames:
    """The Host names this server answers to: the DNS-rebinding defence.

    Accepted: loopback names and addresses, `*.localhost`, `--allow-host`, the tunnel and
    `--public-url` hosts, the name we were told to bind, the machine's name when we listen
    beyond loopback, and an IP literal only when it is the very address the client connected
    to (the socket's local address). That last rule covers `--lan` and a specific bind address
    exactly, without enumerating interfaces: a browser always sends the address it dialled. An
    IP literal that is not ours (`203.0.113.9`) is refused.
    """

    def __init__(self, bind_host: str, allow_hosts: Iterable[str]) -> None:
        self.extra = {_key(h) for h in allow_hosts if h.strip()}
        if not is_loopback(bind_host):
            if bind_host not in WILDCARDS and _ip(bind_host.strip("[]")) is None:
                self.extra.add(_key(bind_host))
            hostname = socket.gethostname().lower()
            self.extra |= {hostname, f"{hostname}.local"}
        self.public: dict[str, bool] = {}
        """Host name → reached over https, for --public-url and the live tunnel URL."""

    def set_public_urls(self, *urls: str | None) -> None:
        """Accept these URLs' hosts (replacing the previous set: a quick tunnel's name
        changes on every restart)."""
        self.public = {}
        for url in filter(None, urls):
            parts = urlsplit(url)
            if parts.hostname:
                self.public[_key(parts.hostname)] = parts.scheme == "https"

    def public_https(self, host: HostPort | None) -> bool:
        return host is not None and self.public.get(host.name, False)

    def allowed(self, host: HostPort, local_address: str | None) -> bool:
        name = host.name
        if name == "localhost" or name.endswith(".localhost"):
            return True
        if name in self.extra or name in self.public:
            return True
        ip = host.ip
        if ip is None:
            return False
        # A DNS-rebinding page sends its own domain name, never our address, so an IP literal
        # is safe when it is loopback or the address this connection reached.
        local = _ip(local_address.split("%")[0]) if local_address else None  # no zone id in a Host
        return ip.is_loopback or ip == local
