"""The `termbeam` command line: options → Config → server.run."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from termbeam_py import __version__, running
from termbeam_py.config import DEFAULT_PORT, LOG_LEVELS, Config, ConfigError, generate_password
from termbeam_py.logs import setup_logging
from termbeam_py.sessions.shells import default_shell, resolve
from termbeam_py.state import default_config_dir
from termbeam_py.tunnel.options import confirm_public, tunnel_config, tunnel_options

if TYPE_CHECKING:  # the wizard is imported only when asked for (-i)
    from termbeam_py import wizard

#: Where `serve` takes the password from the environment (the first set wins).
PASSWORD_ENV = ("TERMBEAM_PASSWORD", "PTY_PASSWORD")
PORT_OPTIONS = ("--port",)
#: `serve` options that give or choose the password: a restart drops them (restart_command).
PASSWORD_OPTIONS = ("--password", "--generate-password")
#: Options whose value may be left out (a bare `--tunnel`): they never take an option as one.
OPTIONAL_VALUE = ("--tunnel",)


def resolve_password(password: str | None, generate: bool, no_password: bool) -> str | None:
    """`serve`'s password from its --password, --generate-password and --no-password options
    and PASSWORD_ENV; None for no password.

    The environment is read once: the variables are then removed from ours, so no child
    (shell, git, tunnel, installer, QR drawer) can inherit them.
    """
    values = [os.environ.pop(name, None) for name in PASSWORD_ENV]
    env = next((value for value in values if value), None)
    if sum((password is not None, generate, no_password)) > 1:
        raise click.UsageError(
            "choose only one of --password, --generate-password and --no-password"
        )
    if no_password:
        return None
    if password is not None:
        return password
    if env and not generate:
        return env
    return generate_password()


def _takes_value(option: str, following: str | None = None) -> bool:
    """Whether `serve`'s option `option` reads the next argument, `following`, as its value."""
    if option in OPTIONAL_VALUE and (following is None or following.startswith("-")):
        return False
    return any(
        option in (*param.opts, *param.secondary_opts)
        for param in serve.params
        if isinstance(param, click.Option) and not param.is_flag and not param.count
    )


def restart_command(argv: list[str], password: str | None,
                    port: int | None = None) -> tuple[list[str], dict[str, str]]:
    """`serve`'s arguments and environment for re-running it after an update.

    The password moves from the command line (readable by every user in `ps` and
    /proc/PID/cmdline) to the environment (readable by this user only). A `--port` becomes
    the `port` the server was bound to (`--port 0` picked a free one), so the open browser
    tabs reconnect to their kept sessions on the same address. The shell's own arguments,
    after the first positional one, are left alone.
    """
    kept: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--" or not arg.startswith("-"):
            kept += argv[i:]
            break
        name = arg.split("=", 1)[0]
        following = argv[i + 1] if i + 1 < len(argv) else None
        takes = "=" not in arg and _takes_value(name, following)
        i += 2 if takes else 1
        if name in PASSWORD_OPTIONS:
            continue
        if port is not None and name in PORT_OPTIONS:
            kept += [name, str(port)]
            continue
        kept += [arg, following] if takes and following is not None else [arg]
    env = {k: v for k, v in os.environ.items() if k not in PASSWORD_ENV}
    if password is not None:
        env[PASSWORD_ENV[0]] = password
    return kept, env


#: What a mistyped first word gets after "Unknown command or shell".
SHORT_HELP = """Usage: termbeam [OPTIONS] [SHELL [ARGS...]]
       termbeam COMMAND ...

Commands: list, attach (resume), stop, service, token, totp, password, run, send, tail,
          screen, share, rec, program.
SHELL is a shell on PATH or a path to one. Try 'termbeam --help' or 'termbeam COMMAND --help'."""


