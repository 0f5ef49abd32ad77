"""The service's private environment file: `KEY="value"` lines that systemd's EnvironmentFile=
and our launchd runner read the same way.

Values are double-quoted with `\\` and `"` escaped, the one quoting on which systemd's parser
and a POSIX shell agree; systemd does no `$` expansion in environment files, so `$` stays
literal. Control characters (a newline would end the value) are refused.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: After a backslash inside double quotes systemd drops the backslash only before these.
_DOUBLE_QUOTE_ESCAPES = '"\\`$'
_HEADER = ("# TermBeam service environment (written by `termbeam service install`).\n"
           "# Private: it holds the password. Edit, then `termbeam service restart`.\n")


class EnvFileError(ValueError):
    """A value that cannot be stored, or a file that cannot be read; one line for the user."""


def _check(key: str, value: str) -> None:
    if not _KEY.fullmatch(key):
        raise EnvFileError(f"invalid environment variable name {key!r}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise EnvFileError(f"the value of {key} must not contain control characters")


def render(values: Mapping[str, str]) -> str:
    lines = [_HEADER]
    for key, value in values.items():
        _check(key, value)
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{key}="{quoted}"\n')
    return "".join(lines)


def _value(raw: str) -> str:
    """One value after `=`, following systemd's rules for quotes and backslashes."""
    out: list[str] = []
    quote: str | None = None
    chars = iter(raw.strip())
    for ch in chars:
        if quote is None and ch in "'\"":
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "\\" and quote != "'":
            nxt = next(chars, "")
            if quote == '"' and nxt not in _DOUBLE_QUOTE_ESCAPES:
                out.append("\\")
            out.append(nxt)
        else:
            out.append(ch)
    return "".join(out)


def parse(text: str) -> dict[str, str]:
    """`KEY=value` lines; blank lines and `#`/`;` comments are skipped."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or "=" not in stripped:
            continue
        key, _, raw = stripped.partition("=")
        values[key.strip()] = _value(raw)
    return values


def read(path: Path) -> dict[str, str]:
    """The file's values; a missing file gives {}."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"cannot read {path}: {exc}") from exc


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only: a 0600 temp file renamed over `path`.

    mkstemp creates the file 0600, so the secret is never briefly world-readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
