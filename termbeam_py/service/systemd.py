"""The systemd user unit: install/uninstall through `systemctl --user`, logs from journalctl."""

from __future__ import annotations

from pathlib import Path

import click

from termbeam_py.service import tools
from termbeam_py.service.envfile import write_private
from termbeam_py.service.paths import UNIT_NAME, ServicePaths
from termbeam_py.service.units import ServiceSpec, render_systemd_unit

_NEEDS = "the Linux service needs systemd's user manager"
_NO_MANAGER = " (see its message above, and `termbeam service status`)"


class SystemdBackend:
    name = "systemd"

    def __init__(self, paths: ServicePaths, systemctl: str = "systemctl",
                 journalctl: str = "journalctl") -> None:
        self._paths = paths
        self._systemctl = systemctl
        self._journalctl = journalctl

    @property
    def definition(self) -> Path:
        return self._paths.unit_file

    def _ctl(self, *args: str) -> list[str]:
        return [tools.require(self._systemctl, _NEEDS), "--user", *args]

    def check(self) -> None:
        self._ctl()

    def render(self, spec: ServiceSpec) -> bytes:
        return render_systemd_unit(spec).encode()

    def install(self, definition: bytes, start: bool) -> list[str]:
        ctl = self._ctl()
        # Not secret, but private like the rest of our files; the user manager runs as us.
        write_private(self.definition, definition.decode())
        tools.run_or_fail([*ctl, "daemon-reload"], _NO_MANAGER)
        tools.run_or_fail([*ctl, "enable", UNIT_NAME], _NO_MANAGER)
        if start:
            # restart, not start: a reinstall must pick up the new unit and password.
            self._restart(ctl)
        return [
            f"Unit:      {self.definition}",
            "It starts when you log in. To start it at boot without logging in, run:",
            "  loginctl enable-linger \"$USER\"",
        ]

    def uninstall(self) -> None:
        ctl = self._ctl()
        if tools.run([*ctl, "disable", "--now", UNIT_NAME]) != 0:
            click.echo("warning: could not stop and disable the unit; removing it anyway",
                       err=True)
        self.definition.unlink(missing_ok=True)
        tools.run([*ctl, "daemon-reload"], quiet=True)

    def status(self) -> int:
        return tools.run([*self._ctl(), "status", "--no-pager", UNIT_NAME])

    def logs(self, lines: int, follow: bool) -> int:
        journalctl = tools.require(self._journalctl, "the service logs are in the journal")
        # --user-unit reads every journal we may see: the per-user one and, where user
        # units log to it, the system journal.
        argv = [journalctl, "--user-unit", UNIT_NAME, "--no-pager", "--lines", str(lines)]
        return tools.run([*argv, "--follow"] if follow else argv)

    def restart(self) -> None:
        self._restart(self._ctl())

    def start(self) -> None:
        ctl = self._ctl()
        tools.run([*ctl, "reset-failed", UNIT_NAME], quiet=True)  # as for restart, below
        tools.run_or_fail([*ctl, "start", UNIT_NAME], _NO_MANAGER)

    def stop(self) -> None:
        # systemctl waits for the stop job, so the server has exited when this returns; a
        # unit that is not running stops successfully.
        tools.run_or_fail([*self._ctl(), "stop", UNIT_NAME], _NO_MANAGER)

    @staticmethod
    def _restart(ctl: list[str]) -> None:
        # After StartLimitBurst failures systemd refuses even a manual start until the
        # interval passes; asking for a restart means "try again now".
        tools.run([*ctl, "reset-failed", UNIT_NAME], quiet=True)
        tools.run_or_fail([*ctl, "restart", UNIT_NAME], _NO_MANAGER)
