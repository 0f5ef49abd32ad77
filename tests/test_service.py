"""`termbeam service`: the files it writes (systemd unit, launchd plist, 0600 env file) and the
service-manager commands it runs, recorded by fake systemctl/journalctl/launchctl/tail.

Nothing here starts a real service: the fakes stand in for the service managers, and the unit
is checked with `systemd-analyze verify`, which needs no running systemd. `stop` and
`uninstall` end real sessions that a real server (stopped as the service manager stops it)
left in its session holder.
"""

from __future__ import annotations

import asyncio
import json
import os
import plistlib
import shutil
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from termbeam_py.cli import route_command
from termbeam_py.holder import control
from termbeam_py.holder.paths import holder_dir
from termbeam_py.service import envfile, runner
from termbeam_py.service.cli import Host, service_group
from termbeam_py.service.paths import LAUNCHD_LABEL, UNIT_NAME
from termbeam_py.service.units import UnitError, exec_arg
from tests.conftest import process_exists
from tests.helpers import Server, child_env, eventually, free_port, unavailable

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("systemctl", "journalctl", "launchctl", "tail")
PASSWORD = "s3cret pass\"word$HOME\\x'"  # quotes, $, backslash and a space: all stored as is
RUN_TIMEOUT = 30
FAKE_TOOL = """#!{python}
import json, os, sys
name = os.path.basename(sys.argv[0])
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps([name, *sys.argv[1:]]) + "\\n")
rc = os.environ.get("FAKE_RC_" + name.upper())
if rc is None and name == "launchctl":
    # launchd's one bit of state: bootstrap loads the agent, bootout unloads it, and print,
    # kickstart and bootout fail while it is not loaded.
    loaded = os.environ["FAKE_LOG"] + ".loaded"
    verb = sys.argv[1] if len(sys.argv) > 1 else ""
    if verb == "bootstrap":
        open(loaded, "w").close()
    elif verb in ("bootout", "print", "kickstart"):
        if not os.path.exists(loaded):
            sys.exit(113 if verb == "print" else 3)
        if verb == "bootout":
            os.unlink(loaded)
sys.exit(int(rc or "0"))
"""


@dataclass
class Machine:
    """A fake home: HOME, XDG_CONFIG_HOME and the termbeam config dir under tmp_path, and the
    fake tools first on PATH."""

    tmp: Path
    env: dict[str, str | None]
    log: Path

    @property
    def home(self) -> Path:
        return self.tmp / "home"

    @property
    def state_dir(self) -> Path:
        return self.tmp / "state"

    @property
    def env_file(self) -> Path:
        return self.state_dir / "service.env"

    @property
    def unit_file(self) -> Path:
        return self.tmp / "xdg" / "systemd" / "user" / UNIT_NAME

    @property
    def plist_file(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def invoke(self, *args: str, platform: str = "linux", **env: str) -> Result:
        merged = {**self.env, **env}
        return CliRunner().invoke(service_group, list(args), env=merged,
                                  obj=Host(platform=platform, uid=lambda: 501))


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        path = bin_dir / tool
        path.write_text(FAKE_TOOL.format(python=sys.executable))
        path.chmod(0o755)
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    env: dict[str, str | None] = {
        "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "TERMBEAM_CONFIG_DIR": str(tmp_path / "state"), "PATH": str(bin_dir),
        "FAKE_LOG": str(tmp_path / "calls.jsonl"),
        "TERMBEAM_PASSWORD": None, "PTY_PASSWORD": None, "PORT": None,
    }
    return Machine(tmp=tmp_path, env=env, log=tmp_path / "calls.jsonl")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _install(machine: Machine, *args: str, platform: str = "linux") -> Result:
    return _ok(machine.invoke("install", "--cwd", str(machine.tmp / "work"), *args,
                              platform=platform))


# ---- systemd ----------------------------------------------------------------------------


def test_install_writes_a_unit_systemd_analyze_verify_accepts(machine: Machine) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed (apt-get install systemd): cannot "
                    "verify the unit")
    # A working directory with a space and a specifier character: both must survive quoting.
    work = machine.tmp / "my work %h"
    work.mkdir()
    _ok(machine.invoke("install", "--cwd", str(work), "--password", PASSWORD,
                       "--", "--allow-host", "we\"ird$name", "/bin/sh", "-c", "exec sh -i"))
    runtime = machine.tmp / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(machine.home),
           "XDG_CONFIG_HOME": str(machine.tmp / "xdg")}
    verify = subprocess.run([analyze, "--user", "verify", str(machine.unit_file)],
                            capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT,
                            check=False)
    # verify only warns (exit 0) about settings it ignores: any output is a failure.
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")
    unit = machine.unit_file.read_text()
    assert f"WorkingDirectory={str(work).replace('%', '%%')}\n" in unit
    assert '"we\\"ird$$name"' in unit
    assert '/bin/sh -c "exec sh -i"' in unit


