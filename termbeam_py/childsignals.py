"""Give every program the server starts the default signal handling, however it was started.

An ignored signal stays ignored across `exec`, and so does a blocked one. Started as
`nohup termbeam &` from a script, the server ignores SIGHUP, SIGINT and SIGQUIT, and so would
every shell it spawns: Ctrl-C would not stop `sleep`, and the jobs of a deleted session would
outlive its SIGHUP. A signal with a handler, by contrast, is reset to the default by `exec`.
So, once at start-up, each of these signals that is ignored gets a handler that does nothing:
the server still ignores it, and its children (shells, git, tunnel programs) do not. Signals
blocked in the starting thread are unblocked too, since the mask is inherited as well.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

log = logging.getLogger(__name__)

#: The signals a terminal's user (or a session's delete) sends and expects to act, and SIGCHLD,
#: whose SIG_IGN makes children unwaitable. Not the job-control stops (SIGTSTP, SIGTTIN,
#: SIGTTOU): a handler there would make the server's own writes to a terminal it runs in the
#: background of stop or retry instead of going through, and shells reset those for their
#: jobs anyway.
CHILD_DEFAULTS = (
    signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
    signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGCHLD,
)


def _still_ignored(signum: int, frame: FrameType | None) -> None:
    """A handler is reset by exec where SIG_IGN is not; doing nothing keeps it ignored here."""


def restore_for_children() -> list[signal.Signals]:
    """Make the signals children would inherit as ignored or blocked default for them.

    Call from the main thread before anything is spawned. Returns the signals that were
    ignored (logged once, so a `nohup` start is visible with --debug).
    """
    ignored = [sig for sig in CHILD_DEFAULTS if signal.getsignal(sig) == signal.SIG_IGN]
    for sig in ignored:
        signal.signal(sig, _still_ignored)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, CHILD_DEFAULTS)
    if ignored:
        log.debug("started with %s ignored: kept ignored here, default for children",
                  ", ".join(sig.name for sig in ignored))
    return ignored
