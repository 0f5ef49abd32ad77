"""`POST /api/sessions/:id/run`: type a command, wait for its shell-integration end mark.

The answer is the command's own output: from the OSC 133 `C` mark (the shell starts it, after
the echoed line) to the `D` mark (it ended, with its exit status), so neither the prompt nor
the echoed command is in it. On timeout the command keeps running (the answer is a 408 that
says so, with the output so far and `next` to go on with the output long poll), and the
session stays busy until it ends. With `"stream": true` the answer is NDJSON, written as the
output arrives and pacing the PTY like a viewer, so output of any size comes through whole.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest, Conflict
from termbeam_py.httputil import json_body
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions import Session
from termbeam_py.sessions.client import Client
from termbeam_py.sessions.scripted import CommandRun
from termbeam_py.termapi import reading
from termbeam_py.termapi.output import OUTPUT_MAX

routes = web.RouteTableDef()

Send = Callable[[dict[str, object]], Awaitable[None]]

MAX_COMMAND = 8192
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 24 * 3600.0
#: How long a new session's shell may take to show its first mark before `run` gives up.
INTEGRATION_WAIT = 10.0
NO_INTEGRATION = (
    "This session has no shell integration, which run needs to see where a command ends: "
    "start the session with bash or zsh (integration on), or type with /input instead"
)


#: zsh's PROMPT_SP: its end-of-line mark (`%`, or `#` for root, in standout), a row of
#: spaces, then CR, space, CR. zsh prints it before its precmd hooks, so after the command
#: and before the end mark; it is the prompt's, not the command's, so it is left out.
_PROMPT_SP = rb"(?:\x1b\[[0-9;]*m)*[#%](?:\x1b\[[0-9;]*m)* *"
_PROMPT_SP_END = re.compile(_PROMPT_SP + rb"\r \r\Z")
#: The start of one, at the end of what arrived so far (held back until it is clear).
_PROMPT_SP_OPEN = re.compile(_PROMPT_SP + rb"(?:\r(?: \r?)?)?\Z")
#: The row of spaces is at most the terminal's width.
_PROMPT_SP_MAX = 1024


def _output_end(session: Session, start: int, end: int) -> int:
    """Where the command's output ends: at its end mark, less zsh's PROMPT_SP before it."""
    first = max(start, end - _PROMPT_SP_MAX, session.log.start)
    tail = session.log.read(first, end - first)
    match = _PROMPT_SP_END.search(tail)
    return first + match.start() if match else end


def _command(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("command must be a non-empty string")
    if len(value) > MAX_COMMAND:
        raise BadRequest(f"command too long (max {MAX_COMMAND} characters)")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        # A newline would run a second command (and a tab complete): join with ; or &&.
        raise BadRequest("command must be one line without control characters (join "
                         "several commands with ; or &&)")
    return value


def _timeout(value: object) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest("timeout must be a number of seconds")
    if not 0 < value <= MAX_TIMEOUT:  # NaN fails both
        raise BadRequest(f"timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds")
    return float(value)


async def _integrated(session: Session, deadline: float) -> None:
    """Return once the shell has shown its marks; 409 when it never will."""
    activity = session.activity
    if activity.integrated:
        return
    if session.shell_nonce is None:
        raise Conflict(NO_INTEGRATION)
    loop = asyncio.get_running_loop()
    # A session that was just created: its shell has not printed its first prompt yet.
    limit = min(deadline, loop.time() + INTEGRATION_WAIT)
    while not activity.integrated and session.terminal.exit_code is None:
        left = limit - loop.time()
        if left <= 0:
            raise Conflict(NO_INTEGRATION)
        await session.more_output.wait(left)
    if not activity.integrated:
        raise Conflict("The session's shell has exited")


async def _until(future: asyncio.Future[Any], deadline: float) -> bool:
    left = deadline - asyncio.get_running_loop().time()
    if not future.done() and left > 0:
        await asyncio.wait({future}, timeout=left)
    return future.done()


def _duration(run: CommandRun) -> int:
    return round((time.monotonic() - run.began) * 1000)


@routes.post("/api/sessions/{id}/run")
@requires(Scope.WRITE)
async def run_command(request: web.Request) -> web.StreamResponse:
    session = request.app[keys.SESSIONS].get(request.match_info["id"])
    body = await json_body(request)
    command, timeout = _command(body.get("command")), _timeout(body.get("timeout"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("stream must be a boolean")
    raw_encoding = body.get("encoding")
    if raw_encoding is not None and not isinstance(raw_encoding, str):
        raise BadRequest("encoding must be utf-8 or base64")
    encoder = reading.Encoder(reading.encoding_of(raw_encoding))
    deadline = asyncio.get_running_loop().time() + timeout
    await _integrated(session, deadline)
    busy = session.runs.busy()
    if busy is not None:
        raise Conflict(f"The session is busy: {busy}")
    run = session.runs.begin(session.log.head)
    await session.input(Client(), command.encode("utf-8", "replace") + b"\r")
    if stream:
        return await _stream(request, session, run, deadline, encoder)
    return await _answer(session, run, deadline, encoder, timeout)


def _slice(session: Session, start: int, end: int) -> tuple[bytes, bool]:
    """The log's bytes [start, end) that it still holds, and whether some fell off."""
    first = max(start, session.log.start)
    return session.log.read(first, max(end - first, 0)), first > start


