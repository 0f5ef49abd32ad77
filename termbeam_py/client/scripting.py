"""The terminal API from the command line: `termbeam run`, `send`, `tail` and `screen`.

They speak REST only (blocking urllib: no event loop is needed), with `Authorization:
Bearer` and the token in TERMBEAM_TOKEN, else the password (--password, TERMBEAM_PASSWORD or
connection.json's, as `termbeam list` finds it). Output is read as base64, so every byte a
program printed reaches stdout unchanged.
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import shlex
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from termbeam_py.client.commands import CONTEXT, connection_options
from termbeam_py.client.connection import NOT_RUNNING, Target, resolve_target
from termbeam_py.client.picking import matches
from termbeam_py.sessions.lease import MAX_LEASE, MIN_LEASE
from termbeam_py.state import default_config_dir

REQUEST_TIMEOUT = 30.0
#: Shells whose termbeam integration marks where a command ends (what `run` needs).
INTEGRATED_SHELLS = ("bash", "zsh")
#: `run` without --timeout waits this long (the server's maximum).
NO_TIMEOUT = 24 * 3600
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Exit statuses of `run` besides the command's own.
TIMED_OUT, INTERRUPTED = 124, 130
#: How long the server keeps `run`'s hidden session once this CLI stops renewing its lease
#: (killed with -9, or the machine lost): then it ends the session (sessions/lease.py).
LEASE = 60.0
#: Renewals per lease: a few, so one lost request does not let it lapse.
RENEWALS = 4


class Api:
    """Blocking JSON requests to one server."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.token = os.environ.get("TERMBEAM_TOKEN") or target.password

    def open(self, method: str, path: str, body: object = None,
             timeout: float | None = REQUEST_TIMEOUT) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the user's own server
            self.target.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            raise click.ClickException(_failure(exc)) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError):
                raise click.ClickException(NOT_RUNNING) from None
            raise click.ClickException(f"Cannot reach {self.target.base}: {exc.reason}") from None
        except OSError as exc:
            raise click.ClickException(f"Cannot reach {self.target.base}: {exc}") from None

    def json(self, method: str, path: str, body: object = None) -> Any:
        with self.open(method, path, body) as response:
            raw = response.read()
        return json.loads(raw) if raw else None


