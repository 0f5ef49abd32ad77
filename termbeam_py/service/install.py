"""What `termbeam service install` decides: the server's arguments, the password, the env file.

The server is validated here, at install time, by parsing the arguments with the real `serve`
command: a typo fails now instead of in a restart loop.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click
from click.core import ParameterSource

from termbeam_py.config import MAX_PASSWORD_BYTES, generate_password
from termbeam_py.hosts import is_loopback
from termbeam_py.service import envfile
from termbeam_py.sessions.shells import default_shell

#: serve options the install command owns: passing them after `--` would bypass the env file
#: (or, for --password, put the password on the unit's command line).
_OWNED = {"password": "--password", "generate_password": "--generate-password",
          "no_password": "--no-password", "config_dir": "--config-dir"}


@dataclass(frozen=True, slots=True)
class ServerChoice:
    port: int
    host: str
    cwd: Path
    log_level: str
    state_dir: Path
    no_password: bool
    extra: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServerPlan:
    args: tuple[str, ...]
    """`termbeam` (serve) arguments for the service: validated, the shell resolved now."""
    host: str
    port: int
    """Where it will listen, after any `--host`/`--lan`/`--port` given after `--`."""


def plan_server(choice: ServerChoice) -> ServerPlan:
    # --keep-sessions: a service restart (a stop, then a start) must not end the sessions; the
    # next server adopts them. `termbeam service stop|uninstall` end them instead.
    args = ["--config-dir", str(choice.state_dir), "--port", str(choice.port),
            "--host", choice.host, "--cwd", str(choice.cwd), "--log-level", choice.log_level,
            "--no-qr", "--keep-sessions", *(["--no-password"] if choice.no_password else [])]
    params = _parse_serve([*args, *choice.extra], choice.extra)
    host = "0.0.0.0" if params["lan"] else str(params["host"])  # noqa: S104
    if choice.no_password and not is_loopback(host):
        raise click.UsageError(f"--no-password is only allowed on a loopback address, not {host}")
    tail = list(choice.extra)
    if not params["command"]:
        # The service manager's environment may not name the user's shell: pin it now.
        tail.append(default_shell())
    return ServerPlan(args=(*args, *tail), host=host, port=int(str(params["port"])))


def _parse_serve(args: Sequence[str], extra: Sequence[str]) -> Mapping[str, object]:
    """The parameters `serve` would see; a usage error names the arguments after `--`."""
    own = _make_context(extra, extra)
    for name, flag in _OWNED.items():
        if own.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            raise click.UsageError(f"pass {flag} to `termbeam service install` itself, "
                                   "not after `--`")
    return _make_context(args, extra).params


def _make_context(args: Sequence[str], extra: Sequence[str]) -> click.Context:
    from termbeam_py.cli import serve  # the real option set, so validation matches the server

    try:
        return serve.make_context("termbeam", list(args))
    except click.exceptions.Exit as exc:  # --help/--version after `--`
        raise click.UsageError("--help and --version cannot be passed to the service") from exc
    except click.UsageError as exc:
        raise click.UsageError(f"invalid server arguments {' '.join(extra)!r}: "
                               f"{exc.format_message()}") from exc


@dataclass(frozen=True, slots=True)
class PasswordChoice:
    password: str | None
    how: str
    """given | asked | generated | kept | none"""


def choose_password(password: str | None, ask: bool, generate: bool, no_password: bool,
                    existing: str | None) -> PasswordChoice:
    if sum((password is not None, ask, generate, no_password)) > 1:
        raise click.UsageError("choose only one of --password, --ask-password, "
                               "--generate-password and --no-password")
    if no_password:
        return PasswordChoice(None, "none")
    if password is not None:
        return PasswordChoice(_checked(password), "given")
    if ask:
        typed = click.prompt("Password for the service", hide_input=True,
                             confirmation_prompt=True)
        return PasswordChoice(_checked(typed), "asked")
    if existing and not generate:
        return PasswordChoice(existing, "kept")
    return PasswordChoice(generate_password(), "generated")


def _checked(password: str) -> str:
    if not password:
        raise click.UsageError("the password must not be empty")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise click.UsageError(f"the password must be at most {MAX_PASSWORD_BYTES} bytes")
    return password


def env_values(password: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """The env file's contents: the password, and this shell's PATH so that the sessions
    find the same tools as here (service managers start with a minimal PATH)."""
    values = {"TERMBEAM_PASSWORD": password} if password is not None else {}
    path = environ.get("PATH")
    if path:
        values["PATH"] = path
    return values


def write_env(env_file: Path, values: Mapping[str, str]) -> None:
    try:
        envfile.write_private(env_file, envfile.render(values))
    except envfile.EnvFileError as exc:
        raise click.UsageError(str(exc)) from exc


def python_path() -> str:
    """This interpreter, as invoked: a venv's or pipx's python must stay unresolved, since
    resolving the symlink would leave the environment that has termbeam_py installed."""
    return os.path.abspath(sys.executable)
