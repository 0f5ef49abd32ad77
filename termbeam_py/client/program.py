"""`termbeam program list|add|start|stop|restart`: programs kept running by the running server
(#19), over its REST API with the saved connection, like `termbeam token`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.tokens import _target, call

COLUMNS = ("NAME", "STATE", "RESTARTS", "LAST EXIT", "POLICY", "COMMAND")
MAX_COMMAND_COLUMN = 60


def _programs(listing: object) -> list[dict[str, Any]]:
    if not isinstance(listing, list):
        raise click.ClickException("Unexpected answer from the server")
    return [s for s in listing if isinstance(s, dict) and isinstance(s.get("program"), dict)]


def _state(program: dict[str, Any]) -> str:
    state = str(program.get("state"))
    if state == "backoff" and program.get("backoffSeconds") is not None:
        return f"backoff ({program['backoffSeconds']:g} s)"
    return state


def _row(session: dict[str, Any]) -> tuple[str, ...]:
    program: dict[str, Any] = session["program"]
    code = program.get("lastExitCode")
    command = str(program.get("command"))
    if len(command) > MAX_COMMAND_COLUMN:
        command = command[: MAX_COMMAND_COLUMN - 1] + "…"
    return (str(session.get("name")), _state(program), str(program.get("restarts")),
            "-" if code is None else str(code), str(program.get("restart")), command)


def table(sessions: list[dict[str, Any]]) -> str:
    rows = [COLUMNS, *(_row(s) for s in sessions)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


@click.group("program", context_settings=CONTEXT)
def program_group() -> None:
    """Programs the server keeps running: a command with a restart policy, its output in one
    session (docs/programs.md)."""


@program_group.command("list", context_settings=CONTEXT)
@connection_options
def list_command(host: str | None, port: int | None, password: str | None,
                 config_dir: Path | None) -> int:
    """List the programs with their state, restarts and last exit code."""
    target = _target(host, port, password, config_dir)
    programs = _programs(call(target, "GET", "/api/sessions?all=1"))
    click.echo(table(programs) if programs else "No programs.")
    return 0


@program_group.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.argument("command", nargs=-1, required=True)
@click.option("--cwd", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder it runs in (default: the server's).")
@click.option("--restart", type=click.Choice(("no", "on-failure", "always")),
              default="on-failure", show_default=True, help="When it is started again.")
@click.option("--max-restarts", type=click.IntRange(0, 1000), default=5, show_default=True,
              help="Restarts in a row before it is given up (a run of a minute resets it).")
@click.option("--backoff-max", type=click.FloatRange(0.01, 86400), default=60.0,
              show_default=True, help="Longest wait before a restart, in seconds.")
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE",
              help="An environment variable for it (repeatable).")
@connection_options
def add_command(name: str, command: tuple[str, ...], cwd: Path | None, restart: str,
                max_restarts: int, backoff_max: float, env: tuple[str, ...], host: str | None,
                port: int | None, password: str | None, config_dir: Path | None) -> int:
    """Start COMMAND as program NAME: `termbeam program add web -- npm run dev`. The words
    after `--` are joined into one shell command line (quote what the shell must not split)."""
    variables: dict[str, str] = {}
    for item in env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--env")
        variables[key] = value
    body: dict[str, object] = {
        "type": "program", "name": name, "command": " ".join(command), "restart": restart,
        "maxRestarts": max_restarts, "backoffMax": backoff_max, "env": variables,
    }
    if cwd is not None:
        body["cwd"] = str(cwd.expanduser().resolve())
    target = _target(host, port, password, config_dir)
    # Names are how the other commands find it: two of one name would need ids.
    if any(p.get("name") == name for p in _programs(call(target, "GET", "/api/sessions?all=1"))):
        raise click.ClickException(f"A program named {name!r} exists already")
    made = call(target, "POST", "/api/sessions", body)
    if not isinstance(made, dict) or not isinstance(made.get("id"), str):
        raise click.ClickException("Unexpected answer from the server")
    click.echo(f"Program '{name}' started ({restart}, session {made['id'][:8]}).")
    return 0


def _find(target_listing: object, name: str) -> dict[str, Any]:
    programs = _programs(target_listing)
    matches = [p for p in programs if p.get("id") == name] or \
              [p for p in programs if p.get("name") == name] or \
              [p for p in programs if str(p.get("id", "")).startswith(name)]
    if not matches:
        raise click.ClickException(f"No program named {name!r}")
    if len(matches) > 1:
        raise click.ClickException(f"{len(matches)} programs are named {name!r}: use its id")
    return matches[0]


def _control(action: str, name: str, host: str | None, port: int | None,
             password: str | None, config_dir: Path | None) -> int:
    target = _target(host, port, password, config_dir)
    session = _find(call(target, "GET", "/api/sessions?all=1"), name)
    after = call(target, "POST", f"/api/sessions/{session['id']}/{action}", {})
    if not isinstance(after, dict) or not isinstance(after.get("program"), dict):
        raise click.ClickException("Unexpected answer from the server")
    click.echo(f"{after.get('name')}: {_state(after['program'])}")
    return 0


def _control_command(action: str, summary: str) -> click.Command:
    @click.argument("name")
    @connection_options
    def command(name: str, host: str | None, port: int | None, password: str | None,
                config_dir: Path | None) -> int:
        return _control(action, name, host, port, password, config_dir)

    command.__doc__ = summary
    return program_group.command(action, context_settings=CONTEXT)(command)


_control_command("start", "Start program NAME (name or id) if it is not running.")
_control_command("stop", "Stop program NAME: SIGTERM, then SIGKILL after 5 s; it stays "
                         "stopped until started.")
_control_command("restart", "Stop program NAME if it runs, then start it again.")
