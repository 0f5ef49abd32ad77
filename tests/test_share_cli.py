"""`termbeam share NAME [--view-only] [--expires 1h]` against a real server (#17): the link on
stdout, a QR code on stderr, and the link works as its kind says."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.helpers import Server, child_env

TIMEOUT = 30.0


async def _share(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "termbeam_py", "share", *args, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env())
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _local(server: Server, url: str) -> str:
    """The link's path and query on the test server (the link names its share address)."""
    parts = urlsplit(url)
    return server.base + parts.path + ("?" + parts.query if parts.query else "")


@pytest.mark.blocks_loop(reason="starts termbeam processes from the test body")
async def test_share_view_only_and_login_links(spawn: Callable[..., Server]) -> None:
    server = spawn()
    await server.start()
    await server.started()
    cfg = ("--config-dir", str(server.cfg))
    async with aiohttp.ClientSession() as http:
        async with http.post(server.base + "/api/sessions", json={"name": "shared"},
                             headers=server.headers) as made:
            assert made.status == 201
            sid = (await made.json())["id"]

        code, out, err = await _share("shared", "--view-only", "--expires", "2h", *cfg)
        assert code == 0, err
        url = out.strip()
        assert "/view/tbv_" in url
        assert "\n" not in url  # stdout is the link alone
        assert "View-only link" in err
        assert "▀" in err or "█" in err  # the QR code
        async with http.get(_local(server, url), allow_redirects=False) as opened:
            assert opened.status == 302
            assert opened.headers["Location"] == "/view"
        async with http.get(f"{server.base}/api/sessions/{sid}/viewers",
                            headers=server.headers) as listed:
            links = (await listed.json())["links"]
        assert len(links) == 1
        assert time.time() + 7100 < links[0]["expiresAt"] <= time.time() + 7200

        # Without --view-only: the one-time login link, opening that session.
        code, out, err = await _share(sid, "--no-qr", *cfg)
        assert code == 0, err
        assert f"/terminal?id={sid}&ott=" in out
        assert "Login link" in err
        assert "▀" not in err
        async with http.get(_local(server, out.strip()), allow_redirects=False) as login:
            assert login.status == 302
            assert login.headers["Location"] == f"/terminal?id={sid}"
            assert "pty_token=" in login.headers["Set-Cookie"]

    code, _, err = await _share("shared", "--view-only", "--expires", "8d", *cfg)
    assert code == 2
    assert "--expires must be at most 7 days" in err
    code, _, err = await _share("shared", "--expires", "1h", *cfg)
    assert code == 2
    assert "only a --view-only link takes an expiry" in err
    code, _, err = await _share("nosuch", "--view-only", *cfg)
    assert code == 1
    assert "No session named 'nosuch'" in err
