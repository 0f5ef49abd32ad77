"""`POST /api/sessions/:id/input` and the `GET /api/sessions/:id/output` long poll."""

from __future__ import annotations

import asyncio

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest, PayloadTooLarge
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions import Session
from termbeam_py.sessions.client import Client
from termbeam_py.termapi import reading

routes = web.RouteTableDef()

#: Largest `data` one input request may type, in characters (a paste goes in several).
MAX_INPUT = 64 * 1024
#: Longest long poll, in seconds.
MAX_WAIT = 60.0
#: Most bytes of output in one response; `next` continues from where it stopped.
OUTPUT_MAX = 256 * 1024


def number(request: web.Request, name: str, default: float, low: float, high: float) -> float:
    """A numeric query parameter within [low, high]; 400 naming it otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None
    if not low <= value <= high:  # NaN fails both
        raise BadRequest(f"{name} must be between {low:g} and {high:g}")
    return value


def sequence(request: web.Request, session: Session) -> int:
    """`since`: a sequence number no later than the log's head (default: its oldest byte)."""
    raw = request.query.get("since")
    if raw is None or raw == "":
        return session.log.start
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadRequest("since must be a sequence number (an integer >= 0)")
    since = int(raw)
    if since > session.log.head:
        raise BadRequest(f"since is past the end of the output (next byte is {session.log.head})")
    return since


@routes.post("/api/sessions/{id}/input")
@requires(Scope.WRITE)
async def send_input(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    body = await json_body(request)
    data = body.get("data")
    if not isinstance(data, str):
        raise BadRequest("data must be a string")
    if len(data) > MAX_INPUT:
        raise PayloadTooLarge(f"data too long (max {MAX_INPUT} characters per request)")
    raw = data.encode("utf-8", "replace")
    # The WebSocket's input path: one ordered writer per PTY, so this interleaves with
    # keystrokes from browsers in arrival order, and a full PTY makes us wait, not drop.
    await session.input(Client(), raw)
    return web.json_response({"ok": True, "bytes": len(raw)})


@routes.get("/api/sessions/{id}/output")
@requires(Scope.READ)
async def read_output(request: web.Request) -> web.Response:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    since = sequence(request, session)
    wait = number(request, "wait", 0.0, 0.0, MAX_WAIT)
    most = int(number(request, "max", OUTPUT_MAX, 1, OUTPUT_MAX))
    encoder = reading.Encoder(reading.encoding_of(request.query.get("encoding")))
    reader = reading.poll_reader(session, since)
    try:
        await _await_output(session, since, wait)
        # Where it starts: a `since` that fell off the log continues at its oldest byte.
        start = max(since, session.log.start)
        chunk = session.log.read(start, most)
        exited = session.terminal.exit_code is not None
        data = encoder.encode(chunk, final=exited)
        end = start + len(chunk) - encoder.held
        reading.move(session, reader, end)
    finally:
        reading.release(session, reader)
    return web.json_response({
        "data": data, "seq": start, "next": end, "truncated": start > since,
        "encoding": encoder.encoding, "exited": exited,
    })


async def _await_output(session: Session, since: int, wait: float) -> None:
    """Until there is output at or after `since` (or it fell off), the session ends, or
    `wait` seconds pass. A partial UTF-8 character alone does not count as output."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while session.log.head - since < 4 and session.terminal.exit_code is None:
        if session.log.head > since and _whole_character(session, since):
            return
        left = deadline - loop.time()
        if left <= 0:
            return
        await session.more_output.wait(left)


def _whole_character(session: Session, since: int) -> bool:
    tail = session.log.read(max(since, session.log.start), 4)
    try:
        tail.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason != "unexpected end of data"
    return True
