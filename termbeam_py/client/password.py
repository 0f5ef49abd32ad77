"""`termbeam password [--generate]`: change the running server's password without a restart.

Through the server's admin API (`POST /api/password`), like `termbeam token`: the server ends
every login and share link, and writes the new password to connection.json and, when the user
service keeps one, to its env file (docs/security.md says what a `--password` start does).
"""

from __future__ import annotations

from pathlib import Path

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.tokens import _target, call


@click.command("password", context_settings=CONTEXT)
@click.option("--generate", is_flag=True, help="Make a random password and print it.")
@connection_options
def password_command(generate: bool, host: str | None, port: int | None,
                     password: str | None, config_dir: Path | None) -> int:
    """Change the password: every device is signed out and every share link ends."""
    target = _target(host, port, password, config_dir)
    if generate:
        body: dict[str, object] = {"generate": True}
    else:
        new = click.prompt("New password", hide_input=True, confirmation_prompt=True,
                           err=True)
        body = {"password": new}
    done = call(target, "POST", "/api/password", body)
    if not isinstance(done, dict):
        raise click.ClickException("Unexpected answer from the server")
    if generate:
        click.echo(str(done.get("password")))
    click.echo(f"Password changed: {done.get('logins', 0)} logins and {done.get('links', 0)} "
               "share links ended.", err=True)
    saved = done.get("saved")
    if isinstance(saved, list) and saved:
        click.echo(f"Saved in {', '.join(str(s) for s in saved)}.", err=True)
    return 0
