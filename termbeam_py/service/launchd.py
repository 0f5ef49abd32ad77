"""The launchd agent (macOS): bootstrap/bootout through launchctl, logs in a private file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import click

from termbeam_py.service import tools
from termbeam_py.service.paths import LAUNCHD_LABEL, ServicePaths
from termbeam_py.service.units import ServiceSpec, render_launchd_plist

_NEEDS = "the macOS service needs launchd"
_SEE = " (see its message above, and `termbeam service status`)"
#: launchd sends SIGKILL 20 s (its default ExitTimeOut) after SIGTERM: a stop ends by then.
STOP_TIMEOUT = 30.0
STOP_POLL = 0.1


class LaunchdBackend:
    name = "launchd"

    def __init__(self, paths: ServicePaths, launchctl: str = "launchctl", tail: str = "tail",
                 uid: Callable[[], int] = os.getuid) -> None:
        self._paths = paths
        self._launchctl = launchctl
        self._tail = tail
        self._uid = uid

    @property
    def definition(self) -> Path:
        return self._paths.plist_file

    @property
    def _domain(self) -> str:
        return f"gui/{self._uid()}"

    @property
    def _target(self) -> str:
        return f"{self._domain}/{LAUNCHD_LABEL}"

    def _ctl(self) -> str:
        return tools.require(self._launchctl, _NEEDS)

    def _prepare_log(self) -> None:
        """launchd would create the log world-readable; make it private first."""
        log_dir = self._paths.log_dir
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._paths.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(self._paths.log_file, 0o600)

    def check(self) -> None:
        self._ctl()

    def render(self, spec: ServiceSpec) -> bytes:
        return render_launchd_plist(spec, self._paths.log_file)

    def install(self, definition: bytes, start: bool) -> list[str]:
        ctl = self._ctl()
        self._prepare_log()
        self.definition.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.definition.with_name(f".{self.definition.name}.tmp")
        tmp.write_bytes(definition)
        os.replace(tmp, self.definition)
        if start:
            # An older copy may be loaded: unload it (fails harmlessly when it is not).
            tools.run([ctl, "bootout", self._target], quiet=True)
            tools.run([ctl, "enable", self._target], quiet=True)
            tools.run_or_fail([ctl, "bootstrap", self._domain, str(self.definition)], _SEE)
        return [f"Agent:     {self.definition}", f"Log:       {self._paths.log_file}",
                "It starts when you log in."]

    def uninstall(self) -> None:
        problem = self._bootout(self._ctl())
        if problem is not None:
            click.echo(f"warning: {problem}; removing the agent anyway", err=True)
        self.definition.unlink(missing_ok=True)

    def status(self) -> int:
        return tools.run([self._ctl(), "print", self._target])

    def logs(self, lines: int, follow: bool) -> int:
        tail = tools.require(self._tail, "needed to show the log file")
        log = self._paths.log_file
        if not log.exists():
            raise click.ClickException(f"no log yet: {log} does not exist")
        argv = [tail, "-n", str(lines), *(["-f"] if follow else []), str(log)]
        return tools.run(argv)

    def _loaded(self, ctl: str) -> bool:
        return tools.run([ctl, "print", self._target], quiet=True) == 0

    def restart(self) -> None:
        self._start(kill=True)

    def start(self) -> None:
        self._start(kill=False)

    def _start(self, *, kill: bool) -> None:
        ctl = self._ctl()
        if self._loaded(ctl):
            tools.run_or_fail([ctl, "kickstart", *(["-k"] if kill else []), self._target], _SEE)
        else:  # after `termbeam service stop` (bootout) until the next login
            tools.run_or_fail([ctl, "bootstrap", self._domain, str(self.definition)], _SEE)

    def stop(self) -> None:
        problem = self._bootout(self._ctl())
        if problem is not None:
            raise click.ClickException(problem + _SEE)

    def _bootout(self, ctl: str) -> str | None:
        """Unload the agent and wait until launchd no longer lists it (the server has exited);
        what went wrong, or None. Booting out an agent that is not loaded fails, so an
        already stopped one is left as it is."""
        if not self._loaded(ctl):
            return None
        status = tools.run([ctl, "bootout", self._target])
        if status != 0:
            return f"`launchctl bootout {self._target}` failed (exit {status})"
        # bootout can return while the server is still shutting down.
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._loaded(ctl):
            if time.monotonic() > deadline:
                return f"the agent did not stop within {STOP_TIMEOUT:g} s"
            time.sleep(STOP_POLL)  # the CLI has no event loop; bounded by STOP_TIMEOUT
        return None
