"""The /ws endpoint: authentication, attach/detach, the per-viewer sender and input path."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Generic, Literal, TypeVar
from weakref import WeakKeyDictionary

from aiohttp import WSCloseCode, WSMsgType, web

from termbeam_py import keys, protocol
from termbeam_py.audit import note_as, note_use
from termbeam_py.auth import COOKIE, Auth, client_ip
from termbeam_py.hosts import limit_key
from termbeam_py.memory import forget_error_frames
from termbeam_py.scopes import OWNER, Principal, Reach, Scope, lacks, requires
from termbeam_py.sessions import Session
from termbeam_py.sessions.client import Client, Output, Phase
from termbeam_py.sessions.events import Exited

log = logging.getLogger(__name__)

MAX_MESSAGE = 1024 * 1024
UNAUTHORIZED = "Unauthorized"
#: The close reason (with 1012) when the server stops but its sessions live on.
RESTARTING = b"server restarting"
#: How the message starts that ends a view-only link holder's socket (see Hub.end_views).
VIEW_ENDED = "View ended"
#: Encoded frames kept per session and kind for viewers sending the same range.
FRAME_CACHE = 8

#: The `type` of each message in `protocol.BroadcastMsg`.
BroadcastType = Literal["update-progress", "tunnel-status"]

K = TypeVar("K")
V = TypeVar("V")


class _Recent(Generic[K, V]):
    """The last few values by key (oldest dropped first)."""

    def __init__(self, size: int = FRAME_CACHE) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        while len(self._items) > self._size:
            self._items.popitem(last=False)


#: A JSON viewer's frame depends on its decoder's undecoded tail: (bytes, flag) from getstate.
DecoderState = tuple[bytes, int]


class FrameCache:
    """One session's output frames, encoded once for every viewer at the same position."""

    def __init__(self) -> None:
        self.binary: _Recent[tuple[int, int], bytes] = _Recent()
        """(seq, length) -> the binary frame."""
        self.json: _Recent[tuple[int, int, DecoderState], tuple[bytes, DecoderState]] = (
            _Recent()
        )
        """(seq, length, decoder state before) -> (the JSON message, decoder state after)."""


def _dumps(message: Mapping[str, object]) -> str:
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (a session name sent as "\ud800" in JSON) cannot be UTF-8 on the
        # wire: escaped as \ud800 instead, it reaches the browser as it was sent.
        return json.dumps(message, separators=(",", ":"))
    return text


#: The scope each broadcast needs: that of the REST route showing the same state
#: (`GET /api/update/status`, `GET /api/tunnel/status`; tests/test_broadcast_scopes.py keeps
#: them equal). Both are about the whole machine, so they never reach a caller bound to one
#: session (a session-bound token, a view-only link), as those routes refuse it.
BROADCAST_SCOPES: dict[BroadcastType, Scope] = {
    "update-progress": Scope.READ,
    "tunnel-status": Scope.READ,
}


def receives(principal: Principal | None, kind: BroadcastType) -> bool:
    """Whether a socket signed in as `principal` gets broadcasts of type `kind`."""
    return principal is not None and principal.session is None \
        and principal.allows(BROADCAST_SCOPES[kind])