def test_install_keeps_the_password_in_a_private_env_file_only(machine: Machine) -> None:
    out = _install(machine, "--password", PASSWORD).output
    unit = machine.unit_file.read_text()
    assert PASSWORD not in unit
    assert PASSWORD not in out
    assert all(PASSWORD not in " ".join(call) for call in machine.calls())
    assert f"EnvironmentFile={machine.env_file}\n" in unit
    assert (_mode(machine.env_file), _mode(machine.state_dir)) == (0o600, 0o700)
    values = envfile.read(machine.env_file)
    assert values["TERMBEAM_PASSWORD"] == PASSWORD
    assert values["PATH"] == machine.env["PATH"]
    # No stray temp file next to it.
    assert [p.name for p in machine.state_dir.iterdir()] == ["service.env"]


def test_install_runs_the_server_with_this_python_no_qr_and_kept_sessions(
    machine: Machine
) -> None:
    _install(machine, "--port", "4567", "--host", "127.0.0.2", "--log-level", "debug")
    exec_start = next(line for line in machine.unit_file.read_text().splitlines()
                      if line.startswith("ExecStart="))
    words = exec_start.removeprefix("ExecStart=").split(" ")
    assert words[:3] == [os.path.abspath(sys.executable), "-m", "termbeam_py"]
    for option in (["--port", "4567"], ["--host", "127.0.0.2"], ["--log-level", "debug"],
                   ["--config-dir", str(machine.state_dir)], ["--no-qr"], ["--keep-sessions"],
                   ["--cwd", str(machine.tmp / "work")]):
        index = words.index(option[0])
        assert words[index:index + len(option)] == option
    assert Path(words[-1]).is_absolute()  # the shell, pinned at install time
    # A restart stops the server only: the session holder and its shells stay for the next.
    unit = machine.unit_file.read_text()
    assert "\nKillMode=process\n" in unit
    assert unit.count("KillMode=") == 1


def test_install_reloads_enables_and_restarts_the_unit(machine: Machine) -> None:
    _install(machine)
    assert machine.calls() == [["systemctl", "--user", "daemon-reload"],
                               ["systemctl", "--user", "enable", UNIT_NAME],
                               ["systemctl", "--user", "reset-failed", UNIT_NAME],
                               ["systemctl", "--user", "restart", UNIT_NAME]]


def test_install_no_start_only_enables(machine: Machine) -> None:
    out = _install(machine, "--no-start").output
    assert ["systemctl", "--user", "restart", UNIT_NAME] not in machine.calls()
    assert ["systemctl", "--user", "enable", UNIT_NAME] in machine.calls()
    assert out.startswith("Installed the TermBeam service (systemd).")


def test_generated_password_is_shown_once_and_kept_on_reinstall(machine: Machine) -> None:
    first = _install(machine).output
    generated = envfile.read(machine.env_file)["TERMBEAM_PASSWORD"]
    assert f"Password:  {generated}  (generated; shown only now)" in first
    again = _install(machine, "--port", "4000").output
    assert envfile.read(machine.env_file)["TERMBEAM_PASSWORD"] == generated
    assert generated not in again
    assert "unchanged" in again
    _install(machine, "--generate-password")
    assert envfile.read(machine.env_file)["TERMBEAM_PASSWORD"] != generated


def test_ask_password_prompts_hidden_with_confirmation(machine: Machine) -> None:
    result = CliRunner().invoke(
        service_group, ["install", "--cwd", str(machine.tmp / "work"), "--ask-password"],
        input="typed-secret\ntyped-secret\n", env=machine.env, obj=Host(platform="linux"))
    _ok(result)
    assert "typed-secret" not in result.output
    assert envfile.read(machine.env_file)["TERMBEAM_PASSWORD"] == "typed-secret"


