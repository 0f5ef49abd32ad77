"""Runs one tunnel provider: captures its URL, restarts it with backoff, waits out lost
logins and networks, and kills its whole process group on stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from termbeam_py.config import TunnelConfig
from termbeam_py.tunnel import process
from termbeam_py.tunnel.providers import Login, Provider, ProviderError, dns_probe
from termbeam_py.tunnel.status import EXPIRING_SECONDS, TunnelStatus

log = logging.getLogger(__name__)

Listener = Callable[[TunnelStatus], None]
Probe = Callable[[], Awaitable[bool]]
#: A run that stayed connected this long starts the retry count afresh; a provider that
#: crashes right after connecting still backs off.
STABLE_SECONDS = 30.0
_TAIL = 20
_EXPIRY_DRIFT = 60.0
_HEALTH_FAILURES = 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one run of the provider ended."""

    kind: str  # exited, url-timeout, login, network
    message: str
    stable: bool = False


class Supervisor:
    """Owns the provider subprocess; `status` is always the current snapshot."""

    def __init__(self, provider: Provider, cfg: TunnelConfig, *,
                 listener: Listener | None = None, probe: Probe | None = None) -> None:
        self.provider = provider
        self.cfg = cfg
        self.status = TunnelStatus(tunnel=provider.name, public=provider.public)
        self.starts = 0
        """Times the provider's program was started: every one after the first is a restart."""
        self._listener = listener
        self._probe = probe or (lambda: dns_probe(provider.probe_host))
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._login: Login | None = None
        self._unhealthy = False

    # ----------------------------------------------------------------- public interface

    async def start(self) -> None:
        """Start supervising in the background; a missing program only sets `failed`."""
        binary = self.provider.binary
        if await asyncio.to_thread(shutil.which, binary) is None:
            self._set(state="failed", reason="missing-binary",
                      message=f"{binary} not found on PATH — {self.provider.install_hint}")
            return
        self._task = asyncio.create_task(self._guarded(), name=f"tunnel-{binary}")

    async def wait_ready(self, limit: float) -> TunnelStatus:
        """The status once the first run connected or failed (or after `limit` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), limit)
        return self.status

    async def stop(self) -> None:
        """Kill the provider's process group and delete what it made; idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self.provider.cleanup()
        finally:
            if self.status.state != "disconnected" or self.status.reason is not None:
                self._set(state="disconnected", url=None, reason="stopped",
                          message="tunnel stopped", attempt=0, retry_in=None)

    # ----------------------------------------------------------------- the loop

    async def _guarded(self) -> None:
        try:
            await self._supervise()
        except Exception as exc:  # a bug must not silently leave a tunnel half-managed
            log.exception("tunnel supervisor crashed")
            self._set(state="failed", url=None, reason="error", message=str(exc)[:200])

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            self.starts += 1
            outcome = await self._run_once()
            log.info("tunnel %s: %s", self.provider.name, outcome.message)
            if outcome.stable:
                attempt = 0
            if outcome.kind == "login":
                await self._wait_login()
                self._resume("logged in again")
                continue
            if outcome.kind == "network" and not await self._probe():
                await self._wait_network()
                self._resume("the network is back")
                continue
            attempt += 1
            if attempt > self.cfg.max_attempts:
                await self._give_up(attempt - 1, outcome)
                attempt = 0
                self._resume("the network is reachable")
                continue
            delay = self.cfg.backoff[min(attempt, len(self.cfg.backoff)) - 1]
            self._set(state="reconnecting", url=None, attempt=attempt, retry_in=delay,
                      reason=outcome.kind, message=outcome.message)
            await asyncio.sleep(delay)

    async def _run_once(self) -> Outcome:
        self._login = await self.provider.login()
        if self._login is not None and not self._login.logged_in:
            return Outcome("login", f"{self.provider.name} is not logged in")
        try:
            await self.provider.prepare()
        except ProviderError as exc:
            return self._classify([str(exc)], str(exc))
        try:
            proc = await process.spawn(self.provider.command(),
                                       keep_stdin=self.provider.keep_stdin)
        except OSError as exc:
            return Outcome("exited", f"cannot start {self.provider.binary}: {exc}")
        try:
            return await self._watch(proc)
        finally:
            await process.kill_group(proc, self.cfg.kill_grace)

    async def _watch(self, proc: asyncio.subprocess.Process) -> Outcome:
        tail: deque[str] = deque(maxlen=_TAIL)
        async with contextlib.aclosing(process.output(proc)) as output:
            try:
                async with asyncio.timeout(self.cfg.url_timeout):
                    url = await self._until_url(output, tail)
            except TimeoutError:
                return Outcome("url-timeout",
                               f"no tunnel URL within {self.cfg.url_timeout:g}s")
            except _LoginNeeded as exc:
                return Outcome("login", str(exc))
            if url is None:
                return await self._exited(proc, tail)
            since = time.monotonic()
            self._connected(url)
            self._unhealthy = False
            watcher = asyncio.create_task(self._watch_connected(proc))
            try:
                async for line in output:
                    tail.append(line)
                    log.debug("tunnel: %s", line)
            finally:
                watcher.cancel()
                await asyncio.wait({watcher})  # its login check must not outlive the run
        outcome = await self._exited(proc, tail)
        if self._unhealthy:
            outcome = Outcome("exited", f"{self.provider.name} lost its connection "
                                        f"({_HEALTH_FAILURES} failed health checks)")
        return dataclasses.replace(outcome, stable=time.monotonic() - since >= STABLE_SECONDS)

    async def _until_url(self, output: AsyncIterator[str], tail: deque[str]) -> str | None:
        async for line in output:
            tail.append(line)
            log.debug("tunnel: %s", line)
            if url := self.provider.find_url(line):
                return url
            if self.provider.needs_login(line):
                raise _LoginNeeded(line.strip()[:200])
        return None

    async def _exited(self, proc: asyncio.subprocess.Process, tail: deque[str]) -> Outcome:
        code = proc.returncode if proc.returncode is not None else await proc.wait()
        last = next((line.strip() for line in reversed(tail) if line.strip()), "no output")
        return self._classify(list(tail), f"{self.provider.binary} exited ({code}): {last[:200]}")

    def _classify(self, lines: list[str], message: str) -> Outcome:
        if any(self.provider.needs_login(line) for line in lines):
            return Outcome("login", message)
        if any(self.provider.network_lost(line) for line in lines):
            return Outcome("network", message)
        return Outcome("exited", message)

    # ----------------------------------------------------------------- waiting states

    async def _wait_login(self) -> None:
        self._set(state="auth-expired", url=None, reason="login", retry_in=None,
                  message=f"{self.provider.name} needs a login: {self.provider.login_hint}")
        while True:
            await asyncio.sleep(self.cfg.check_interval)
            login = await self.provider.login()
            if login is None or login.logged_in:
                return

    async def _wait_network(self) -> None:
        self._set(state="disconnected", url=None, reason="network", retry_in=None,
                  message="network unreachable; retrying when it is back")
        while True:
            if await self._probe():
                return
            await asyncio.sleep(self.cfg.network_interval)

    async def _give_up(self, attempts: int, outcome: Outcome) -> None:
        self._set(state="failed", url=None, attempt=attempts, retry_in=None,
                  reason=outcome.kind,
                  message=f"gave up after {attempts} tries ({outcome.message}); "
                          "retrying when the network is reachable")
        while True:
            await asyncio.sleep(self.cfg.network_interval)
            if await self._probe():
                return

    async def _watch_connected(self, proc: asyncio.subprocess.Process) -> None:
        """While connected: follow the login token and the provider's health.

        Two failed health checks in a row stop the program, so it is restarted.
        """
        failures = 0
        while True:
            await asyncio.sleep(self.cfg.check_interval)
            if self._login is not None:
                await self._check_login()
            healthy = await self.provider.healthy()
            failures = failures + 1 if healthy is False else 0
            if failures >= _HEALTH_FAILURES:
                self._unhealthy = True
                process.terminate(proc)
                return

    async def _check_login(self) -> None:
        login = await self.provider.login()
        if login is None:
            return
        self._login = login
        if login.logged_in:
            self._connected(self.status.url or "")
        else:
            self._set(state="auth-expired", reason="login",
                      message=f"{self.provider.name} login expired: "
                              f"{self.provider.login_hint}")

    # ----------------------------------------------------------------- status

    def _resume(self, why: str) -> None:
        """Leaving a waiting state: starting again at once, with a fresh retry count."""
        self._set(state="reconnecting", url=None, attempt=0, retry_in=0.0, reason=None,
                  message=f"{why}; restarting {self.provider.name}")

    def _connected(self, url: str) -> None:
        login = self._login
        lifetime = login.token_lifetime if login else None
        expires = time.monotonic() + lifetime if lifetime is not None else None
        expiring = lifetime is not None and lifetime <= EXPIRING_SECONDS
        self._set(state="expiring" if expiring else "connected", url=url, attempt=0,
                  retry_in=None, reason=None, message=None,
                  auth_provider=login.provider if login else None, token_expires_at=expires)

    def _set(self, **changes: Any) -> None:
        old, self.status = self.status, dataclasses.replace(self.status, **changes)
        if _same(old, self.status):
            self.status = old  # a periodic login check that found nothing new: no broadcast
            return
        if self.status.state != "disconnected" or self.status.reason is not None:
            self._ready.set()
        if self._listener is not None:
            self._listener(self.status)


def _same(old: TunnelStatus, new: TunnelStatus) -> bool:
    """Equal but for the token's expiry, which a re-check moves by less than a minute."""
    if old.token_expires_at is None or new.token_expires_at is None:
        return old == new
    drift = abs(old.token_expires_at - new.token_expires_at)
    return drift < _EXPIRY_DRIFT and old == dataclasses.replace(
        new, token_expires_at=old.token_expires_at)


class _LoginNeeded(Exception):
    """The provider asked for a login before it announced a URL."""
