"""What GET /metrics' sampling costs (#19): a real server with 20 idle sessions, its CPU
over a window, against the same measurement of a server without metrics (`--compare`, a clean
export of an earlier commit), and the sampler's own thread time as /metrics reports it.

    python benchmarks/metrics_sampling.py
    git archive <commit> | tar -x -C /tmp/old
    python benchmarks/metrics_sampling.py --compare /tmp/old

Every server is started by this script, stopped by its PID, and talked to over 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import REPO, Api, auth_headers, proc_cpu_seconds, start_server, stop_process

SAMPLER = "termbeam_metrics_sampling_cpu_seconds_total"


async def sampler_seconds(http: aiohttp.ClientSession, url: str,
                          headers: dict[str, str]) -> float | None:
    """The sampler's own CPU time from /metrics; None for a server without the route."""
    async with http.get(url + "/metrics", headers=headers) as resp:
        if resp.status != 200:
            return None
        for line in (await resp.text()).splitlines():
            if line.startswith(SAMPLER + " "):
                return float(line.split()[1])
    return None


async def scrape_ms(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> float:
    start = time.perf_counter()
    async with http.get(url + "/metrics", headers=headers) as resp:
        await resp.read()
    return (time.perf_counter() - start) * 1000


async def measure(src: Path, sessions: int, window: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tb-metrics-") as tmp:
        server = await start_server(sys.executable, Path(tmp), src)
        assert server.proc is not None
        assert server.pid is not None
        try:
            async with aiohttp.ClientSession() as http:
                api, headers = Api(server, http), auth_headers(server)
                for _ in range(sessions):
                    await api.create()
                await asyncio.sleep(2.0)  # the shells start; the first samples are taken
                sampler0 = await sampler_seconds(http, server.url, headers)
                cpu0, t0 = proc_cpu_seconds(server.pid), time.monotonic()
                await asyncio.sleep(window)
                cpu, elapsed = proc_cpu_seconds(server.pid) - cpu0, time.monotonic() - t0
                sampler1 = await sampler_seconds(http, server.url, headers)
                result: dict[str, Any] = {
                    "src": str(src), "sessions": sessions, "seconds": round(elapsed, 1),
                    "process_cpu_pct": round(100 * cpu / elapsed, 3),
                }
                if sampler0 is not None and sampler1 is not None:
                    result["sampler_cpu_pct"] = round(100 * (sampler1 - sampler0) / elapsed, 3)
                    times = [await scrape_ms(http, server.url, headers) for _ in range(5)]
                    result["scrape_ms_median"] = round(statistics.median(times), 2)
                return result
        finally:
            await stop_process(server.proc)


async def run(args: argparse.Namespace) -> None:
    sources = [Path(args.server_src)] + ([Path(args.compare)] if args.compare else [])
    for rep in range(args.reps):
        for src in sources:  # alternated, so the machine's load drifts over both alike
            result = await measure(src, args.sessions, args.window)
            print({"rep": rep + 1, **result}, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-src", default=str(REPO), help="the tree with metrics")
    parser.add_argument("--compare", help="a tree without metrics, measured alike")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--window", type=float, default=30.0, help="seconds of CPU measured")
    parser.add_argument("--reps", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
