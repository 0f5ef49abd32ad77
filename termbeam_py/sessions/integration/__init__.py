"""Shell integration at spawn: make bash and zsh emit OSC 133/633 command marks.

bash is started with `--rcfile <bash.sh>` (which loads ~/.bashrc first); zsh with ZDOTDIR
pointing at `zsh/`, whose startup files load the user's own. The user's files are never
written. We stay out of the way whenever the user chose their own start-up: bash with
`--rcfile`, `--init-file`, `--norc`, `--posix`, a login (`-l`, `--login`), `-c` or a script
argument; zsh with `-f`/`--no-rcs`, `-c` or a script. Those sessions use the heuristics.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
BASH_SCRIPT = HERE / "bash.sh"
ZSH_DIR = HERE / "zsh"

_BASH_REFUSE = frozenset({"--rcfile", "--init-file", "--norc", "--posix", "--login"})
_ZSH_REFUSE = frozenset({"--no-rcs", "--norcs"})
_BASH_NAME = re.compile(r"bash(-?[0-9.]+)?")
_ZSH_NAME = re.compile(r"zsh(-?[0-9.]+)?")


@dataclass(frozen=True, slots=True)
class Launch:
    """What to start: arguments, environment and the nonce the marks must carry (if any)."""

    args: list[str]
    env: Mapping[str, str]
    nonce: str | None = None


def _plain_interactive(args: Sequence[str], refuse: frozenset[str], letters: str) -> bool:
    """No script, no command, no option in `refuse`, no short-option cluster with `letters`."""
    for arg in args:
        if not arg.startswith("-") or arg in refuse or arg == "--":
            return False
        if arg.startswith("-o") or arg.startswith("+"):
            return False  # `-o posix` and friends: leave unusual setups alone
        if not arg.startswith("--") and any(letter in arg[1:] for letter in letters):
            return False
    return True


def prepare(shell: str, args: Sequence[str], env: Mapping[str, str]) -> Launch:
    """How to launch `shell args` with integration, or unchanged when we must not inject."""
    name = os.path.basename(shell)
    nonce = secrets.token_hex(8)
    if _BASH_NAME.fullmatch(name) and _plain_interactive(args, _BASH_REFUSE, "lc"):
        extra = {"TERMBEAM_SHELL_NONCE": nonce}
        # Long options must come before bash's single-letter ones.
        return Launch(["--rcfile", str(BASH_SCRIPT), *args], {**env, **extra}, nonce)
    if _ZSH_NAME.fullmatch(name) and _plain_interactive(args, _ZSH_REFUSE, "fc"):
        extra = {"TERMBEAM_SHELL_NONCE": nonce, "ZDOTDIR": str(ZSH_DIR)}
        if env.get("ZDOTDIR"):
            extra.update(TERMBEAM_USER_ZDOTDIR=env["ZDOTDIR"], TERMBEAM_ZDOTDIR_WAS_SET="1")
        return Launch(list(args), {**env, **extra}, nonce)
    return Launch(list(args), env)
