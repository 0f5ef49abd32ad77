"""A session's lease: a session that ends unless someone keeps using it (#17).

`termbeam run` makes a hidden session for each command and deletes it at the end; a CLI that
is killed (`kill -9`, a lost laptop) cannot, and the shell would stay forever. Such a session
is made with a lease of N seconds: every request about it renews the lease, and when N seconds
pass without one the manager ends it (unless a viewer is attached: sessions/manager.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from termbeam_py.sessions.session import Session

log = logging.getLogger(__name__)

#: Shortest and longest lease, in seconds.
MIN_LEASE = 1.0
MAX_LEASE = 24 * 3600.0


def valid_lease(value: object) -> float | None:
    """`value` as a lease in seconds, or None when it is not a number in range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not MIN_LEASE <= value <= MAX_LEASE:
        return None
    return float(value)


class Lease:
    """Calls `on_lapse` once `seconds` pass without a `renew`. Renewing is cheap (a number
    set): the timer is moved only when it fires early."""

    def __init__(self, seconds: float, on_lapse: Callable[[], None]) -> None:
        self.seconds = seconds
        self._on_lapse: Callable[[], None] | None = on_lapse
        self._loop = asyncio.get_running_loop()
        self.deadline = self._loop.time() + seconds
        self._timer: asyncio.TimerHandle | None = self._loop.call_at(self.deadline, self._due)

    def renew(self) -> None:
        self.deadline = self._loop.time() + self.seconds

    def _due(self) -> None:
        self._timer = None
        if self._on_lapse is None:
            return
        if self._loop.time() < self.deadline:  # renewed meanwhile: wait for the new deadline
            self._timer = self._loop.call_at(self.deadline, self._due)
            return
        self._on_lapse()
        if self._on_lapse is not None and self._loop.time() < self.deadline:
            # The owner kept the session (a viewer is attached) and renewed: wait again.
            self._timer = self._loop.call_at(self.deadline, self._due)

    def close(self) -> None:
        """Stop for good (the session ended or the server let go of it)."""
        self._on_lapse = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Leases:
    """The leases of a manager's sessions: ends each session whose lease lapses (with `end`,
    given its id) unless a viewer is attached, which holds it."""

    def __init__(self, end: Callable[[str], Coroutine[object, object, None]]) -> None:
        self._end = end
        self.listeners: list[Callable[[Session], None]] = []
        """Called with each session about to be ended for its lease (the audit log)."""
        self._ending: set[asyncio.Task[None]] = set()

    def grant(self, session: Session, seconds: float | None) -> None:
        """A lease of `seconds` from now, replacing any it had; None: no lease any more."""
        if session.lease is not None:
            session.lease.close()
        # The lease points back at the session until it is closed: when the session ends,
        # is deleted or is let go.
        session.lease = None if seconds is None else Lease(
            seconds, lambda: self._lapsed(session))

    def _lapsed(self, session: Session) -> None:
        lease = session.lease
        if lease is None:
            return
        if session.clients:
            lease.renew()
            return
        log.info("session %s (%s) ends: unused for its lease of %g s", session.id[:8],
                 session.name, lease.seconds)
        for listener in self.listeners:
            listener(session)
        task = asyncio.get_running_loop().create_task(self._end(session.id))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def settle(self) -> None:
        """Wait for the sessions being ended (at shutdown: no task is left pending)."""
        if self._ending:
            await asyncio.gather(*self._ending, return_exceptions=True)