class Hub:
    """Every open WebSocket connection: for broadcasts, and so shutdown can say goodbye."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self._frames: WeakKeyDictionary[Session, FrameCache] = WeakKeyDictionary()

    def frames(self, session: Session) -> FrameCache:
        """The frame cache of `session`, gone with the session."""
        cache = self._frames.get(session)
        if cache is None:
            cache = self._frames[session] = FrameCache()
        return cache

    async def broadcast(self, message: protocol.BroadcastMsg) -> None:
        """Send `message` to every socket whose caller could read the same state over REST
        (see `receives`): update progress, tunnel state."""
        text = _dumps(message)
        await asyncio.gather(
            *(c.ws.send_str(text) for c in list(self.connections)
              if receives(c.principal, message["type"]) and not c.ws.closed),
            return_exceptions=True,
        )

    def viewers(self, session_id: str) -> list[Connection]:
        """The sockets of view-only link holders watching `session_id`, oldest first."""
        found = [c for c in self.connections if c.principal is not None
                 and c.principal.link is not None and c.principal.session == session_id]
        return sorted(found, key=lambda c: c.since)

    async def end_views(self, connections: list[Connection], reason: str) -> None:
        """Tell each viewer why its view ended, then close its socket (the web app shows
        `reason` and does not reconnect: it starts with VIEW_ENDED)."""
        await asyncio.gather(*(c.end(reason) for c in connections), return_exceptions=True)

    async def end_signed_out(self, auth: Auth) -> int:
        """Close the sockets whose login has just been ended (signed out, revoked, a new
        password): their next reconnect is refused and the app goes to the login page."""
        gone = [c for c in self.connections
                if c.login is not None and not auth.tokens.valid(c.login)]
        await asyncio.gather(*(c.ws.close(code=WSCloseCode.POLICY_VIOLATION,
                                          message=b"Signed out") for c in gone),
                             return_exceptions=True)
        return len(gone)

    async def close_all(self, code: int = WSCloseCode.GOING_AWAY,
                        message: bytes = b"Server shutting down") -> None:
        connections, self.connections = list(self.connections), set()
        await asyncio.gather(
            *(c.ws.close(code=code, message=message) for c in connections),
            return_exceptions=True,
        )


class Connection:
    """One WebSocket: at most one attached session at a time."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse,
                 principal: Principal | None = None) -> None:
        """`principal`: who the upgrade request authenticated (a login cookie, a Bearer
        password or token), or None until an `auth` message says."""
        self.app = request.app
        self.request = request
        self.ws = ws
        # Behind a tunnel every socket's peer is loopback: key the auth limit on the client's
        # forwarded address, as the login limit does, so one client cannot lock out the rest.
        self.peer = client_ip(request)
        self.limit_key = limit_key(self.peer)
        self.principal = principal
        cookie = request.cookies.get(COOKIE)
        #: The login token this socket signed in with, if any: a sign-out closes it (#18).
        self.login = cookie if principal is not None and \
            request.app[keys.AUTH].tokens.valid(cookie) else None
        self.id = secrets.token_hex(4)
        """Names this socket to its session's owner (the viewer list, disconnecting one)."""
        self.since = time.time()
        self._told_read_only = False
        self.session: Session | None = None
        self.client: Client | None = None
        self._pump: asyncio.Task[None] | None = None
        self._auth_deadline: asyncio.Timeout | None = None

    @property
    def authed(self) -> bool:
        return self.principal is not None

    async def send(self, message: protocol.ServerMsg) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(_dumps(message))

    async def run(self) -> None:
        # A socket without a login must log in soon: otherwise anyone could hold descriptors.
        limit = None if self.authed else self.app[keys.CONFIG].ws_auth_timeout
        self._auth_deadline = deadline = asyncio.timeout(limit)
        try:
            async with deadline:
                await self._receive()
        except TimeoutError:
            if not deadline.expired() or self.authed:
                raise
            log.info("closed a WebSocket from %s that did not log in within %ss",
                     self.peer, limit)
            await self._refuse(UNAUTHORIZED)

    async def _receive(self) -> None:
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                continue  # binary client frames are not part of the protocol
            try:
                message = protocol.parse_client_message(msg.data)
            except protocol.InvalidMessage as exc:
                log.debug("dropped a bad WebSocket message: %s", exc)
                if not self.authed:
                    await self._refuse(UNAUTHORIZED)
                    return
                continue
            if not await self.handle(message):
                return

    async def handle(self, message: protocol.ClientMessage) -> bool:
        """Act on one message; False once the socket is to be closed."""
        if isinstance(message, protocol.Auth):
            return await self._auth(message)
        if not self.authed:
            await self._refuse(UNAUTHORIZED)
            return False
        if isinstance(message, protocol.Attach):
            await self._attach(message)
        elif self.session is None or self.client is None:
            return True
        elif isinstance(message, protocol.Input):
            if await self._may_write():
                await self._input(self.session, self.client, message.data)
        elif isinstance(message, protocol.Resize):
            if await self._may_write():
                self.session.resize(self.client, message.cols, message.rows)
            else:
                _watch_only_resize(self.session, self.client)
        elif isinstance(message, protocol.Ack):
            self.session.ack(self.client, message.seq)
        return True

    async def _may_write(self) -> bool:
        """Whether this socket may type and resize; a token without the write scope is told
        once, then its input and sizes are dropped."""
        if self.principal is None or self.principal.allows(Scope.WRITE):
            return True
        if not self._told_read_only:
            self._told_read_only = True
            await self.send(protocol.error_message(lacks(Scope.WRITE).message))
        return False

    async def end(self, reason: str) -> None:
        """Stop this socket's view with `reason` (a link revoked or expired, the owner's
        disconnect): the message says why, the close stops the output at once."""
        self.detach()
        await self.send(protocol.error_message(f"{VIEW_ENDED}: {reason}"))
        await self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=VIEW_ENDED.encode())

    async def _refuse(self, reason: str) -> None:
        await self.send(protocol.error_message(reason))
        await self.ws.close()

    async def _auth(self, message: protocol.Auth) -> bool:
        auth = self.app[keys.AUTH]
        if self.authed:
            await self.send(protocol.AUTH_OK)
            return True
        if not auth.ws_limiter.allowed(self.limit_key):
            await self._refuse("Too many attempts. Try again later.")
            return False
        principal = _credential(auth, message)
        if principal is not None:
            if not auth.tokens.valid(message.token):  # a login cookie's token is no login
                note_use(self.request, principal, "ws")
            else:
                self.login = message.token
            self.principal = principal
            if self._auth_deadline is not None:
                self._auth_deadline.reschedule(None)
            await self.send(protocol.AUTH_OK)
            return True
        auth.ws_limiter.hit(self.limit_key)
        log.info("WebSocket authentication failed from %s", self.peer)
        note_as(self.request, None, "login.failed", method="ws", reason="wrong credential")
        await self._refuse(UNAUTHORIZED)
        return False

    async def _attach(self, message: protocol.Attach) -> None:
        session = self.app[keys.SESSIONS].find(message.session_id)
        # Every caller holds VIEW, the least needed to watch; a session-bound one sees only
        # its own: any other is answered as if it did not exist.
        if session is None or self.principal is None or not self.principal.sees(session.id):
            await self.send(protocol.error_message("Session not found"))
            return
        self.detach()
        client = Client(binary=message.binary)
        self.session, self.client = session, client
        session.attach(client, message.since)
        if not self.principal.allows(Scope.WRITE):
            # The session's first viewer waits for its resize, which a watcher never gives:
            # it starts at the session's size at once (and never sets the size).
            _watch_only_resize(session, client)
        self._pump = asyncio.create_task(self._send_loop(session, client))

    async def _input(self, session: Session, client: Client, data: str) -> None:
        # Awaited before the next message is read: a paste the PTY cannot take yet holds
        # this socket, so nothing is dropped.
        await session.input(client, data.encode("utf-8", "replace"))

    async def _send_loop(self, session: Session, client: Client) -> None:
        last_frame = 0
        frames = self.app[keys.HUB].frames(session)
        boot = self.app[keys.RUNTIME].boot_id
        try:
            while not client.closed:
                client.wake.clear()
                delay = session.coalesce_delay(client, last_frame)
                if delay:
                    await asyncio.sleep(delay)
                item = session.next_for(client)
                if item is None:
                    last_frame = 0
                    await client.wake.wait()
                elif isinstance(item, Output):
                    last_frame = len(item.data)
                    await self._send_output(frames, client, item)
                else:
                    await self.ws.send_str(_dumps(protocol.event_message(item, boot)))
                    if isinstance(item, Exited):
                        break
        except (ConnectionError, RuntimeError) as exc:
            log.debug("sender stopped: %s", exc)
        finally:
            if self.client is client:
                self.session = self.client = None
            session.detach(client)

    async def _send_output(self, frames: FrameCache, client: Client, item: Output) -> None:
        if client.binary:
            await self.ws.send_bytes(self._binary_frame(frames, item))
            return
        payload = self._json_frame(frames, client, item)
        if payload:
            # Pre-encoded UTF-8: every viewer at this position shares the same bytes.
            await self.ws.send_frame(payload, WSMsgType.TEXT)

    @staticmethod
    def _binary_frame(frames: FrameCache, item: Output) -> bytes:
        key = (item.seq, len(item.data))
        frame = frames.binary.get(key)
        if frame is None:
            frame = protocol.output_frame(item.seq, item.data)
            frames.binary.put(key, frame)
        return frame

    @staticmethod
    def _json_frame(frames: FrameCache, client: Client, item: Output) -> bytes:
        # Viewers at the same position with the same undecoded tail share one encoding.
        key = (item.seq, len(item.data), client.decoder.getstate())
        cached = frames.json.get(key)
        if cached is not None:
            payload, state = cached
            client.decoder.setstate(state)
            return payload
        text = client.decoder.decode(item.data)
        payload = protocol.json_output_message(text) if text else b""
        frames.json.put(key, (payload, client.decoder.getstate()))
        return payload

    def detach(self) -> None:
        if self.session is not None and self.client is not None:
            self.session.detach(self.client)
        if self._pump is not None:
            self._pump.cancel()
        self.session = self.client = self._pump = None


