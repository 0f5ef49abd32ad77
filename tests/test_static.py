"""Serving the built web app: precompressed siblings chosen per Accept-Encoding (#16).

The build (frontend/scripts/compress.mjs) writes `name.br` and `name.gz` next to each text
file; the server sends one only to a client that accepts its coding, says `Vary:
Accept-Encoding`, and keeps the caching and security headers of the file it stands for.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from termbeam_py.static import accepted_codings
from tests.helpers import AppClient

SCRIPT = Path(__file__).resolve().parents[1] / "frontend" / "scripts" / "compress.mjs"
JS = b"export const greeting = 'hello';\n" * 200
#: Stand-in brotli bytes: the server never decodes what it sends, and Python has no brotli.
BR = b"\x1b-not-really-brotli-but-distinct"
ASSET = "/assets/app-0123abcd.js"


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build folder with one asset and an index.html, each with both siblings."""
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    js = static / "assets" / "app-0123abcd.js"
    js.write_bytes(JS)
    js.with_name(js.name + ".gz").write_bytes(gzip.compress(JS))
    js.with_name(js.name + ".br").write_bytes(BR)
    index = static / "index.html"
    index.write_bytes(b"<!doctype html><title>TermBeam</title>" + b" " * 2000)
    index.with_name("index.html.gz").write_bytes(gzip.compress(index.read_bytes()))
    index.with_name("index.html.br").write_bytes(BR)
    monkeypatch.setenv("TERMBEAM_STATIC_DIR", str(static))
    return static


@pytest.fixture
async def raw(client: AppClient) -> AsyncIterator[aiohttp.ClientSession]:
    """A client that sends only the Accept-Encoding a test gives and never decodes a body."""
    async with aiohttp.ClientSession(
        base_url=str(client.make_url("/")), auto_decompress=False,
        skip_auto_headers=["Accept-Encoding"],
    ) as session:
        yield session


async def _get(
    raw: aiohttp.ClientSession, path: str, accept: str | None, method: str = "GET",
    **headers: str,
) -> tuple[aiohttp.ClientResponse, bytes]:
    if accept is not None:
        headers["Accept-Encoding"] = accept
    async with raw.request(method, path, headers=headers) as response:
        return response, await response.read()


@pytest.mark.usefixtures("built")
async def test_brotli_first_then_gzip_with_the_asset_headers(
    raw: aiohttp.ClientSession,
) -> None:
    response, body = await _get(raw, ASSET, "gzip, deflate, br, zstd")
    assert response.status == 200
    assert body == BR
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers

    response, body = await _get(raw, ASSET, "gzip, deflate")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert gzip.decompress(body) == JS


@pytest.mark.usefixtures("built")
@pytest.mark.parametrize(
    "accept", [None, "", "identity", "deflate", "br;q=0, gzip;q=0", "gzip;q=0.0", "*;q=0"]
)
async def test_a_client_that_does_not_accept_a_coding_gets_the_file(
    raw: aiohttp.ClientSession, accept: str | None
) -> None:
    response, body = await _get(raw, ASSET, accept)
    assert response.status == 200
    assert body == JS
    assert "Content-Encoding" not in response.headers
    # The same URL answers differently to other clients: caches must know.
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.usefixtures("built")
async def test_weights_and_wildcards(raw: aiohttp.ClientSession) -> None:
    response, body = await _get(raw, ASSET, "br;q=0, gzip;q=0.5")
    assert response.headers["Content-Encoding"] == "gzip"
    response, body = await _get(raw, ASSET, "*")
    assert response.headers["Content-Encoding"] == "br"
    response, body = await _get(raw, ASSET, "*, br;q=0")
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == JS


@pytest.mark.usefixtures("built")
async def test_head_describes_the_coding_get_would_send(raw: aiohttp.ClientSession) -> None:
    response, body = await _get(raw, ASSET, "br", method="HEAD")
    assert response.status == 200
    assert body == b""
    assert response.headers["Content-Encoding"] == "br"
    assert int(response.headers["Content-Length"]) == len(BR)
    response, body = await _get(raw, ASSET, None, method="HEAD")
    assert "Content-Encoding" not in response.headers
    assert int(response.headers["Content-Length"]) == len(JS)


@pytest.mark.usefixtures("built")
async def test_a_range_request_gets_bytes_of_the_file_itself(raw: aiohttp.ClientSession) -> None:
    response, body = await _get(raw, ASSET, "gzip, br", Range="bytes=7-20")
    assert response.status == 206
    assert body == JS[7:21]
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Range"] == f"bytes 7-20/{len(JS)}"


async def test_the_page_is_compressed_and_never_cached(
    built: Path, raw: aiohttp.ClientSession
) -> None:
    response, body = await _get(raw, "/", "gzip")
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(body) == (built / "index.html").read_bytes()


async def test_a_build_without_siblings_still_serves(
    built: Path, raw: aiohttp.ClientSession
) -> None:
    """A dev build (vite alone) has no .br/.gz: the files go out as they are."""
    for sibling in [*built.rglob("*.br"), *built.rglob("*.gz")]:
        sibling.unlink()
    response, body = await _get(raw, ASSET, "gzip, br")
    assert response.status == 200
    assert body == JS
    assert "Content-Encoding" not in response.headers
    response, body = await _get(raw, "/", "gzip, br")
    assert response.status == 200
    assert "Content-Encoding" not in response.headers


def test_accepted_codings() -> None:
    assert accepted_codings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_codings("GZIP;Q=1, br ; q=0") == {"gzip"}
    assert accepted_codings("br;q=bogus") == set()
    assert accepted_codings("*;q=0.1, gzip;q=0") == {"*", "br"}
    assert accepted_codings("") == set()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_build_step_writes_siblings_that_decode_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    big = tmp_path / "assets" / "big.js"
    big.write_bytes(JS)
    tiny = tmp_path / "assets" / "tiny.css"
    tiny.write_bytes(b"a{color:red}")
    font = tmp_path / "assets" / "face.woff2"
    font.write_bytes(JS)
    stale = tmp_path / "assets" / "tiny.css.br"
    stale.write_bytes(b"left over from an older build")
    subprocess.run(["node", str(SCRIPT), str(tmp_path)], check=True, capture_output=True)
    assert gzip.decompress((tmp_path / "assets" / "big.js.gz").read_bytes()) == JS
    unbrotli = "process.stdout.write(require('zlib').brotliDecompressSync(" \
        "require('fs').readFileSync(process.argv[1])))"
    decoded = subprocess.run(
        ["node", "-e", unbrotli, str(tmp_path / "assets" / "big.js.br")],
        check=True, capture_output=True,
    ).stdout
    assert decoded == JS
    # Too small to gain, or already compressed: no siblings (and no stale one left).
    assert sorted(p.name for p in (tmp_path / "assets").iterdir()) == [
        "big.js", "big.js.br", "big.js.gz", "face.woff2", "tiny.css",
    ]
