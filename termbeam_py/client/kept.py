"""`termbeam list` while no server runs: the sessions the session holder keeps for the next
server, from the holder itself and the records beside it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from termbeam_py.client.picking import Session, table
from termbeam_py.holder import control
from termbeam_py.holder.paths import holder_dir
from termbeam_py.holder.wire import ProtocolError
from termbeam_py.sessions import procfs


def kept_sessions(config_dir: Path) -> list[Session]:
    """Kept sessions as `GET /api/sessions` entries (plus `kept` and `exitCode`)."""
    try:
        kept = control.kept_sessions(holder_dir(config_dir))
    except (OSError, ProtocolError) as exc:
        raise click.ClickException(f"Cannot ask the session holder: {exc}") from None
    cwds = procfs.live_cwds([k.pid for k in kept if k.exit_code is None])
    listing: list[Session] = []
    for entry in kept:
        record = entry.record
        listing.append({
            "id": entry.id, "name": record["name"] if record else "(unnamed)",
            "cwd": cwds.get(entry.pid, record["cwd"] if record else ""), "pid": entry.pid,
            "clients": 0, "createdAt": record["createdAt"] if record else None,
            "color": record["color"] if record else None, "kept": True,
            "exitCode": entry.exit_code,
        })
    return listing


def print_kept(sessions: list[Session], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(sessions, indent=2))
        return
    count = len(sessions)
    click.echo(f"No TermBeam server is running. {count} kept session"
               f"{'' if count == 1 else 's'} wait{'s' if count == 1 else ''} for the next "
               "`termbeam`, which adopts them:")
    click.echo(table(sessions))
    ended = [s for s in sessions if s.get("exitCode") is not None]
    for session in ended:
        click.echo(f"  {session['name']} exited with code {session['exitCode']}.")
