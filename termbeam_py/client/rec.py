"""`termbeam rec list|play|export`: session recordings (#19), through the running server's
REST API (/api/recordings) with the saved connection, like `list` and `token`, or a token in
TERMBEAM_TOKEN, like `run`.

`play` replays a recording in this terminal with its own timing; `export` saves it as one
.cast file. Given a session's name, both take every part of its newest recording, joined into
one asciicast v2 stream (recording/joined.py); given a part's id, that part alone.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.connection import Target, resolve_target
from termbeam_py.client.scripting import Api
from termbeam_py.client.tokens import call
from termbeam_py.recording.joined import Joiner, NotACast
from termbeam_py.state import default_config_dir

COLUMNS = ("ID", "SESSION", "PART", "STARTED", "DURATION", "SIZE", "MARKS", "STATE")
#: What is written when playback ends or is interrupted: plain colours, a visible cursor.
RESET = b"\x1b[0m\x1b[?25h\r\n"
#: Wide enough for any recording's download, small enough to fail before a day passes.
DOWNLOAD_TIMEOUT = 120.0


def _target(host: str | None, port: int | None, password: str | None,
            config_dir: Path | None) -> Target:
    """The server, with the token in TERMBEAM_TOKEN (a `read` one is enough) as the
    credential, else the password as `termbeam list` finds it."""
    target = resolve_target(host, port, password,
                            (config_dir or default_config_dir()).expanduser())
    token = os.environ.get("TERMBEAM_TOKEN")
    return replace(target, password=token, explicit_password=True) if token else target


def _size(count: object) -> str:
    value = float(count) if isinstance(count, int | float) else 0.0
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def _duration(seconds: object) -> str:
    total = int(seconds) if isinstance(seconds, int | float) else 0
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    started = str(entry.get("startedAt") or "")[:19].replace("T", " ")
    state = "recording" if entry.get("active") else "ended"
    if entry.get("input"):
        state += " +input"
    return (str(entry.get("id")), str(entry.get("sessionName")), str(entry.get("part")),
            started, _duration(entry.get("duration")), _size(entry.get("bytes")),
            str(entry.get("marks")), state)


def table(entries: list[dict[str, Any]]) -> str:
    rows = [COLUMNS, *(_row(e) for e in entries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


def _listing(target: Target) -> list[dict[str, Any]]:
    entries = call(target, "GET", "/api/recordings")
    if not isinstance(entries, list):
        raise click.ClickException("Unexpected answer from the server")
    return [e for e in entries if isinstance(e, dict)]


def pick(entries: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """The part `wanted` names: its id, else the newest part of the session with that name
    (or id). The listing is newest first."""
    for key in ("id", "sessionName", "sessionId"):
        found = [e for e in entries if e.get(key) == wanted]
        if found:
            return found[0]
    raise click.ClickException(f"No recording named {wanted!r} (see `termbeam rec list`)")


def parts_to_play(entries: list[dict[str, Any]], wanted: str) -> list[dict[str, Any]]:
    """What `play` plays, in order: the part `wanted` names by its id; for a session's name
    or id, every part of its newest recording, from part 1 (a full part goes on in the next)."""
    chosen = pick(entries, wanted)
    if chosen.get("id") == wanted:
        return [chosen]
    # Newest first: the parts of one recording follow each other, numbered down to 1.
    same = [e for e in entries if e.get("sessionId") == chosen.get("sessionId")]
    parts = [chosen]
    for entry in same[same.index(chosen) + 1:]:
        previous = parts[-1].get("part")
        if not isinstance(previous, int) or entry.get("part") != previous - 1:
            break
        parts.append(entry)
    return parts[::-1]


def download(target: Target, part_id: str) -> tuple[bytes, str]:
    """The part's .cast file and the file name the server gives it."""
    path = "/api/recordings/" + urllib.parse.quote(part_id, safe="")
    with Api(target).open("GET", path, timeout=DOWNLOAD_TIMEOUT) as response:
        try:
            data = response.read()
        except OSError as exc:  # the connection broke or timed out mid-body
            raise click.ClickException(f"Downloading {part_id} failed: {exc}") from None
        disposition = response.headers.get("Content-Disposition", "")
    name = re.search(r'filename="([^"/\\]+)"', disposition)
    return data, name.group(1) if name else f"{part_id}.cast"


def output_events(lines: Iterable[bytes]) -> Iterator[tuple[float, str]]:
    """(time, text) of each `o` event of an asciicast v2 file, after its header line."""
    for number, line in enumerate(lines):
        if number == 0 or not line.strip():
            continue
        try:
            t, code, data = json.loads(line)
        except (ValueError, TypeError):
            raise click.ClickException(f"line {number + 1} is not an asciicast event") from None
        if code == "o" and isinstance(t, int | float) and isinstance(data, str):
            yield float(t), data


def play(data: bytes, out: BinaryIO, *, speed: float, max_idle: float | None,
         sleep: Callable[[float], None] = time.sleep) -> None:
    """Write the `o` events to `out` with their timing (divided by `speed`; pauses capped at
    `max_idle` seconds)."""
    play_lines(data.splitlines(), out, speed=speed, max_idle=max_idle, sleep=sleep)


