"""The click group `termbeam service install|uninstall|start|stop|restart|status|logs`
(`remove` and `log` are aliases of `uninstall` and `logs`, as in the original).

The service's server keeps its sessions when it stops (`--keep-sessions`), so that a restart
(a stop, then a start) does not end them; `stop` and `uninstall` end them afterwards.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from termbeam_py import running, wizard
from termbeam_py.clickwords import WordGroup
from termbeam_py.config import DEFAULT_PORT, LOG_LEVELS
from termbeam_py.holder import control
from termbeam_py.holder.paths import holder_dir
from termbeam_py.netinfo import lan_url
from termbeam_py.service import envfile, install
from termbeam_py.service.backend import Backend
from termbeam_py.service.launchd import LaunchdBackend
from termbeam_py.service.paths import ServicePaths
from termbeam_py.service.systemd import SystemdBackend
from termbeam_py.service.units import ServiceSpec, UnitError
from termbeam_py.state import default_config_dir

CONTEXT = {"help_option_names": ["-h", "--help"]}


@dataclass(frozen=True, slots=True)
class Host:
    """The machine the service is for; tests pass their own as the click context's obj."""

    platform: str = sys.platform
    uid: Callable[[], int] = field(default=os.getuid)


def _backend(ctx: click.Context, paths: ServicePaths) -> Backend:
    host = ctx.find_object(Host) or Host()
    if host.platform.startswith("linux"):
        return SystemdBackend(paths)
    if host.platform == "darwin":
        return LaunchdBackend(paths, uid=host.uid)
    raise click.ClickException(f"termbeam service supports Linux (systemd) and macOS "
                               f"(launchd), not {host.platform}")


def _paths(config_dir: Path | None) -> ServicePaths:
    return ServicePaths.from_environ(os.environ, config_dir or default_config_dir())


def _installed(backend: Backend) -> None:
    if not backend.definition.exists():
        raise click.ClickException("the TermBeam service is not installed "
                                   "(see `termbeam service install --help`)")


config_dir_option = click.option(
    "--config-dir", type=click.Path(file_okay=False, path_type=Path),
    envvar="TERMBEAM_CONFIG_DIR", default=None,
    help="State directory of the service (holds service.env). Env: TERMBEAM_CONFIG_DIR.")


@click.group("service", cls=WordGroup, context_settings=CONTEXT,
             aliases={"remove": "uninstall", "log": "logs"})
def service_group() -> None:
    """Run TermBeam in the background as a user service: a systemd user unit on Linux, a
    launchd agent on macOS. The password is kept in a private (0600) file, never on a
    command line."""


@service_group.command("install", context_settings=CONTEXT,
                       epilog="Other server options go after `--`, e.g. "
                              "`termbeam service install -- --lan zsh -l`.")
@click.argument("serve_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- SERVER ARGS...]")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--lan", is_flag=True, help="Listen on every interface (0.0.0.0).")
@click.option("--cwd", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Starting directory of new sessions (default: this one).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
@config_dir_option
@click.option("--password", envvar="TERMBEAM_PASSWORD", default=None,
              help="The password (env: TERMBEAM_PASSWORD).")
@click.option("--ask-password", is_flag=True, help="Type the password (hidden).")
@click.option("--generate-password", is_flag=True,
              help="A new random password (default on first install; later installs keep "
                   "the stored one).")
@click.option("--no-password", is_flag=True, help="No password (loopback only).")
@click.option("--no-start", is_flag=True, help="Write and enable the service, do not (re)start.")
@click.pass_context
def install_command(ctx: click.Context, serve_args: tuple[str, ...], port: int, host: str,
                    lan: bool, cwd: Path | None, log_level: str, config_dir: Path | None,
                    password: str | None, ask_password: bool, generate_password: bool,
                    no_password: bool, no_start: bool) -> int:
    """Install (or reinstall) the service and start it. With no options, on a terminal, a
    few questions come first (the same as `termbeam -i`)."""
    if not serve_args and not _options_given(ctx) and wizard.interactive_terminal():
        answers = wizard.run(wizard.asker(), port=port, log_level=log_level)
        click.echo(answers.summary(program="termbeam service install"), err=True)
        port, host, log_level = answers.port, answers.host, answers.log_level
        password, generate_password, no_password = answers.password_options()
        serve_args = ("--tunnel", answers.tunnel) if answers.tunnel else ()
    paths = _paths(config_dir)
    backend = _backend(ctx, paths)
    choice = install.ServerChoice(
        port=port, host="0.0.0.0" if lan else host,  # noqa: S104
        cwd=(cwd or Path.cwd()).expanduser().absolute(), log_level=log_level,
        state_dir=paths.state_dir, no_password=no_password, extra=serve_args)
    plan = install.plan_server(choice)
    try:
        existing = envfile.read(paths.env_file).get("TERMBEAM_PASSWORD")
    except envfile.EnvFileError:
        existing = None  # unreadable: replaced below
    secret = install.choose_password(password, ask_password, generate_password, no_password,
                                     existing)
    spec = ServiceSpec(python=install.python_path(), serve_args=plan.args, cwd=choice.cwd,
                       env_file=paths.env_file)
    # Everything that can be refused is checked before anything is written.
    backend.check()
    try:
        definition = backend.render(spec)
    except UnitError as exc:
        raise click.UsageError(str(exc)) from exc
    install.write_env(paths.env_file, install.env_values(secret.password, os.environ))
    hints = backend.install(definition, start=not no_start)
    _report(backend, spec, plan, secret, hints, started=not no_start)
    return 0


def _options_given(ctx: click.Context) -> bool:
    """Whether any install option was given (on the command line or in the environment):
    then the user has decided, and no question is asked."""
    decided = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)
    return any(ctx.get_parameter_source(name) in decided
               for name in ctx.params if name != "config_dir")


