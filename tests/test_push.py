"""Web Push against a loopback fake push service that checks VAPID and decrypts payloads."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from termbeam_py import keys, push
from termbeam_py.app import create_app
from termbeam_py.config import Config
from termbeam_py.protocol import NotificationMsg
from termbeam_py.sessions.activity import CommandDone
from tests.conftest import PASSWORD, make_config
from tests.helpers import AppClient, TermWS, eventually

ClientFactory = Callable[..., Awaitable[AppClient]]
#: A session created like this gets shell integration (no --norc).
INJECTED: dict[str, Any] = {"shell": "/bin/bash", "args": []}
ServerFactory = Callable[..., Awaitable[TestServer]]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """The browser side of a subscription: its ECDH key pair and auth secret."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}


class FakePushService:
    """Verifies each request's VAPID JWT against `vapid_key`, decrypts and records it."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.vapid_key = ""
        self.status = 201
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrived = asyncio.Event()
        self.done = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.arrived.set()
        body = await request.read()
        self._check_vapid(request)
        plain = http_ece.decrypt(
            body, private_key=self.browser.key, auth_secret=self.browser.auth,
            version="aes128gcm",
        )
        self.received.append(json.loads(plain))
        self.headers.append(dict(request.headers))
        await asyncio.sleep(self.delay)
        self.done.set()
        return web.Response(status=self.status)

    def _check_vapid(self, request: web.Request) -> None:
        scheme, _, params = request.headers["Authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.split("=", 1) for part in params.split(","))
        assert fields["k"] == self.vapid_key
        header, claims, signature = fields["t"].split(".")
        sig = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:  # pragma: no cover - the assertion is the point
            raise AssertionError("bad VAPID signature") from exc
        assert json.loads(unb64url(header))["alg"] == "ES256"
        payload = json.loads(unb64url(claims))
        assert payload["aud"] == f"http://{request.host}"
        assert payload["exp"] > time.time()
        assert payload["sub"].startswith(("https://", "mailto:"))


@pytest.fixture
async def fake(aiohttp_server: ServerFactory) -> tuple[FakePushService, str]:
    service = FakePushService(Browser())
    app = web.Application()
    app.router.add_post("/push/{id}", service.handle)
    server = await aiohttp_server(app)
    return service, str(server.make_url("/push/abc"))


async def logged_in(aiohttp_client: ClientFactory, config: Config) -> AppClient:
    client = await aiohttp_client(create_app(config))
    response = await client.post("/api/auth", json={"password": PASSWORD})
    assert response.status == 200
    return client


async def subscribe(client: AppClient, fake: FakePushService, endpoint: str) -> None:
    response = await client.get("/api/push/vapid-key")
    assert response.status == 200
    fake.vapid_key = (await response.json())["publicKey"]
    response = await client.post(
        "/api/push/subscribe", json={"subscription": fake.browser.subscription(endpoint)}
    )
    assert response.status == 200
    assert await response.json() == {"ok": True}


async def new_session(client: AppClient, **body: Any) -> str:
    response = await client.post("/api/sessions", json={"cols": 80, "rows": 24, **body})
    assert response.status == 201
    return str((await response.json())["id"])


def finish(client: AppClient, session_id: str, **fields: Any) -> None:
    """Make the session report a finished command, as its activity tracker would."""
    session = client.app[keys.SESSIONS].get(session_id)
    session.command_done(CommandDone(int(time.time() * 1000), **fields))


# -- the REST API --------------------------------------------------------------------------


async def test_vapid_key_is_made_once_and_kept_private(authed: AppClient, config: Config) -> None:
    first = await (await authed.get("/api/push/vapid-key")).json()
    point = unb64url(first["publicKey"])
    assert len(point) == 65
    assert point[0] == 4
    assert await (await authed.get("/api/push/vapid-key")).json() == first
    path = config.config_dir / "vapid.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["publicKey"] == first["publicKey"]


async def test_vapid_key_unavailable_is_503(authed: AppClient, config: Config) -> None:
    # A directory where the key file goes: it can be neither read nor written, even by root.
    (config.config_dir / "vapid.json").mkdir(parents=True)
    response = await authed.get("/api/push/vapid-key")
    assert response.status == 503
    assert await response.json() == {"error": "Push notifications not configured"}


GOOD = Browser().subscription("https://push.example/1")


@pytest.mark.parametrize(
    "subscription",
    [
        None,
        "x",
        {"endpoint": "https://push.example/1"},
        {**GOOD, "keys": {"p256dh": "AAAA", "auth": GOOD["keys"]["auth"]}},
        {**GOOD, "keys": {"p256dh": GOOD["keys"]["p256dh"], "auth": "AAAA"}},
        {**GOOD, "keys": {"p256dh": GOOD["keys"]["p256dh"], "auth": 5}},
        {**GOOD, "endpoint": "http://push.example/1"},  # plain http off loopback
        {**GOOD, "endpoint": "ftp://push.example/1"},
        {**GOOD, "endpoint": 5},
        {**GOOD, "endpoint": "https://" + "a" * 3000},
    ],
)
async def test_subscribe_rejects_invalid_objects(authed: AppClient, subscription: Any) -> None:
    response = await authed.post("/api/push/subscribe", json={"subscription": subscription})
    assert response.status == 400
    assert await response.json() == {"error": "Invalid subscription object"}


async def test_subscribe_persists_and_unsubscribe_removes(
    authed: AppClient, config: Config
) -> None:
    sub = Browser().subscription("https://push.example/send/1")
    assert (await authed.post("/api/push/subscribe", json={"subscription": sub})).status == 200
    path = config.config_dir / "push-subscriptions.json"
    assert json.loads(path.read_text()) == {"subscriptions": [sub]}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    response = await authed.delete("/api/push/unsubscribe", json={})
    assert response.status == 400
    assert await response.json() == {"error": "Missing endpoint"}
    response = await authed.delete("/api/push/unsubscribe", json={"endpoint": sub["endpoint"]})
    assert await response.json() == {"ok": True}
    assert json.loads(path.read_text()) == {"subscriptions": []}


def test_payload_titles() -> None:
    base: NotificationMsg = {"type": "notification", "notificationType": "command-complete",
                             "sessionName": "api", "sessionId": "s1", "timestamp": 5}
    known = push.payload_for({**base, "command": "make test", "exitCode": 0, "durationMs": 252000})
    assert known["title"] == "✓ make test — exit 0 — 4m12s — session api"
    assert known["url"] == "/terminal?id=s1"
    assert known["type"] == "command-complete"
    assert known["sessionId"] == "s1"
    failed = push.payload_for({**base, "command": "make", "exitCode": 2})
    assert failed["title"] == "✗ make — exit 2 — session api"
    assert push.payload_for(base)["title"] == "Command finished"


# -- delivery ----------------------------------------------------------------------------


async def _watched_session(
    aiohttp_client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakePushService, str], name: str,
) -> tuple[str, TermWS]:
    """A logged-in server subscribed to `fake`, notifying on every command, and a viewer
    attached to a new session called `name` (its shell's prompt from a clean HOME)."""
    service, endpoint = fake
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("PS1='$ '\n")
    monkeypatch.setenv("HOME", str(home))
    client = await logged_in(aiohttp_client, make_config(tmp_path, notify_min_seconds=0))
    await subscribe(client, service, endpoint)
    session_id = await new_session(client, **INJECTED, name=name)
    ws = TermWS(await client.ws_connect("/ws"))
    await ws.attach(session_id)
    await ws.expect("attached")
    return session_id, ws


async def test_command_reaches_the_push_service_encrypted_and_signed(
    aiohttp_client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakePushService, str],
) -> None:
    service, _ = fake
    session_id, ws = await _watched_session(aiohttp_client, tmp_path, monkeypatch, fake, "api")
    await ws.resize(80, 24)
    await ws.type("sleep 1; (exit 3)\r")
    await ws.expect("notification")
    async with asyncio.timeout(10):
        await service.done.wait()
    payload = service.received[0]
    assert payload["title"].startswith("✗ sleep 1; (exit 3) — exit 3 — ")
    assert payload["title"].endswith(" — session api")
    assert payload["url"] == f"/terminal?id={session_id}"
    assert payload["sessionId"] == session_id
    assert payload["tag"].startswith(f"termbeam-cmd-{session_id}-")
    assert service.headers[0]["TTL"] == "300"
    assert service.headers[0]["Urgency"] == "normal"
    assert service.headers[0]["Content-Encoding"] == "aes128gcm"
    await ws.ws.close()


