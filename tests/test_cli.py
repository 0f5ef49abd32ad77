"""The `termbeam` command line: options, version, and refusals (exit codes, one-line errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from termbeam_py import __version__
from termbeam_py.cli import route_command, serve
from tests.helpers import child_env

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 30
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - refused, never bound


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def base_args(tmp_path: Path) -> list[str]:
    """Keep every invocation away from the real ~/.termbeam and the process cwd."""
    (tmp_path / "cfg").mkdir(exist_ok=True)
    return ["--config-dir", str(tmp_path / "cfg"), "--cwd", str(tmp_path), "--no-qr"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "termbeam_py", *args], capture_output=True, text=True,
        timeout=RUN_TIMEOUT, cwd=cwd, env=child_env(), check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("termbeam: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# --------------------------------------------------------------------------- CliRunner


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_options(runner: CliRunner, flag: str) -> None:
    result = runner.invoke(serve, [flag])
    assert result.exit_code == 0, result.output
    for option in (
        "--port", "--host", "--lan", "--password", "--generate-password", "--no-password",
        "--cwd", "--log-level", "--config-dir", "--allow-host", "--no-qr", "--force",
        "--version",
    ):
        assert option in result.output, option
    assert "bash --login" in result.output


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(runner: CliRunner, flag: str) -> None:
    result = runner.invoke(serve, [flag])
    assert result.exit_code == 0
    assert result.output.strip() == f"termbeam v{__version__}"


@pytest.mark.parametrize("port", ["70000", "-1", "abc"])
def test_invalid_port(runner: CliRunner, base_args: list[str], port: str) -> None:
    result = runner.invoke(serve, [*base_args, "--port", port, "--password", "x"])
    assert result.exit_code != 0
    assert "port" in result.output.lower()


@pytest.mark.parametrize("where", [["--host", ALL_INTERFACES], ["--lan"]])
def test_no_password_needs_loopback(
    runner: CliRunner, base_args: list[str], where: list[str]
) -> None:
    result = runner.invoke(serve, [*base_args, "--no-password", *where])
    assert result.exit_code != 0
    assert "loopback" in result.output
    assert ALL_INTERFACES in result.output


@pytest.mark.parametrize(
    "flags",
    [
        ["--password", "x", "--no-password"],
        ["--password", "x", "--generate-password"],
        ["--generate-password", "--no-password"],
    ],
)
def test_conflicting_password_flags(
    runner: CliRunner, base_args: list[str], flags: list[str]
) -> None:
    result = runner.invoke(serve, [*base_args, *flags])
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.output
    assert "only one of" in result.output


def test_nonexistent_shell(runner: CliRunner, base_args: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-shell")
    result = runner.invoke(serve, [*base_args, "--password", "x", missing])
    assert result.exit_code == 2
    assert f"Unknown command or shell {missing!r}" in result.output


def test_invalid_log_level(runner: CliRunner, base_args: list[str]) -> None:
    result = runner.invoke(serve, [*base_args, "--password", "x", "--log-level", "loud"])
    assert result.exit_code != 0
    assert "log-level" in result.output


def test_empty_password_is_refused(runner: CliRunner, base_args: list[str]) -> None:
    result = runner.invoke(serve, [*base_args, "--password", ""])
    assert result.exit_code != 0
    assert "empty" in result.output


def test_missing_cwd_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    result = runner.invoke(serve, [
        "--config-dir", str(tmp_path / "cfg"), "--cwd", str(tmp_path / "nowhere"),
        "--password", "x", "--no-qr",
    ])
    assert result.exit_code != 0
    assert "nowhere" in result.output


# --------------------------------------------------------------------------- subprocess


def test_subprocess_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"termbeam v{__version__}"


def test_subprocess_bad_port(tmp_path: Path, base_args: list[str]) -> None:
    result = run_cli(*base_args, "--port", "70000", "--password", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert "70000" in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize("where", [["--host", ALL_INTERFACES], ["--lan"]])
def test_subprocess_no_password_off_loopback(
    tmp_path: Path, base_args: list[str], where: list[str]
) -> None:
    result = run_cli(*base_args, "--no-password", *where, cwd=tmp_path)
    assert result.returncode != 0
    assert "loopback" in one_line_error(result)
    assert result.stdout == ""


def test_subprocess_conflicting_password_flags(tmp_path: Path, base_args: list[str]) -> None:
    result = run_cli(*base_args, "--password", "x", "--no-password", cwd=tmp_path)
    assert result.returncode == 2
    assert "--no-password" in one_line_error(result)


def test_subprocess_nonexistent_shell(tmp_path: Path, base_args: list[str]) -> None:
    missing = str(tmp_path / "no-such-shell")
    result = run_cli(*base_args, "--password", "x", missing, cwd=tmp_path)
    assert result.returncode == 2
    first, *rest = result.stderr.splitlines()
    assert first == f"termbeam: Unknown command or shell {missing!r}"
    assert "Commands: list, attach (resume), stop, service" in "\n".join(rest)  # short help
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("word", ["LIST", "List", "Stop", "SERVICE", "Attach", "RUN"])
def test_command_words_in_any_case(word: str) -> None:
    command, _, prog = route_command([word, "--help"])
    assert command is not serve
    assert prog == f"termbeam {word.lower()}"


def test_a_mistyped_command_gets_the_short_help(tmp_path: Path) -> None:
    """`termbeam lsit` is neither a command nor a shell (#18): not a server with a shell
    that cannot start."""
    result = run_cli("lsit", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("termbeam: Unknown command or shell 'lsit'\n")
    assert "Try 'termbeam --help'" in result.stderr


def test_subprocess_unknown_option(tmp_path: Path, base_args: list[str]) -> None:
    result = run_cli(*base_args, "--password", "x", "--bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert "--bogus" in one_line_error(result)


def test_subprocess_port_in_use(tmp_path: Path, base_args: list[str]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(*base_args, "--password", "x", "--port", str(port),
                         "/bin/sh", cwd=tmp_path)
    assert result.returncode == 1
    error = [line for line in result.stderr.splitlines() if line.startswith("termbeam:")]
    assert error, result.stderr
    assert str(port) in error[0]
    assert not (tmp_path / "cfg" / "connection.json").exists()


# --------------------------------------------------------------------------- the password


def test_help_recommends_the_environment_variable(runner: CliRunner) -> None:
    text = " ".join(runner.invoke(serve, ["--help"]).output.split())
    assert "Prefer the TERMBEAM_PASSWORD environment variable" in text
    assert "visible to every user" in text


def test_restart_command_moves_the_password_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from termbeam_py.cli import restart_command

    monkeypatch.setenv("PTY_PASSWORD", "old")
    monkeypatch.setenv("KEEP_ME", "1")
    argv = ["--port", "0", "--password", "s3cret", "--cwd=/tmp", "--password=s3cret",
            "--generate-password", "--config-dir", "--password", "-y",
            "bash", "-c", "echo --password x", "--password", "y"]
    args, env = restart_command(argv, "s3cret")
    # --config-dir's value happens to read "--password": click takes it as the value, and so
    # does this. Everything from the shell on is the shell's.
    assert args == ["--port", "0", "--cwd=/tmp", "--config-dir", "--password", "-y",
                    "bash", "-c", "echo --password x", "--password", "y"]
    assert env["TERMBEAM_PASSWORD"] == "s3cret"
    assert "PTY_PASSWORD" not in env
    assert env["KEEP_ME"] == "1"
    args, env = restart_command(["--no-password", "--", "--password", "z"], None)
    assert args == ["--no-password", "--", "--password", "z"]
    # The bound port replaces a --port (0 picked a free one), in either spelling; the shell's
    # own --port is the shell's.
    args, _ = restart_command(["--port", "0", "--port=0", "zsh", "--port", "1"], None, 4711)
    assert args == ["--port", "4711", "--port", "4711", "zsh", "--port", "1"]
    # A bare --tunnel takes no option as its value (#18): the --port after it is still ours.
    args, _ = restart_command(["--tunnel", "--port", "0", "zsh"], None, 4711)
    assert args == ["--tunnel", "--port", "4711", "zsh"]
    args, _ = restart_command(["--tunnel", "ngrok", "zsh"], None, 4711)
    assert args == ["--tunnel", "ngrok", "zsh"]
    args, _ = restart_command(["--tunnel", "--", "zsh"], None, 4711)
    assert args == ["--tunnel", "--", "zsh"]
    assert "TERMBEAM_PASSWORD" not in env
    assert "PTY_PASSWORD" not in env


def test_environment_password_is_read_then_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read once, then gone from our environment: no child process can inherit it."""
    from termbeam_py.cli import resolve_password

    monkeypatch.setenv("TERMBEAM_PASSWORD", "from-env")
    monkeypatch.setenv("PTY_PASSWORD", "legacy")
    assert resolve_password(None, False, False) == "from-env"
    assert "TERMBEAM_PASSWORD" not in os.environ
    assert "PTY_PASSWORD" not in os.environ
    monkeypatch.setenv("PTY_PASSWORD", "legacy")
    assert resolve_password(None, False, False) == "legacy"
    assert "PTY_PASSWORD" not in os.environ
