"""The allocator settings that keep RSS flat while sessions come and go (memory.py)."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import subprocess
import sys
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from termbeam_py import keys
from termbeam_py.app import create_app
from termbeam_py.memory import Allocator, Trimmer, trimming
from tests.conftest import PASSWORD, make_config
from tests.helpers import AppClient, TermWS, eventually

glibc_only = pytest.mark.skipif(not Allocator().available, reason="glibc only")

# Frees a 4 MB buffer, then allocates 1 MB ones and reports the bytes held in mappings
# (mallinfo2's hblkhd). With glibc's dynamic threshold the first free lifts the mmap threshold
# to 4 MB, so the later buffers come from the heap (and leave holes in it when freed); with a
# fixed threshold each is a mapping of its own.
_SCENARIO = """
import ctypes, json, sys
from termbeam_py.memory import Allocator
FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in FIELDS.split()]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if sys.argv[1] == "fixed":
    assert Allocator().fix_mmap_threshold()
big = bytearray(4_000_000)
del big
before = libc.mallinfo2().hblkhd
buffers = [bytearray(1_000_000) for _ in range(8)]
print(json.dumps({"mapped": libc.mallinfo2().hblkhd - before}))
"""


def _mapped_bytes(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _SCENARIO, mode], capture_output=True, text=True, check=True,
        timeout=60,
    )
    return int(json.loads(out.stdout)["mapped"])


@glibc_only
def test_fixed_threshold_keeps_large_buffers_out_of_the_heap() -> None:
    assert _mapped_bytes("default") < 1_000_000  # the failure mode: they went to the heap
    assert _mapped_bytes("fixed") >= 8_000_000


async def _trims_reach(trimmer: Trimmer, count: int) -> None:
    await eventually(lambda: trimmer.trims >= count, f"{count} trims")


async def test_trimmer_trims_once_per_burst_of_frees() -> None:
    trimmer = Trimmer(Allocator(), interval=0.2)
    async with trimming(trimmer):
        assert trimmer.trims == 0
        for _ in range(5):
            trimmer.note_freed()
        await _trims_reach(trimmer, 1)
        await asyncio.sleep(0.4)  # longer than the interval: no second trim without a free
        assert trimmer.trims == 1
        trimmer.note_freed()
        await _trims_reach(trimmer, 2)


async def test_trimmer_stays_idle_without_frees() -> None:
    trimmer = Trimmer(Allocator(), interval=0.01)
    async with trimming(trimmer):
        await asyncio.sleep(0.2)
    assert trimmer.trims == 0


async def test_deleting_a_session_trims_the_heap(authed: AppClient, session_id: str) -> None:
    trimmer = authed.app[keys.TRIMMER]
    trimmer.interval = 0.05
    assert trimmer.trims == 0
    response = await authed.delete(f"/api/sessions/{session_id}")
    assert response.status == 204
    await _trims_reach(trimmer, 1)


@pytest.mark.blocks_loop(reason="the test runs gc.collect() before it turns the collector off")
async def test_a_deleted_session_is_freed_without_the_cycle_collector(
    authed: AppClient, open_ws: Callable[..., Awaitable[TermWS]]
) -> None:
    """Its log's mapping goes back the moment nothing uses the session, not at a collection
    that may come minutes later."""
    response = await authed.post("/api/sessions", json={"initialCommand": "echo hi"})
    session_id = (await response.json())["id"]
    ws = await open_ws()
    await ws.attach(session_id)
    await ws.expect("attached")
    await ws.resize(100, 30)
    await ws.read_until("hi")
    session = weakref.ref(authed.app[keys.SESSIONS].get(session_id))
    gc.collect()
    gc.disable()
    try:
        assert (await authed.delete(f"/api/sessions/{session_id}")).status == 204
        await ws.expect("exit")
        await ws.ws.close()
        await eventually(lambda: session() is None, "the session to be freed")
    finally:
        gc.enable()


def _websocket_responses() -> int:
    return sum(isinstance(obj, web.WebSocketResponse) for obj in gc.get_objects())


@pytest.mark.blocks_loop(reason="gc.get_objects() walks every object of the test process")
async def test_a_closed_websocket_is_freed_without_the_cycle_collector(tmp_path: Path) -> None:
    """Served as `termbeam` serves it (the connection guard's handler), a WebSocket's
    response, request and buffers go when its connection does, however it ended: not at a
    full collection, which a server with many long-lived objects runs rarely."""
    app = create_app(make_config(tmp_path))
    runner = await app[keys.CONNECTIONS].serve(app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/ws"
    gc.collect()
    gc.disable()
    try:
        before = _websocket_responses()
        for ending in ("close", "abort", "close", "abort"):
            http = aiohttp.ClientSession()
            ws = await http.ws_connect(url, origin=url.replace("/ws", ""))
            await ws.send_json({"type": "auth", "password": PASSWORD})
            assert (await ws.receive_json(timeout=10))["type"] == "auth_ok"
            if ending == "abort":  # the TCP connection ends with no close frame
                ws.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
            await ws.close()
            await http.close()
        await eventually(lambda: not app[keys.HUB].connections, "the server to drop them")
        await eventually(lambda: _websocket_responses() == before,
                         "every closed WebSocket to be freed", interval=0.1)
    finally:
        gc.enable()
        await runner.cleanup()
