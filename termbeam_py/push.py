"""Web Push: VAPID keys, persisted subscriptions, and "command finished" delivery.

- `<config_dir>/vapid.json` `{publicKey, privateKey}` (base64url: the uncompressed P-256
  point and the raw 32-byte scalar, as web-push writes them), 0600, made on first need.
- `<config_dir>/push-subscriptions.json` `{"subscriptions": [{endpoint, keys}]}`, 0600:
  subscriptions survive a restart (the original kept them in memory only).
- Every command-complete notification goes to every subscription, each POST in its own task
  (TTL 300, urgency normal): a slow push service never delays terminal output. 404/410
  drops the subscription at once; other failures after 5 in a row.

pywebpush, py-vapid and `cryptography` cost ~15 MB of memory, so they are imported on first
use, in a worker thread, where the (CPU-only) encryption and signing also run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from termbeam_py import keys, state
from termbeam_py.errors import BadRequest, ServiceUnavailable, write_failed
from termbeam_py.hosts import is_loopback
from termbeam_py.httputil import json_body, ok
from termbeam_py.protocol import NotificationMsg, notification_message
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions import Session
from termbeam_py.sessions.events import Notification

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

VAPID_FILE = "vapid.json"
SUBSCRIPTIONS_FILE = "push-subscriptions.json"
#: The JWT `sub` claim: a contact for push services (the original's value).
VAPID_SUBJECT = "https://termbeam.dev"
TTL_SECONDS = 300
URGENCY = "normal"
MAX_FAILURES = 5
MAX_SUBSCRIPTIONS = 50
MAX_ENDPOINT = 2048
SEND_TIMEOUT = 30.0
#: Longest command shown in a notification title.
MAX_TITLE_COMMAND = 80
NOT_CONFIGURED = "Push notifications not configured"
INVALID = "Invalid subscription object"


def b64url_decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SubscriptionKeys(TypedDict):
    p256dh: str
    auth: str


class SubscriptionJSON(TypedDict):
    """A subscription as the browser's `PushSubscription.toJSON()` sends it, and as stored."""

    endpoint: str
    keys: SubscriptionKeys


class StoredSubscriptions(TypedDict):
    """The content of SUBSCRIPTIONS_FILE."""

    subscriptions: list[SubscriptionJSON]


class VapidKeys(TypedDict):
    """The content of VAPID_FILE (base64url, see the module docstring)."""

    publicKey: str
    privateKey: str


class PushPayload(TypedDict):
    """What the service worker receives (frontend/public/sw.js shows it)."""

    title: str
    body: str
    tag: str
    url: str
    type: str
    sessionId: str


@dataclass(slots=True)
class Subscription:
    """One browser's push subscription; `failures` counts consecutive failed sends."""

    endpoint: str
    p256dh: str
    auth: str
    failures: int = 0

    def to_json(self) -> SubscriptionJSON:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def parse_subscription(value: object) -> Subscription:
    """Validate `{endpoint, keys: {p256dh, auth}}`; BadRequest(INVALID) for anything else.

    The endpoint must be https (http only on a loopback host: local push services in tests),
    p256dh an uncompressed P-256 point and auth a 16-byte secret, both base64url.
    """
    if not isinstance(value, dict) or not isinstance(value.get("keys"), dict):
        raise BadRequest(INVALID)
    endpoint, p256dh, auth = (value.get("endpoint"), value["keys"].get("p256dh"),
                              value["keys"].get("auth"))
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise BadRequest(INVALID)
    if len(endpoint) > MAX_ENDPOINT or not _endpoint_ok(endpoint):
        raise BadRequest(INVALID)
    point, secret = b64url_decode(p256dh), b64url_decode(auth)
    if point is None or len(point) != 65 or point[0] != 4 or secret is None or len(secret) != 16:
        raise BadRequest(INVALID)
    return Subscription(endpoint, p256dh, auth)


def _endpoint_ok(endpoint: str) -> bool:
    try:
        url = urlsplit(endpoint)
        host = url.hostname
    except ValueError:
        return False
    if not host:
        return False
    return url.scheme == "https" or (url.scheme == "http" and is_loopback(host))


def format_duration(ms: int) -> str:
    """4m12s style: `42s`, `4m12s`, `1h02m`."""
    seconds = max(0, round(ms / 1000))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def payload_for(message: NotificationMsg) -> PushPayload:
    """The push payload for a WebSocket `notification` message."""
    name, session_id = message["sessionName"], message.get("sessionId", "")
    command, code = message.get("command"), message.get("exitCode")
    duration = message.get("durationMs")
    if command is not None and code is not None:
        if len(command) > MAX_TITLE_COMMAND:
            command = command[: MAX_TITLE_COMMAND - 1] + "…"
        parts = [f"{'✓' if code == 0 else '✗'} {command}", f"exit {code}"]
        if duration is not None:
            parts.append(format_duration(duration))
        title = " — ".join([*parts, f"session {name}"])
    else:
        title = "Command finished"
    body = f"Session: {name}"
    if command is None and duration is not None:
        body += f" — after {format_duration(duration)}"
    return {
        "title": title,
        "body": body,
        "tag": f"termbeam-cmd-{session_id}-{message['timestamp']}",
        "url": f"/terminal?id={session_id}",
        "type": "command-complete",
        "sessionId": session_id,
    }


