"""Where the server is and how to log in: flags > connection.json > localhost:3456.

The REST calls run from the command line before any event loop exists, so blocking
urllib requests are fine here (the WebSocket part is asynchronous).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import click

from termbeam_py import running
from termbeam_py.client.picking import Session
from termbeam_py.config import DEFAULT_PORT

REQUEST_TIMEOUT = 10.0
NOT_RUNNING = "No TermBeam server is running."


@dataclass(frozen=True)
class Target:
    """A server address plus the password to present (None: no password)."""

    host: str
    port: int
    password: str | None
    explicit_password: bool = False
    withheld: str | None = None
    """Why connection.json's password was not sent (said when the server asks for one)."""

    @property
    def base(self) -> str:
        host = "127.0.0.1" if self.host == "localhost" else self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return "ws" + self.base[len("http"):] + "/ws"


def _place(host: str, port: int) -> tuple[str, int]:
    """A comparable (host, port): the loopback spellings of one address are one place."""
    host = host.strip("[]").lower()
    return ("127.0.0.1" if host == "localhost" else host), port


def resolve_target(host: str | None, port: int | None, password: str | None,
                   config_dir: Path) -> Target:
    """Each of host, port and password comes from its flag, else connection.json.

    The saved password goes only to the place it was saved for, and only while the server
    that saved it is the one listening there: never to another --host or --port, nor to
    whatever took the port after that server ended.
    """
    conn = running.read_connection(config_dir / "connection.json")
    # An empty host or port 0 (a hand-edited file) counts as missing.
    saved_host = (conn["host"] if conn else "") or "localhost"
    saved_port = (conn["port"] if conn else 0) or DEFAULT_PORT
    target = Target(host=host or saved_host, port=port or saved_port, password=password,
                    explicit_password=password is not None)
    if password is not None or conn is None or not conn["password"]:
        return target
    saved = f"{saved_host}:{saved_port}"
    if _place(target.host, target.port) != _place(saved_host, saved_port):
        why = (f"the password in connection.json is only sent to {saved}, not to "
               f"{target.host}:{target.port}")
    elif not running.is_running(conn):
        why = (f"{saved} is not held by the server that wrote connection.json, so its "
               "password was not sent")
    else:
        # The machine key, where the server wrote one, also works while a one-time code is
        # on (the password alone does not).
        return replace(target, password=conn["key"] or conn["password"])
    return replace(target, withheld=f"{why}; pass --password (or set TERMBEAM_PASSWORD)")


class Unauthorized(Exception):
    """The server answered 401."""


def _get_json(target: Target, path: str) -> object:
    request = urllib.request.Request(target.base + path)  # noqa: S310 - our own server
    if target.password:
        request.add_header("Authorization", f"Bearer {target.password}")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            raise Unauthorized from exc
        raise click.ClickException(f"{target.base}{path}: HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            raise click.ClickException(NOT_RUNNING) from exc
        raise click.ClickException(f"Cannot reach {target.base}: {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"Cannot reach {target.base}: {exc}") from exc


def fetch_sessions(target: Target, hidden: bool = False) -> tuple[Target, list[Session]]:
    """The session list (hidden sessions too with `hidden`), prompting once for the password
    on 401 (interactive only).

    Returns the target with the password that worked, for the WebSocket that follows.
    """
    path = "/api/sessions?hidden=1" if hidden else "/api/sessions"
    try:
        return target, _as_list(_get_json(target, path))
    except Unauthorized:
        # A password typed on the command line was a deliberate choice: don't second-guess it.
        if target.explicit_password or not sys.stdin.isatty():
            note = f" ({target.withheld})" if target.withheld else ""
            raise click.ClickException(f"Authentication failed{note}") from None
    if target.withheld:
        click.echo(f"Note: {target.withheld}.", err=True)
    password = click.prompt(f"Password for {target.base}", hide_input=True, err=True)
    target = replace(target, password=password)
    try:
        return target, _as_list(_get_json(target, path))
    except Unauthorized:
        raise click.ClickException("Authentication failed") from None


def _as_list(data: object) -> list[Session]:
    if not isinstance(data, list):
        raise click.ClickException("Unexpected answer from the server")
    return [entry for entry in data if isinstance(entry, dict)]
