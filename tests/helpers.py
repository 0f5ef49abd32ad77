"""Test helpers: a WebSocket terminal client that waits on markers, never on sleeps, and
`eventually` for state that has no marker to wait on."""

from __future__ import annotations

import asyncio
import inspect
import json
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

READ_TIMEOUT = 15.0


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], what: str, timeout: float = 10.0,
    interval: float = 0.02,
) -> None:
    """Poll `check` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


class TermWS:
    """Wraps a client WebSocket speaking the /ws protocol; collects screen text."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""
        self.raw = bytearray()
        self.messages: list[dict[str, Any]] = []
        self.seq = 0
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def attach(self, session_id: str, **extra: Any) -> None:
        await self.send({"type": "attach", "sessionId": session_id, **extra})

    async def resize(self, cols: int, rows: int) -> None:
        await self.send({"type": "resize", "cols": cols, "rows": rows})

    async def type(self, data: str) -> None:
        await self.send({"type": "input", "data": data})

    async def receive(self, timeout: float = READ_TIMEOUT) -> dict[str, Any] | None:
        """One message (binary frames become {"type": "binary"}); None once closed."""
        msg = await self.ws.receive(timeout=timeout)
        if msg.type == aiohttp.WSMsgType.TEXT:
            data = json.loads(msg.data)
            self.messages.append(data)
            if data.get("type") in ("output", "replay"):
                if data["type"] == "replay":
                    self.text, self.raw = "", bytearray()
                self.text += data["data"]
                self.raw += data["data"].encode()
                if "seq" in data:
                    self.seq = data["seq"]
            return dict(data)
        if msg.type == aiohttp.WSMsgType.BINARY:
            op, seq = struct.unpack(">BQ", msg.data[:9])
            body = msg.data[9:]
            assert op == 1
            assert seq == self.seq, f"gap or overlap: frame at {seq}, expected {self.seq}"
            self.seq = seq + len(body)
            self.raw += body
            self.text += body.decode(errors="replace")
            return {"type": "binary", "seq": seq, "size": len(body)}
        self.closed = True
        return None

    async def expect(self, kind: str, timeout: float = READ_TIMEOUT) -> dict[str, Any]:
        """Read until a message of `kind` arrives (output keeps accumulating)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.receive(timeout)
                if message is None:
                    raise AssertionError(f"socket closed while waiting for {kind!r}")
                if message["type"] == kind:
                    return message

    async def read_until(self, marker: str, timeout: float = READ_TIMEOUT) -> str:
        """Read until `marker` appears in the accumulated text; returns the text."""
        async with asyncio.timeout(timeout):
            while marker not in self.text:
                if await self.receive(timeout) is None:
                    raise AssertionError(f"closed before {marker!r}; got {self.text[-500:]!r}")
        return self.text

    async def run(self, command: str, timeout: float = READ_TIMEOUT) -> str:
        """Run a command and return what it printed between two unique markers."""
        token = f"{id(self):x}{len(self.messages)}"
        start, end = f"S{token}S", f"E{token}E"
        await self.type(f"echo {start[:1]}''{start[1:]}; {command}; echo {end[:1]}''{end[1:]}\r")
        return await self._between(start, end, timeout)

    async def _between(self, start: str, end: str, timeout: float) -> str:
        await self.read_until(end, timeout)
        # The echoed command line shows the quoted form; the output shows the joined marker.
        body = self.text[self.text.rindex(start) + len(start) : self.text.rindex(end)]
        return body.strip("\r\n")
