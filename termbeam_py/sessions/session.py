"""One session: a terminal, its output log, its viewers, resize arbitration and flow control."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from termbeam_py.ptyspawn import Child
from termbeam_py.sessions import record
from termbeam_py.sessions.activity import CommandDone, SessionActivity
from termbeam_py.sessions.children import ExitWatch
from termbeam_py.sessions.client import Client, Output, Phase
from termbeam_py.sessions.counters import SessionCounters
from termbeam_py.sessions.events import Attached, Event, Exited, Notification, Replay
from termbeam_py.sessions.initial import InitialCommand
from termbeam_py.sessions.lease import Lease
from termbeam_py.sessions.outlog import OutputLog
from termbeam_py.sessions.program import IdleTerminal, Program
from termbeam_py.sessions.record import SessionRecord
from termbeam_py.sessions.scripted import CommandRunner, OutputSignal
from termbeam_py.sessions.sizing import Sizer
from termbeam_py.sessions.terminal import INPUT_HIGH_WATER, Terminal
from termbeam_py.timefmt import now_iso_ms, now_ms

if TYPE_CHECKING:
    from termbeam_py.recording.recorder import Recorder

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
#: Notifications kept for the next viewer when nobody was attached (the newest win).
PENDING_NOTIFICATIONS = 5


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


@dataclass(frozen=True)
class SessionSpec:
    """What a session is started with (validated by the caller)."""

    id: str
    name: str
    shell: str
    args: list[str]
    cwd: Path
    color: str
    env: Mapping[str, str]
    cols: int
    rows: int
    initial_command: str | None = None
    notify_min_seconds: float = 10.0
    shell_nonce: str | None = None
    """Marks the shell-integration sequences of this shell (activity.py)."""
    created_at: str | None = None
    """When the session started, for one a previous server started (else now)."""
    hidden: bool = False
    """Left out of the session list (a script's throwaway session, e.g. `termbeam run`)."""
    kind: str = "terminal"
    """The API's `type`: "terminal", or "agent" for a session started to run an agent."""
    agent: str | None = None
    """The agent's id (GET /api/agents) for an agent session."""
    lease: float | None = None
    """Seconds it may go unused before it is ended (sessions/lease.py); None: no lease."""


class Session:
    """A PTY session shared by any number of viewers, each with its own cursor."""

    def __init__(
        self,
        spec: SessionSpec,
        child: Child | None,
        watch: ExitWatch | None,
        *,
        log: OutputLog | None = None,
        on_exit: Callable[[Session], None],
        on_notify: Callable[[Session, Notification], None] | None = None,
    ) -> None:
        self.id = spec.id
        self.name = spec.name
        self.shell = spec.shell
        self.args = spec.args
        self.cwd = str(spec.cwd)
        self.color = spec.color
        self.created_at = spec.created_at or now_iso_ms()
        self.shell_nonce = spec.shell_nonce
        self.hidden = spec.hidden
        self.kind = spec.kind
        self.agent = spec.agent
        self.last_activity = now_ms()
        self.log = log if log is not None else OutputLog()
        self.clients: set[Client] = set()
        self.readers: set[Client] = set()
        """Terminal API readers (termapi/): they pace the PTY like viewers, nothing is pushed
        to them, and they are not counted as viewers."""
        self.more_output = OutputSignal()
        self.counters = SessionCounters()
        """Totals for GET /metrics, read only when it is scraped."""
        self._slices: OrderedDict[int, bytes] = OrderedDict()
        """Recent output frames by their first sequence number, shared by every viewer."""
        self.restored = False
        """Adopted from the session holder by a later server (it outlived a restart)."""
        self.ever_attached = False
        """A viewer has attached before: only the very first one waits for its resize."""
        self._on_exit_cb = on_exit
        self._on_notify = on_notify
        self.activity = SessionActivity(
            self.command_done, min_seconds=spec.notify_min_seconds, nonce=spec.shell_nonce
        )
        self.runs = CommandRunner(self.activity)
        self.activity.on_mark = self._on_mark
        self.recorder: Recorder | None = None
        """Set while the session is recorded (recording/, #19)."""
        self.pending_notifications: deque[Notification] = deque(maxlen=PENDING_NOTIFICATIONS)
        self._loop = asyncio.get_running_loop()
        self._flow_check: asyncio.TimerHandle | None = None
        self.program: Program | None = None
        """A program kept running (sessions/program.py): the session outlives its runs."""
        self.lease: Lease | None = None
        """Set by the manager for a session made with a lease (`termbeam run`'s)."""
        self._ended = False
        self.terminal: Terminal
        if child is None or watch is None:  # a program between runs (no process)
            self.terminal = IdleTerminal(cols=spec.cols, rows=spec.rows, exit_code=0)
        else:
            self.terminal = Terminal(
                child, watch, cols=spec.cols, rows=spec.rows, on_data=self._on_data,
                on_exit=self._on_exit,
            )
        self.sizer = Sizer(self.terminal, self.clients, self._resized)
        self._initial: InitialCommand | None = None
        if spec.initial_command:
            self._initial = InitialCommand(spec.initial_command, self.terminal.write)

    @property
    def pid(self) -> int:
        return self.terminal.pid

    def record(self) -> SessionRecord:
        """What a later server needs to bring this session back (sessions/record.py)."""
        running = self.activity.running_for()
        return {
            "format": record.FORMAT, "id": self.id, "name": self.name, "color": self.color,
            "shell": self.shell, "args": list(self.args), "cwd": self.cwd,
            "createdAt": self.created_at, "lastActivity": self.last_activity,
            "nonce": self.shell_nonce, "notifyMinSeconds": self.activity.min_seconds,
            "integrated": self.activity.integrated, "command": self.activity.command,
            "commandStartedAt": None if running is None else now_ms() - round(running * 1000),
            "hidden": self.hidden, "type": self.kind, "agent": self.agent,
            "program": None if self.program is None else self.program.record(),
            "lease": None if self.lease is None else self.lease.seconds,
        }

    # -- output and flow control ----------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        self.counters.bytes_out += len(data)
        self.log.append(data)
        self.last_activity = now_ms()
        if self._initial is not None:
            self._initial.output_seen()
        for client in self.clients:
            if client.active:
                client.wake.set()
        self.update_flow()
        self.activity.feed(data, self.log.head)
        if self.recorder is not None:  # after `feed`: its marks are placed in this read
            self.recorder.output(data, self.log.head)
        self.more_output.notify()

    def _resized(self, cols: int, rows: int) -> None:
        if self.recorder is not None:  # an `r` event at the time of the resize
            self.recorder.resize(cols, rows)

    def update_flow(self) -> None:
        """Pace the PTY by the slowest viewer that is still moving.

        A viewer that is merely slower (a phone on a weak link, one of many viewers) holds
        the PTY back instead of losing output; one that stopped reading for STALL_SECONDS
        no longer counts, so it cannot freeze the others, and it gets a `replay` later.
        """
        viewers = [c for c in (*self.clients, *self.readers) if c.active and not c.closed]
        terminal = self.terminal
        if not viewers:
            self._cancel_flow_check()
            terminal.resume_reading()
            self.counters.resume()
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
            self.counters.pause()
        elif not terminal.reading and behind <= LOW_WATER:
            terminal.resume_reading()
            self.counters.resume()
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

    def next_for(self, client: Client) -> Event | Output | None:
        """The next thing to send to `client`, or None when it is up to date.

        A queued event whose turn has come goes first (it waits for the output before
        it); then output, within the client's window, or a fresh replay when the client
        fell behind the oldest byte the log still holds.
        """
        message = self._due_message(client)
        if message is not None or not client.active:
            return message
        window_end = self._window_end(client)
        if window_end <= client.cursor:
            return None  # a full window in flight: resume (or resync) once the client acks
        if client.cursor < self.log.start:
            return self._resync(client)
        return self._next_output(client, window_end)

    def _due_message(self, client: Client) -> Event | None:
        """The first queued event, if the cursor reached it (or output is on hold)."""
        if client.control:
            barrier, message = client.control[0]
            if client.cursor >= barrier or not client.active:
                client.control.popleft()
                return message
        return None

    def _window_end(self, client: Client) -> int:
        """How far output may go: a binary client's acknowledgement window, else the head."""
        return client.acked + ACK_WINDOW if client.binary else self.log.head

    def _next_output(self, client: Client, window_end: int) -> Output | None:
        barrier = client.control[0][0] if client.control else self.log.head
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

    def replay(self, client: Client) -> Replay:
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
        return Replay(snapshot.decode(errors="replace"), client.cursor, client.binary)

    def _resync(self, client: Client) -> Replay:
        # The viewer fell behind the oldest byte we still hold: start it again from a snapshot.
        self.counters.resyncs += 1
        replay = self.replay(client)
        self.update_flow()
        return replay

    def backlog(self, client: Client) -> int:
        """Bytes of output `client` has yet to be sent."""
        return self.log.head - client.cursor

    def coalesce_delay(self, client: Client, last_frame: int) -> float:
        """Seconds to wait before the next frame: while output streams (the last frame was
        big) and little is pending, a moment's wait fills a bigger frame. Else 0."""
        streaming = (
            last_frame >= COALESCE_AFTER
            and not client.control
            and self.backlog(client) < COALESCE_TARGET
        )
        return COALESCE_DELAY if streaming else 0.0

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
        if not self.ever_attached:
            # The first viewer ever sees nothing until its first resize (see `resize`), so
            # the prompt drawn for the spawn size is not shown twice.
            self.ever_attached = True
            client.phase = Phase.FIRST_RESIZE
            client.cursor = client.acked = head
            client.enqueue(head, self._attached(client, resumed=False))
            self._flush_notifications(client)
            return
        client.phase = Phase.LIVE if self.log.alt_mode is None else Phase.REDRAW
        if client.binary and since is not None and self.log.start <= since <= head:
            client.cursor = client.acked = since
            client.advanced()
            client.enqueue(since, self._attached(client, resumed=True))
        else:
            replay = self.replay(client)
            client.enqueue(client.cursor, replay)
            client.enqueue(client.cursor, self._attached(client, resumed=False))
        self._flush_notifications(client)
        self.update_flow()

    def _attached(self, client: Client, *, resumed: bool) -> Attached:
        return Attached(self.id, client.cursor, client.binary, resumed)

    def _on_mark(self, kind: str, rest: str, start: int, end: int) -> None:
        self.runs.mark(kind, rest, start, end)
        if self.recorder is not None:
            self.recorder.mark(kind, rest, start, self.activity.command)

    def _flush_notifications(self, client: Client) -> None:
        while self.pending_notifications:
            client.enqueue(self.log.head, self.pending_notifications.popleft())

    def command_done(self, done: CommandDone) -> None:
        """Report a finished command: its viewers get a notification (in order with the
        output), or the next viewer does if nobody is attached; the session's listeners
        (push) hear of it too. The session's activity tracker calls this."""
        event = Notification(self.id, self.name, done)
        receivers = [c for c in self.clients if not c.closed]
        for client in receivers:
            client.enqueue(self.log.head, event)
        if not receivers:
            self.pending_notifications.append(event)
        if self._on_notify is not None:
            try:
                self._on_notify(self, event)
            except Exception:  # a listener's bug must not break the output path
                log.exception("notification listener failed")

    def detach(self, client: Client) -> None:
        client.close()
        self.clients.discard(client)
        if self.lease is not None:  # a viewer held it: the lease runs from its leaving
            self.lease.renew()
        self.sizer.apply()
        self.update_flow()

    async def input(self, client: Client, data: bytes) -> None:
        """Type `data`; returns once the PTY has room for more (a big paste waits here, and
        the socket it came from is not read meanwhile: nothing is dropped)."""
        client.touch()
        self.counters.bytes_in += len(data)
        if self.recorder is not None:
            self.recorder.input(data)
        self.terminal.write(data)
        if self.terminal.pending_input > INPUT_HIGH_WATER:
            await self.terminal.wait_writable()

    def resize(self, client: Client, cols: int, rows: int) -> None:
        client.dims = (cols, rows)
        client.touch()
        if client.phase is Phase.FIRST_RESIZE:
            self._first_resize(client, cols, rows)
        elif client.phase is Phase.REDRAW:
            client.phase = Phase.LIVE
            self.sizer.redraw()
        else:
            self.sizer.apply()

    def _first_resize(self, client: Client, cols: int, rows: int) -> None:
        client.phase = Phase.LIVE
        same_size = (cols, rows) == self.sizer.current
        if not same_size and self._initial is not None and self._initial.pending:
            # The shell redraws its prompt on SIGWINCH; the old one would be a duplicate.
            self.log.clear()
            client.cursor = client.acked = self.log.head
        else:
            replay = self.replay(client)
            client.enqueue(client.cursor, replay)
        if same_size and self.log.alt_mode is not None:
            self.sizer.redraw()
        else:
            self.sizer.apply()
        self.update_flow()

    def _drop_timers(self) -> None:
        # The timers and the activity tracker point back at this session: dropping them
        # leaves no cycle, so the session and its log's mapping are freed the moment the
        # manager and the last viewer let go, not at some later garbage collection.
        if self._initial is not None:
            self._initial.cancel()
            self._initial = None
        self.sizer.close()
        self._cancel_flow_check()
        self.activity.close()
        if self.lease is not None:
            self.lease.close()

    def new_run(self, child: Child, watch: ExitWatch) -> None:
        """A program's next run: a new process on a new PTY, the same log and viewers."""
        size = self.sizer.target() or self.sizer.current
        self.terminal = Terminal(child, watch, cols=size[0], rows=size[1],
                                 on_data=self._on_data, on_exit=self._on_exit)
        self.sizer = Sizer(self.terminal, self.clients, self._resized)
        self._resized(*size)  # the new PTY's size, which the last run's may not have been
        self.update_flow()

    def show(self, data: bytes) -> None:
        """Put `data` in the output as if the program printed it (a program's run
        separators)."""
        self._on_data(data)

    def _on_exit(self, code: int) -> None:
        self.runs.ended(self.log.head, code)
        if self.program is not None and self.program.run_ended(code):
            # Kept running: the log and the viewers stay for the next run.
            self.sizer.close()
            self._cancel_flow_check()
            self.more_output.notify()
            return
        self._end(code)

    def _end(self, code: int) -> None:
        if self._ended:
            return
        self._ended = True
        self._drop_timers()
        self.more_output.notify()
        for client in self.clients:
            client.phase = Phase.LIVE
            client.enqueue(self.log.head, Exited(code))
        self._on_exit_cb(self)

    async def kill(self) -> None:
        if self.program is not None:
            self.program.close()
            if self.terminal.exit_code is not None:  # between runs: no process to end
                await self.terminal.kill()
                self._end(self.program.last_exit_code or 0)
                return
        await self.terminal.kill()

    def let_go(self) -> None:
        """The server stops and the holder keeps the shell: stop serving it, end nothing."""
        self._drop_timers()
        if self.program is not None:
            self.program.let_go()
        if self.terminal.exit_code is None:  # (a program between runs has no PTY to keep)
            self.terminal.let_go()
        # Unmapped and unlocked now, not at some later collection: the next server (a
        # --force successor may already be waiting) maps the same file.
        self.log.close()