# -- blocking helpers (worker threads) ----------------------------------------------------


def _vapid_shape(data: object) -> VapidKeys:
    fields = state.obj(data)
    return {
        "publicKey": state.field(fields, "publicKey", str),
        "privateKey": state.field(fields, "privateKey", str),
    }


def _subscriptions_shape(data: object) -> list[SubscriptionJSON]:
    """`{"subscriptions": [{endpoint, keys: {p256dh, auth}}]}`, with every field a string.

    Only the types are checked here: a well-typed entry that `parse_subscription` refuses
    (a rule got stricter since it was stored) is dropped on its own, the rest kept.
    """
    entries = state.field(state.obj(data), "subscriptions", list)
    for item in entries:
        entry = state.obj(item, "a subscription")
        state.field(entry, "endpoint", str)
        entry_keys = state.field(entry, "keys", dict)
        state.field(entry_keys, "p256dh", str)
        state.field(entry_keys, "auth", str)
    return entries


def load_or_create_vapid(path: Path) -> VapidKeys:
    """The stored key pair, or a new one written to `path` (0600).

    Raises:
        OSError: a new pair could not be written. It is not used then: subscriptions made
            with a key that is lost at the next restart would silently stop working.
    """
    stored = state.read_json(path, _vapid_shape)
    if stored is not None:
        return stored
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    pair: VapidKeys = {
        "publicKey": b64url(public),
        "privateKey": b64url(key.private_numbers().private_value.to_bytes(32, "big")),
    }
    state.write_json(path, pair)
    return pair


def encrypt_and_sign(
    subscription: Subscription, body: bytes, private_key: str
) -> tuple[bytes, dict[str, str]]:
    """aes128gcm-encrypt `body` for the subscription and sign a VAPID JWT for its origin."""
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    encrypted = WebPusher(subscription.to_json()).encode(body, "aes128gcm")["body"]
    url = urlsplit(subscription.endpoint)
    claims = {
        "sub": VAPID_SUBJECT,
        "aud": f"{url.scheme}://{url.netloc}",
        "exp": int(time.time()) + 12 * 3600,
    }
    headers: dict[str, str] = dict(Vapid02.from_raw(private_key.encode()).sign(claims))
    headers.update({
        "TTL": str(TTL_SECONDS),
        "Urgency": URGENCY,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    })
    return bytes(encrypted), headers


# -- the service --------------------------------------------------------------------------


