"""Shared behaviour of the fake tunnel programs (test doubles on PATH, not real tunnels).

Controlled by the environment:
  FAKE_TUNNEL_DIR    where each run is recorded: `<name>.runs` (one line per run: pid,
                     grandchild pid), `calls` (argv as JSON lines), `logged-in` (devtunnel's
                     login: "<provider> <H:MM:SS>"), `tunnels` (devtunnel ids),
                     `saw-password` (created if the password reached a fake's environment),
                     `host-down` (devtunnel show then reports no host connection).
  FAKE_TUNNEL_MODES  comma list, one mode per run (the last repeats): ok, crash (URL, then
                     exit), die (exit before the URL), hang, stubborn (hang, ignore SIGTERM),
                     login, network, late (URL after FAKE_TUNNEL_DELAY seconds).
Every run also starts a `sleep` grandchild in its process group, so tests can check that
stopping the tunnel leaves no process behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

STATE = Path(os.environ.get("FAKE_TUNNEL_DIR", "/nonexistent"))


def record_call(name: str) -> None:
    with (STATE / "calls").open("a") as fh:
        fh.write(json.dumps([name, *sys.argv[1:]]) + "\n")
    if "TERMBEAM_PASSWORD" in os.environ or "PTY_PASSWORD" in os.environ:
        (STATE / "saw-password").touch()


def _mode(name: str) -> tuple[str, int]:
    runs = STATE / f"{name}.runs"
    index = len(runs.read_text().splitlines()) if runs.exists() else 0
    modes = os.environ.get("FAKE_TUNNEL_MODES", "ok").split(",")
    return modes[min(index, len(modes) - 1)], index + 1


def say(line: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def forever() -> None:
    while True:
        time.sleep(3600)


def host(name: str, *, url: Callable[[int], list[str]], login: list[str],
         network: list[str], err: bool = False) -> None:
    """One run of a tunnel host: record it, then behave as FAKE_TUNNEL_MODES says."""
    mode, run = _mode(name)
    child = subprocess.Popen(["sleep", "600"])  # a grandchild the supervisor must reap
    with (STATE / f"{name}.runs").open("a") as fh:
        fh.write(f"{os.getpid()} {child.pid}\n")
    say(f"{name} fake starting (mode {mode})", err)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        forever()
    if mode == "hang":
        forever()
    if mode == "die":
        say("error: the tunnel service refused the connection attempt", err)
        child.kill()
        sys.exit(1)
    if mode in ("login", "network"):
        for line in login if mode == "login" else network:
            say(line, err)
        child.kill()
        sys.exit(1)
    if mode == "late":
        time.sleep(float(os.environ.get("FAKE_TUNNEL_DELAY", "1")))
    for line in url(run):
        say(line, err)
    if mode == "crash":
        say("fatal: connection to the edge closed", err)
        child.kill()
        sys.exit(3)
    forever()
