"""The hardened environment for our read-only git queries: config that would let the repository
a session sits in run programs through them is overridden at command scope.

A repository's own config (`.git/config`, its includes, `config.worktree`) is as untrusted as
its files. Overridden for every git we run:

* `core.fsmonitor` (a hook program, or the fsmonitor daemon) and `core.hooksPath` (hooks);
* the clean/smudge/process commands of every filter driver that repository-controlled config
  defines: `git status`, `git diff` and `git blame` run a file's clean filter on worktree
  files whose stat data is stale. Drivers defined only in the system or global config (e.g.
  git-lfs) are the user's own choice and keep working.

The overrides travel in GIT_CONFIG_PARAMETERS, as `git -c` would pass them, so they outrank
every config file and reach any git that git itself starts.

Textconv and external diff drivers are switched off by flags where they apply
(`--no-textconv`, `--no-ext-diff`, in gitrepo.py). docs/security.md ("Git") lists what remains.

An untracked file's diff reads the file from a descriptor we opened (`untracked_input`), so a
directory swapped for a symlink cannot redirect git outside the work tree.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping
from typing import BinaryIO

from termbeam_py.errors import TermbeamError
from termbeam_py.files.paths import READ_FLAGS, open_inside

#: Always overridden. Empty fsmonitor means "off" to every git that knows the key.
BASE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", ""),
    ("core.hooksPath", os.devnull),
)
#: BASE_CONFIG as `git -c` options, for a git run outside gitrepo.py.
BASE_ARGS: tuple[str, ...] = tuple(
    arg for key, value in BASE_CONFIG for arg in ("-c", f"{key}={value}")
)
#: `git config` arguments that list every filter-driver key with the scope that set it
#: (`--show-scope`: git 2.26+; FILTER_QUERY_OLD, without scopes, for an older git).
FILTER_QUERY = ("config", "-z", "--show-scope", "--get-regexp", r"^filter\.")
FILTER_QUERY_OLD = ("config", "-z", "--get-regexp", r"^filter\.")
#: Config the user wrote themselves (or passed to this process); everything else the repo set.
TRUSTED_SCOPES = frozenset({"system", "global", "command"})
_FILTER_OFF = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))


def untrusted_filters(listing: str, scoped: bool = True) -> list[str]:
    """Filter-driver names that repository-controlled config defines, from FILTER_QUERY's output.

    The output is NUL-separated `scope`, `key\\nvalue` pairs; driver names may hold any
    character but a newline, including dots and `=`. Unscoped output (FILTER_QUERY_OLD) has
    no scope fields, and then every driver counts as the repository's.
    """
    fields = listing.split("\0")
    entries = zip(fields[0::2], fields[1::2], strict=False) if scoped else (
        ("", entry) for entry in fields
    )
    names: list[str] = []
    for scope, entry in entries:
        key = entry.split("\n", 1)[0]
        if scope in TRUSTED_SCOPES or key.count(".") < 2:
            continue
        name = key[len("filter."): key.rindex(".")]
        if name not in names:
            names.append(name)
    return names


def filter_overrides(names: Iterable[str]) -> list[tuple[str, str]]:
    """Config pairs that leave the named filter drivers with no command to run."""
    return [(f"filter.{name}.{key}", value) for name in names for key, value in _FILTER_OFF]


def _sq(text: str) -> str:
    """`text` single-quoted the way git's own `sq_quote` does it."""
    return "'" + text.replace("'", "'\\''").replace("!", "'\\!'") + "'"


def config_env(
    pairs: Iterable[tuple[str, str]], inherited: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """`pairs` as GIT_CONFIG_PARAMETERS (what `git -c` sets), after any the process inherited.

    Every git since 1.7 reads `'key=value'` words; a key holding `=` (a driver name may) needs
    the `'key'='value'` form of git 2.31+, which an older git refuses to start with: the query
    then fails instead of running unprotected.
    """
    words = [inherited["GIT_CONFIG_PARAMETERS"]] if inherited.get("GIT_CONFIG_PARAMETERS") else []
    for key, value in pairs:
        words.append(_sq(key) + "=" + _sq(value) if "=" in key else _sq(f"{key}={value}"))
    return {"GIT_CONFIG_PARAMETERS": " ".join(words)}


class UnreadableFile(Exception):
    """An untracked file that cannot be shown: missing, outside the work tree, not a file."""


def untracked_input(top: str, file: str) -> BinaryIO:
    """An untracked file's bytes for git's stdin, opened race-free under the work tree `top`.

    The directories leading to it must stay inside (checked on the open descriptor); the file
    itself is opened without following a symlink, and a symlink gives its target's text, as
    git shows it. Raises UnreadableFile when there is nothing to show.
    """
    directory, name = os.path.split(os.path.join(top, file))
    try:
        dir_fd, _ = open_inside(directory, os.path.realpath(top), "", READ_FLAGS | os.O_DIRECTORY)
    except (OSError, TermbeamError) as exc:
        raise UnreadableFile("path leaves the repository or does not exist") from exc
    try:
        try:
            fd = os.open(name, READ_FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.EMLINK):
                raise UnreadableFile(f"cannot open {file}") from exc
            return _pipe_of(os.fsencode(os.readlink(name, dir_fd=dir_fd)))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UnreadableFile(f"{file} is not a regular file")
        return os.fdopen(fd, "rb")
    except OSError as exc:
        raise UnreadableFile(f"cannot read {file}") from exc
    finally:
        os.close(dir_fd)


def _pipe_of(data: bytes) -> BinaryIO:
    """A readable pipe holding `data` (a link's text: far below the pipe buffer)."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer:
        writer.write(data)
    return os.fdopen(read_end, "rb")
