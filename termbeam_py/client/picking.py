"""Choosing a session by name or id prefix, the numbered chooser, and the `list` table."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import click

#: A session as the server listed it: JSON not validated here (`list --json` prints it as it
#: came), so every field is read defensively.
Session = Mapping[str, object]


def matches(sessions: Sequence[Session], query: str) -> list[Session]:
    """Case-insensitive exact names first; only when none match, id prefixes."""
    wanted = query.casefold()
    by_name = [s for s in sessions if str(s.get("name", "")).casefold() == wanted]
    if by_name:
        return by_name
    return [s for s in sessions if str(s.get("id", "")).startswith(query)]


def short_id(session: Session) -> str:
    return str(session.get("id", ""))[:8]


def age(created_at: object, now: datetime | None = None) -> str:
    """`Ns`, `Nm`, `Nh Mm` or `Nd Nh` since an ISO timestamp; `?` when unknown."""
    if not isinstance(created_at, str):
        return "?"
    try:
        start = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return "?"
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - start).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def table(sessions: Sequence[Session]) -> str:
    """Aligned columns NAME / ID / CWD / UPTIME / CLIENTS, as the original prints them."""
    rows = [("NAME", "ID", "CWD", "UPTIME", "CLIENTS")]
    rows += [(str(s.get("name", "")), short_id(s), str(s.get("cwd", "")),
              age(s.get("createdAt")), str(s.get("clients", 0))) for s in sessions]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _listing(sessions: Sequence[Session]) -> str:
    return "\n".join(f"  {s.get('name', '')} ({short_id(s)})" for s in sessions)


def choose(sessions: Sequence[Session], name: str | None) -> Session:
    """The session to attach to, asking on the terminal when several fit."""
    if not sessions:
        raise click.ClickException("No sessions are running.")
    candidates = list(sessions)
    if name is not None:
        candidates = matches(sessions, name)
        if not candidates:
            raise click.ClickException(
                f"No session matches {name!r}. Available sessions:\n{_listing(sessions)}")
    if len(candidates) == 1:
        return candidates[0]
    if not sys.stdin.isatty():
        raise click.ClickException(
            f"Several sessions match; name one:\n{_listing(candidates)}")
    return _prompt(candidates)


def _prompt(candidates: Sequence[Session]) -> Session:
    """The arrow-key chooser on the terminal (client/chooser.py); Ctrl+C leaves with 0."""
    from termbeam_py.client.chooser import choose_row

    header, *rows = table(candidates).splitlines()
    picked = choose_row(rows, f"  {header}", sys.stdin.fileno(), sys.stderr.fileno())
    if picked is None:
        raise click.exceptions.Exit(0)
    chosen: Session = candidates[picked]
    return chosen
