"""What every service manager backend offers; the CLI picks one by platform."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from termbeam_py.service.units import ServiceSpec


class Backend(Protocol):
    name: str

    @property
    def definition(self) -> Path:
        """The unit or plist file; it exists exactly when the service is installed."""

    def check(self) -> None:
        """Fail (ClickException) when the service manager's tools are missing."""

    def render(self, spec: ServiceSpec) -> bytes:
        """The unit or plist for `spec` (UnitError when a value cannot be written)."""

    def install(self, definition: bytes, start: bool) -> list[str]:
        """Write the definition and register it (and start it when `start`); hint lines."""

    def uninstall(self) -> None: ...

    def status(self) -> int: ...

    def logs(self, lines: int, follow: bool) -> int: ...

    def restart(self) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None:
        """Stop the server and return once it has exited (kept sessions stay running)."""