class PushService:
    """VAPID keys, the subscription store and fire-and-forget delivery."""

    def __init__(self, config_dir: Path) -> None:
        self._vapid_path = config_dir / VAPID_FILE
        self._subs_path = config_dir / SUBSCRIPTIONS_FILE
        self._vapid: VapidKeys | None = None
        self._vapid_lock = asyncio.Lock()
        self._save_lock = asyncio.Lock()
        self.subscriptions: dict[str, Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._closed = False
        #: Deliveries accepted by a push service, and those that were not (GET /metrics).
        self.sent = 0
        self.failed = 0

    async def load(self) -> None:
        entries = await asyncio.to_thread(state.read_json, self._subs_path, _subscriptions_shape)
        for entry in entries or []:
            try:
                sub = parse_subscription(entry)
            except BadRequest:
                log.warning("ignoring an invalid stored push subscription")
                continue
            self.subscriptions[sub.endpoint] = sub

    async def close(self) -> None:
        """Stop: deliveries under way are cancelled (and awaited), new ones not started."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await self.drain()
        if self._http is not None:
            await self._http.close()

    @property
    def sending(self) -> int:
        """Notifications whose delivery (to every subscription) is still under way."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until no delivery is under way; a failed one was logged, nothing is raised."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def keys(self) -> VapidKeys | None:
        """The VAPID key pair (made once), or None when it cannot be read or created."""
        async with self._vapid_lock:
            if self._vapid is None:
                try:
                    self._vapid = await asyncio.to_thread(load_or_create_vapid, self._vapid_path)
                except (OSError, ValueError, ImportError) as exc:
                    log.warning("push notifications disabled: %s", exc)
                    return None
            return self._vapid

    async def subscribe(self, sub: Subscription) -> None:
        """Add (or refresh) `sub`; on a failed write it is not added and the error raised."""
        before = dict(self.subscriptions)
        self.subscriptions.pop(sub.endpoint, None)
        self.subscriptions[sub.endpoint] = sub
        while len(self.subscriptions) > MAX_SUBSCRIPTIONS:
            self.subscriptions.pop(next(iter(self.subscriptions)))
        try:
            await self._save()
        except OSError as exc:
            # Undone, so the browser's error matches what a restart would leave.
            self.subscriptions = before
            raise write_failed(exc, "Failed to save subscription") from exc

    async def unsubscribe(self, endpoint: str) -> None:
        """Remove `endpoint`. On a failed write it stays removed until the next restart (no
        more pushes to a browser that asked to stop) and the error is raised."""
        if self.subscriptions.pop(endpoint, None) is not None:
            try:
                await self._save()
            except OSError as exc:
                raise write_failed(exc, "Failed to save subscription") from exc

    async def _save(self) -> None:
        """Write the subscriptions (OSError when that fails; the file is then unchanged)."""
        # One writer at a time, each with the newest snapshot: writes never land out of order.
        async with self._save_lock:
            data: StoredSubscriptions = {
                "subscriptions": [s.to_json() for s in self.subscriptions.values()]
            }
            try:
                await asyncio.to_thread(state.write_json, self._subs_path, data)
            except OSError as exc:
                log.warning("could not save push subscriptions to %s: %s", self._subs_path, exc)
                raise

    def notify(self, session: Session, event: Notification) -> None:
        """Session listener: push `event` to every subscription, without waiting."""
        if self._closed or not self.subscriptions:
            return
        self._spawn(self._send_all(payload_for(notification_message(event))))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_all(self, payload: PushPayload) -> None:
        vapid = await self.keys()
        if vapid is None:
            return
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT))
        try:
            body = json.dumps(payload, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate in a session name: escaped, as JSON can
            body = json.dumps(payload).encode()
        results = await asyncio.gather(
            *(self._send_one(self._http, sub, body, vapid["privateKey"])
              for sub in list(self.subscriptions.values())),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Exception):
                log.warning("push delivery failed: %r", result)
        if any(r is True for r in results):
            with contextlib.suppress(OSError):  # warned; retried with the next change
                await self._save()

    async def _send_one(
        self, http: aiohttp.ClientSession, sub: Subscription, body: bytes, private_key: str
    ) -> bool:
        """Deliver to one subscription; True when it was removed (the store changed)."""
        data, headers = await asyncio.to_thread(encrypt_and_sign, sub, body, private_key)
        try:
            async with http.post(sub.endpoint, data=data, headers=headers) as resp:
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("push to %s failed: %s", _host(sub.endpoint), exc)
            status = 0
        if status in (200, 201, 202, 204):
            sub.failures = 0
            self.sent += 1
            return False
        self.failed += 1
        sub.failures += 1
        if status in (404, 410) or sub.failures >= MAX_FAILURES:
            log.info("dropping push subscription at %s (status %s, %d failures)",
                     _host(sub.endpoint), status, sub.failures)
            return self.subscriptions.pop(sub.endpoint, None) is not None
        return False


def _host(endpoint: str) -> str:
    with contextlib.suppress(ValueError):
        return urlsplit(endpoint).netloc
    return "?"


# -- routes -------------------------------------------------------------------------------


@routes.get("/api/push/vapid-key")
@requires(Scope.ADMIN)
async def vapid_key(request: web.Request) -> web.Response:
    pair = await request.app[keys.PUSH].keys()
    if pair is None:
        raise ServiceUnavailable(NOT_CONFIGURED)
    return web.json_response({"publicKey": pair["publicKey"]})


@routes.post("/api/push/subscribe")
@requires(Scope.ADMIN)
async def subscribe(request: web.Request) -> web.Response:
    body = await json_body(request)
    await request.app[keys.PUSH].subscribe(parse_subscription(body.get("subscription")))
    return ok()


@routes.delete("/api/push/unsubscribe")
@requires(Scope.ADMIN)
async def unsubscribe(request: web.Request) -> web.Response:
    body = await json_body(request, optional=True)
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise BadRequest("Missing endpoint")
    await request.app[keys.PUSH].unsubscribe(endpoint)
    return ok()


async def _push_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[keys.PUSH]
    await service.load()
    yield
    await service.close()


def setup(app: web.Application) -> None:
    """Register the push service and its routes on `app`, and have it hear every finished
    command."""
    service = PushService(app[keys.CONFIG].config_dir)
    app[keys.PUSH] = service
    app[keys.SESSIONS].notify_listeners.append(service.notify)
    app.cleanup_ctx.append(_push_ctx)
    app.router.add_routes(routes)
