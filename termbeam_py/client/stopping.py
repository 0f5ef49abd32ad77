"""`termbeam stop`: stop the running server from another terminal; its sessions end with it
(or, with --keep-sessions, stay in the session holder for the next server).

The server is found as `--force` finds it, by its process, never by asking the port: the one
connection.json names (if it still holds its port and runs termbeam), or the termbeam server
of this user holding `--port`. It gets END_SIGNAL (stop and end the sessions, whatever the
server's --keep-sessions says) or, with --keep-sessions, KEEP_SIGNAL.
"""

from __future__ import annotations

from pathlib import Path

import click

from termbeam_py import running
from termbeam_py.client.commands import CONTEXT
from termbeam_py.client.connection import NOT_RUNNING
from termbeam_py.state import default_config_dir


def find_server(config_dir: Path, port: int | None) -> tuple[int, str] | None:
    """(PID, where it serves) of the server to stop, or None when there is none."""
    if port is not None:
        pid = running.port_holder(port)
        return (pid, f"port {port}") if pid is not None else None
    conn = running.read_connection(config_dir / "connection.json")
    if conn is None or not running.is_running(conn):
        return None
    return conn["pid"], f"http://{conn['host']}:{conn['port']}"


@click.command("stop", context_settings=CONTEXT)
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="TERMBEAM_CONFIG_DIR", default=None,
              help="State directory of the server to stop (its connection.json). "
                   "Env: TERMBEAM_CONFIG_DIR.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Stop your TermBeam server holding this port instead.")
@click.option("--keep-sessions", is_flag=True,
              help="Leave the sessions running; the next `termbeam` adopts them.")
def stop_command(config_dir: Path | None, port: int | None, keep_sessions: bool) -> int:
    """Stop the running TermBeam server; its sessions end with it unless --keep-sessions
    (even when the server itself runs with --keep-sessions, as the service's does). Exits 0
    when no server was running, 1 when it could not be stopped."""
    found = find_server((config_dir or default_config_dir()).expanduser(), port)
    if found is None:
        click.echo(NOT_RUNNING)
        return 0
    pid, where = found
    click.echo(f"Stopping the server on {where} (pid {pid})...")
    if not running.stop(pid, running.KEEP_SIGNAL if keep_sessions else running.END_SIGNAL):
        raise click.ClickException(f"Cannot stop the server (pid {pid})")
    click.echo("Stopped.")
    return 0