def _shell(command: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if not command:
        return default_shell(), ()
    if resolve(command[0]) is None:
        raise click.UsageError(f"Unknown command or shell {command[0]!r}\n\n{SHORT_HELP}")
    return command[0], tuple(command[1:])


@click.command(
    context_settings={"allow_interspersed_args": False, "help_option_names": ["-h", "--help"]},
    epilog="Everything after SHELL is passed to the shell, e.g. `termbeam bash --login`.\n\n"
           "Other commands (each has --help): termbeam list | attach | resume | stop | service.",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[SHELL [ARGS...]]")
@click.option("--port", type=click.IntRange(0, 65535), envvar="PORT", default=DEFAULT_PORT,
              show_default=True, help="Port to listen on (0 picks a free one). Env: PORT.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--lan", is_flag=True, help="Listen on every interface (0.0.0.0).")
@click.option("--preview-port", type=click.IntRange(0, 65535), envvar="TERMBEAM_PREVIEW_PORT",
              default=0, show_default=True,
              help="Each previewed port opens on an origin of its own, a listener started on "
                   "demand (up to 16 at once): 0 gives them free ports; N the first free port "
                   "of N..N+15. Env: TERMBEAM_PREVIEW_PORT.")
@click.option("--no-preview-port", is_flag=True,
              help="No preview listeners (previews stay sandboxed on the main port).")
@click.option("--password", default=None,
              help="Password. Prefer the TERMBEAM_PASSWORD environment variable: a command "
                   "line is visible to every user of the machine (ps).")
@click.option("--generate-password", is_flag=True, help="Generate a random password (default).")
@click.option("--no-password", is_flag=True, help="No password (loopback only).")
@click.option("--cwd", type=click.Path(file_okay=False, path_type=Path),
              envvar=["TERMBEAM_CWD", "PTY_CWD"], default=None,
              help="Starting directory of new sessions. Env: TERMBEAM_CWD (or the original's "
                   "PTY_CWD).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), envvar="TERMBEAM_LOG_LEVEL",
              default="info", show_default=True, help="Env: TERMBEAM_LOG_LEVEL.")
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="TERMBEAM_CONFIG_DIR", default=None,
              help="State directory. Env: TERMBEAM_CONFIG_DIR.")
@click.option("--allow-host", multiple=True, help="Extra Host name to accept (repeatable).")
@click.option("--no-qr", is_flag=True, help="Do not print the QR code.")
@click.option("--shell-integration/--no-shell-integration", default=True, show_default=True,
              help="Mark commands in bash/zsh (OSC 133) to notify with command, exit code "
                   "and duration.")
@click.option("--notify-min-seconds", type=click.FloatRange(0), default=10.0,
              show_default=True, help="Commands shorter than this do not notify.")
@click.option("--force", is_flag=True,
              help="Replace a server already running (its sessions carry over).")
@click.option("--keep-sessions", is_flag=True, envvar="TERMBEAM_KEEP_SESSIONS",
              help="When stopped (Ctrl+C, SIGTERM, `termbeam stop`), leave the sessions "
                   "running for the next `termbeam` to adopt. Env: TERMBEAM_KEEP_SESSIONS.")
@click.option("--record", is_flag=True, envvar="TERMBEAM_RECORD",
              help="Record every session as asciicast v2 (output only; `termbeam rec list`). "
                   "Env: TERMBEAM_RECORD.")
@click.option("--record-max-mb", type=click.FloatRange(0.01), envvar="TERMBEAM_RECORD_MAX_MB",
              default=50.0, show_default=True,
              help="Size of one part of a recording; a full part continues in the next. "
                   "Env: TERMBEAM_RECORD_MAX_MB.")
@click.option("-i", "--interactive", is_flag=True,
              help="Answer a few questions (password, port, access, log level), see the "
                   "equivalent command line, then start.")
@tunnel_options
@click.version_option(__version__, "-v", "--version", prog_name="termbeam",
                      message="termbeam v%(version)s")
def serve(
    command: tuple[str, ...], port: int, host: str, lan: bool, preview_port: int,
    no_preview_port: bool, password: str | None,
    generate_password: bool, no_password: bool, cwd: Path | None, log_level: str,
    config_dir: Path | None, allow_host: tuple[str, ...], no_qr: bool, shell_integration: bool,
    notify_min_seconds: float, force: bool, keep_sessions: bool, record: bool,
    record_max_mb: float, public_url: str | None,
    assume_yes: bool, interactive: bool, **tunnel: Any,
) -> int:
    """Serve your terminal to any browser: real shells behind a password."""
    if interactive:
        answers = _ask(port, log_level)
        port, host, lan, log_level = answers.port, answers.host, False, answers.log_level
        password, generate_password, no_password = answers.password_options()
        tunnel = {**tunnel, "tunnel_provider": answers.tunnel}
    secret = resolve_password(password, generate_password, no_password)
    shell, args = _shell(command)
    tunnel_cfg = tunnel_config(tunnel)
    try:
        config = Config(
            shell=shell, shell_args=args, host="0.0.0.0" if lan else host,  # noqa: S104
            port=port, preview_port=None if no_preview_port else preview_port,
            password=secret, log_level=log_level,
            cwd=(cwd or Path.cwd()).expanduser().absolute(),
            config_dir=(config_dir or default_config_dir()).expanduser().absolute(),
            allow_hosts=allow_host, print_qr=not no_qr, shell_integration=shell_integration,
            notify_min_seconds=notify_min_seconds, tunnel=tunnel_cfg, public_url=public_url,
            keep_sessions=keep_sessions, record=record, record_max_mb=record_max_mb,
            event_loop=os.environ.get("TERMBEAM_EVENT_LOOP", "auto").strip().lower() or "auto",
        )
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    confirm_public(tunnel_cfg, assume_yes)
    setup_logging(log_level, secret)
    _check_running(config, force)
    from termbeam_py.server import run  # aiohttp is imported only when serving

    return run(config)


def _ask(port: int, log_level: str) -> wizard.Answers:
    """`termbeam -i`: the wizard's answers (termbeam_py/wizard.py), after its summary."""
    from termbeam_py import wizard

    answers: wizard.Answers = wizard.run(wizard.asker(), port=port or DEFAULT_PORT,
                                         log_level=log_level)
    click.echo(answers.summary(), err=True)
    return answers


def _check_running(config: Config, force: bool) -> None:
    """Refuse to start next to our running server, or stop it with --force.

    No password is sent anywhere: the server is recognised and stopped by its process.
    """
    conn = running.read_connection(config.connection_file)
    if conn is not None and running.is_running(conn):
        where = f"http://{conn.get('host')}:{conn.get('port')}"
        if not force:
            raise click.ClickException(
                f"TermBeam is already running on {where} (use --force to replace it)"
            )
        click.echo(f"Stopping the server running on {where} (its sessions carry over)...")
        if not running.stop(int(conn["pid"]), running.KEEP_SIGNAL):
            raise click.ClickException("Cannot stop the existing server")
    if force and config.port:
        # Also a server of ours holding the port we want (a stale or missing connection.json).
        holder = running.port_holder(config.port)
        if holder is not None:
            click.echo(f"Stopping the server holding port {config.port} (pid {holder})...")
            # Its state directory is not ours, so nobody would adopt its sessions: it stops
            # as its own settings say.
            if not running.stop(holder):
                raise click.ClickException("Cannot stop the server holding the port")


#: Every first word that selects a command instead of a shell name for `serve`: the module
#: and attribute of its click command, imported only when used (aiohttp stays out of `--help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("termbeam_py.client.commands", "list_command"),
    "attach": ("termbeam_py.client.commands", "attach_command"),
    "resume": ("termbeam_py.client.commands", "attach_command"),
    "service": ("termbeam_py.service.cli", "service_group"),
    "stop": ("termbeam_py.client.stopping", "stop_command"),
    "token": ("termbeam_py.client.tokens", "token_group"),
    "totp": ("termbeam_py.client.totp", "totp_group"),
    "password": ("termbeam_py.client.password", "password_command"),
    "audit": ("termbeam_py.client.audit", "audit_command"),
    "share": ("termbeam_py.client.sharing", "share_command"),
    "rec": ("termbeam_py.client.rec", "rec_group"),
    "program": ("termbeam_py.client.program", "program_group"),
    # The terminal API's commands (client/scripting.py).
    "run": ("termbeam_py.client.scripting", "run_command"),
    "send": ("termbeam_py.client.scripting", "send_command"),
    "tail": ("termbeam_py.client.scripting", "tail_command"),
    "screen": ("termbeam_py.client.scripting", "screen_command"),
}


def route_command(argv: list[str]) -> tuple[click.Command, list[str], str]:
    """The click command for a `termbeam` command line (without the program name), its own
    arguments and its program name: `serve` unless the first word names another command (in
    any case: `termbeam LIST` lists)."""
    word = argv[0].lower() if argv else ""
    if word not in COMMANDS:
        return serve, argv, "termbeam"
    module, name = COMMANDS[word]
    command: click.Command = getattr(importlib.import_module(module), name)
    return command, argv[1:], f"termbeam {word}"


def main() -> None:
    command, args, prog_name = route_command(sys.argv[1:])
    try:
        status = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"termbeam: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"termbeam: {exc.format_message()}", err=True)
        sys.exit(1)
    except click.Abort:
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
