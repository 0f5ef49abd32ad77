"""`termbeam totp enable|disable|status`: the optional one-time code, through the running server.

Like `termbeam token`, these speak the server's admin API (/api/totp*) with the saved
connection, so the server stays the only writer of totp.json and a change holds from the next
login on (docs/architecture.md says why).
"""

from __future__ import annotations

from pathlib import Path

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.tokens import _target, call
from termbeam_py.qr import draw_here


@click.group("totp", context_settings=CONTEXT)
def totp_group() -> None:
    """A one-time code (TOTP) asked at every password login, on top of the password."""


def _answer(data: object, field: str) -> object:
    if not isinstance(data, dict) or field not in data:
        raise click.ClickException("Unexpected answer from the server")
    return data[field]


@totp_group.command("enable", context_settings=CONTEXT)
@click.option("--no-qr", is_flag=True, help="Do not draw the QR code (print the key only).")
@connection_options
def enable_command(no_qr: bool, host: str | None, port: int | None, password: str | None,
                   config_dir: Path | None) -> int:
    """Show a new key (QR code) and recovery codes, then turn the code on once an
    authenticator app's current code is typed back."""
    target = _target(host, port, password, config_dir)
    made = call(target, "POST", "/api/totp/setup")
    uri, secret = str(_answer(made, "uri")), str(_answer(made, "secret"))
    codes = _answer(made, "recoveryCodes")
    if not no_qr:
        click.echo(draw_here(uri).rstrip("\n"))
    click.echo("Scan the QR code with an authenticator app, or enter this key by hand:")
    click.echo(f"  {secret}")
    click.echo("")
    click.echo("Recovery codes (each works once in place of a code; shown only now, keep them "
               "somewhere safe):")
    for code in codes if isinstance(codes, list) else []:
        click.echo(f"  {code}")
    click.echo("")
    typed = click.prompt("Current 6-digit code from the app", err=True)
    call(target, "POST", "/api/totp/enable", {"code": typed})
    click.echo("One-time code on: password logins now ask for it.")
    return 0


@totp_group.command("disable", context_settings=CONTEXT)
@click.option("--code", default=None, help="A current code or a recovery code (else asked).")
@connection_options
def disable_command(code: str | None, host: str | None, port: int | None,
                    password: str | None, config_dir: Path | None) -> int:
    """Turn the one-time code off (needs a current code or a recovery code)."""
    target = _target(host, port, password, config_dir)
    typed = code or click.prompt("Current code (or a recovery code)", err=True)
    call(target, "POST", "/api/totp/disable", {"code": typed})
    click.echo("One-time code off: the password alone signs in.")
    return 0


@totp_group.command("status", context_settings=CONTEXT)
@connection_options
def status_command(host: str | None, port: int | None, password: str | None,
                   config_dir: Path | None) -> int:
    """Say whether password logins ask for a one-time code."""
    state = call(_target(host, port, password, config_dir), "GET", "/api/totp")
    if _answer(state, "enabled") is True:
        left = _answer(state, "recoveryLeft")
        click.echo(f"One-time code: on ({left} recovery codes left).")
    else:
        click.echo("One-time code: off.")
    return 0