def test_no_password_writes_no_secret_and_is_refused_off_loopback(machine: Machine) -> None:
    _install(machine, "--no-password")
    assert "TERMBEAM_PASSWORD" not in envfile.read(machine.env_file)
    assert " --no-password " in machine.unit_file.read_text()
    refused = machine.invoke("install", "--no-password", "--lan")
    assert refused.exit_code == 2
    assert "loopback" in refused.output


@pytest.mark.parametrize("extra", [["--password", "x"], ["--password=x"],
                                   ["--config-dir", "/tmp"], ["--bogus"], ["--port", "nope"]])
def test_install_refuses_bad_or_owned_server_args(machine: Machine, extra: list[str]) -> None:
    result = machine.invoke("install", "--", *extra)
    assert result.exit_code == 2, result.output
    assert not machine.unit_file.exists()
    assert not machine.env_file.exists()
    assert machine.calls() == []


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_unwritable_arguments_are_refused_before_writing(machine: Machine, platform: str) -> None:
    result = machine.invoke("install", "--", "--allow-host", "a\x01b", platform=platform)
    assert result.exit_code == 2, result.output
    assert "control characters" in result.output
    assert not machine.env_file.exists()
    assert machine.calls() == []


def test_install_passes_server_args_and_keeps_a_given_shell(machine: Machine) -> None:
    out = _install(machine, "--port", "4000", "--", "--port", "4001", "--lan",
                   "--allow-host", "box.local", "/bin/sh", "-l").output
    unit = machine.unit_file.read_text()
    assert "--port 4001 --lan --allow-host box.local /bin/sh -l\n" in unit
    assert "  URL:       http://localhost:4001\n" in out  # what the server will really use


def test_status_logs_restart_run_the_right_commands(machine: Machine) -> None:
    _install(machine, "--no-start")
    machine.log.unlink()
    status = machine.invoke("status", FAKE_RC_SYSTEMCTL="3")
    assert status.exit_code == 3  # systemctl's "not running" status comes through
    _ok(machine.invoke("logs", "-n", "50", "-f"))
    _ok(machine.invoke("restart"))
    stopped = _ok(machine.invoke("stop")).output
    _ok(machine.invoke("start"))
    assert machine.calls() == [
        ["systemctl", "--user", "status", "--no-pager", UNIT_NAME],
        ["journalctl", "--user-unit", UNIT_NAME, "--no-pager", "--lines", "50", "--follow"],
        ["systemctl", "--user", "reset-failed", UNIT_NAME],
        ["systemctl", "--user", "restart", UNIT_NAME],
        ["systemctl", "--user", "stop", UNIT_NAME],
        ["systemctl", "--user", "reset-failed", UNIT_NAME],
        ["systemctl", "--user", "start", UNIT_NAME],
    ]
    assert stopped == "Stopped the TermBeam service.\nNo sessions were kept.\n"


