"""`termbeam token create|list|revoke`: scoped API tokens, managed through the running server.

The commands speak the server's REST API (`/api/tokens`) with the saved connection and
password, like `list` and `attach`: the server is the only writer of its token file, so a
revocation takes effect on the very next request (docs/architecture.md says why).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click

from termbeam_py.apitokens import parse_duration
from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.connection import NOT_RUNNING, REQUEST_TIMEOUT, Target, resolve_target
from termbeam_py.errors import BadRequest
from termbeam_py.state import default_config_dir

COLUMNS = ("NAME", "SCOPE", "SESSION", "CREATED", "EXPIRES", "LAST USED")


def _target(host: str | None, port: int | None, password: str | None,
            config_dir: Path | None) -> Target:
    return resolve_target(host, port, password, (config_dir or default_config_dir()).expanduser())


def _error(exc: urllib.error.HTTPError, target: Target) -> click.ClickException:
    """The server's own `{"error": ...}` message, else the status."""
    try:
        message = json.loads(exc.read()).get("error")
    except (ValueError, AttributeError, OSError):
        message = None
    if exc.code == 401:
        note = f" ({target.withheld})" if target.withheld else ""
        return click.ClickException(f"Authentication failed{note}")
    return click.ClickException(str(message) if message else f"HTTP {exc.code}")


def call(target: Target, method: str, path: str, body: object | None = None) -> object:
    """One REST call with the target's password (or admin token) as Bearer; its JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        target.base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if target.password:
        request.add_header("Authorization", f"Bearer {target.password}")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise _error(exc, target) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            raise click.ClickException(NOT_RUNNING) from None
        raise click.ClickException(f"Cannot reach {target.base}: {exc.reason}") from None
    except OSError as exc:
        raise click.ClickException(f"Cannot reach {target.base}: {exc}") from None
    return json.loads(raw) if raw else None


def _when(value: object, empty: str = "-") -> str:
    if not isinstance(value, int | float):
        return empty
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(value))


def _row(token: dict[str, object]) -> tuple[str, ...]:
    expires = "expired" if token.get("expired") else _when(token.get("expires"), "never")
    return (str(token.get("name")), str(token.get("scope")), str(token.get("session") or "all"),
            _when(token.get("created")), expires, _when(token.get("lastUsed"), "never"))


def table(tokens: list[dict[str, object]]) -> str:
    rows = [COLUMNS, *(_row(t) for t in tokens)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


@click.group("token", context_settings=CONTEXT)
def token_group() -> None:
    """Scoped API tokens for scripts: `Authorization: Bearer <token>` (docs/api.md)."""


@token_group.command("create", context_settings=CONTEXT)
@click.option("--name", required=True, help="A unique name: letters, digits, '.', '_', '-'.")
@click.option("--scope", type=click.Choice(("read", "write", "admin")), required=True,
              help="read: look; write: also type and manage sessions; admin: everything.")
@click.option("--session", default=None, help="Bind the token to one session (name or id).")
@click.option("--expires", default=None, help="Lifetime, like 30m, 12h, 30d or 2w "
                                              "(default: until revoked).")
@connection_options
def create_command(name: str, scope: str, session: str | None, expires: str | None,
                   host: str | None, port: int | None, password: str | None,
                   config_dir: Path | None) -> int:
    """Make a token and print it (only this once: the server keeps only its hash)."""
    body: dict[str, object] = {"name": name, "scope": scope}
    if session is not None:
        body["session"] = session
    if expires is not None:
        try:  # said before any request, in the option's own name
            parse_duration(expires, "--expires")
        except BadRequest as exc:
            raise click.BadParameter(exc.message, param_hint="--expires") from None
        body["expiresIn"] = expires
    made = call(_target(host, port, password, config_dir), "POST", "/api/tokens", body)
    if not isinstance(made, dict) or not isinstance(made.get("token"), str):
        raise click.ClickException("Unexpected answer from the server")
    click.echo(made["token"])
    bound = f", bound to session {made['session']}" if made.get("session") else ""
    until = f", expires {_when(made.get('expires'))}" if made.get("expires") else ""
    click.echo(f"Token '{name}' ({scope}{bound}{until}). It is shown only now: store it "
               "somewhere safe.", err=True)
    return 0


@token_group.command("list", context_settings=CONTEXT)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON array.")
def list_command(host: str | None, port: int | None, password: str | None,
                 config_dir: Path | None, as_json: bool) -> int:
    """List the tokens: name, scope, session, created, expires and last used."""
    tokens = call(_target(host, port, password, config_dir), "GET", "/api/tokens")
    if not isinstance(tokens, list):
        raise click.ClickException("Unexpected answer from the server")
    if as_json:
        click.echo(json.dumps(tokens, indent=2))
    elif not tokens:
        click.echo("No API tokens.")
    else:
        click.echo(table([t for t in tokens if isinstance(t, dict)]))
    return 0


@token_group.command("revoke", context_settings=CONTEXT)
@click.argument("name")
@connection_options
def revoke_command(name: str, host: str | None, port: int | None, password: str | None,
                   config_dir: Path | None) -> int:
    """Revoke a token: it is refused from the next request on."""
    path = "/api/tokens/" + urllib.parse.quote(name, safe="")
    call(_target(host, port, password, config_dir), "DELETE", path)
    click.echo(f"Token '{name}' revoked.")
    return 0
