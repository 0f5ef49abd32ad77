"""Where a state directory's holder lives: a private folder in the user's runtime directory.

One holder per state directory (tests and `--config-dir` users run several servers), so the
folder is named after a hash of the state directory's path. The runtime directory is
platformdirs' (`$XDG_RUNTIME_DIR`, usually a tmpfs that a reboot clears, which is what
outliving a server, not a machine, needs).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import warnings
from pathlib import Path

import platformdirs

SOCKET = "holder.sock"
LOCK = "holder.lock"
LOG = "holder.log"
SESSIONS = "sessions"


class UnsafeDirectory(OSError):
    """The holder folder exists but is not ours alone (another owner, or open to others)."""


def runtime_root() -> Path:
    """The user's runtime directory for termbeam (TERMBEAM_RUNTIME_DIR overrides it).

    platformdirs' answer when its base exists and is writable (`$XDG_RUNTIME_DIR`, or
    `/run/user/<uid>`); else a private folder in the temporary directory, as recent
    platformdirs versions fall back to themselves (older ones name `/run/user/<uid>` even
    where it does not exist, e.g. for root or under cron).
    """
    override = os.environ.get("TERMBEAM_RUNTIME_DIR")
    if override:
        return Path(override)
    with warnings.catch_warnings():
        # Without $XDG_RUNTIME_DIR recent platformdirs warn and fall back to /tmp.
        warnings.simplefilter("ignore")
        path = Path(platformdirs.user_runtime_dir("termbeam"))
    base = path.parent
    if base.is_dir() and os.access(base, os.W_OK | os.X_OK):
        return path
    return Path(tempfile.gettempdir()) / f"termbeam-runtime-{os.getuid()}"


def holder_dir(config_dir: Path) -> Path:
    """The holder folder of the server whose state directory is `config_dir` (no IO)."""
    key = hashlib.sha256(str(config_dir.expanduser().absolute()).encode()).hexdigest()[:16]
    return runtime_root() / key


def ensure_private(path: Path) -> Path:
    """Create `path` (and parents) 0700 if missing; refuse one another user owns or others
    can enter. Blocking: call it in a thread."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise UnsafeDirectory(f"{path} is not a directory of this user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
