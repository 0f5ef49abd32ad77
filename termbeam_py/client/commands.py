"""The click commands `termbeam list` and `termbeam attach|resume [NAME]`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from termbeam_py.client.connection import NOT_RUNNING, Target, fetch_sessions, resolve_target
from termbeam_py.client.kept import kept_sessions
from termbeam_py.client.kept import print_kept as _print_kept
from termbeam_py.client.keys import DEFAULT_DETACH_KEY, parse_detach_key
from termbeam_py.client.picking import choose, table
from termbeam_py.state import default_config_dir

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"]}


def connection_options(func: F) -> F:
    """--host/--port/--password/--config-dir, shared by both commands."""
    for option in reversed((
        click.option("--host", default=None, help="Server host (default: connection.json, "
                                                  "else localhost)."),
        click.option("--port", type=click.IntRange(1, 65535), default=None,
                     help="Server port (default: connection.json, else 3456)."),
        click.option("--password", envvar="TERMBEAM_PASSWORD", default=None,
                     help="Password; prefer env TERMBEAM_PASSWORD (a command line is "
                          "visible to other users). Default: connection.json's, sent only "
                          "to the server that wrote it."),
        click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
                     envvar="TERMBEAM_CONFIG_DIR", default=None,
                     help="State directory holding connection.json. Env: TERMBEAM_CONFIG_DIR."),
    )):
        func = option(func)
    return func


def _target(host: str | None, port: int | None, password: str | None,
            config_dir: Path | None) -> Target:
    return resolve_target(host, port, password,
                          (config_dir or default_config_dir()).expanduser())


@click.command("list", context_settings=CONTEXT)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON array.")
@click.option("--all", "show_all", is_flag=True,
              help="Hidden sessions too (scripts', e.g. `termbeam run`'s).")
def list_command(host: str | None, port: int | None, password: str | None,
                 config_dir: Path | None, as_json: bool, show_all: bool) -> int:
    """List the sessions of the running server, or those kept for the next one."""
    try:
        _, sessions = fetch_sessions(_target(host, port, password, config_dir), show_all)
    except click.ClickException as exc:
        if exc.message != NOT_RUNNING or host is not None or port is not None:
            raise
        kept = kept_sessions((config_dir or default_config_dir()).expanduser())
        if not kept:
            raise
        _print_kept(kept, as_json)
        return 0
    if as_json:
        click.echo(json.dumps(sessions, indent=2))
    elif not sessions:
        click.echo("No sessions are running.")
    else:
        click.echo(table(sessions))
        click.echo("Tip: use --json for every field of each session.", err=True)
    return 0


def _detach_key(_ctx: click.Context, _param: click.Parameter, value: str) -> bytes:
    try:
        return parse_detach_key(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (use ^X, ctrl+x or \\xNN)") from exc


@click.command("attach", context_settings=CONTEXT)
@click.argument("name", required=False)
@connection_options
@click.option("--detach-key", default=DEFAULT_DETACH_KEY, show_default=True,
              callback=_detach_key, help="Key that detaches: ^X, ctrl+x, \\xNN or one character.")
def attach_command(name: str | None, host: str | None, port: int | None,
                   password: str | None, config_dir: Path | None, detach_key: bytes) -> int:
    """Attach this terminal to a session (by name or id prefix); the detach key leaves it
    running."""
    if os.environ.get("TERMBEAM_SESSION") == "1":
        # Attaching from inside a session would echo the session into itself.
        raise click.ClickException("Already inside a TermBeam session")
    target, sessions = fetch_sessions(_target(host, port, password, config_dir))
    session = choose(sessions, name)
    from termbeam_py.client.attach import attach  # aiohttp is imported only when attaching

    return attach(target, session, detach_key)