async def _answer(session: Session, run: CommandRun, deadline: float,
                  encoder: reading.Encoder, seconds: float) -> web.Response:
    finished = await _until(run.finished, deadline)
    start = run.started.result() if run.started.done() else session.log.head
    if finished:
        mark, code = run.finished.result()
        end = _output_end(session, start, mark)
        data, truncated = _slice(session, start, end)
        return web.json_response({
            "exitCode": code, "output": encoder.encode(data, final=True), "encoding":
            encoder.encoding, "durationMs": _duration(run), "startSeq": start, "endSeq": end,
            "truncated": truncated, "ran": run.ran,
        })
    head = session.log.head
    data, truncated = _slice(session, start, head)
    output = encoder.encode(data)
    return web.json_response({
        "error": f"The command did not finish within {seconds:g} s; it keeps running "
                 "(follow it with /output?since=next)",
        "running": True, "output": output, "encoding": encoder.encoding,
        "durationMs": _duration(run), "startSeq": start, "next": head - encoder.held,
        "truncated": truncated,
    }, status=408)


async def _stream(request: web.Request, session: Session, run: CommandRun, deadline: float,
                  encoder: reading.Encoder) -> web.StreamResponse:
    """NDJSON: `started`, then `output` chunks ({seq, data}), then `finished` or `timeout`
    (and `truncated` events if the reader ever fell off the log)."""
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson",
                                           "Cache-Control": "no-store"})
    await response.prepare(request)

    async def send(event: dict[str, object]) -> None:
        await response.write(json.dumps(event).encode() + b"\n")

    if not await _until(run.started, deadline):
        await send({"type": "timeout", "running": True, "durationMs": _duration(run),
                    "next": run.typed_at})
        return response
    pos = run.started.result()
    await send({"type": "started", "startSeq": pos})
    reader = reading.new_reader(session, pos)
    try:
        pos = await _pump(session, run, deadline, encoder, pos, reader, send)
    finally:
        reading.drop(session, reader)
    if run.finished.done():
        _, code = run.finished.result()
        await send({"type": "finished", "exitCode": code, "durationMs": _duration(run),
                    "startSeq": run.started.result(), "endSeq": pos, "ran": run.ran})
    else:
        await send({"type": "timeout", "running": True, "durationMs": _duration(run),
                    "next": pos - encoder.held})
    await response.write_eof()
    return response


async def _pump(session: Session, run: CommandRun, deadline: float, encoder: reading.Encoder,
                pos: int, reader: reading.ApiReader, send: Send) -> int:
    """Send the output from `pos` until the command ends or the deadline; returns where it
    stopped."""
    loop = asyncio.get_running_loop()
    while True:
        done = run.finished.done()
        if done:
            end = _output_end(session, pos, run.finished.result()[0])
        else:
            end = _safe_end(session, pos)
        if pos < session.log.start:
            await send({"type": "truncated", "seq": session.log.start, "lost":
                        session.log.start - pos})
            pos = session.log.start
        if pos < end:
            chunk = session.log.read(pos, min(end - pos, OUTPUT_MAX))
            last = done and pos + len(chunk) >= end
            await send({"type": "output", "seq": pos,
                        "data": encoder.encode(chunk, final=last)})
            pos += len(chunk)
            reading.move(session, reader, pos)
            continue
        if done or loop.time() >= deadline:
            return pos
        either: set[asyncio.Future[Any]] = {session.more_output.next(), run.finished}
        await asyncio.wait(either, timeout=deadline - loop.time(),
                           return_when=asyncio.FIRST_COMPLETED)


def _safe_end(session: Session, pos: int) -> int:
    """The head, less what may be the start of the end mark (a trailing escape sequence) or
    of zsh's PROMPT_SP: it goes out once it turns out to be output, or the command ended."""
    head = session.log.head
    tail_start = max(pos, head - _PROMPT_SP_MAX, session.log.start)
    tail = session.log.read(tail_start, head - tail_start)
    end = len(tail)
    esc = tail.rfind(b"\x1b", max(0, end - 64))
    if esc >= 0 and b"\x07" not in tail[esc:]:
        end = esc
    prompt_sp = _PROMPT_SP_OPEN.search(tail, 0, end)
    if prompt_sp is not None:
        end = prompt_sp.start()
    return tail_start + end