def _failure(exc: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(exc.read()).get("error") or exc.reason
    except (ValueError, AttributeError, OSError):
        message = exc.reason
    if exc.code == 401:
        return "Authentication failed: set TERMBEAM_TOKEN (or TERMBEAM_PASSWORD)"
    return f"{message} (HTTP {exc.code})"


def _api(host: str | None, port: int | None, password: str | None,
         config_dir: Path | None) -> Api:
    folder = (config_dir or default_config_dir()).expanduser()
    return Api(resolve_target(host, port, password, folder))


def _session_id(api: Api, name: str) -> str:
    """The id of the session named `name` (or whose id starts with it), hidden ones too."""
    sessions = api.json("GET", "/api/sessions?all=1")
    found = matches([s for s in sessions if isinstance(s, dict)], name)
    if not found:
        raise click.ClickException(f"No session named {name!r}")
    if len(found) > 1:
        raise click.ClickException(f"{name!r} names {len(found)} sessions: use an id")
    return str(found[0]["id"])


def _out(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


# -- run ---------------------------------------------------------------------------------


def command_line(words: tuple[str, ...]) -> str:
    """One word is a shell command line as it is (pipes and all); several are quoted one by
    one, so `run -- sh -c 'echo hi; exit 3'` runs exactly that argv."""
    return words[0] if len(words) == 1 else " ".join(quote(word) for word in words)


def quote(word: str) -> str:
    """`word` quoted for bash and zsh. A word with a newline or another control character is
    ANSI-C quoted ($'...'): `run` types one line (a script given to `python3 -c` still works)."""
    if not any(ord(c) < 0x20 or ord(c) == 0x7F for c in word):
        return shlex.quote(word)
    inner = "".join(
        "\\\\" if c == "\\" else "\\'" if c == "'"
        else f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in word
    )
    return f"$'{inner}'"


def _fresh_session(api: Api, lease: float) -> str:
    """A hidden session running bash or zsh (they have the integration `run` needs), which
    the server ends if nobody renews its lease for `lease` seconds."""
    shells = api.json("GET", "/api/shells").get("shells", [])
    shell = next((s for s in shells if Path(str(s.get("path", ""))).name in INTEGRATED_SHELLS
                  or s.get("cmd") in INTEGRATED_SHELLS), None)
    body: dict[str, object] = {"hidden": True, "name": "termbeam run", "cols": 200, "rows": 50,
                               "lease": lease}
    if shell is not None:
        body.update(shell=shell["path"], args=[])
    if api.target.host in LOOPBACK:
        body["cwd"] = os.getcwd()  # the same machine: run where the user is
    return str(api.json("POST", "/api/sessions", body)["id"])


class Renewer:
    """Renews the hidden session's lease while the command runs: the run's own request is one
    long answer, which renews nothing after it starts."""

    def __init__(self, api: Api, session_id: str, lease: float) -> None:
        self.api, self.session_id = api, session_id
        self.every = lease / RENEWALS
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="termbeam-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        path = f"/api/sessions/{self.session_id}"  # any request about the session renews it
        while not self._done.wait(self.every):
            try:
                with self.api.open("GET", path, timeout=max(self.every, 1.0)):
                    pass
            except click.ClickException:
                pass  # a server that is gone: the run's own request says so

    def stop(self) -> None:
        # Not joined: a renewal in flight must not hold up the exit (a late one is a 404).
        self._done.set()


def _events(api: Api, session_id: str, command: str, timeout: float) -> Iterator[Any]:
    body = {"command": command, "timeout": timeout, "stream": True, "encoding": "base64"}
    with api.open("POST", f"/api/sessions/{session_id}/run", body, timeout=None) as response:
        for line in response:
            if line.strip():
                yield json.loads(line)


def stream_run(api: Api, session_id: str, command: str, timeout: float) -> int:
    """Run `command`, copying its output to stdout as it comes; its exit status."""
    for event in _events(api, session_id, command, timeout):
        kind = event.get("type")
        if kind == "output":
            _out(base64.b64decode(event["data"]))
        elif kind == "truncated":
            click.echo(f"termbeam: {event['lost']} bytes of output were lost", err=True)
        elif kind == "timeout":
            click.echo(f"termbeam: the command did not finish within {timeout:g} s", err=True)
            return TIMED_OUT
        elif kind == "finished":
            code = event.get("exitCode")
            return code if isinstance(code, int) and 0 <= code <= 255 else 1
    raise click.ClickException("The server ended the answer early")


@click.command("run", context_settings=CONTEXT)
@click.argument("words", nargs=-1, required=True, metavar="-- COMMAND [ARGS]...")
@click.option("--session", "name", default=None,
              help="Run in this session (name or id prefix) instead of a fresh hidden one.")
@click.option("--timeout", type=click.FloatRange(0, NO_TIMEOUT, min_open=True), default=None,
              help="Give up after this many seconds (exit status 124).")
@click.option("--lease", type=click.FloatRange(MIN_LEASE, MAX_LEASE), default=None,
              help=f"If this command is killed before it can remove the hidden session, the "
                   f"server removes it after this many seconds (default {LEASE:g}).")
@connection_options
def run_command(words: tuple[str, ...], name: str | None, timeout: float | None,
                lease: float | None, host: str | None, port: int | None,
                password: str | None, config_dir: Path | None) -> int:
    """Run a command in a session and exit with its exit status.

    Without --session it runs in a fresh hidden session that is removed afterwards (also on
    Ctrl+C or failure; if this process is killed, the server removes it once its --lease
    lapses); its terminal does not turn \\n into \\r\\n, so the output is the program's
    bytes exactly.
    """
    if lease is not None and name is not None:
        raise click.UsageError("--lease is for the hidden session: not with --session")
    api = _api(host, port, password, config_dir)
    command = command_line(words)
    seconds = timeout or NO_TIMEOUT
    session_id = _session_id(api, name) if name else _fresh_session(api, lease or LEASE)
    renewer = None if name else Renewer(api, session_id, lease or LEASE)
    try:
        if name is None:
            # Its own terminal: \n stays \n, so the output is byte for byte the program's.
            api.json("POST", f"/api/sessions/{session_id}/run",
                     {"command": "stty -onlcr", "timeout": REQUEST_TIMEOUT})
        return stream_run(api, session_id, command, seconds)
    except KeyboardInterrupt:
        if name is not None:  # someone's session: stop the command, keep the session
            api.json("POST", f"/api/sessions/{session_id}/input", {"data": "\x03"})
        return INTERRUPTED
    finally:
        if renewer is not None:
            renewer.stop()
            _remove(api, session_id)


def _remove(api: Api, session_id: str) -> None:
    try:
        with api.open("DELETE", f"/api/sessions/{session_id}"):
            pass
    except click.ClickException as exc:
        click.echo(f"termbeam: could not remove the hidden session: {exc.message}", err=True)


# -- send, tail, screen -----------------------------------------------------------------


def unescape(text: str) -> str:
    r"""C-style escapes: \n \r \t \e \a \b \\ and \xNN."""
    return codecs.decode(text.replace("\\e", "\\x1b").encode("latin-1", "backslashreplace"),
                         "unicode_escape")


@click.command("send", context_settings=CONTEXT)
@click.argument("name")
@click.argument("text")
@click.option("--no-enter", is_flag=True, help="Do not press Enter after TEXT.")
@click.option("-e", "--escapes", is_flag=True,
              help=r"Read \n, \r, \t, \e, \xNN and \\ in TEXT (e.g. '\x03' is Ctrl+C).")
@connection_options
def send_command(name: str, text: str, no_enter: bool, escapes: bool, host: str | None,
                 port: int | None, password: str | None, config_dir: Path | None) -> int:
    """Type TEXT into a session, then Enter. TEXT is sent as it is unless --escapes."""
    api = _api(host, port, password, config_dir)
    session_id = _session_id(api, name)
    data = (unescape(text) if escapes else text) + ("" if no_enter else "\r")
    api.json("POST", f"/api/sessions/{session_id}/input", {"data": data})
    return 0


def _poll(api: Api, session_id: str, since: int | None, wait: float) -> Any:
    query = {"encoding": "base64", "wait": f"{wait:g}"}
    if since is not None:
        query["since"] = str(since)
    path = f"/api/sessions/{session_id}/output?{urllib.parse.urlencode(query)}"
    with api.open("GET", path, timeout=wait + REQUEST_TIMEOUT) as response:
        return json.loads(response.read())


@click.command("tail", context_settings=CONTEXT)
@click.argument("name")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new output until the "
                                                  "session ends (or Ctrl+C).")
@connection_options
def tail_command(name: str, follow: bool, host: str | None, port: int | None,
                 password: str | None, config_dir: Path | None) -> int:
    """Print a session's scrollback (what its log still holds), raw."""
    api = _api(host, port, password, config_dir)
    session_id = _session_id(api, name)
    since: int | None = None
    try:
        while True:
            try:
                answer = _poll(api, session_id, since, 30.0 if follow else 0.0)
            except click.ClickException:
                if follow and since is not None:
                    return 0  # the session ended and is gone
                raise
            if answer["truncated"] and since is not None:
                click.echo("termbeam: some output scrolled off before it was read", err=True)
            _out(base64.b64decode(answer["data"]))
            since = answer["next"]
            if answer["exited"] or (not follow and not answer["data"]):
                return 0
    except KeyboardInterrupt:
        return INTERRUPTED


@click.command("screen", context_settings=CONTEXT)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer (lines, cursor, "
                                                      "altScreen, cols, rows).")
@connection_options
def screen_command(name: str, as_json: bool, host: str | None, port: int | None,
                   password: str | None, config_dir: Path | None) -> int:
    """Print what a session's terminal shows now, as text."""
    api = _api(host, port, password, config_dir)
    screen = api.json("GET", f"/api/sessions/{_session_id(api, name)}/screen")
    if as_json:
        click.echo(json.dumps(screen, indent=2))
        return 0
    lines = list(screen["lines"])
    while lines and not lines[-1]:
        lines.pop()
    click.echo("\n".join(lines))
    return 0