@requires(Scope.VIEW, reach=Reach.OWN)
async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=request.app[keys.CONFIG].ws_heartbeat,
                               max_msg_size=MAX_MESSAGE)
    # A login cookie, or a Bearer password or token on the upgrade (a script's), signs the
    # socket in; a wrong Bearer is a 401 (counted like a wrong password) before any socket.
    principal = request.app[keys.AUTH].principal(request)
    await ws.prepare(request)
    hub = request.app[keys.HUB]
    connection = Connection(request, ws, principal)
    hub.connections.add(connection)
    try:
        await connection.run()
    finally:
        connection.detach()
        hub.connections.discard(connection)
        forget_error_frames(ws.exception())
    return ws


def _credential(auth: Auth, message: protocol.Auth) -> Principal | None:
    """Who an `auth` message's password, login token or scoped token stands for."""
    if auth.tokens.valid(message.token):
        return OWNER
    return auth.credential(message.password) or auth.credential(message.token)


def _watch_only_resize(session: Session, client: Client) -> None:
    """A viewer that may not resize never sets the size, but its first resize still ends the
    first-viewer wait (Session.attach): it is taken as the session's current size, then the
    viewer's size is forgotten so it never counts in the arbitration."""
    if client.phase is Phase.FIRST_RESIZE:
        session.resize(client, *session.sizer.current)
        client.dims = None


def setup(app: web.Application) -> None:
    app.router.add_get("/ws", websocket)
