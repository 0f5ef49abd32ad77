"""The bounded, sequence-numbered output log of one session, and replay sanitising.

A session's output is one byte log. Byte `n` ever produced has sequence number `n`, so a
client is just a cursor into the log; the log drops its oldest half when it passes its cap.
"""

from __future__ import annotations

import re

#: Caps from the API reference: the replay holds up to ~1,000,000 characters and is
#: trimmed back to ~500,000 when it grows past that. We count bytes, which bounds memory.
MAX_BYTES = 1_000_000
TRIM_TO = 500_000
#: When trimming, cut at a newline if one is this close to the new start.
NEWLINE_SLACK = 200
#: Bytes of the previous chunk kept to catch an alt-screen sequence split across reads.
ALT_CARRY = 16

_ALT_TOGGLE = re.compile(rb"\x1b\[\?(1049|1047|47)([hl])")
_URL_PORT = re.compile(rb"https?://(?:localhost|127\.0\.0\.1|\[::1\]):(\d+)")

# Sequences that must not reach a terminal again on replay. Colour queries (OSC 4/10/11/12)
# and terminal queries (DA, DSR, DECRQM, XTVERSION, window reports, DECRQSS) make xterm.js
# answer, and the answers would arrive at the shell as typed text.
_OSC_COLOUR = re.compile(rb"\x1b\](?:4;\d+|10|11|12);[^\x07\x1b]*(?:\x07|\x1b\\)")
_QUERIES = re.compile(
    rb"\x1b\[[>=]?0?c"  # primary / secondary / tertiary device attributes
    rb"|\x1b\[\??[56]n"  # device status / cursor position report
    rb"|\x1b\[\??\d+\$p"  # DECRQM mode queries
    rb"|\x1b\[>0?q"  # XTVERSION
    rb"|\x1b\[1[13-9]t|\x1b\[2[01]t"  # window state / size reports
    rb"|\x1bP\$q[^\x1b]*\x1b\\"  # DECRQSS
)
_ALT_PAIR = re.compile(rb"\x1b\[\?(1049|1047|47)h.*?\x1b\[\?\1l", re.DOTALL)
_CLEAR_SCROLLBACK = b"\x1b[3J"


def _skip_partial_utf8(data: bytes | bytearray, start: int) -> int:
    """Move `start` past UTF-8 continuation bytes so a cut never splits a character."""
    end = min(len(data), start + 3)
    while start < end and 0x80 <= data[start] < 0xC0:
        start += 1
    return start


def _strip_replies(data: bytes) -> bytes:
    data = _OSC_COLOUR.sub(b"", data)
    data = _QUERIES.sub(b"", data)
    return data.replace(_CLEAR_SCROLLBACK, b"")


def sanitize_for_replay(data: bytes, alt_mode: int | None) -> bytes:
    """Make raw scrollback safe to write into a freshly reset terminal.

    Finished alt-screen episodes (vim that was quit) are removed with their content; when the
    session is still in the alt screen, the screen is re-entered and what the program drew
    since it entered is written there, not on the normal screen.
    """
    alt_part = b""
    if alt_mode is not None:
        enter = data.rfind(b"\x1b[?%dh" % alt_mode)
        if enter >= 0:
            alt_part = data[enter:]
            data = data[:enter]
    data = _ALT_PAIR.sub(b"", _strip_replies(data))
    data = _ALT_TOGGLE.sub(b"", data)
    if alt_mode is None:
        return data
    alt_part = _ALT_TOGGLE.sub(b"", _strip_replies(alt_part))
    return data + b"\x1b[?%dh" % alt_mode + alt_part


class OutputLog:
    """Bytes of recent output addressed by absolute sequence numbers."""

    def __init__(self, max_bytes: int = MAX_BYTES, trim_to: int = TRIM_TO) -> None:
        self._buf = bytearray()
        self._start = 0
        self._max = max_bytes
        self._trim_to = trim_to
        self._carry = b""
        self.alt_mode: int | None = None
        """The alt-screen mode (1049, 1047 or 47) the session is in, or None."""

    @property
    def start(self) -> int:
        """Sequence number of the oldest byte still held."""
        return self._start

    @property
    def head(self) -> int:
        """Sequence number the next byte will get (total bytes ever appended)."""
        return self._start + len(self._buf)

    def __len__(self) -> int:
        return len(self._buf)

    def append(self, data: bytes) -> None:
        self._track_alt_screen(data)
        self._buf += data
        if len(self._buf) > self._max:
            self._trim()

    def read(self, since: int, limit: int) -> bytes:
        """Up to `limit` bytes from sequence `since`; `since` must be within [start, head]."""
        offset = since - self._start
        if offset < 0 or since > self.head:
            raise ValueError(f"sequence {since} is outside the log [{self._start}, {self.head}]")
        return bytes(self._buf[offset : offset + limit])

    def clear(self) -> None:
        """Forget everything held; sequence numbers keep counting from the head."""
        self._start = self.head
        self._buf.clear()

    def snapshot(self) -> bytes:
        """The sanitised replay of everything held (see `sanitize_for_replay`)."""
        return sanitize_for_replay(bytes(self._buf), self.alt_mode)

    def last_local_port(self) -> int | None:
        """The port of the last `http(s)://localhost:<port>` (or 127.0.0.1) URL in the log."""
        for match in reversed(list(_URL_PORT.finditer(self._buf))):
            port = int(match.group(1))
            if 1 <= port <= 65535:
                return port
        return None

    def _track_alt_screen(self, data: bytes) -> None:
        # A toggle is in this chunk or straddles the previous one; only then is the carry
        # joined to the chunk (a flood would otherwise copy every byte once more).
        edge = self._carry + data[:ALT_CARRY]
        if b"\x1b[?" in data or b"\x1b[?" in edge:  # memchr-fast; the regex only on a hit
            last = None
            for last in _ALT_TOGGLE.finditer(self._carry + data):  # noqa: B007 - the last counts
                pass
            if last is not None:
                self.alt_mode = int(last.group(1)) if last.group(2) == b"h" else None
        self._carry = data[-ALT_CARRY:] if len(data) >= ALT_CARRY else edge[-ALT_CARRY:]

    def _trim(self) -> None:
        cut = len(self._buf) - self._trim_to
        newline = self._buf.find(b"\n", cut, cut + NEWLINE_SLACK)
        cut = newline + 1 if newline >= 0 else _skip_partial_utf8(self._buf, cut)
        del self._buf[:cut]
        self._start += cut
