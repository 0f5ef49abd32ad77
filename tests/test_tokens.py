"""Login and share tokens: share links are single use, expiring and a bounded number alive at
once; a token that is not valid UTF-8 is refused, not raised over."""

from __future__ import annotations

from pathlib import Path

import pytest

from termbeam_py.tokens import MAX_SHARE_TOKENS, ShareTokens, TokenStore
from tests.helpers import AppClient, FakeClock


def test_share_tokens_are_single_use() -> None:
    share = ShareTokens()
    token = share.issue()
    assert share.consume(token)
    assert not share.consume(token)


def test_issuing_past_the_cap_drops_the_oldest() -> None:
    share = ShareTokens()
    tokens = [share.issue() for _ in range(MAX_SHARE_TOKENS + 50)]
    assert len(share) == MAX_SHARE_TOKENS
    assert not any(share.consume(t) for t in tokens[:50])
    assert all(share.consume(t) for t in tokens[50:])
    assert len(share) == 0


def test_expired_tokens_make_room_first() -> None:
    clock = FakeClock()
    share = ShareTokens(ttl=60, clock=clock)
    stale = [share.issue() for _ in range(MAX_SHARE_TOKENS)]
    clock.advance(60)
    fresh = share.issue()
    assert len(share) == 1
    assert share.consume(fresh)
    assert not share.consume(stale[-1])


async def test_a_loop_on_the_share_route_keeps_a_bounded_number_of_links(
    authed: AppClient,
) -> None:
    urls = []
    for _ in range(MAX_SHARE_TOKENS + 20):
        response = await authed.get("/api/share-token")
        assert response.status == 200
        urls.append((await response.json())["url"])
    first, last = (url.split("ott=", 1)[1] for url in (urls[0], urls[-1]))
    authed.session.cookie_jar.clear()  # from here on, a browser that follows the link
    refused = await authed.get(f"/?ott={first}", allow_redirects=False)
    accepted = await authed.get(f"/?ott={last}", allow_redirects=False)
    assert refused.status == 302
    assert refused.headers["Location"] == "/login"
    assert accepted.status == 302
    assert "pty_token=" in accepted.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("token", [chr(0xD800), chr(0xDCFF), "a" + chr(0xDE49)])
def test_tokens_with_lone_surrogates_are_refused(tmp_path: Path, token: str) -> None:
    """Found by tests/test_fuzz.py: hashing one raised UnicodeEncodeError. A cookie's
    undecodable bytes and `\\ud800` in a WebSocket message both arrive as lone surrogates."""
    assert not TokenStore(tmp_path / "tokens.json").valid(token)
    share = ShareTokens()
    share.issue()
    assert not share.consume(token)


async def test_a_websocket_token_with_a_lone_surrogate_is_unauthorized(
    client: AppClient,
) -> None:
    ws = await client.ws_connect("/ws")
    await ws.send_str('{"type":"auth","token":"\\ude49"}')
    assert await ws.receive_json(timeout=5) == {"type": "error", "message": "Unauthorized"}
    await ws.close()
