"""Which shells this machine offers, and which one the server starts by default."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

KNOWN_SHELLS = frozenset({
    "sh", "bash", "zsh", "fish", "dash", "ksh", "csh", "tcsh", "ash", "mksh", "elvish", "nu",
    "pwsh", "xonsh", "ion",
})
ETC_SHELLS = Path("/etc/shells")
#: /etc/shells lists login programs that are not shells to pick: restricted shells (they
#: refuse `cd` and paths, so the picker would open a useless session), terminal multiplexers
#: (Debian's tmux package registers itself) and accounts' "no login" stand-ins.
NOT_OFFERED = frozenset({
    "rbash", "rksh", "rzsh", "rssh", "tmux", "screen", "byobu", "byobu-tmux", "byobu-screen",
    "zellij", "nologin", "false", "true", "git-shell",
})


@dataclass(frozen=True, slots=True)
class Shell:
    name: str
    path: str
    cmd: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "path": self.path, "cmd": self.cmd}


def _etc_shells(etc_shells: Path) -> list[str]:
    try:
        lines = etc_shells.read_text().splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip().startswith("/")]


def resolve(cmd: str) -> str | None:
    """Absolute path of an executable shell named or given by path, or None."""
    if os.path.isabs(cmd):
        return cmd if os.access(cmd, os.X_OK) and os.path.isfile(cmd) else None
    return shutil.which(cmd)


def detect_shells(default: str, etc_shells: Path = ETC_SHELLS) -> list[Shell]:
    """The default shell first, then /etc/shells entries, deduplicated by basename.

    Entries named in NOT_OFFERED are left out; the default shell is kept whatever it is (the
    user chose it).
    """
    found: list[Shell] = []
    seen: set[str] = set()
    listed = [cmd for cmd in _etc_shells(etc_shells) if os.path.basename(cmd) not in NOT_OFFERED]
    for cmd in [default, *listed]:
        path = resolve(cmd)
        name = os.path.basename(cmd)
        if path is None or name in seen:
            continue
        seen.add(name)
        found.append(Shell(name=name, path=path, cmd=cmd))
    return found


def _parent_shell() -> str | None:
    try:
        comm = Path(f"/proc/{os.getppid()}/comm").read_text().strip().lstrip("-")
    except OSError:
        return None
    return comm if comm in KNOWN_SHELLS and shutil.which(comm) else None


def default_shell() -> str:
    """The shell termbeam was started from, else $SHELL, else /bin/sh."""
    parent = _parent_shell()
    if parent:
        return shutil.which(parent) or parent
    env = os.environ.get("SHELL")
    if env and resolve(env):
        return env
    return "/bin/sh"
