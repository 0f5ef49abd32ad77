"""The QR code of the console banner, drawn with segno by a short-lived child process.

Imported into the server, segno would stay in its memory for good (0.85 MB, about 2% of its
idle RSS) to be used once; the child costs ~50 ms at start-up. `draw` falls back to drawing
in-process when the child cannot run.
"""

from __future__ import annotations

import io
import logging
import os
import sys

from termbeam_py.child import run_child

log = logging.getLogger(__name__)

#: The URL goes in on stdin: it holds a one-time login token, and a command line is readable
#: by every user of the machine (/proc/<pid>/cmdline).
SCRIPT = "import segno, sys; segno.make(sys.stdin.read(), error='L').terminal(compact=True)"
TIME_LIMIT = 10.0


def draw_here(url: str) -> str:
    """`url` as a QR code in terminal text, drawn in this process (which then keeps segno)."""
    import segno

    out = io.StringIO()
    segno.make(url, error="L").terminal(out=out, compact=True)
    return out.getvalue()


async def draw_in_child(
    url: str, *, python: str = sys.executable, time_limit: float = TIME_LIMIT
) -> str | None:
    """`url` as a QR code drawn by the interpreter `python` in a child process (killed after
    `time_limit` seconds); None when the child did not start, failed or printed nothing."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = await run_child([python, "-c", SCRIPT], time_limit, stdin=url.encode(), env=env)
    if done.start_error is not None:
        log.debug("QR child did not start (%s)", done.start_error)
        return None
    if not done.ok or not done.output.strip():
        log.debug("QR child failed (status %s)", "timed out" if done.timed_out else done.returncode)
        return None
    return done.output.decode("utf-8", "replace")


async def draw(url: str, *, python: str = sys.executable, time_limit: float = TIME_LIMIT) -> str:
    """`url` as a QR code in terminal text: drawn by a child process (`draw_in_child`), or
    here when that fails."""
    drawn = await draw_in_child(url, python=python, time_limit=time_limit)
    if drawn is None:
        log.debug("drawing the QR code in-process")
        return draw_here(url)
    return drawn
