"""This machine's LAN addresses, for the banner and the share link."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct

_SIOCGIFADDR = 0x8915  # Linux: the IPv4 address of one interface


def _interface_addresses() -> list[str]:
    found: list[str] = []
    if not hasattr(socket, "if_nameindex"):
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):
                packed = struct.pack("256s", name[:15].encode())
                raw = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, packed)
                found.append(socket.inet_ntoa(raw[20:24]))
    return found


def lan_ipv4() -> str | None:
    """The first non-loopback, non-link-local IPv4 address, or None."""
    candidates = _interface_addresses()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            candidates.append(str(info[4][0]))
    for address in candidates:
        ip = ipaddress.ip_address(address)
        if not ip.is_loopback and not ip.is_link_local and not ip.is_unspecified:
            return address
    return None


def lan_url(host: str, port: int) -> str | None:
    """The URL other devices use, when the server is reachable beyond loopback."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        address = lan_ipv4()
        return f"http://{address}:{port}" if address else None
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(host.strip("[]"))
        if ip.is_loopback:
            return None
        return f"http://[{ip}]:{port}" if ip.version == 6 else f"http://{ip}:{port}"
    return f"http://{host}:{port}"
