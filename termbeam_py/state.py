"""The state directory: where it is, and atomic, private JSON reads and writes.

Every state file is read through `read_json` with a *shape*: a function that checks the
decoded JSON and returns the caller's typed value, raising `BadShape` when a field is missing or
of the wrong type. So an unreadable file, invalid UTF-8, broken JSON and well-formed JSON of the
wrong shape are all handled the same way: the file is moved aside as
`<name>.corrupt-<UTC time>` (its bytes kept for inspection), one warning is logged and the
caller starts from its defaults.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import platformdirs

log = logging.getLogger(__name__)

T = TypeVar("T")


class BadShape(ValueError):
    """A state file decoded as JSON, but not into what its owner writes."""


def default_config_dir() -> Path:
    """`TERMBEAM_CONFIG_DIR` when set, else the platform's user config dir."""
    env = os.environ.get("TERMBEAM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("termbeam", appauthor=False))


def write_json(path: Path, data: object) -> None:
    """Write `data` as JSON through a 0600 temp file and an atomic rename.

    A failed write (a full disk, a file size limit) raises OSError and leaves the previous
    file as it was and no temp file behind. The data reaches the disk before the rename, so a
    crash right after cannot leave an empty file under the real name.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, shape: Callable[[object], T]) -> T | None:
    """The file's JSON checked by `shape`; None when the file is missing or bad.

    Blocking: run it in a worker thread once the event loop runs.

    Args:
        path: the state file.
        shape: takes the decoded JSON and returns the caller's value; raises `BadShape` (or
            another ValueError) when the content is not what the caller writes.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:  # not the content's fault (a directory, permissions): keep it
        log.warning("state file %s cannot be read (%s); using defaults", path, exc)
        return None
    try:
        return shape(json.loads(raw.decode("utf-8")))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSON errors, BadShape
        _move_aside(path, _describe(exc))
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    if isinstance(exc, BadShape):
        return f"wrong shape: {exc}"
    return f"not valid JSON: {exc}"


def _move_aside(path: Path, why: str) -> None:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():  # two bad copies within a second: keep both
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        log.warning("state file %s is corrupt (%s) and could not be moved aside (%s); "
                    "using defaults", path, why, exc)
        return
    log.warning("state file %s is corrupt (%s); moved to %s, using defaults",
                path, why, aside.name)


# -- shape helpers ----------------------------------------------------------------------------


def obj(data: object, what: str = "the file") -> dict[str, object]:
    """`data` when it is a JSON object, else BadShape."""
    if not isinstance(data, dict):
        raise BadShape(f"{what} is {_kind(data)}, not an object")
    return data


def field(data: Mapping[str, object], key: str, kind: type[T]) -> T:
    """`data[key]`, which must be of `kind` (an int is a float too; a bool is neither)."""
    value = data.get(key)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise BadShape(f"{key!r} is {_kind(value)}, not {_kind_name(kind)}")
    return value


def optional(data: Mapping[str, object], key: str, kind: type[T]) -> T | None:
    """Like `field`, but null or absent gives None."""
    return None if data.get(key) is None else field(data, key, kind)


_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer",
          float: "a number", bool: "a boolean", type(None): "null"}


def _kind_name(kind: type) -> str:
    return _NAMES.get(kind, kind.__name__)


def _kind(value: object) -> str:
    return _kind_name(type(value))