async def test_a_session_name_that_cannot_be_utf8_is_pushed_escaped(
    aiohttp_client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakePushService, str],
) -> None:
    """Found after the fuzzing's lone surrogates: one in the name (sent as "\\ud800") made
    encoding the payload raise, in a task nobody awaited: no push."""
    service, _ = fake
    _, ws = await _watched_session(
        aiohttp_client, tmp_path, monkeypatch, fake, "x" + chr(0xD800)
    )
    await ws.type("sleep 0.2\r")
    await ws.expect("notification")
    async with asyncio.timeout(10):
        await service.done.wait()
    assert service.received[0]["title"].endswith(" — session x" + chr(0xD800))
    await ws.ws.close()


async def test_gone_subscription_is_pruned_at_once(
    authed: AppClient, config: Config, fake: tuple[FakePushService, str]
) -> None:
    service, endpoint = fake
    service.status = 410
    await subscribe(authed, service, endpoint)
    finish(authed, await new_session(authed), command="x", exit_code=0)
    pushes = authed.app[keys.PUSH]
    await eventually(lambda: not pushes.subscriptions, "the subscription to be pruned", 10)
    stored = config.config_dir / "push-subscriptions.json"
    await eventually(lambda: not json.loads(stored.read_text())["subscriptions"],
                     "the pruned subscription to leave push-subscriptions.json", 5)


