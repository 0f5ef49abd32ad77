"""Where the service's files live, worked out from an environment mapping (tests pass theirs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The systemd unit name and the launchd label: one service per user.
UNIT_NAME = "termbeam.service"
LAUNCHD_LABEL = "io.termbeam.server"
ENV_FILE_NAME = "service.env"


@dataclass(frozen=True, slots=True)
class ServicePaths:
    home: Path
    config_home: Path
    """$XDG_CONFIG_HOME (default ~/.config): systemd reads user units below it."""
    state_dir: Path
    """TermBeam's config dir, where the server keeps its state and the service its env file."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], state_dir: Path) -> ServicePaths:
        home = Path(environ.get("HOME") or Path.home())
        xdg = environ.get("XDG_CONFIG_HOME")
        # The XDG spec says a relative value is invalid and must be ignored.
        config_home = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"
        return cls(home=home, config_home=config_home,
                   state_dir=state_dir.expanduser().absolute())

    @property
    def env_file(self) -> Path:
        return self.state_dir / ENV_FILE_NAME

    @property
    def unit_file(self) -> Path:
        return self.config_home / "systemd" / "user" / UNIT_NAME

    @property
    def plist_file(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"

    @property
    def log_dir(self) -> Path:
        """launchd has no journal: the server's stderr goes to a file here."""
        return self.home / "Library" / "Logs" / "termbeam"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "termbeam.log"
