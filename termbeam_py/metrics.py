"""GET /metrics: the server, its sessions and its services in Prometheus text format (#19).

Nothing on the data path calls prometheus_client: sessions, the hub, push and the tunnel keep
plain counters on their own objects (sessions/counters.py), and `AppCollector` turns them into
samples only when /metrics is scraped. Process figures (RSS, CPU, open fds, and each
session's process tree) come from psutil, sampled every SAMPLE_SECONDS in a worker thread,
never per request and never on the event loop. The event loop's lag is the lateness of a
timer that fires every LAG_INTERVAL, kept for the last LAG_SAMPLES firings.

Label cardinality is bounded: one series per live session (`session`: the first 8 characters
of its id, `name`: its name; gone when the session ends), HTTP requests by route template
(never the raw path: an unknown path counts as "unmatched") and by a known method.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import get_args

import psutil
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from termbeam_py import keys
from termbeam_py.scopes import Scope, requires
from termbeam_py.sessions import Session
from termbeam_py.tunnel.status import State

log = logging.getLogger(__name__)

#: Seconds between two psutil samples (the in-app figures use the same samples).
SAMPLE_SECONDS = 5.0
#: The lag timer's period, and how many of its firings the p99 is taken over (two minutes).
LAG_INTERVAL = 0.5
LAG_SAMPLES = 240
#: Characters of a session id in the `session` label: unique enough among live sessions.
SESSION_LABEL = 8
#: Methods counted by name; anything else (the fuzzers send made-up ones) is "OTHER".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
TUNNEL_STATES: tuple[State, ...] = get_args(State)


class LoopLag:
    """How late the event loop runs a timer: a loop busy with one long callback shows here."""

    def __init__(self, interval: float = LAG_INTERVAL) -> None:
        self.interval = interval
        self.samples: deque[float] = deque(maxlen=LAG_SAMPLES)
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._schedule(asyncio.get_running_loop())

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        self._due = loop.time() + self.interval
        self._handle = loop.call_at(self._due, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        self.samples.append(max(0.0, loop.time() - self._due))
        self._schedule(loop)

    def p99(self) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Tree:
    """A session's process tree at one sample: its shell and every descendant alive."""

    cpu_seconds: float
    rss: int


@dataclass(frozen=True, slots=True)
class Sample:
    rss: int
    cpu_seconds: float
    open_fds: int
    trees: Mapping[str, Tree]
    """By session id."""
    taken_at: float = field(default_factory=time.monotonic)
    """time.monotonic() when it was taken (machine.py turns two samples into a CPU %)."""


def _descendants(children: Mapping[int, list[int]], root: int) -> list[int]:
    found, stack = [root], [root]
    while stack:
        kids = children.get(stack.pop(), [])
        found.extend(kids)
        stack.extend(kids)
    return found


def _tree(children: Mapping[int, list[int]], root: int) -> Tree:
    cpu, rss = 0.0, 0
    for pid in _descendants(children, root):
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                times = process.cpu_times()
                cpu += times.user + times.system
                rss += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue  # ended between the scan and now, or not ours to read
    return Tree(cpu, rss)


def sample(roots: Mapping[str, int]) -> Sample:
    """This process's figures and each session's tree (`roots`: session id → shell pid).
    Blocking (it reads /proc): run it in a thread."""
    me = psutil.Process()
    with me.oneshot():
        times = me.cpu_times()
        rss, fds = me.memory_info().rss, me.num_fds()
    trees: dict[str, Tree] = {}
    if roots:
        # One scan of every process for the parent links, rather than one per session.
        children: defaultdict[int, list[int]] = defaultdict(list)
        for process in psutil.process_iter(["ppid"]):
            ppid = process.info.get("ppid")
            if ppid is not None:
                children[ppid].append(process.pid)
        trees = {sid: _tree(children, pid) for sid, pid in roots.items()}
    return Sample(rss, times.user + times.system, fds, trees)


