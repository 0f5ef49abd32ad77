"""The arrow-key chooser of `termbeam attach` when several sessions fit: ↑/↓ or k/j move,
Enter picks, a digit picks that row, Ctrl+C or q leaves. Keys are parsed from a buffer, so an
escape sequence split over two reads, or several keys in one read, still count once each.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from termbeam_py.client.terminal import raw_mode

UP, DOWN, PICK, QUIT = "up", "down", "pick", "quit"
_SEQUENCES = {
    b"\x1b[A": UP, b"\x1bOA": UP, b"\x1b[B": DOWN, b"\x1bOB": DOWN,
    b"k": UP, b"K": UP, b"j": DOWN, b"J": DOWN,
    b"\r": PICK, b"\n": PICK, b"\x03": QUIT, b"\x04": QUIT, b"q": QUIT, b"Q": QUIT,
}
#: Escape sequences this parser does not know, skipped whole: CSI/SS3 with their parameters.
_FINAL = range(0x40, 0x7F)


def parse_keys(buffer: bytes) -> tuple[list[str], bytes]:
    """The keys at the start of `buffer` and the incomplete rest (wait for more bytes).

    Digits come back as themselves ("1".."9"); unknown bytes and sequences are dropped.
    """
    keys: list[str] = []
    i = 0
    while i < len(buffer):
        rest = buffer[i:]
        match = next((seq for seq in _SEQUENCES if rest.startswith(seq)), None)
        if match is not None:
            keys.append(_SEQUENCES[match])
            i += len(match)
        elif rest[:1] == b"\x1b":
            end = _escape_end(rest)
            if end is None:
                break  # the rest of the sequence is still on its way
            i += end
        else:
            if rest[:1].isdigit() and rest[:1] != b"0":
                keys.append(rest[:1].decode())
            i += 1
    return keys, buffer[i:]


def _escape_end(data: bytes) -> int | None:
    """Length of the escape sequence at the start of `data`; None when it is incomplete."""
    if len(data) < 2:
        return None
    if data[1:2] not in (b"[", b"O"):
        return 2  # ESC and one character (Alt+key)
    for index in range(2, len(data)):
        if data[index] in _FINAL:
            return index + 1
    return None


def _draw(rows: Sequence[str], current: int, title: str, redraw: bool,
          verb: str = "attach") -> bytes:
    lines = [f"\x1b[1m{title}\x1b[0m"] + [
        (f"\x1b[7m❯ {row}\x1b[0m" if i == current else f"  {row}") for i, row in enumerate(rows)
    ] + [f"\x1b[2m↑/↓ or j/k, Enter to {verb}, Ctrl+C to cancel\x1b[0m"]
    up = f"\x1b[{len(lines)}A" if redraw else ""
    return (up + "".join(f"\r\x1b[2K{line}\r\n" for line in lines)).encode()


def choose_row(rows: Sequence[str], title: str, fd_in: int, fd_out: int,
               read: Callable[[int], bytes] | None = None, start: int = 0,
               verb: str = "attach") -> int | None:
    """The index of the row picked on the terminal (`start` highlighted first), or None
    when the user left."""
    reader = read or (lambda fd: os.read(fd, 1024))
    current, buffer = start, b""
    with raw_mode(fd_in):
        os.write(fd_out, b"\x1b[?25l" + _draw(rows, current, title, False, verb))
        try:
            while True:
                data = reader(fd_in)
                if not data:
                    return None
                keys, buffer = parse_keys(buffer + data)
                for key in keys:
                    if key == QUIT:
                        return None
                    if key == PICK:
                        return current
                    if key.isdigit():
                        if int(key) <= len(rows):
                            return int(key) - 1
                        continue
                    step = -1 if key == UP else 1
                    current = (current + step) % len(rows)
                os.write(fd_out, _draw(rows, current, title, True, verb))
        finally:
            os.write(fd_out, b"\x1b[?25h")