def test_remove_and_log_are_aliases_in_any_case(machine: Machine) -> None:
    """The original's `service remove` and `service log`, and words typed in capitals (#18)."""
    _install(machine, "--no-start")
    machine.log.unlink()
    _ok(machine.invoke("LOG", "-n", "5"))
    assert _ok(machine.invoke("Remove")).output.startswith("Removed the TermBeam service.")
    assert machine.calls() == [
        ["journalctl", "--user-unit", UNIT_NAME, "--no-pager", "--lines", "5"],
        ["systemctl", "--user", "disable", "--now", UNIT_NAME],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert "remove  uninstall" in _ok(machine.invoke("--help")).output


def test_a_failed_stop_ends_no_sessions(machine: Machine) -> None:
    _install(machine, "--no-start")
    result = machine.invoke("stop", FAKE_RC_SYSTEMCTL="1")
    assert result.exit_code == 1
    assert "`systemctl --user stop termbeam.service` failed (exit 1)" in result.output
    assert "sessions" not in result.output


def test_restart_failure_is_one_clear_error(machine: Machine) -> None:
    _install(machine, "--no-start")
    result = machine.invoke("restart", FAKE_RC_SYSTEMCTL="1")
    assert result.exit_code == 1
    assert "`systemctl --user restart termbeam.service` failed (exit 1)" in result.output


def test_uninstall_stops_and_removes_unit_and_env_file(machine: Machine) -> None:
    _install(machine)
    machine.log.unlink()
    assert _ok(machine.invoke("uninstall")).output == ("Removed the TermBeam service.\n"
                                                       "No sessions were kept.\n")
    assert not machine.unit_file.exists()
    assert not machine.env_file.exists()
    assert machine.calls() == [["systemctl", "--user", "disable", "--now", UNIT_NAME],
                               ["systemctl", "--user", "daemon-reload"]]
    again = _ok(machine.invoke("uninstall"))
    assert again.output == "The TermBeam service is not installed.\n"


def test_status_restart_start_stop_need_an_installed_service(machine: Machine) -> None:
    for command in ("status", "restart", "start", "stop"):
        result = machine.invoke(command)
        assert result.exit_code == 1
        assert "not installed" in result.output
    assert machine.calls() == []


def test_missing_systemctl_is_one_line_and_writes_nothing(machine: Machine) -> None:
    empty = machine.tmp / "empty"
    empty.mkdir()
    env = child_env({k: v for k, v in {**os.environ, **machine.env}.items() if v is not None},
                    PATH=str(empty))
    for args in (["install", "--cwd", str(machine.tmp / "work")], ["logs"]):
        done = subprocess.run([sys.executable, "-m", "termbeam_py", "service", *args],
                              capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT,
                              check=False)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1
        assert "not found on PATH" in done.stderr
    assert not machine.unit_file.exists()
    assert not machine.env_file.exists()


def test_unsupported_platform_is_refused(machine: Machine) -> None:
    result = machine.invoke("status", platform="win32")
    assert result.exit_code == 1
    assert "not win32" in result.output


# ---- launchd ----------------------------------------------------------------------------


def test_launchd_install_writes_a_plist_without_the_password(machine: Machine) -> None:
    _install(machine, "--password", PASSWORD, platform="darwin")
    raw = machine.plist_file.read_bytes()
    assert PASSWORD.encode() not in raw
    agent = plistlib.loads(raw)
    program = agent["ProgramArguments"]
    assert agent["Label"] == LAUNCHD_LABEL
    assert program[:4] == [os.path.abspath(sys.executable), "-m",
                           "termbeam_py.service.runner", str(machine.env_file)]
    assert "--no-qr" in program
    assert "termbeam_py" not in program[4:]
    assert agent["WorkingDirectory"] == str(machine.tmp / "work")
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["RunAtLoad"] is True
    # The session holder and its shells outlive a restart of the server.
    assert agent["AbandonProcessGroup"] is True
    assert "--keep-sessions" in program
    log = machine.home / "Library" / "Logs" / "termbeam" / "termbeam.log"
    assert agent["StandardErrorPath"] == str(log)
    assert agent["StandardOutPath"] == "/dev/null"  # the banner prints the password
    assert (_mode(log), _mode(log.parent), _mode(machine.env_file)) == (0o600, 0o700, 0o600)
    assert envfile.read(machine.env_file)["TERMBEAM_PASSWORD"] == PASSWORD
    target = f"gui/501/{LAUNCHD_LABEL}"
    assert machine.calls() == [["launchctl", "bootout", target],
                               ["launchctl", "enable", target],
                               ["launchctl", "bootstrap", "gui/501", str(machine.plist_file)]]


def test_launchd_status_logs_restart_uninstall(machine: Machine) -> None:
    _install(machine, platform="darwin")
    machine.log.unlink()
    for args in (["status"], ["logs", "--lines", "20"], ["restart"], ["uninstall"]):
        _ok(machine.invoke(*args, platform="darwin"))
    target = f"gui/501/{LAUNCHD_LABEL}"
    log = machine.home / "Library" / "Logs" / "termbeam" / "termbeam.log"
    assert machine.calls() == [["launchctl", "print", target],
                               ["tail", "-n", "20", str(log)],
                               ["launchctl", "print", target],  # loaded: kickstart it
                               ["launchctl", "kickstart", "-k", target],
                               ["launchctl", "print", target],
                               ["launchctl", "bootout", target],
                               ["launchctl", "print", target]]  # gone: the server has exited
    assert not machine.plist_file.exists()
    assert not machine.env_file.exists()
    assert log.exists()  # logs stay after uninstall


def test_launchd_stop_boots_out_and_start_or_restart_bootstrap_again(machine: Machine) -> None:
    _install(machine, platform="darwin")
    machine.log.unlink()
    target = f"gui/501/{LAUNCHD_LABEL}"
    bootstrap = ["launchctl", "bootstrap", "gui/501", str(machine.plist_file)]
    for args, calls in (
        (["stop"], [["launchctl", "print", target], ["launchctl", "bootout", target],
                    ["launchctl", "print", target]]),
        (["stop"], [["launchctl", "print", target]]),  # already stopped: nothing to boot out
        (["start"], [["launchctl", "print", target], bootstrap]),
        (["start"], [["launchctl", "print", target], ["launchctl", "kickstart", target]]),
        (["stop"], [["launchctl", "print", target], ["launchctl", "bootout", target],
                    ["launchctl", "print", target]]),
        (["restart"], [["launchctl", "print", target], bootstrap]),  # kickstart cannot
    ):
        _ok(machine.invoke(*args, platform="darwin"))
        assert machine.calls() == calls, args
        machine.log.unlink()
    assert machine.plist_file.exists()  # stop keeps the agent installed


# ---- stop and uninstall end the sessions the service's server kept ------------------------


async def _kept_session(spawn: Callable[..., Server], machine: Machine) -> tuple[int, int]:
    """A real server on the service's state directory with one session, stopped with SIGTERM
    as the service manager stops it: (the shell's PID, the holder's PID) it leaves behind."""
    server = spawn(cfg=machine.state_dir.name, password=None, extra=("--keep-sessions",))
    assert server.cfg == machine.state_dir
    await server.start()
    await server.started()
    server.signal(signal.SIGTERM)
    assert await server.wait_exit() == 0
    folder = holder_dir(machine.state_dir)
    (kept,) = await asyncio.to_thread(control.kept_sessions, folder)
    conn = await asyncio.to_thread(control.connect, folder)
    assert conn is not None
    conn.close()
    assert conn.holder_pid is not None
    assert process_exists(kept.pid)
    return kept.pid, conn.holder_pid


@pytest.mark.blocks_loop(reason="a server is forked from the test body")
@pytest.mark.parametrize(("command", "platform", "said", "calls"), [
    ("stop", "linux", "Stopped the TermBeam service.",
     [["systemctl", "--user", "stop", UNIT_NAME]]),
    ("uninstall", "linux", "Removed the TermBeam service.",
     [["systemctl", "--user", "disable", "--now", UNIT_NAME],
      ["systemctl", "--user", "daemon-reload"]]),
    ("stop", "darwin", "Stopped the TermBeam service.",
     [["launchctl", "print", f"gui/501/{LAUNCHD_LABEL}"],
      ["launchctl", "bootout", f"gui/501/{LAUNCHD_LABEL}"],
      ["launchctl", "print", f"gui/501/{LAUNCHD_LABEL}"]]),
])
async def test_stop_and_uninstall_end_the_kept_sessions(
    machine: Machine, spawn: Callable[..., Server], command: str, platform: str, said: str,
    calls: list[list[str]],
) -> None:
    await asyncio.to_thread(_install, machine, "--no-password", platform=platform)
    shell, holder = await _kept_session(spawn, machine)
    machine.log.unlink()

    result = _ok(await asyncio.to_thread(machine.invoke, command, platform=platform))
    assert result.output == f"{said}\nEnded 1 kept session.\n"
    assert machine.calls() == calls
    await eventually(lambda: not process_exists(shell) and not process_exists(holder),
                     "the kept shell and its holder to end", 10)
    assert await asyncio.to_thread(control.kept_sessions, holder_dir(machine.state_dir)) == []


@pytest.mark.blocks_loop(reason="a server is forked from the test body")
async def test_stop_leaves_a_server_started_by_hand_alone(
    machine: Machine, spawn: Callable[..., Server]
) -> None:
    await asyncio.to_thread(_install, machine, "--no-password")
    server = spawn(cfg=machine.state_dir.name, password=None)
    await server.start()
    await server.started()
    (live,) = await asyncio.to_thread(control.kept_sessions, holder_dir(machine.state_dir))

    # The fake systemctl stops nothing, as the real one would not stop this server.
    result = _ok(await asyncio.to_thread(machine.invoke, "stop"))
    assert "not run by the service" in result.output
    assert "its sessions are left alone" in result.output
    assert server.alive
    assert process_exists(live.pid)


# ---- the launchd runner -----------------------------------------------------------------


def test_runner_loads_the_env_file_then_execs_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "service.env"
    envfile.write_private(env_file, envfile.render({"TERMBEAM_PASSWORD": PASSWORD}))
    monkeypatch.setenv("TERMBEAM_PASSWORD", "stale")  # restored after the test
    calls: list[tuple[str, list[str]]] = []
    status = runner.main([str(env_file), "--port", "1234"],
                         execv=lambda path, argv: calls.append((path, argv)))
    assert status == 0
    assert calls == [(sys.executable, [sys.executable, "-m", "termbeam_py", "--port", "1234"])]
    assert os.environ["TERMBEAM_PASSWORD"] == PASSWORD


def test_runner_execs_the_real_server(tmp_path: Path) -> None:
    env_file = tmp_path / "service.env"
    envfile.write_private(env_file, envfile.render({"PATH": os.environ["PATH"]}))
    run = [sys.executable, "-m", "termbeam_py.service.runner"]
    env = child_env()
    done = subprocess.run([*run, str(env_file), "--version"], capture_output=True, text=True,
                          env=env, timeout=RUN_TIMEOUT, check=False)
    assert (done.returncode, done.stdout.startswith("termbeam v")) == (0, True), done.stderr
    missing = subprocess.run([*run, str(tmp_path / "nope.env")], capture_output=True,
                             text=True, env=env, timeout=RUN_TIMEOUT, check=False)
    assert missing.returncode == runner.EX_CONFIG
    assert "is missing" in missing.stderr


# ---- pure pieces ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [PASSWORD, "plain", "", "a\\nb", "`cmd` $(x) ${Y}", "é ü"])
def test_env_file_round_trips(value: str) -> None:
    assert envfile.parse(envfile.render({"TERMBEAM_PASSWORD": value})) == {
        "TERMBEAM_PASSWORD": value}


def test_env_file_parses_systemd_quoting() -> None:
    text = "# comment\n; also\nA=plain  \nB='single \\ \"q\"'\nC=\"x\\$y\\q\"\nD=a\\ b\n"
    assert envfile.parse(text) == {"A": "plain", "B": 'single \\ "q"', "C": "x$y\\q",
                                   "D": "a b"}


def test_env_file_refuses_control_characters() -> None:
    with pytest.raises(envfile.EnvFileError, match="control characters"):
        envfile.render({"TERMBEAM_PASSWORD": "line\nbreak"})


def test_exec_args_are_quoted_for_systemd() -> None:
    assert exec_arg("/usr/bin/python3") == "/usr/bin/python3"
    assert exec_arg("50%") == "50%%"
    assert exec_arg('a "b" $c\\') == '"a \\"b\\" $$c\\\\"'
    for bad in (";", "x\ny"):
        with pytest.raises(UnitError):
            exec_arg(bad)


def test_termbeam_service_help_lists_the_subcommands() -> None:
    command, args, prog = route_command(["service", "--help"])
    assert prog == "termbeam service"
    assert args == ["--help"]
    assert isinstance(command, click.Group)
    out = CliRunner().invoke(command, args, prog_name=prog).output
    for sub in ("install", "uninstall", "status", "logs", "restart", "start", "stop"):
        assert f"  {sub} " in out


# ---- end to end: the installed agent's command really serves ------------------------------


def _get_status(url: str, password: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {password}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=RUN_TIMEOUT) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_installed_agent_serves_with_the_stored_password(machine: Machine) -> None:
    port = free_port()
    # In a thread: install runs the fake launchctl three times, too long for the event loop.
    await asyncio.to_thread(_install, machine, "--port", str(port), "--password", PASSWORD,
                            "--", "/bin/sh", platform="darwin")
    agent = plistlib.loads(machine.plist_file.read_bytes())
    proc = subprocess.Popen(agent["ProgramArguments"], cwd=agent["WorkingDirectory"],
                            env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    connection = machine.state_dir / "connection.json"
    url = f"http://127.0.0.1:{port}/api/sessions"
    try:
        await eventually(lambda: connection.exists() or proc.poll() is not None,
                         "connection.json, or the agent to exit", RUN_TIMEOUT)
        started = connection.exists()
        statuses = (
            (await asyncio.to_thread(_get_status, url, PASSWORD),
             await asyncio.to_thread(_get_status, url, "wrong")) if started else ()
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, timeout=RUN_TIMEOUT)
        # The agent's server keeps its sessions (--keep-sessions) when stopped.
        ended = await asyncio.to_thread(control.end_sessions, holder_dir(machine.state_dir))
    assert started, stderr
    assert ended == 1
    assert statuses == (200, 401)
    assert proc.returncode == 0, stderr
    assert PASSWORD not in stderr