_PASSWORD_NOTES = {
    "generated": "{password}  (generated; shown only now)",
    "kept": "unchanged (kept from the previous install)",
    "given": "as given", "asked": "as typed", "none": "none (loopback only)",
}


def _report(backend: Backend, spec: ServiceSpec, plan: install.ServerPlan,
            secret: install.PasswordChoice, hints: list[str], started: bool) -> None:
    action = "Installed and started" if started else "Installed"
    click.echo(f"{action} the TermBeam service ({backend.name}).")
    local = running.connection_host(plan.host)
    click.echo(f"  URL:       http://{f'[{local}]' if ':' in local else local}:{plan.port}")
    lan = lan_url(plan.host, plan.port)
    if lan:
        click.echo(f"  LAN:       {lan}")
    note = _PASSWORD_NOTES[secret.how].format(password=secret.password)
    click.echo(f"  Password:  {note}")
    click.echo(f"  Env file:  {spec.env_file} (0600; holds the password)")
    click.echo("  Sessions:  kept across restarts; `termbeam service stop` ends them")
    for line in hints:
        click.echo(f"  {line}")


@service_group.command("uninstall", context_settings=CONTEXT)
@config_dir_option
@click.pass_context
def uninstall_command(ctx: click.Context, config_dir: Path | None) -> int:
    """Remove the service and end its sessions. Its env file goes too; state and logs stay."""
    paths = _paths(config_dir)
    backend = _backend(ctx, paths)
    env_file = paths.env_file
    if not backend.definition.exists() and not env_file.exists():
        click.echo("The TermBeam service is not installed.")
        return 0
    backend.uninstall()
    env_file.unlink(missing_ok=True)
    click.echo("Removed the TermBeam service.")
    _end_kept_sessions(paths)
    return 0


def _end_kept_sessions(paths: ServicePaths) -> None:
    """After the service's server has stopped: end the sessions it left in the session holder
    (their shells and jobs, and so the holder), and say how many."""
    conn = running.read_connection(paths.state_dir / "connection.json")
    if conn is not None and running.is_running(conn):
        # The service manager has stopped its server, so this one was started by hand on the
        # same state directory: its sessions are in use, not kept.
        click.echo(f"A TermBeam server not run by the service (pid {conn['pid']}) uses "
                   f"{paths.state_dir}: its sessions are left alone.")
        return
    ended = control.end_sessions(holder_dir(paths.state_dir))
    if ended == 0:
        click.echo("No sessions were kept.")
    else:
        click.echo(f"Ended {ended} kept session{'' if ended == 1 else 's'}.")


@service_group.command("status", context_settings=CONTEXT)
@config_dir_option
@click.pass_context
def status_command(ctx: click.Context, config_dir: Path | None) -> None:
    """Show the service manager's report; exits with its status."""
    backend = _backend(ctx, _paths(config_dir))
    _installed(backend)
    ctx.exit(backend.status())  # exits with the tool's status, also under standalone click


@service_group.command("logs", context_settings=CONTEXT)
@click.option("-n", "--lines", type=click.IntRange(1), default=200, show_default=True)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
@config_dir_option
@click.pass_context
def logs_command(ctx: click.Context, lines: int, follow: bool, config_dir: Path | None) -> None:
    """Show the server's log (it never contains the password)."""
    ctx.exit(_backend(ctx, _paths(config_dir)).logs(lines, follow))


@service_group.command("restart", context_settings=CONTEXT)
@config_dir_option
@click.pass_context
def restart_command(ctx: click.Context, config_dir: Path | None) -> int:
    """Restart the service, keeping its sessions. The new server adopts them. Use it to apply
    an edited env file."""
    backend = _backend(ctx, _paths(config_dir))
    _installed(backend)
    backend.restart()
    click.echo("Restarted the TermBeam service.")
    return 0


@service_group.command("start", context_settings=CONTEXT)
@config_dir_option
@click.pass_context
def start_command(ctx: click.Context, config_dir: Path | None) -> int:
    """Start the service after `stop`. It also starts when you log in."""
    backend = _backend(ctx, _paths(config_dir))
    _installed(backend)
    backend.start()
    click.echo("Started the TermBeam service.")
    return 0


@service_group.command("stop", context_settings=CONTEXT)
@config_dir_option
@click.pass_context
def stop_command(ctx: click.Context, config_dir: Path | None) -> int:
    """Stop the service and end its sessions. (`restart` keeps them.) It starts again with
    `start`, or when you log in."""
    paths = _paths(config_dir)
    backend = _backend(ctx, paths)
    _installed(backend)
    backend.stop()
    click.echo("Stopped the TermBeam service.")
    _end_kept_sessions(paths)
    return 0
