"""The state directory: where it is, and atomic, private JSON reads and writes."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger(__name__)


def default_config_dir() -> Path:
    """`TERMBEAM_CONFIG_DIR` when set, else the platform's user config dir."""
    env = os.environ.get("TERMBEAM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("termbeam", appauthor=False))


def write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON through a 0600 temp file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, default: Any) -> Any:
    """Read JSON; a missing file gives `default`, a corrupt one is moved aside (warned)."""
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        aside = path.with_name(path.name + ".corrupt")
        log.warning("state file %s is unreadable (%s); moved to %s", path, exc, aside.name)
        with contextlib.suppress(OSError):
            os.replace(path, aside)
        return default
