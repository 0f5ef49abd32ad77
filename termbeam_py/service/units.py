"""Render the systemd user unit and the launchd agent plist: pure functions of a ServiceSpec.

Neither file ever holds the password: systemd loads it with EnvironmentFile=, and the launchd
agent starts `termbeam_py.service.runner`, which reads the same private file and then execs the
server.
"""

from __future__ import annotations

import plistlib
import re
from dataclasses import dataclass
from pathlib import Path

from termbeam_py.service.paths import LAUNCHD_LABEL

#: Arguments that need no quoting in ExecStart= (anything else is double-quoted).
_PLAIN_ARG = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


class UnitError(ValueError):
    """A value that cannot be written into a unit file; one line for the user."""


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    python: str
    """Absolute path of the interpreter to run, as given (a venv's python stays the venv's)."""
    serve_args: tuple[str, ...]
    """Arguments of `termbeam` (serve) after `python -m termbeam_py`; never the password."""
    cwd: Path
    env_file: Path


def _no_control(value: str, what: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UnitError(f"{what} must not contain control characters: {value!r}")
    return value


def _path_setting(path: Path, what: str) -> str:
    """A path for a unit setting: specifiers (`%x`) are expanded there, so `%` is doubled."""
    text = _no_control(str(path), what)
    if text != text.strip():
        raise UnitError(f"{what} must not start or end with whitespace: {text!r}")
    return text.replace("%", "%%")


def exec_arg(arg: str) -> str:
    """One ExecStart= word: quoted as systemd.service(5) describes, `%` and `$` escaped so
    that neither specifiers nor variables are expanded."""
    _no_control(arg, "a command-line argument")
    if arg == ";":
        raise UnitError("a lone ';' argument cannot be used in a service command line")
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _PLAIN_ARG.fullmatch(arg):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_argv(spec: ServiceSpec) -> list[str]:
    return [spec.python, "-m", "termbeam_py", *spec.serve_args]


def render_systemd_unit(spec: ServiceSpec) -> str:
    exec_start = " ".join(exec_arg(arg) for arg in server_argv(spec))
    return f"""\
# Written by `termbeam service install`; reinstall to change it.
[Unit]
Description=TermBeam: your terminal in any browser
# Give up after 5 failed starts within a minute (e.g. the port is taken).
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
Type=simple
ExecStart={exec_start}
WorkingDirectory={_path_setting(spec.cwd, "the working directory")}
# The password (TERMBEAM_PASSWORD) lives in this private file, never on a command line.
EnvironmentFile={_path_setting(spec.env_file, "the environment file")}
# The startup banner (stdout) prints the password: keep it out of the journal. Log lines
# (stderr) never contain it and still go to the journal.
StandardOutput=null
SyslogIdentifier=termbeam
Restart=on-failure
RestartSec=5
# SIGTERM to the server only, and nothing else is killed when it exits: the shells live in
# the session holder (a process of its own session, in this unit's cgroup), which must
# outlive a restart (a stop, then a start) for the next server to adopt them. The server runs
# with --keep-sessions; `termbeam service stop|uninstall` end the kept sessions themselves.
KillMode=process
TimeoutStopSec=30

[Install]
WantedBy=default.target
"""


def render_launchd_plist(spec: ServiceSpec, log_file: Path) -> bytes:
    program = [_no_control(arg, "a command-line argument") for arg in (
        spec.python, "-m", "termbeam_py.service.runner", str(spec.env_file), *spec.serve_args)]
    agent = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": program,
        "WorkingDirectory": str(spec.cwd),
        "RunAtLoad": True,
        # Restart when it fails, like systemd's Restart=on-failure; a clean exit (the app's
        # shutdown button) stays stopped.
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        # The banner on stdout prints the password; only log lines go to the file.
        "StandardOutPath": "/dev/null",
        "StandardErrorPath": str(log_file),
        "ProcessType": "Interactive",
        # Leave the rest of the job's process group alone when the server exits: the session
        # holder and its shells must outlive a restart (the server runs with --keep-sessions;
        # `termbeam service stop|uninstall` end the kept sessions themselves).
        "AbandonProcessGroup": True,
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False)
