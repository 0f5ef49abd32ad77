"""One session: a terminal, its output log, its viewers, resize arbitration and flow control."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from termbeam_py.sessions.activity import CommandDone, SessionActivity
from termbeam_py.sessions.client import Client, Message, Output
from termbeam_py.sessions.outlog import OutputLog
from termbeam_py.sessions.terminal import Terminal

log = logging.getLogger(__name__)

#: Largest output frame; bigger bursts go out as several frames.
FRAME_MAX = 64 * 1024
#: A PTY read returns at most ~4 KiB; while output streams, a sender that just sent a frame
#: this big waits COALESCE_DELAY for more (until COALESCE_TARGET is pending) so a flood goes
#: out as few large frames. Keystroke echoes are small frames and are never delayed. The
#: loop's timer granularity is 1 ms; 2 ms left the pipe idle (50 MB burst: 47 vs 50 MB/s).
COALESCE_AFTER = 4000
COALESCE_TARGET = 64 * 1024
COALESCE_DELAY = 0.001
#: Encoded frames kept per session for viewers sending the same range.
ENCODED_CACHE = 8
#: PTY reading pauses when a viewer that is still moving is this far behind (or every viewer
#: is), and resumes once they are all under LOW_WATER. HIGH_WATER + terminal.READ_BUDGET
#: stays well under outlog.TRIM_TO, so a viewer that keeps up never falls off the log.
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
#: Recent frames kept for viewers following from the same position. Viewers that pace the
#: PTY are at most HIGH_WATER apart, i.e. this many full frames.
SHARED_FRAMES = HIGH_WATER // FRAME_MAX
#: A viewer behind by more than LOW_WATER whose position has not moved for this long is
#: stalled: it stops pacing the PTY and is resynchronised when it reads again.
STALL_SECONDS = 1.0
#: Most unacknowledged bytes in flight to a binary client.
ACK_WINDOW = 512 * 1024
#: Viewers that attached, typed or resized this recently decide the PTY size.
ACTIVE_WINDOW = 60.0
#: initialCommand goes out after this much output silence, or after the fallback at most.
INITIAL_QUIET = 0.6
INITIAL_FALLBACK = 3.5
#: A TUI repaints on SIGWINCH only when the size changes: shrink by one column this long.
BOUNCE_SECONDS = 0.05
#: Notifications kept for the next viewer when nobody was attached (the newest win).
PENDING_NOTIFICATIONS = 5


def _now_ms() -> int:
    return int(time.time() * 1000)


def _unfinished_utf8(tail: bytes) -> int:
    """How many bytes at the end of `tail` start a UTF-8 character that is not complete."""
    for back in range(1, min(3, len(tail)) + 1):
        byte = tail[-back]
        if byte < 0x80 or byte >= 0xF8:
            return 0
        if byte >= 0xC0:  # a lead byte: 110xxxxx, 1110xxxx or 11110xxx
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if back < needed else 0
    return 0


class Session:
    """A PTY session shared by any number of viewers, each with its own cursor."""

    def __init__(
        self,
        *,
        session_id: str,
        name: str,
        shell: str,
        args: list[str],
        cwd: Path,
        color: str,
        env: Mapping[str, str],
        cols: int,
        rows: int,
        initial_command: str | None,
        on_exit: Callable[[Session], None],
        on_notify: Callable[[Session, Message], None] | None = None,
        notify_min_seconds: float = 10.0,
        shell_nonce: str | None = None,
    ) -> None:
        self.id = session_id
        self.name = name
        self.shell = shell
        self.args = args
        self.cwd = str(cwd)
        self.color = color
        self.created_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        )
        self.last_activity = _now_ms()
        self.log = OutputLog()
        self.clients: set[Client] = set()
        self.encoded: OrderedDict[tuple[object, ...], object] = OrderedDict()
        """Frames already encoded by the transport, keyed by range and encoding."""
        self._slices: OrderedDict[int, bytes] = OrderedDict()
        """Recent output frames by their first sequence number, shared by every viewer."""
        self.had_client = False
        self._on_exit_cb = on_exit
        self._on_notify = on_notify
        self.activity = SessionActivity(
            self._command_done, min_seconds=notify_min_seconds, nonce=shell_nonce
        )
        self.pending_notifications: deque[Message] = deque(maxlen=PENDING_NOTIFICATIONS)
        self._loop = asyncio.get_running_loop()
        self._bounce: asyncio.TimerHandle | None = None
        self._flow_check: asyncio.TimerHandle | None = None
        self._initial_command = initial_command
        self._initial_timers: list[asyncio.TimerHandle] = []
        self.terminal = Terminal(
            [shell, *args], cwd=cwd, env=env, cols=cols, rows=rows,
            on_data=self._on_data, on_exit=self._on_exit,
        )
        if initial_command:
            self._initial_timers.append(
                self._loop.call_later(INITIAL_FALLBACK, self._send_initial_command)
            )

    @property
    def pid(self) -> int:
        return self.terminal.pid

    # -- output and flow control ----------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        self.log.append(data)
        self.last_activity = _now_ms()
        if self._initial_command:
            self._restart_quiet_timer()
        for client in self.clients:
            if client.active:
                client.wake.set()
        self.update_flow()
        self.activity.feed(data)

    def update_flow(self) -> None:
        """Pace the PTY by the slowest viewer that is still moving.

        A viewer that is merely slower (a phone on a weak link, one of many viewers) holds
        the PTY back instead of losing output; one that stopped reading for STALL_SECONDS
        no longer counts, so it cannot freeze the others, and it gets a `replay` later.
        """
        viewers = [c for c in self.clients if c.active and not c.closed]
        terminal = self.terminal
        if not viewers:
            self._cancel_flow_check()
            terminal.resume_reading()
            return
        head, now = self.log.head, time.monotonic()
        # Within LOW_WATER a viewer cannot hold the PTY back, so only its progress matters
        # beyond that: one parked between the water marks must not keep reading paused.
        moving = [
            c for c in viewers
            if head - c.flow_position <= LOW_WATER or now - c.progress_at < STALL_SECONDS
        ]
        if moving:
            behind = head - min(c.flow_position for c in moving)
        else:  # every viewer stalled
            behind = head - max(c.flow_position for c in viewers)
        if terminal.reading and behind > HIGH_WATER:
            terminal.pause_reading()
        elif not terminal.reading and behind <= LOW_WATER:
            terminal.resume_reading()
        self._cancel_flow_check()
        lagging = [c for c in moving if head - c.flow_position > LOW_WATER]
        if not terminal.reading and lagging:
            # Re-check when the laggard would count as stalled, in case it never moves again.
            due = min(c.progress_at for c in lagging) + STALL_SECONDS - now
            self._flow_check = self._loop.call_later(max(due, 0.01), self.update_flow)

    def _cancel_flow_check(self) -> None:
        if self._flow_check is not None:
            self._flow_check.cancel()
            self._flow_check = None

    def next_for(self, client: Client) -> Message | Output | None:
        """The next thing to send to `client`, or None when it is up to date."""
        barrier = self.log.head
        if client.control:
            barrier, message = client.control[0]
            if client.cursor >= barrier or not client.active:
                client.control.popleft()
                return message
        if not client.active:
            return None
        window_end = client.acked + ACK_WINDOW if client.binary else self.log.head
        if window_end <= client.cursor:
            return None  # a full window in flight: resume (or resync) once the client acks
        if client.cursor < self.log.start:
            return self._resync(client)
        end = min(barrier, self.log.head, client.cursor + FRAME_MAX, window_end)
        if end <= client.cursor:
            return None
        output = Output(client.cursor, self._slice(client.cursor, end))
        client.cursor += len(output.data)
        if not client.binary:
            client.advanced()
        if not self.terminal.reading:
            # Handed to the socket now: reading may resume while the frame drains. (While
            # reading, a cursor moving forward cannot call for a pause: new output does.)
            self.update_flow()
        return output

    def _slice(self, start: int, end: int) -> bytes:
        """Output from `start`, ending where an earlier viewer's frame from `start` ended
        if that is no further than `end`: viewers at the same position then send the same
        frames, copied from the log once and encoded once (ws.py caches the encodings)."""
        shared = self._slices.get(start)
        if shared is not None and len(shared) <= end - start:
            return shared
        data = self.log.read(start, end - start)
        self._slices[start] = data
        while len(self._slices) > SHARED_FRAMES:
            self._slices.popitem(last=False)
        return data

    def replay_message(self, client: Client) -> Message:
        """A fresh snapshot for `client`, which from now on follows the head of the log.

        The snapshot stops before a character the program has only half written (the log
        can end anywhere): decoded alone, its first bytes would become U+FFFD in the replay
        and the rest more U+FFFD in the output. They go out as output instead, whole.
        Queue anything meant to follow the replay at `client.cursor`, not at the head.
        """
        head = self.log.head
        tail = self.log.read(max(self.log.start, head - 3), 3)
        snapshot = self.log.snapshot()
        held = _unfinished_utf8(tail)
        if held and snapshot.endswith(tail[-held:]):
            snapshot = snapshot[:-held]
        else:
            held = 0
        # Not `advanced()`: a resync is the server jumping ahead, not the viewer reading.
        client.cursor = client.acked = head - held
        client.decoder.reset()
        message: Message = {"type": "replay", "data": snapshot.decode(errors="replace")}
        if client.binary:
            message["seq"] = client.cursor
        return message

    def _resync(self, client: Client) -> Message:
        # The viewer fell behind the oldest byte we still hold: start it again from a snapshot.
        message = self.replay_message(client)
        self.update_flow()
        return message

    def backlog(self, client: Client) -> int:
        """Bytes of output `client` has yet to be sent."""
        return self.log.head - client.cursor

    def should_coalesce(self, client: Client, last_frame: int) -> bool:
        """True when output is streaming and waiting briefly would fill a bigger frame."""
        return (
            last_frame >= COALESCE_AFTER
            and not client.control
            and self.backlog(client) < COALESCE_TARGET
        )

    def remember_encoded(self, key: tuple[object, ...], value: object) -> None:
        self.encoded[key] = value
        while len(self.encoded) > ENCODED_CACHE:
            self.encoded.popitem(last=False)

    def ack(self, client: Client, seq: int) -> None:
        if client.binary and client.acked < seq <= client.cursor:
            client.acked = seq
            client.advanced()
            client.wake.set()
            self.update_flow()

    # -- viewers --------------------------------------------------------------------------

    def attach(self, client: Client, since: int | None = None) -> None:
        """Add a viewer; it gets `replay` then `attached`, or a resume from `since`."""
        self.clients.add(client)
        client.touch()
        head = self.log.head
        if not self.had_client:
            # The first viewer ever sees nothing until its first resize (see `resize`), so
            # the prompt drawn for the spawn size is not shown twice.
            self.had_client = True
            client.awaiting_first_resize = True
            client.cursor = client.acked = head
            client.enqueue(head, self._attached(client, resumed=False))
            self._flush_notifications(client)
            return
        client.active = True
        client.needs_redraw = self.log.alt_mode is not None
        if client.binary and since is not None and self.log.start <= since <= head:
            client.cursor = client.acked = since
            client.advanced()
            client.enqueue(since, self._attached(client, resumed=True))
        else:
            replay = self.replay_message(client)
            client.enqueue(client.cursor, replay)
            client.enqueue(client.cursor, self._attached(client, resumed=False))
        self._flush_notifications(client)
        self.update_flow()

    def _attached(self, client: Client, *, resumed: bool) -> Message:
        message: Message = {"type": "attached", "sessionId": self.id}
        if client.binary:
            message["seq"] = client.cursor
            message["resumed"] = resumed
        return message

    def _flush_notifications(self, client: Client) -> None:
        while self.pending_notifications:
            client.enqueue(self.log.head, self.pending_notifications.popleft())

    def _command_done(self, done: CommandDone) -> None:
        """Tell the viewers (in order with the output), or keep it for the next one."""
        message = done.message(self.id, self.name)
        receivers = [c for c in self.clients if not c.closed]
        for client in receivers:
            client.enqueue(self.log.head, message)
        if not receivers:
            self.pending_notifications.append(message)
        if self._on_notify is not None:
            try:
                self._on_notify(self, message)
            except Exception:  # a listener's bug must not break the output path
                log.exception("notification listener failed")

    def detach(self, client: Client) -> None:
        client.close()
        self.clients.discard(client)
        self._cancel_bounce()
        self.recalc_size()
        self.update_flow()

    def input(self, client: Client, data: bytes) -> None:
        client.touch()
        self.terminal.write(data)

    def resize(self, client: Client, cols: int, rows: int) -> None:
        client.dims = (cols, rows)
        client.touch()
        if client.awaiting_first_resize:
            self._first_resize(client, cols, rows)
            return
        if client.needs_redraw:
            client.needs_redraw = False
            self._redraw()
            return
        self._cancel_bounce()
        self.recalc_size()

    def _first_resize(self, client: Client, cols: int, rows: int) -> None:
        client.awaiting_first_resize = False
        client.active = True
        same_size = (cols, rows) == (self.terminal.cols, self.terminal.rows)
        if not same_size and self._initial_command:
            # The shell redraws its prompt on SIGWINCH; the old one would be a duplicate.
            self.log.clear()
            client.cursor = client.acked = self.log.head
        else:
            replay = self.replay_message(client)
            client.enqueue(client.cursor, replay)
        if same_size and self.log.alt_mode is not None:
            self._redraw()
        else:
            self.recalc_size()
        self.update_flow()

    def target_size(self) -> tuple[int, int] | None:
        """Element-wise minimum over viewers active lately, else over all with a size."""
        sized = [c for c in self.clients if c.dims is not None and not c.awaiting_first_resize]
        cutoff = time.monotonic() - ACTIVE_WINDOW
        recent = [c for c in sized if c.last_active >= cutoff] or sized
        if not recent:
            return None
        return min(c.dims[0] for c in recent if c.dims), min(c.dims[1] for c in recent if c.dims)

    def recalc_size(self) -> None:
        size = self.target_size()
        if size is not None:
            self.terminal.resize(*size)

    def _redraw(self) -> None:
        size = self.target_size() or (self.terminal.cols, self.terminal.rows)
        if size != (self.terminal.cols, self.terminal.rows):
            self.terminal.resize(*size)
            return
        cols, rows = size
        self._cancel_bounce()
        self.terminal.resize(cols - 1 if cols > 1 else 2, rows)
        self._bounce = self._loop.call_later(BOUNCE_SECONDS, self._end_bounce, cols, rows)

    def _end_bounce(self, cols: int, rows: int) -> None:
        self._bounce = None
        self.terminal.resize(cols, rows)

    def _cancel_bounce(self) -> None:
        if self._bounce is not None:
            self._bounce.cancel()
            self._bounce = None
            self.recalc_size()

    # -- initial command and exit ---------------------------------------------------------

    def _restart_quiet_timer(self) -> None:
        if len(self._initial_timers) > 1:
            self._initial_timers.pop().cancel()
        self._initial_timers.append(
            self._loop.call_later(INITIAL_QUIET, self._send_initial_command)
        )

    def _send_initial_command(self) -> None:
        command, self._initial_command = self._initial_command, None
        for timer in self._initial_timers:
            timer.cancel()
        self._initial_timers.clear()
        if command:
            # As typed input: a lone surrogate (JSON's "\ud800") becomes "?" instead of
            # raising in this timer callback.
            self.terminal.write(command.encode("utf-8", "replace") + b"\r")

    def _on_exit(self, code: int) -> None:
        self._initial_command = None
        # Timers and the activity tracker point back at this session: dropping them leaves no
        # cycle, so the session and its log's mapping are freed the moment the manager and the
        # last viewer let go, not at some later garbage collection.
        for timer in self._initial_timers:
            timer.cancel()
        self._initial_timers.clear()
        self._cancel_bounce()
        self._cancel_flow_check()
        self.activity.close()
        for client in self.clients:
            client.active = True
            client.awaiting_first_resize = False
            client.enqueue(self.log.head, {"type": "exit", "code": code})
        self._on_exit_cb(self)

    async def kill(self) -> None:
        await self.terminal.kill()
