"""Streaming a request body to disk: size cap enforced as the bytes arrive, batched writes in
threads, and no partial file left behind when the upload fails, the disk fills up, the client
goes away or the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import BinaryIO

from aiohttp import web

from termbeam_py.errors import BadRequest, PayloadTooLarge, write_failed
from termbeam_py.files.paths import MiB

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
#: Received chunks are written in batches of this size: one thread hop per MiB, not per 64 KiB.
FLUSH_AT = MiB


def _write_chunks(fh: BinaryIO, chunks: list[bytes]) -> None:
    fh.write(b"".join(chunks))


def _finish(fh: BinaryIO, chunks: list[bytes]) -> None:
    with fh:
        _write_chunks(fh, chunks)


def _discard(fh: BinaryIO, path: str) -> None:
    with contextlib.suppress(OSError):
        fh.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def refuse_declared(request: web.Request, cap: int, message: str) -> None:
    """A Content-Length over the cap is refused before anything touches the disk."""
    if request.content_length is not None and request.content_length > cap:
        raise PayloadTooLarge(message)


async def read_head(request: web.Request, size: int) -> bytes:
    """The body's first `size` bytes (fewer if it is shorter; b"" if empty)."""
    try:
        return await request.content.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        return exc.partial
    except ConnectionError as exc:
        raise _interrupted(request) from exc


def _interrupted(request: web.Request) -> BadRequest:
    # The client hung up mid-body: nobody is left to read an answer, so no traceback either.
    log.info("upload to %s interrupted by the client", request.path)
    return BadRequest("Upload interrupted")


async def write_body(
    request: web.Request, fh: BinaryIO, path: str, head: bytes, cap: int, too_large: str
) -> int:
    """Stream the rest of the body after `head` into `fh`; on any failure delete `path`."""
    size, pending, buffered = len(head), [head], len(head)
    try:
        async for chunk in request.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > cap:
                raise PayloadTooLarge(too_large)
            pending.append(chunk)
            buffered += len(chunk)
            if buffered >= FLUSH_AT:
                await asyncio.to_thread(_write_chunks, fh, pending)
                pending, buffered = [], 0
        await asyncio.to_thread(_finish, fh, pending)
    except BaseException as exc:
        # Shielded: a cancelled handler (client gone, server stopping) must still remove the
        # partial file.
        await asyncio.shield(asyncio.to_thread(_discard, fh, path))
        if isinstance(exc, ConnectionError):
            raise _interrupted(request) from exc
        if isinstance(exc, OSError):  # the write failed: a full disk is a 507, not a crash
            log.warning("upload to %s failed: %s", request.path, exc)
            raise write_failed(exc, "Failed to write file") from exc
        raise
    return size
