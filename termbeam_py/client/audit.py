"""`termbeam audit`: the audit log, newest first (#17).

It reads the log's files itself rather than asking the server: they are this user's own
0600 files on this machine, so no token is needed, and the log of a stopped (or crashed)
server can still be read, which is when it matters most.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from termbeam_py.audit import BACKUPS, FILE_NAME, parse_time, read_entries
from termbeam_py.client.commands import CONTEXT
from termbeam_py.errors import BadRequest
from termbeam_py.state import default_config_dir

#: Printed first on each line, in this order; the event's other fields follow as key=value.
_HEAD = ("ts", "event", "address", "actor")


def human(entry: dict[str, Any]) -> str:
    """One line: time, event, address and actor, then the event's own fields."""
    head = [str(entry.get(k) or "-") for k in _HEAD]
    rest = [f"{k}={json.dumps(v) if not isinstance(v, str) else v}"
            for k, v in entry.items() if k not in _HEAD]
    return "  ".join(head + rest)


@click.command("audit", context_settings=CONTEXT)
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="TERMBEAM_CONFIG_DIR", default=None,
              help="The server's state directory (where audit.log is). "
                   "Env: TERMBEAM_CONFIG_DIR.")
@click.option("--since", default=None, metavar="WHEN",
              help="Only entries this recent: 30m, 12h, 1d, 2w or an ISO 8601 time.")
@click.option("--event", default=None, metavar="NAME", help="Only this event (e.g. login).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def audit_command(config_dir: Path | None, since: str | None, event: str | None,
                  as_json: bool) -> int:
    """Show the audit log, newest first: logins, share links, tokens, sessions, files,
    previews, updates, settings and stops."""
    folder = (config_dir or default_config_dir()).expanduser()
    try:
        start = parse_time(since, time.time()) if since else None
    except BadRequest as exc:
        raise click.BadParameter(exc.message, param_hint="--since") from None
    files = [folder / FILE_NAME] + [folder / f"{FILE_NAME}.{n}" for n in range(1, BACKUPS + 1)]
    try:
        entries = read_entries(files, since=start, event=event)
    except PermissionError as exc:
        raise click.ClickException(f"Cannot read the audit log: {exc}") from None
    for entry in entries:
        click.echo(json.dumps(entry) if as_json else human(entry))
    return 0
