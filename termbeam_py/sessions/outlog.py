"""The bounded, sequence-numbered output log of one session, and replay sanitising.

A session's output is one byte log. Byte `n` ever produced has sequence number `n`, so a
client is just a cursor into the log; the log drops its oldest half when it passes its cap.
Its bytes are in a ring (ring.py), in memory or in a file that a later server continues after
this one is killed. Every scan of the log here runs on the event loop (attach, resync,
detect-port), so each is one linear pass at C speed, whatever the bytes: output is whatever a
program printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from termbeam_py.sessions.ring import Ring

#: Caps from the API reference: the replay holds up to ~1,000,000 characters and is
#: trimmed back to ~500,000 when it grows past that. We count bytes, which bounds memory.
MAX_BYTES = 1_000_000
TRIM_TO = 500_000
#: When trimming, cut at a newline if one is this close to the new start.
NEWLINE_SLACK = 200
#: Bytes of the previous chunk kept to catch an alt-screen sequence split across reads.
ALT_CARRY = 16

_ALT_MODES = (1049, 1047, 47)
#: The last alt-screen toggle in a chunk, in one anchored pass: the greedy `.*` runs to the
#: end and backs up to the last ESC that starts a toggle (finditer would make a match object
#: per toggle, and a flood of toggles is cheap to print).
_LAST_TOGGLE = re.compile(rb"(?s:.*)\x1b\[\?(1049|1047|47)([hl])")
#: The last local URL with a port in 1-65535 (leading zeros allowed, as `int` reads them),
#: found the same way; its digits are never handed to `int` unbounded.
_LAST_URL_PORT = re.compile(
    rb"(?s:.*)https?://(?:localhost|127\.0\.0\.1|\[::1\]):0*+"
    rb"([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])(?!\d)"
)

# Replay sanitising reads the log as a terminal parses it. Every ESC starts a sequence (but
# the ESC of an ST, `ESC \`, ends one): CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, DCS/SOS/
# PM/APC `ESC P|X|^|_ … ST`, or `ESC … final`; a terminal executes control bytes met inside
# one. A sequence whose next ESC arrives before its end is *unfinished*: a terminal abandons
# it there. Each pattern below matches only at an ESC and only whole sequences, so deleting a
# match never leaves part of one; and once the unfinished ones are gone, what precedes every
# ESC is complete, so deleting a sequence never joins its neighbours into a new one (`ESC [` +
# `ESC[6n` + `6n` would otherwise become a query). Every repeat stops at the next ESC at the
# latest, so each pass is linear. Passes use split + join: `sub` costs ~3x more per match.
_CSI_OPEN = rb"[^\x40-\x7e\x1b]*+(?=\x1b)"
# A string is unfinished at an ESC that does not start its ST; an ESC that ends the log may.
_OSC_OPEN = rb"[^\x07\x1b]*+(?=\x1b)(?!\x1b(?:\\|\Z))"
_STRING_OPEN = rb"[^\x1b]*+(?=\x1b)(?!\x1b(?:\\|\Z))"
# Sequences that must not reach a terminal again on replay. Colour queries (OSC 4/10/11/12)
# and terminal queries (DA, DSR, DECRQM, XTVERSION, window reports, DECRQSS) make xterm.js
# answer, and the answers would arrive at the shell as typed text; ESC[3J would erase the
# scrollback the replay has just written. Recognised in their plain form only.
_CSI_QUERY = (
    rb"[>=]?0?c"  # primary / secondary / tertiary device attributes
    rb"|\??[56]n"  # device status / cursor position report
    rb"|\??\d++\$p"  # DECRQM mode queries
    rb"|>0?q"  # XTVERSION
    rb"|1[13-9]t|2[01]t"  # window state / size reports
    rb"|3J"  # clear scrollback
)
_OSC_COLOUR = rb"(?:4;\d++|1[012]);[^\x07\x1b]*+(?:\x07|\x1b\\)"
_DECRQSS = rb"\$q[^\x1b]*+\x1b\\"
_REMOVED = (
    rb"\x1b(?:"
    # A CSI goes if unfinished or a query; the lookahead passes over any other in one scan.
    + rb"\[(?=[^\x40-\x7e\x1b]*+[\x1bcnpqtJ])(?:" + _CSI_OPEN + b"|" + _CSI_QUERY + b")"
    + rb"|(?=\x1b)"  # a lone ESC
    + rb"|\](?:" + _OSC_OPEN + b"|" + _OSC_COLOUR + b")"
    + rb"|P(?:" + _STRING_OPEN + b"|" + _DECRQSS + b")"
    + rb"|[X^_]" + _STRING_OPEN
    # intermediates or control bytes after the ESC, then an unfinished sequence
    + rb"|[^\x30-\x7e\x1b]++(?:\[" + _CSI_OPEN + rb"|\]" + _OSC_OPEN
    + rb"|[PX^_]" + _STRING_OPEN + rb"|(?=\x1b))"
    + b")"
)
# A run of them is one match: a flood of them costs one slice, not one per sequence.
_STRIP = re.compile(_REMOVED + rb"(?:" + _REMOVED + rb")*+")
_TOGGLE = rb"\x1b\[\?(?:1049|1047|47)[hl]"
_TOGGLES = re.compile(_TOGGLE + rb"(?:" + _TOGGLE + rb")*+")
# An episode is an enter and the first later leave of the same mode, the lazy `.*?` stopping
# at that leave. `_drop_alt_screen` lets it be tried only at an enter that has a later leave:
# tried at one without, it would scan to the end of the log, once per such enter.
_EPISODE = b"|".join(rb"\x1b\[\?%dh.*?\x1b\[\?%dl" % (m, m) for m in _ALT_MODES)
_EPISODES_AND_TOGGLES = re.compile(
    rb"(?:" + _EPISODE + rb"|" + _TOGGLE + rb")(?:" + _EPISODE + rb"|" + _TOGGLE + rb")*+",
    re.DOTALL,
)


def _delete(pattern: re.Pattern[bytes], data: bytes) -> bytes:
    return b"".join(pattern.split(data))


def _enter(mode: int) -> bytes:
    return b"\x1b[?%dh" % mode


def _leave(mode: int) -> bytes:
    return b"\x1b[?%dl" % mode


def _skip_partial_utf8(data: bytes | bytearray, start: int) -> int:
    """Move `start` past UTF-8 continuation bytes so a cut never splits a character."""
    end = min(len(data), start + 3)
    while start < end and 0x80 <= data[start] < 0xC0:
        start += 1
    return start


def _drop_alt_screen(data: bytes) -> bytes:
    """Remove finished alt-screen episodes with their content, then every remaining toggle.

    Scanning left to right, an enter (1049, 1047 or 47) and the first later leave of the same
    mode, with all between, go; scanning resumes after that leave. So nested enters of one mode
    end at the first leave (a terminal is back on the normal screen there: what follows is kept),
    and an episode of one mode swallows toggles of the others inside it. An enter with no later
    leave of its mode is an unclosed episode (the log ends inside it, or the leave was lost):
    only the toggle goes, its content stays.
    """
    for mode in _ALT_MODES:
        # Enters after the last leave of their mode cannot start an episode: they are bare
        # toggles. Deleting them first means every enter the pattern tries has its leave.
        last = data.rfind(_leave(mode))
        after = last + len(_leave(mode)) if last >= 0 else 0
        if data.find(_enter(mode), after) >= 0:
            data = data[:after] + data[after:].replace(_enter(mode), b"")
    return _delete(_EPISODES_AND_TOGGLES, data)


def sanitize_for_replay(data: bytes, alt_mode: int | None) -> bytes:
    """Make raw scrollback safe to write into a freshly reset terminal, in linear time.

    Removed: unfinished sequences (a sequence cut short by the next ESC; one still open at the
    end is kept, the program may be writing it), colour and terminal queries and their replies,
    ESC[3J, finished alt-screen episodes (vim that was quit) with their content, and bare
    alt-screen toggles (see `_drop_alt_screen` for the pairing rule). When the session is still
    in the alt screen (`alt_mode`), the screen is re-entered and what the program drew since its
    last enter of that mode is written there, not on the normal screen. Queries are recognised
    in their plain 7-bit form only.
    """
    data = _delete(_STRIP, data)
    if alt_mode is None:
        return _drop_alt_screen(data)
    enter = _enter(alt_mode)
    at = data.rfind(enter)
    if at < 0:
        return _drop_alt_screen(data) + enter
    drawing = _delete(_TOGGLES, data[at + len(enter) :])
    return _drop_alt_screen(data[:at]) + enter + drawing


class OutputLog:
    """Bytes of recent output addressed by absolute sequence numbers.

    Args:
        max_bytes: the cap; an append past it drops the oldest bytes down to `trim_to`.
        trim_to: bytes kept by a trim (at most `max_bytes`).
        path: None to keep the bytes in memory; else a file for them, made anew (its
            directory must exist). `OutputLog.open` continues an existing one.

    Raises:
        OSError: the file could not be made (see `Ring`).
    """

    def __init__(
        self, max_bytes: int = MAX_BYTES, trim_to: int = TRIM_TO, path: Path | None = None
    ) -> None:
        self._setup(Ring(max_bytes, path), trim_to)

    @classmethod
    def open(cls, path: Path, max_bytes: int = MAX_BYTES, trim_to: int = TRIM_TO) -> OutputLog:
        """The log a previous process left in `path`, continued at its start, head and
        alt-screen mode. A missing or damaged file gives an empty log (at the old head when
        the header could still be read) and says why in `note`; bad contents never raise.

        Raises:
            OSError: the file could not be opened, locked (another process has it), sized
                or mapped.
        """
        log = cls.__new__(cls)
        log._setup(Ring(max_bytes, path, adopt=True), trim_to)
        return log

    def _setup(self, ring: Ring, trim_to: int) -> None:
        self._ring = ring
        self._max = ring.capacity
        # A trim leaves at most the cap, so the ring always has room for what it keeps.
        self._trim_to = min(trim_to, ring.capacity)
        self.note = ring.note
        """Why `open` could not continue the file (for the caller to log), or None."""
        self.alt_mode: int | None = ring.mode if ring.mode in _ALT_MODES else None
        """The alt-screen mode (1049, 1047 or 47) the session is in, or None."""
        # The tail held, so that a toggle split across a restart is still seen.
        self._carry = ring.read(max(ring.start, ring.head - ALT_CARRY), ring.head)

    @property
    def path(self) -> Path | None:
        """The file holding the log, or None when it is in memory."""
        return self._ring.path

    @property
    def start(self) -> int:
        """Sequence number of the oldest byte still held."""
        return self._ring.start

    @property
    def head(self) -> int:
        """Sequence number the next byte will get (total bytes ever appended)."""
        return self._ring.head

    def __len__(self) -> int:
        return len(self._ring)

    def append(self, data: bytes) -> None:
        self._track_alt_screen(data)
        ring = self._ring
        start = ring.start
        if ring.head - start + len(data) > self._max:
            start = self._trimmed_start(data)
        ring.append(data, start, self.alt_mode or 0)

    def read(self, since: int, limit: int) -> bytes:
        """Up to `limit` bytes from sequence `since`; `since` must be within [start, head]."""
        ring = self._ring
        if since < ring.start or since > ring.head:
            raise ValueError(f"sequence {since} is outside the log [{ring.start}, {ring.head}]")
        return ring.read(since, min(since + limit, ring.head))

    def clear(self) -> None:
        """Forget everything held (in memory, its pages go back to the system); sequence
        numbers keep counting from the head."""
        self._ring.clear(self.alt_mode or 0)

    def snapshot(self) -> bytes:
        """The sanitised replay of everything held (see `sanitize_for_replay`)."""
        ring = self._ring
        return sanitize_for_replay(ring.read(ring.start, ring.head), self.alt_mode)

    def last_local_port(self) -> int | None:
        """The port of the last `http(s)://localhost:<port>` (or 127.0.0.1) URL in the log.

        One anchored pass over the log, no list of matches: a URL whose port is outside
        1-65535 (or 6+ significant digits) is passed over for an earlier one.
        """
        match = self._ring.match(_LAST_URL_PORT)
        return int(match.group(1)) if match else None

    def move(self, path: Path) -> None:
        """Rename the log's file to `path` (same file system; blocking: call it in a thread).
        A log made ahead of time becomes a session's this way."""
        old = self._ring.path
        if old is None:
            raise ValueError("an in-memory log has no file to move")
        os.rename(old, path)
        self._ring.path = path

    def close(self, *, unlink: bool = False) -> None:
        """Let go of the log's memory (and file); with `unlink`, delete the file: its session
        has ended. The log is unusable afterwards."""
        self._ring.close(unlink=unlink)

    def _track_alt_screen(self, data: bytes) -> None:
        # A toggle is in this chunk or straddles the previous one; only then is the carry
        # joined to the chunk (a flood would otherwise copy every byte once more).
        edge = self._carry + data[:ALT_CARRY]
        if b"\x1b[?" in data or b"\x1b[?" in edge:  # memchr-fast; the regex only on a hit
            last = _LAST_TOGGLE.match(self._carry + data)
            if last is not None:
                self.alt_mode = int(last.group(1)) if last.group(2) == b"h" else None
        self._carry = data[-ALT_CARRY:] if len(data) >= ALT_CARRY else edge[-ALT_CARRY:]

    def _trimmed_start(self, data: bytes) -> int:
        """Where the log starts once `data` is appended and the log trimmed: the newest
        `trim_to` bytes, cut just after a newline NEWLINE_SLACK bytes on at most, or else
        never inside a UTF-8 character. Worked out before anything is written, so the bytes
        it drops are never stored."""
        cut = self._ring.head + len(data) - self._trim_to
        window = self._joined(data, cut, cut + NEWLINE_SLACK)
        newline = window.find(b"\n")
        if newline >= 0:
            return cut + newline + 1
        return cut + _skip_partial_utf8(window[:3], 0)

    def _joined(self, data: bytes, since: int, stop: int) -> bytes:
        """Bytes [since, stop) of the log as it will be with `data` appended (a few hundred)."""
        head = self._ring.head
        stop = min(stop, head + len(data))
        if since >= head:
            return data[since - head : stop - head]
        if stop <= head:
            return self._ring.read(since, stop)
        return self._ring.read(since, head) + data[: stop - head]
