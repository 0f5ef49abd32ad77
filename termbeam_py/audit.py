"""The audit log (#17): who logged in, shared, made tokens, sessions and files, and when.

JSON lines in the state directory (`audit.log`, 0600), rotated at `MAX_BYTES` into
`audit.log.1` and `audit.log.2` (three files at most). Each line is
`{"ts", "event", "address", "actor", ...fields}`; the actor is `owner`, `token:<name>` or
`viewer:<link id>`, never a credential: callers pass names and ids, and no field of any event
holds a password, token, share token, cookie, code or header.

`record` only queues: one writer thread drains the bounded queue, so a slow or full disk never
blocks a request. When the queue is full or a write fails, the entry is dropped and a warning
is logged once (the server must keep serving with a full disk). The thread writes what is
queued before the server exits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from termbeam_py import keys
from termbeam_py.apitokens import parse_duration
from termbeam_py.errors import BadRequest
from termbeam_py.scopes import Principal, Scope, requires

if TYPE_CHECKING:
    from termbeam_py.sessions.manager import SessionEnd

log = logging.getLogger(__name__)

FILE_NAME = "audit.log"
#: A file is rotated once it would grow past this.
MAX_BYTES = 10 * 1024 * 1024
#: Rotated files kept besides `audit.log` (`.1` newest): 3 files in all.
BACKUPS = 2
#: Entries waiting for the writer at most; more are dropped (with a warning, once).
CAPACITY = 10_000
SECONDS_A_DAY = 86400
DEFAULT_PAGE = 100
MAX_PAGE = 500
#: Every event the server records (the web app's filter lists them).
EVENTS = (
    "login", "login.failed", "share.created", "share.used", "share.revoked", "share.expired",
    "token.created", "token.used", "token.revoked", "session.created", "session.deleted",
    "session.ended",
    "file.uploaded", "file.downloaded", "recording.changed", "recording.downloaded",
    "recording.deleted", "program.controlled", "preview.granted", "update.started",
    "settings.changed", "shutdown.requested", "server.stopped", "server.restarted",
)


def iso_time(seconds: float) -> str:
    """UTC ISO 8601 with milliseconds and `Z`: sorts as text in time order."""
    stamp = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def actor_of(principal: Principal | None) -> str | None:
    """Who acted, by name: a token's name or a viewer link's id, never its secret."""
    if principal is None:
        return None
    if principal.link is not None:
        return f"viewer:{principal.link}"
    if principal.token is not None:
        return f"token:{principal.token}"
    return "owner"


class AuditLog:
    """The log of one server: a queue, its one writer thread, and the rotated files."""

    def __init__(self, directory: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS,
                 capacity: int = CAPACITY, clock: Callable[[], float] = time.time) -> None:
        """`clock` gives epoch seconds (tests move it a day on); `max_bytes` is the rotation
        size (tests make it small)."""
        self.path = directory / FILE_NAME
        self.max_bytes = max_bytes
        self.backups = backups
        self.clock = clock
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(capacity)
        self._thread: threading.Thread | None = None
        self._warned = False
        #: (kind, key) → the day (epoch days) it was last recorded: "first use per day".
        self._days: dict[tuple[str, str], int] = {}

    def files(self) -> list[Path]:
        """The log's files, newest first (some may not exist)."""
        return [self.path] + [self.path.with_name(f"{FILE_NAME}.{n}")
                              for n in range(1, self.backups + 1)]

    def record(self, event: str, *, address: str | None = None, actor: str | None = None,
               **fields: object) -> None:
        """Queue one entry; never blocks, never raises (a full queue drops it)."""
        entry: dict[str, Any] = {"ts": iso_time(self.clock()), "event": event,
                                 "address": address, "actor": actor, **fields}
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self._warn_once("the audit log's queue is full")

    def first_today(self, kind: str, key: str) -> bool:
        """True the first time (`kind`, `key`) is seen on this clock's UTC day."""
        day = int(self.clock() // SECONDS_A_DAY)
        if self._days.get((kind, key)) == day:
            return False
        self._days[(kind, key)] = day
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._drain, name="termbeam-audit", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Blocking: write what is queued and stop the writer (run it in a thread)."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def _warn_once(self, why: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s: audit entries are being dropped", why)

    def _drain(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Whatever else is waiting goes in the same write.
            while len(batch) < 1000 and batch[-1] is not None:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            entries = [entry for entry in batch if entry is not None]
            if entries:
                self._write("".join(json.dumps(e, separators=(",", ":")) + "\n"
                                    for e in entries).encode())
            for _ in batch:
                self._queue.task_done()
            if batch[-1] is None:
                return

    def settle(self) -> None:
        """Blocking: wait until everything recorded so far is written (or dropped)."""
        if self._thread is not None:
            self._queue.join()

    def _write(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._rotate_for(len(data))
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                         0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as exc:
            self._warn_once(f"could not write {self.path} ({exc})")

    def _rotate_for(self, size: int) -> None:
        try:
            current = self.path.stat().st_size
        except FileNotFoundError:
            return
        if current == 0 or current + size <= self.max_bytes:
            return
        files = self.files()
        for older, newer in zip(reversed(files[1:]), reversed(files[:-1]), strict=True):
            if newer.exists():
                os.replace(newer, older)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of the log ends: every entry before `ts`, and of the entries at exactly
    `ts` (the same millisecond as the page's last one), the `ties` oldest. Written as `ts`, or
    `ts~ties`: the `next` of `GET /api/audit`."""

    ts: str
    ties: int = 0

    def __str__(self) -> str:
        return f"{self.ts}{TIE}{self.ties}" if self.ties else self.ts


#: Separates a cursor's time from its tie count (unreserved in URLs, never in an ISO time).
TIE = "~"
MAX_TIES = 10**9

Timed = tuple[str, dict[str, Any]]


def read_entries(files: list[Path], *, since: str | None = None, before: str | None = None,
                 event: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Entries newest first from `files` (newest file first), at or after `since` and before
    `before` (ISO times), of one `event` if given, at most `limit`. Blocking."""
    cursor = None if before is None else Cursor(before)
    return read_page(files, since=since, before=cursor, event=event, limit=limit)[0]


def read_page(files: list[Path], *, since: str | None = None, before: Cursor | None = None,
              event: str | None = None, limit: int | None = None,
              ) -> tuple[list[dict[str, Any]], Cursor | None]:
    """As `read_entries`, after `before`; with the cursor of the following page, None when
    nothing is left. Every entry is on exactly one page, however many share a millisecond.
    Blocking."""
    timed = _timed(_newest_first(files))
    if before is not None:
        timed = _after(timed, before)
    found: list[dict[str, Any]] = []
    last, ties, counting, more = "", 0, False, False
    for ts, entry in timed:
        if since is not None and ts < since:
            break
        matches = event is None or entry.get("event") == event
        if matches and (limit is None or len(found) < limit):
            found.append(entry)
            last, ties, counting = ts, 0, True
            continue
        # Count the entries after the last one listed in its millisecond (the next page's
        # cursor keeps them), and see whether one is left for the next page at all.
        if ts < last:
            counting = False
        elif ts == last and counting:
            ties += 1
        more = more or matches
        if more and not counting:
            break
    return found, (Cursor(last, ties) if more else None)


def _timed(entries: Iterator[dict[str, Any]]) -> Iterator[Timed]:
    for entry in entries:
        ts = entry.get("ts")
        if isinstance(ts, str):
            yield ts, entry


def _after(timed: Iterator[Timed], cursor: Cursor) -> Iterator[Timed]:
    """The entries (newest first) after `cursor`: before its time, and the `ties` oldest of
    the first run at its time (entries written since, in that millisecond, are newer)."""
    run: list[Timed] = []
    older: Timed | None = None
    for ts, entry in timed:
        if ts < cursor.ts:
            older = ts, entry
            break
        if ts == cursor.ts:
            run.append((ts, entry))
    if cursor.ties:
        yield from run[-cursor.ties:]
    if older is not None:
        yield older
        yield from (item for item in timed if item[0] < cursor.ts)


def _lines(path: Path) -> list[bytes]:
    """A regular file's lines: never a device or a pipe put in the log's place (reading
    /dev/zero would never end)."""
    try:
        with path.open("rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return []
            return fh.read().splitlines()
    except FileNotFoundError:
        return []


def _newest_first(files: list[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        lines = _lines(path)
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash or a full disk
            if isinstance(entry, dict):
                yield entry


def note(request: web.Request, event: str, **fields: object) -> None:
    """Record `event` by the caller of `request` (its address and actor)."""
    # auth.py records logins through this module, so its helpers are imported here, late.
    from termbeam_py.auth import client_ip
    from termbeam_py.scopes import principal_of

    audit = request.app.get(keys.AUDIT)
    if audit is not None:
        audit.record(event, address=client_ip(request), actor=actor_of(principal_of(request)),
                     **fields)


def note_as(request: web.Request, principal: Principal | None, event: str,
            **fields: object) -> None:
    """Record `event` by `principal`, for requests the middleware has not marked (a login)."""
    from termbeam_py.auth import client_ip

    audit = request.app.get(keys.AUDIT)
    if audit is not None:
        audit.record(event, address=client_ip(request), actor=actor_of(principal), **fields)


def note_use(request: web.Request, principal: Principal, method: str) -> None:
    """A Bearer (or WebSocket `auth`) credential was accepted: a token's first use of the
    day, or a password login (by Bearer once a day per address, every time over /ws)."""
    from termbeam_py.auth import client_ip

    audit = request.app.get(keys.AUDIT)
    if audit is None:
        return
    if principal.token is not None:
        if audit.first_today("token", principal.token):
            note_as(request, principal, "token.used", token=principal.token)
        return
    if method != "bearer" or audit.first_today("bearer", client_ip(request)):
        note_as(request, principal, "login", method=method)


async def audit_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the writer while the app runs; record the stop and write everything at the end."""
    audit = app[keys.AUDIT]
    audit.start()
    yield
    updater = app.get(keys.UPDATER)
    restart = updater is not None and updater.restart_requested
    audit.record("server.restarted" if restart else "server.stopped")
    await asyncio.to_thread(audit.close)


def parse_time(value: str, now: float, what: str = "since") -> str:
    """An ISO time for `30m`, `12h`, `1d`, `2w` ago, or for an ISO 8601 time itself."""
    try:
        return iso_time(now - parse_duration(value, what))
    except BadRequest:
        pass
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        # Year 1 at +14:00 is in year 0 in UTC: out of range, like any unreadable time.
        return iso_time(stamp.timestamp())
    except (ValueError, OverflowError, OSError):
        raise BadRequest(f"{what} must be a duration like 1d or 12h, or an ISO 8601 time") \
            from None


def parse_cursor(value: str, now: float) -> Cursor:
    """`before`: a page's `next` (`ts~ties`), or any time `parse_time` takes."""
    stamp, tie, ties = value.partition(TIE)
    count = _number(ties, MAX_TIES) if tie else 0
    if count is None:
        raise BadRequest("before must be a time or the next of a page")
    return Cursor(parse_time(stamp, now, "before"), count)


def _number(text: str, maximum: int) -> int | None:
    """`text` as a number from 1 to `maximum`; None for anything else (ASCII digits only, a
    length int() takes)."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(maximum)):
        return None
    return int(text) if 1 <= int(text) <= maximum else None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE
    limit = _number(value, MAX_PAGE)
    if limit is None:
        raise BadRequest(f"limit must be a number from 1 to {MAX_PAGE}")
    return limit


routes = web.RouteTableDef()


@routes.get("/api/audit")
@requires(Scope.ADMIN)
async def audit_entries(request: web.Request) -> web.Response:
    """A page of entries, newest first; `next` is the `before` of the following page (a time,
    and how many entries of that millisecond are left when the page ended inside one)."""
    audit, query = request.app[keys.AUDIT], request.query
    now = audit.clock()
    since = parse_time(query["since"], now) if query.get("since") else None
    before = parse_cursor(query["before"], now) if query.get("before") else None
    limit = _limit(query.get("limit"))
    await asyncio.to_thread(audit.settle)  # what happened before this request is listed
    entries, following = await asyncio.to_thread(
        read_page, audit.files(), since=since, before=before,
        event=query.get("event") or None, limit=limit)
    return web.json_response({"entries": entries,
                              "next": None if following is None else str(following),
                              "events": list(EVENTS)})


def _session_ended(app: web.Application, end: SessionEnd) -> None:
    """`session.ended` for every end nobody asked for by name: a shell that exited, sessions
    stopped with the server or lost while none ran. A deleted one has its `session.deleted`
    (by whoever deleted it), so no session is recorded as ended twice."""
    if end.how == "deleted":
        return
    audit = app[keys.AUDIT]
    if end.code is None:
        audit.record("session.ended", session=end.id, name=end.name, reason=end.how)
    else:
        audit.record("session.ended", session=end.id, name=end.name, reason=end.how,
                     exitCode=end.code)


def setup(app: web.Application) -> None:
    """The audit log of `app`: its writer runs from before the sessions start until after
    they end, so the last events of a stop are written too."""
    app[keys.AUDIT] = AuditLog(app[keys.CONFIG].config_dir)
    app.cleanup_ctx.append(audit_ctx)
    app[keys.SESSIONS].end_listeners.append(lambda end: _session_ended(app, end))
    app.router.add_routes(routes)