async def test_other_failures_prune_after_five_in_a_row(
    authed: AppClient, fake: tuple[FakePushService, str]
) -> None:
    service, endpoint = fake
    service.status = 500
    await subscribe(authed, service, endpoint)
    session_id = await new_session(authed)
    pushes = authed.app[keys.PUSH]
    for attempt in range(1, 6):
        finish(authed, session_id)
        assert pushes.sending == 1
        await asyncio.wait_for(pushes.drain(), 10)
        assert pushes.sending == 0
        assert len(service.received) == attempt
        assert bool(pushes.subscriptions) == (attempt < 5)


async def test_slow_push_service_does_not_slow_the_terminal(
    authed: AppClient, term: TermWS, session_id: str, fake: tuple[FakePushService, str]
) -> None:
    service, endpoint = fake
    service.delay = 3.0
    await subscribe(authed, service, endpoint)
    finish(authed, session_id, command="build", exit_code=0, duration_ms=60000)
    async with asyncio.timeout(5):
        await service.arrived.wait()
    for i in range(5):
        assert await term.run(f"echo fast-{i}") == f"fast-{i}"
    assert not service.done.is_set()  # the push really was still in flight


async def test_subscriptions_survive_a_restart(
    aiohttp_client: ClientFactory, config: Config, fake: tuple[FakePushService, str]
) -> None:
    service, endpoint = fake
    first = await logged_in(aiohttp_client, config)
    await subscribe(first, service, endpoint)
    key = service.vapid_key
    await first.close()
    second = await logged_in(aiohttp_client, config)
    assert (await (await second.get("/api/push/vapid-key")).json())["publicKey"] == key
    assert list(second.app[keys.PUSH].subscriptions) == [endpoint]
    finish(second, await new_session(second), command="deploy", exit_code=0)
    async with asyncio.timeout(10):
        await service.done.wait()
    assert service.received[0]["title"] == "✓ deploy — exit 0 — session Session 1"