def play_lines(lines: Iterable[bytes], out: BinaryIO, *, speed: float,
               max_idle: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
    """`play` for an asciicast v2 stream given line by line (header first)."""
    last = 0.0
    for t, text in output_events(lines):
        pause = max(0.0, t - last)
        last = t
        if max_idle is not None:
            pause = min(pause, max_idle)
        if pause / speed > 0:
            sleep(pause / speed)
        out.write(text.encode())
        out.flush()


def joined(first: bytes, rest: Iterable[Callable[[], bytes]]) -> Iterator[bytes]:
    """The lines of one recording's parts joined (recording/joined.py): `first`, then each
    of `rest` fetched when its turn comes."""
    joiner = Joiner()
    try:
        yield from chain(joiner.part(first), *(joiner.part(fetch()) for fetch in rest))
    except NotACast as exc:
        raise click.ClickException(f"The recording is not asciicast v2: {exc}") from None


@click.group("rec", context_settings=CONTEXT)
def rec_group() -> None:
    """Session recordings (asciicast v2): list, play in this terminal, export as .cast."""


@rec_group.command("list", context_settings=CONTEXT)
@connection_options
@click.option("--session", default=None, help="Only this session's (name or id).")
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON array.")
def list_command(host: str | None, port: int | None, password: str | None,
                 config_dir: Path | None, session: str | None, as_json: bool) -> int:
    """List the recordings, newest first."""
    entries = _listing(_target(host, port, password, config_dir))
    if session is not None:
        entries = [e for e in entries if session in (e.get("sessionName"), e.get("sessionId"))]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
    elif not entries:
        click.echo("No recordings. Record a session with --record, or its drawer's toggle.")
    else:
        click.echo(table(entries))
    return 0


@rec_group.command("play", context_settings=CONTEXT)
@click.argument("recording", metavar="NAME|ID")
@click.option("--speed", type=click.FloatRange(0.01, 1000), default=1.0, show_default=True,
              help="Playback speed (2 = twice as fast).")
@click.option("--max-idle", type=click.FloatRange(0), default=None,
              help="Cap every pause at this many seconds.")
@connection_options
def play_command(recording: str, speed: float, max_idle: float | None, host: str | None,
                 port: int | None, password: str | None, config_dir: Path | None) -> int:
    """Replay a recording here, with its timing (Ctrl+C stops). NAME is a session's name:
    its newest recording, every part; an ID plays that part; a path plays a .cast file."""
    out = sys.stdout.buffer
    try:
        lines = _lines(recording, host, port, password, config_dir)
        play_lines(lines, out, speed=speed, max_idle=max_idle)
    except KeyboardInterrupt:
        pass  # stopping a replay is not an error
    finally:
        out.write(RESET)
        out.flush()
    return 0


def _lines(recording: str, host: str | None, port: int | None, password: str | None,
           config_dir: Path | None) -> Iterator[bytes]:
    """The lines of what `recording` names: an exported file, else the server's parts (see
    `parts_to_play`) joined, each fetched when its turn comes."""
    if recording.endswith(".cast") and Path(recording).is_file():
        try:
            yield from Path(recording).read_bytes().splitlines()
        except OSError as exc:
            raise click.ClickException(f"Cannot read {recording}: {exc}") from None
        return
    target = _target(host, port, password, config_dir)
    parts = parts_to_play(_listing(target), recording)
    first = download(target, parts[0]["id"])[0]
    yield from joined(first, [_fetcher(target, part["id"]) for part in parts[1:]])


def _fetcher(target: Target, part_id: str) -> Callable[[], bytes]:
    return lambda: download(target, part_id)[0]


@rec_group.command("export", context_settings=CONTEXT)
@click.argument("recording", metavar="NAME|ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it ('-' for stdout). Default: the recording's own name "
                   "in this folder.")
@connection_options
def export_command(recording: str, output: Path | None, host: str | None, port: int | None,
                   password: str | None, config_dir: Path | None) -> int:
    """Save a recording as one asciicast v2 (.cast) file. NAME is a session's name: its
    newest recording, every part joined into one stream; an ID saves that part as stored."""
    target = _target(host, port, password, config_dir)
    parts = parts_to_play(_listing(target), recording)
    first, name = download(target, parts[0]["id"])
    # One part: the file as the server has it.
    lines = iter([first]) if len(parts) == 1 else joined(
        first, [_fetcher(target, part["id"]) for part in parts[1:]])
    if output is not None and str(output) == "-":
        for line in lines:
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
        return 0
    path = output or Path(name)  # part 1's name: the recording's, with no -partN
    size = _write(path, lines)
    what = f"{len(parts)} parts joined, " if len(parts) > 1 else ""
    click.echo(f"Wrote {path} ({what}{_size(size)}).", err=True)
    return 0


def _write(path: Path, lines: Iterable[bytes]) -> int:
    """Write `lines` to `path` as they come; no half-written file is left on a failure."""
    size = 0
    try:
        fh = path.open("wb")
    except OSError as exc:  # nothing was made: a file already there is left alone
        raise click.ClickException(f"Cannot write {path}: {exc}") from None
    try:
        with fh:
            for line in lines:
                fh.write(line)
                size += len(line)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {path}: {exc}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return size
