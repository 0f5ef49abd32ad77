"""`termbeam attach`: one session on the local terminal over the WebSocket protocol.

It speaks the binary extension (docs/protocol.md): output frames carry sequence numbers, acks
follow what has really been written to the terminal, and after a dropped connection one
reconnect with `since` resumes exactly where the output stopped.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import signal
import struct
import sys

import aiohttp
import click

from termbeam_py import protocol
from termbeam_py.client.connection import Target
from termbeam_py.client.keys import describe_key
from termbeam_py.client.picking import Session
from termbeam_py.client.terminal import Writer, raw_mode, size

CONNECT_TIMEOUT = 10.0
HEARTBEAT = 20.0
FRAME_HEADER = struct.Struct(">BQ")
#: The replay is an authoritative snapshot: start from a clean screen.
RESET_SCREEN = b"\x1b[0m\x1b[H\x1b[2J"
#: Leave whatever modes the remote program turned on (alt screen, mouse, bracketed paste,
#: hidden cursor) so the local shell gets its terminal back as it was.
LEAVE_MODES = (b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l"
               b"\x1b[?2004l\x1b[?25h\x1b[0m")
#: Output quiet this long after attaching shows the "attached: NAME" line (as the original).
BANNER_QUIET = 0.5


class ConnectError(Exception):
    """The WebSocket could not be opened or the server refused us."""


class Attachment:
    """One attach: local terminal ⇄ WebSocket, until detach, exit or a lost server."""

    def __init__(self, target: Target, session: Session, detach_key: bytes,
                 stdin_fd: int = 0, stdout_fd: int = 1) -> None:
        self.target = target
        self.session_id = str(session["id"])
        self.name = str(session.get("name") or self.session_id[:8])
        self.detach_key = detach_key
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.seq: int | None = None
        self.result: int | None = None
        self.farewell = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.writer = Writer(stdout_fd, self._ack)
        self._outbox: asyncio.Queue[protocol.ClientMsg | None] = asyncio.Queue()
        """What to send, in order; None closes the socket (after what was queued before)."""
        #: Set while a socket is attached; keystrokes typed during a reconnect wait for it.
        self._connected = asyncio.Event()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._banner: asyncio.TimerHandle | None = None
        self._banner_shown = False

    async def run(self) -> int:
        async with aiohttp.ClientSession() as http:
            self.ws = await self._connect(http, since=None)
            self._connected.set()
            with raw_mode(self.stdin_fd):
                sender = asyncio.create_task(self._send_loop())
                self.writer.start()
                self._install()
                try:
                    code = await self._pump(http, self.ws)
                finally:
                    self._uninstall()
                    self.writer.write(LEAVE_MODES)
                    await self.writer.drain()
                    sender.cancel()
                    await self._close()
        if self.farewell:
            click.echo(f"\r\n[termbeam] {self.farewell}", err=True)
        return code

    # -- connection ------------------------------------------------------------------

    async def _connect(self, http: aiohttp.ClientSession,
                       since: int | None) -> aiohttp.ClientWebSocketResponse:
        """Open, authenticate and ask to attach; raises ConnectError."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                ws = await http.ws_connect(self.target.ws_url, heartbeat=HEARTBEAT)
                if self.target.password:
                    auth: protocol.AuthMsg = {"type": "auth", "password": self.target.password}
                    await ws.send_json(auth)
                    reply = await ws.receive_json()
                    if reply.get("type") != "auth_ok":
                        await ws.close()
                        raise ConnectError(str(reply.get("message") or "Authentication failed"))
        except (aiohttp.ClientError, OSError, TimeoutError, TypeError, ValueError) as exc:
            raise ConnectError(str(exc) or type(exc).__name__) from exc
        attach: protocol.AttachMsg = {
            "type": "attach", "sessionId": self.session_id, "binary": True
        }
        if since is not None:
            attach["since"] = since
        await ws.send_json(attach)
        return ws

    async def _pump(self, http: aiohttp.ClientSession,
                    ws: aiohttp.ClientWebSocketResponse) -> int:
        """Relay until a result; a dropped connection gets one exact-resume reconnect."""
        while True:
            result = await self._receive(ws)
            if result is not None:
                return result
            self._connected.clear()
            if ws.close_code == aiohttp.WSCloseCode.GOING_AWAY:
                self.farewell = "The TermBeam server shut down."
                return 1
            try:
                ws = self.ws = await self._connect(http, since=self.seq)
            except ConnectError as exc:
                self.farewell = f"Connection to the server lost ({exc})."
                return 1
            self._connected.set()

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> int | None:
        """Handle messages until a result (detach/exit/error) or None when the socket drops."""
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self._on_frame(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                with contextlib.suppress(ValueError):
                    self._on_message(json.loads(message.data))
            else:
                break
            if self.result is not None:
                return self.result
        return self.result

    async def _close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.close()

    # -- server → terminal -----------------------------------------------------------

    def _on_message(self, message: object) -> None:
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "replay" and isinstance(message.get("data"), str):
            seq = message.get("seq")
            self.seq = seq if isinstance(seq, int) else self.seq
            self.writer.write(RESET_SCREEN + message["data"].encode(), self.seq)
            self._output_seen()
        elif kind == "attached":
            seq = message.get("seq")
            self.seq = seq if isinstance(seq, int) else self.seq
            self._title()
            self._send_resize()
            self._output_seen()
        elif kind == "output" and isinstance(message.get("data"), str):
            self.writer.write(message["data"].encode())
            self._output_seen()
        elif kind == "exit":
            code = message.get("code")
            self.farewell = "Session ended."
            self.result = code if isinstance(code, int) and 0 <= code < 256 else 1
        elif kind == "error":
            self.farewell = f"Error: {message.get('message', 'unknown')}"
            self.result = 1

    def _on_frame(self, data: bytes) -> None:
        if len(data) < FRAME_HEADER.size or data[0] != 1:
            return
        _, seq = FRAME_HEADER.unpack_from(data)
        body = data[FRAME_HEADER.size:]
        if self.seq is not None and seq < self.seq:
            # Already written (an overlap after a resume): keep only the new bytes.
            body = body[self.seq - seq:]
            seq = self.seq
        if body:
            self.seq = seq + len(body)
            self.writer.write(body, self.seq)
            self._output_seen()

    async def _ack(self, seq: int) -> None:
        self._outbox.put_nowait({"type": "ack", "seq": seq})

    def _output_seen(self) -> None:
        """Output keeps the banner back until it has been quiet for BANNER_QUIET."""
        if self._banner_shown:
            return
        if self._banner is not None:
            self._banner.cancel()
        self._banner = asyncio.get_running_loop().call_later(BANNER_QUIET, self._show_banner)

    def _show_banner(self) -> None:
        """One yellow line on the terminal's last row, the cursor put back where it was, so
        the program's own idea of the screen stays true; its next redraw of that row wins."""
        self._banner_shown, self._banner = True, None
        dims = size(self.stdout_fd, self.stdin_fd)
        if dims is None:
            return
        key = describe_key(self.detach_key)
        text = f"attached: {self.name} ─── {key} to detach"[: dims[0]]
        self.writer.write(f"\x1b7\x1b[{dims[1]};1H\x1b[2K\x1b[33m{text}\x1b[0m\x1b8".encode())

    def _title(self) -> None:
        key = describe_key(self.detach_key)
        self.writer.write(f"\x1b]0;[termbeam] {self.name} — {key} to detach\x07".encode())

    # -- terminal → server -----------------------------------------------------------

    async def _send_loop(self) -> None:
        """One sender keeps input, resizes and acks in order on whichever socket is current."""
        while True:
            message = await self._outbox.get()
            await self._connected.wait()
            ws = self.ws
            if ws is None or ws.closed:
                continue  # the socket dropped under us: this message is lost
            if message is None:
                await self._close()
                continue
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
                await ws.send_json(message)

    def _send_resize(self) -> None:
        dims = size(self.stdout_fd, self.stdin_fd)
        if dims is not None:
            self._outbox.put_nowait({"type": "resize", "cols": dims[0], "rows": dims[1]})

    def _on_stdin(self) -> None:
        try:
            data = os.read(self.stdin_fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            # End of input (a pipe): keep showing output until the session ends.
            asyncio.get_running_loop().remove_reader(self.stdin_fd)
            return
        index = data.find(self.detach_key)
        if index >= 0:
            self._send_input(data[:index])
            self.farewell = f"Detached from {self.name}; the session keeps running."
            self.result = 0
            # Closed by the sender after the input before the key went out; that ends the
            # receive loop, which then sees the result.
            self._outbox.put_nowait(None)
            return
        self._send_input(data)

    def _send_input(self, data: bytes) -> None:
        text = self._decoder.decode(data)
        if text:
            self._outbox.put_nowait({"type": "input", "data": text})

    def _install(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.stdin_fd, self._on_stdin)
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
            loop.add_signal_handler(signal.SIGWINCH, self._send_resize)

    def _uninstall(self) -> None:
        if self._banner is not None:
            self._banner.cancel()
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.stdin_fd)
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
            loop.remove_signal_handler(signal.SIGWINCH)


def attach(target: Target, session: Session, detach_key: bytes) -> int:
    """Run an attachment on this process's terminal; the exit status for the CLI."""
    try:
        return asyncio.run(Attachment(target, session, detach_key,
                                      sys.stdin.fileno(), sys.stdout.fileno()).run())
    except ConnectError as exc:
        raise click.ClickException(f"Cannot attach to {session.get('name')}: {exc}") from exc
