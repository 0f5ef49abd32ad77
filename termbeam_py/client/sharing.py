"""`termbeam share NAME [--view-only] [--expires 1h]`: a link to one session, made by the
running server and printed with a QR code for a phone's camera.

With --view-only it is a view-only link (POST /api/sessions/ID/viewers/link): whoever opens it
watches that session and nothing else until it expires or is revoked. Without, it is the
one-time login link of the share sheet (GET /api/share-token), opening that session.
The link goes to stdout, the QR code and the notes to stderr, so `$(termbeam share …)` is the
link alone.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.tokens import _target, call
from termbeam_py.errors import BadRequest
from termbeam_py.qr import draw_here
from termbeam_py.viewlinks import parse_ttl


def session_id(sessions: object, wanted: str) -> str:
    """The id of the session `wanted` names (its id, or its name when that is unique)."""
    listed = [s for s in sessions if isinstance(s, dict)] if isinstance(sessions, list) else []
    if any(s.get("id") == wanted for s in listed):
        return wanted
    named = [str(s.get("id")) for s in listed if s.get("name") == wanted]
    if len(named) > 1:
        raise click.ClickException(f"Several sessions are named '{wanted}': use the session id")
    if not named:
        raise click.ClickException(f"No session named '{wanted}' (see termbeam list)")
    return named[0]


@click.command("share", context_settings=CONTEXT)
@click.argument("name")
@click.option("--view-only", is_flag=True,
              help="A link that only watches this session (no typing, nothing else).")
@click.option("--expires", default=None,
              help="A view-only link's lifetime, like 30m, 1h or 2d (default 1h, at most 7d).")
@click.option("--no-qr", is_flag=True, help="Print the link without a QR code.")
@connection_options
def share_command(name: str, view_only: bool, expires: str | None, no_qr: bool,
                  host: str | None, port: int | None, password: str | None,
                  config_dir: Path | None) -> int:
    """Print a link to the session NAME (a name or an id) and its QR code."""
    if expires is not None and not view_only:
        raise click.BadParameter("only a --view-only link takes an expiry (a login link "
                                 "works once, within 5 minutes)", param_hint="--expires")
    if expires is not None:
        try:  # said before any request, in the option's own name
            parse_ttl(expires)
        except BadRequest as exc:
            raise click.BadParameter(exc.message.replace("expiresIn", "--expires"),
                                     param_hint="--expires") from None
    target = _target(host, port, password, config_dir)
    sid = session_id(call(target, "GET", "/api/sessions?all=1"), name)
    if view_only:
        body = {} if expires is None else {"expiresIn": expires}
        made = call(target, "POST", f"/api/sessions/{urllib.parse.quote(sid)}/viewers/link",
                    body)
        note = "View-only link: it shows this one session, until it expires or is revoked."
    else:
        made = call(target, "GET", "/api/share-token")
        note = ("Login link: it works once, within 5 minutes, and logs the device in with "
                "full control.")
    if not isinstance(made, dict) or not isinstance(made.get("url"), str):
        raise click.ClickException("Unexpected answer from the server")
    url = str(made["url"])
    if not view_only:
        # The login opens this session: the server keeps the rest of the query after `ott`.
        url = url.replace("/?ott=", f"/terminal?id={urllib.parse.quote(sid)}&ott=", 1)
    click.echo(url)
    if not no_qr:
        click.echo(draw_here(url), err=True, nl=False)
    click.echo(note, err=True)
    return 0