@dataclass(slots=True)
class Sampler:
    """Takes a `Sample` every SAMPLE_SECONDS in a worker thread; `latest` is the newest."""

    every: float = SAMPLE_SECONDS
    latest: Sample | None = None
    previous: Sample | None = None
    """The sample before `latest`."""
    busy_seconds: float = 0.0
    """CPU time the sampling itself took (its thread's), for the sampling-cost benchmark."""
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, app: web.Application) -> None:
        while True:
            await self.refresh(app)
            self.ready.set()  # a scrape waits for the first attempt only
            await asyncio.sleep(self.every)

    async def refresh(self, app: web.Application) -> None:
        roots = {s.id: s.pid for s in _running(app)}
        try:
            taken = await asyncio.to_thread(self._timed, roots)
        except (psutil.Error, OSError):  # /proc unreadable: keep the last figures
            log.warning("sampling process figures failed", exc_info=True)
            return
        self.previous, self.latest = self.latest, taken

    def stale(self, app: web.Application) -> bool:
        """A session began after the latest sample: it has no figures yet."""
        trees = self.latest.trees if self.latest is not None else {}
        return any(s.id not in trees for s in _running(app))

    def _timed(self, roots: Mapping[str, int]) -> Sample:
        start = time.thread_time()
        try:
            return sample(roots)
        finally:
            self.busy_seconds += time.thread_time() - start


def _running(app: web.Application) -> list[Session]:
    """Sessions with a live process (a program between runs has none: its last PID may be
    another process's by now)."""
    return [s for s in app[keys.SESSIONS].all() if s.terminal.exit_code is None]


@dataclass(slots=True)
class HttpCounts:
    """Responses by (route template, method, status), counted as each is prepared."""

    counts: defaultdict[tuple[str, str, int], int] = field(
        default_factory=lambda: defaultdict(int))

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        self.counts[(template, method, response.status)] += 1


@dataclass(slots=True)
class Metrics:
    """What one application keeps for /metrics (app[keys.METRICS])."""

    registry: CollectorRegistry
    sampler: Sampler = field(default_factory=Sampler)
    lag: LoopLag = field(default_factory=LoopLag)
    http: HttpCounts = field(default_factory=HttpCounts)


def _session_labels(session_id: str, name: str) -> list[str]:
    return [session_id[:SESSION_LABEL], name]


