"""`GET /api/sessions/:id/search`: find text in a session's scrollback (its output log).

The log is split into lines at `\\n`; a line's text is what it shows: escape sequences are
removed and a carriage return starts it over (a progress bar shows its last state). Line 1
is the oldest line the log still holds, so numbers shift as the log is trimmed; each match
also gives `seq`, the sequence number of its line's first byte, which stays put (use it with
`/output?since=`). The search runs in a worker thread with a deadline; a regular expression
is matched with the `regex` module's own timeout, so no pattern can hold a thread for long.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest
from termbeam_py.scopes import Scope, requires

routes = web.RouteTableDef()

MAX_QUERY = 1000
MAX_MATCHES = 500
#: Seconds one search may take; past it the answer says `timedOut` with what was found.
DEADLINE = 2.0
#: Longest line text returned (a match far into a longer line is still found).
MAX_LINE_TEXT = 2000
#: CSI, OSC (to BEL or ST), other string sequences, and two-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?"
)


class Match(TypedDict):
    line: int
    seq: int
    text: str


def visible(raw: bytes) -> str:
    """What a line of output shows: no escape sequences, the part after its last CR."""
    text = _ESCAPES.sub("", raw.decode("utf-8", "replace"))
    if "\r" in text:
        parts = [p for p in text.split("\r") if p]
        text = parts[-1] if parts else ""
    return "".join(c for c in text if c >= " " or c == "\t")


def _matcher(query: str, regex: bool, case: bool) -> Any:
    """A compiled pattern (the `regex` module, which has timeouts); 400 when it is wrong."""
    import regex as regex_module  # lazily: only searching needs it

    flags = 0 if case else regex_module.IGNORECASE
    try:
        return regex_module.compile(query if regex else regex_module.escape(query), flags)
    except regex_module.error as exc:
        raise BadRequest(f"invalid regular expression: {exc}") from None


def search(data: bytes, base: int, pattern: Any, deadline: float) -> tuple[list[Match], bool]:
    """Matches in `data` (whose first byte is sequence `base`), and whether time ran out.
    Blocking: run in a thread."""
    found: list[Match] = []
    offset = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        left = deadline - time.monotonic()
        if left <= 0:
            return found, True
        text = visible(raw)
        try:
            hit = pattern.search(text, timeout=left, concurrent=True)
        except TimeoutError:
            return found, True
        if hit is not None:
            found.append({"line": number, "seq": base + offset, "text": text[:MAX_LINE_TEXT]})
            if len(found) >= MAX_MATCHES:
                return found, False
        offset += len(raw) + 1
    return found, False


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "0")
    if value not in ("0", "1", "true", "false"):
        raise BadRequest(f"{name} must be 0 or 1")
    return value in ("1", "true")


@routes.get("/api/sessions/{id}/search")
@requires(Scope.READ)
async def search_scrollback(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    query = request.query.get("q", "")
    if not query:
        raise BadRequest("q is required")
    if len(query) > MAX_QUERY:
        raise BadRequest(f"q too long (max {MAX_QUERY} characters)")
    use_regex, case = _flag(request, "regex"), _flag(request, "case")
    pattern = await asyncio.to_thread(_matcher, query, use_regex, case)
    log = session.log
    start = log.start
    data = log.read(start, log.head - start)
    deadline = time.monotonic() + DEADLINE
    matches, timed_out = await asyncio.to_thread(search, data, start, pattern, deadline)
    return web.json_response({
        "matches": matches, "timedOut": timed_out,
        "truncated": len(matches) >= MAX_MATCHES, "firstSeq": start,
    })
