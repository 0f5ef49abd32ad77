"""Parsing and naming the detach key (`^B`, `ctrl+b`, `\\x02`, or one literal character)."""

from __future__ import annotations

import re

DEFAULT_DETACH_KEY = "^B"

_CTRL = re.compile(r"^(?:\^|ctrl\+|ctrl-|c-)(.)$", re.IGNORECASE)
_HEX = re.compile(r"^\\x([0-9a-fA-F]{2})$")


def parse_detach_key(spec: str) -> bytes:
    """The byte the key sends; ValueError for anything that is not one key."""
    if match := _HEX.match(spec):
        return bytes([int(match.group(1), 16)])
    if match := _CTRL.match(spec):
        char = match.group(1).upper()
        # Ctrl clears the two high bits of @, A-Z, [, \, ], ^, _ (and ? becomes DEL).
        if char == "?":
            return b"\x7f"
        if "@" <= char <= "_":
            return bytes([ord(char) & 0x1F])
        raise ValueError(f"no control key for {char!r}")
    encoded = spec.encode()
    if len(spec) == 1:
        return encoded
    raise ValueError(f"not a single key: {spec!r}")


def describe_key(key: bytes) -> str:
    """A human name for the key, e.g. Ctrl+B."""
    if len(key) == 1 and key[0] < 0x20:
        return "Ctrl+" + chr(key[0] | 0x40)
    if key == b"\x7f":
        return "Ctrl+?"
    return key.decode(errors="replace")
