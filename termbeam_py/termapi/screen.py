"""`GET /api/sessions/:id/screen`: what the terminal shows now, as text.

The screen is worked out only when asked: the end of the output log is fed to pyte (a
terminal emulator, imported here and nowhere else) in a worker thread. At most SCREEN_WINDOW
bytes are fed, from the last full-screen clear in them when there is one; while a full-screen
program runs, only what it drew since it entered the alternate screen. Lines that scrolled
by before the window are not needed for the screen, but a program that drew its screen once
and then printed more than the window without redrawing is shown as the window rebuilds it.
"""

from __future__ import annotations

import asyncio
from typing import TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions.outlog import sanitize_for_replay

routes = web.RouteTableDef()

#: Most bytes of the log fed to the emulator.
SCREEN_WINDOW = 256 * 1024
#: Full-screen clears (ED 2, RIS): the screen before them is gone.
_CLEARS = (b"\x1b[2J", b"\x1bc")


class Cursor(TypedDict):
    x: int
    y: int
    visible: bool


class ScreenInfo(TypedDict):
    lines: list[str]
    cursor: Cursor
    altScreen: bool
    cols: int
    rows: int


def screen_bytes(tail: bytes, alt_mode: int | None) -> bytes:
    """What to feed a fresh emulator so it shows the screen `tail` ends on."""
    if alt_mode is not None:
        # pyte has one screen: a program in the alternate screen drew all it shows there.
        enter = tail.rfind(b"\x1b[?%dh" % alt_mode)
        if enter >= 0:
            return sanitize_for_replay(tail[enter:], alt_mode)
        return sanitize_for_replay(tail, alt_mode)
    # Finished alt-screen episodes (vim that was quit) go, as the terminal's own screen
    # switch would have hidden them; then start at the last full clear.
    data = sanitize_for_replay(tail, None)
    clear = max(data.rfind(c) for c in _CLEARS)
    return data[clear:] if clear >= 0 else data


def render(data: bytes, cols: int, rows: int, alt: bool) -> ScreenInfo:
    """Feed `data` to a cols x rows emulator (blocking, CPU: run in a thread)."""
    import pyte  # lazily: only a script asking for a screen needs it

    class Screen(pyte.Screen):
        # pyte 0.8.2 passes `private=True` for CSI > … m (vim sends ESC[>4;2m, xterm's
        # modifyOtherKeys), which its own handler does not take: such a sequence is no
        # colour, so it is ignored here.
        def select_graphic_rendition(self, *attrs: int, private: bool = False) -> None:
            if not private:
                super().select_graphic_rendition(*attrs)

    screen = Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    return {
        "lines": [line.rstrip() for line in screen.display],
        "cursor": {"x": screen.cursor.x, "y": screen.cursor.y,
                   "visible": not screen.cursor.hidden},
        "altScreen": alt, "cols": cols, "rows": rows,
    }


def _cut(tail: bytes) -> bytes:
    """Start the window at a line start: never inside an escape sequence or a character."""
    newline = tail.find(b"\n", 0, 4096)
    return tail[newline + 1 :] if newline >= 0 else tail


@routes.get("/api/sessions/{id}/screen")
@requires(Scope.READ)
async def get_screen(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    log = session.log
    start = max(log.start, log.head - SCREEN_WINDOW)
    tail = log.read(start, log.head - start)
    if start > log.start:
        tail = _cut(tail)
    alt_mode = log.alt_mode
    cols, rows = session.terminal.cols, session.terminal.rows
    data = await asyncio.to_thread(screen_bytes, tail, alt_mode)
    info = await asyncio.to_thread(render, data, cols, rows, alt_mode is not None)
    return web.json_response(info)
