"""The shell picker's list: /etc/shells without restricted shells and multiplexers (#16)."""

from __future__ import annotations

from pathlib import Path

from termbeam_py.sessions.shells import detect_shells
from tests.helpers import AppClient


def _programs(folder: Path, *names: str) -> dict[str, Path]:
    folder.mkdir()
    made: dict[str, Path] = {}
    for name in names:
        program = folder / name
        program.write_text("#!/bin/sh\nexit 0\n")
        program.chmod(0o755)
        made[name] = program
    return made


def test_restricted_shells_and_multiplexers_are_not_offered(tmp_path: Path) -> None:
    bins = _programs(tmp_path / "bin", "bash", "rbash", "zsh", "tmux", "screen", "nologin",
                     "git-shell")
    etc_shells = tmp_path / "shells"
    etc_shells.write_text("# /etc/shells: valid login shells\n"
                          + "".join(f"{path}\n" for path in bins.values()))
    shells = detect_shells(str(bins["bash"]), etc_shells)
    assert [s.name for s in shells] == ["bash", "zsh"]
    assert [s.path for s in shells] == [str(bins["bash"]), str(bins["zsh"])]


def test_a_default_shell_is_offered_whatever_it_is(tmp_path: Path) -> None:
    """Someone who starts `termbeam rbash` gets rbash: only /etc/shells' entries are sifted."""
    bins = _programs(tmp_path / "bin", "rbash", "bash")
    etc_shells = tmp_path / "shells"
    etc_shells.write_text(f"{bins['bash']}\n{bins['rbash']}\n")
    assert [s.name for s in detect_shells(str(bins["rbash"]), etc_shells)] == ["rbash", "bash"]


async def test_the_server_offers_no_restricted_shell_or_multiplexer(authed: AppClient) -> None:
    """This machine's own /etc/shells (Debian lists rbash, and tmux once installed)."""
    names = {s["name"] for s in (await (await authed.get("/api/shells")).json())["shells"]}
    assert names
    assert not names & {"rbash", "tmux", "screen", "nologin"}