class AppCollector(Collector):
    """Reads the application's own objects when /metrics is scraped."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    def collect(self) -> Iterable[Metric]:
        yield from self._process()
        yield from self._sessions()
        yield from self._programs()
        yield from self._services()

    def _process(self) -> Iterable[Metric]:
        metrics = self._app[keys.METRICS]
        latest = metrics.sampler.latest
        if latest is not None:
            yield GaugeMetricFamily("termbeam_process_resident_memory_bytes",
                                    "Resident memory of the server process", value=latest.rss)
            yield CounterMetricFamily("termbeam_process_cpu_seconds",
                                      "CPU time of the server process (user + system)",
                                      value=latest.cpu_seconds)
            yield GaugeMetricFamily("termbeam_process_open_fds",
                                    "Open file descriptors of the server process",
                                    value=latest.open_fds)
        yield GaugeMetricFamily("termbeam_event_loop_lag_p99_seconds",
                                "99th percentile of the event loop's lateness, last two minutes",
                                value=metrics.lag.p99())
        yield CounterMetricFamily("termbeam_metrics_sampling_cpu_seconds",
                                  "CPU time spent sampling process figures for /metrics",
                                  value=metrics.sampler.busy_seconds)

    def _sessions(self) -> Iterable[Metric]:
        sessions = self._app[keys.SESSIONS].all()
        labels = ["session", "name"]
        out = CounterMetricFamily("termbeam_session_output_bytes",
                                  "Bytes the session's program wrote", labels=labels)
        typed = CounterMetricFamily("termbeam_session_input_bytes",
                                    "Bytes typed or pasted into the session", labels=labels)
        viewers = GaugeMetricFamily("termbeam_session_viewers", "Viewers attached now",
                                    labels=labels)
        resyncs = CounterMetricFamily("termbeam_session_resyncs",
                                      "Viewers that fell behind the log and got a fresh screen",
                                      labels=labels)
        paused = CounterMetricFamily("termbeam_session_paused_seconds",
                                     "Time reading the PTY was paused by flow control",
                                     labels=labels)
        cpu = GaugeMetricFamily("termbeam_session_cpu_seconds",
                                "CPU time of the session's live process tree", labels=labels)
        rss = GaugeMetricFamily("termbeam_session_resident_memory_bytes",
                                "Resident memory of the session's live process tree",
                                labels=labels)
        latest = self._app[keys.METRICS].sampler.latest
        for session in sessions:
            values = _session_labels(session.id, session.name)
            counters = session.counters
            out.add_metric(values, counters.bytes_out)
            typed.add_metric(values, counters.bytes_in)
            viewers.add_metric(values, len(session.clients))
            resyncs.add_metric(values, counters.resyncs)
            paused.add_metric(values, counters.paused_total())
            tree = latest.trees.get(session.id) if latest is not None else None
            if tree is not None:
                cpu.add_metric(values, tree.cpu_seconds)
                rss.add_metric(values, tree.rss)
        yield GaugeMetricFamily("termbeam_sessions", "Live sessions", value=len(sessions))
        yield from (out, typed, viewers, resyncs, paused, cpu, rss)

    def _programs(self) -> Iterable[Metric]:
        labels = ["session", "name"]
        restarts = CounterMetricFamily("termbeam_program_restarts",
                                       "Automatic restarts of a kept-running program",
                                       labels=labels)
        up = GaugeMetricFamily("termbeam_program_up", "1 while the program's process runs",
                               labels=labels)
        code = GaugeMetricFamily("termbeam_program_last_exit_code",
                                 "Exit code of the program's last run that ended",
                                 labels=labels)
        for session in self._app[keys.SESSIONS].all():
            program = session.program
            if program is None:
                continue
            values = _session_labels(session.id, session.name)
            restarts.add_metric(values, program.restarts)
            up.add_metric(values, 1 if program.active else 0)
            if program.last_exit_code is not None:
                code.add_metric(values, program.last_exit_code)
        yield from (restarts, up, code)

    def _services(self) -> Iterable[Metric]:
        app = self._app
        requests = CounterMetricFamily("termbeam_http_requests", "HTTP responses",
                                       labels=["route", "method", "status"])
        for (route, method, status), count in list(app[keys.METRICS].http.counts.items()):
            requests.add_metric([route, method, str(status)], count)
        yield requests
        yield GaugeMetricFamily("termbeam_websocket_connections", "Open WebSocket connections",
                                value=len(app[keys.HUB].connections))
        recordings = app.get(keys.RECORDINGS)
        if recordings is not None:
            yield CounterMetricFamily("termbeam_recording_bytes", "Bytes written to session "
                                      "recordings", value=recordings.bytes_written)
            yield GaugeMetricFamily("termbeam_recordings_active", "Sessions being recorded",
                                    value=recordings.active)
        push = app.get(keys.PUSH)
        if push is not None:
            yield CounterMetricFamily("termbeam_push_sends", "Web push deliveries accepted",
                                      value=push.sent)
            yield CounterMetricFamily("termbeam_push_failures", "Web push deliveries refused "
                                      "or failed", value=push.failed)
        tunnel = app.get(keys.TUNNEL)
        if tunnel is not None:
            state = GaugeMetricFamily("termbeam_tunnel_state",
                                      "1 for the tunnel's current state", labels=["state"])
            current = tunnel.status.state
            for name in TUNNEL_STATES:
                state.add_metric([name], 1 if name == current else 0)
            yield state
            starts = tunnel.supervisor.starts if tunnel.supervisor is not None else 0
            yield CounterMetricFamily("termbeam_tunnel_restarts",
                                      "Times the tunnel program was started again",
                                      value=max(starts - 1, 0))


routes = web.RouteTableDef()


@routes.get("/metrics")
@requires(Scope.READ)
async def metrics_page(request: web.Request) -> web.Response:
    metrics = request.app[keys.METRICS]
    await metrics.sampler.ready.wait()
    if metrics.sampler.stale(request.app):
        # Once per new session, not per scrape: its tree is then in every later sample.
        await metrics.sampler.refresh(request.app)
    body = generate_latest(metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    metrics = app[keys.METRICS]
    metrics.lag.start()
    task = asyncio.create_task(metrics.sampler.run(app))
    yield
    metrics.lag.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    """Count responses, sample in the background, and serve /metrics (called by create_app)."""
    # A registry per application, never prometheus_client's global one: two servers in one
    # process (the tests) must not share figures.
    registry = CollectorRegistry(auto_describe=False)
    app[keys.METRICS] = metrics = Metrics(registry)
    registry.register(AppCollector(app))
    app.on_response_prepare.append(metrics.http.on_prepare)
    app.cleanup_ctx.append(_metrics_ctx)
    app.router.add_routes(routes)
