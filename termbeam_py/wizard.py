"""`termbeam -i` and a bare `termbeam service install` on a terminal: a few questions, a
summary with the equivalent command line, then the server starts as if that line was typed.

On a terminal the choices are picked with the arrow keys (client/chooser.py); anywhere else
(a pipe, a script) every question is answered by typing a line: a number or a name, an empty
line keeps the default.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import click

from termbeam_py.client.chooser import choose_row
from termbeam_py.config import DEFAULT_PORT, LOG_LEVELS
from termbeam_py.tunnel.options import AUTO_ORDER, INSTALL_HINTS

GENERATE, TYPE, NONE = "generate", "type", "none"
LOCAL, LAN, TUNNEL = "local", "lan", "tunnel"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


class Asker(Protocol):
    """How a question reaches the user: arrow keys on a terminal, typed lines elsewhere."""

    def choose(self, title: str, options: Sequence[Option], default: int = 0) -> str: ...

    def text(self, prompt: str, default: str) -> str: ...

    def secret(self, prompt: str) -> str: ...

    def say(self, text: str) -> None: ...


class LineAsker:
    """Every answer is a typed line (stdin is not a terminal): works in scripts and pipes."""

    def choose(self, title: str, options: Sequence[Option], default: int = 0) -> str:
        click.echo(title, err=True)
        for number, option in enumerate(options, 1):
            click.echo(f"  {number}) {option.label}", err=True)
        names = {o.value: o.value for o in options}
        while True:
            answer = self.text("Choose", str(default + 1)).strip().lower()
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return options[int(answer) - 1].value
            if answer in names:
                return names[answer]
            click.echo(f"  Type a number from 1 to {len(options)}.", err=True)

    def text(self, prompt: str, default: str) -> str:
        return str(click.prompt(prompt, default=default, err=True))

    def secret(self, prompt: str) -> str:
        return str(click.prompt(prompt, hide_input=True, err=True))

    def say(self, text: str) -> None:
        click.echo(text, err=True)


class TtyAsker(LineAsker):
    """Choices with the arrow keys; text still typed (a password hidden, asked twice)."""

    def choose(self, title: str, options: Sequence[Option], default: int = 0) -> str:
        picked = choose_row([o.label for o in options], title, sys.stdin.fileno(),
                            sys.stderr.fileno(), start=default, verb="choose")
        if picked is None:
            raise click.Abort()
        click.echo(f"  → {options[picked].label}", err=True)
        return options[picked].value

    def secret(self, prompt: str) -> str:
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))


def asker() -> Asker:
    return TtyAsker() if sys.stdin.isatty() and sys.stderr.isatty() else LineAsker()


@dataclass(frozen=True)
class Answers:
    """What the wizard settled; `command_line()` is the same as typed options."""

    password_mode: str
    password: str | None
    port: int
    access: str
    tunnel: str | None
    log_level: str
    notes: list[str] = field(default_factory=list)

    def password_options(self) -> tuple[str | None, bool, bool]:
        """`serve`'s (--password, --generate-password, --no-password) for these answers."""
        return self.password, self.password_mode == GENERATE, self.password_mode == NONE

    @property
    def host(self) -> str:
        return "0.0.0.0" if self.access == LAN else "127.0.0.1"  # noqa: S104

    def command_line(self, program: str = "termbeam") -> str:
        """The equivalent command; a typed password is never shown: `termbeam` takes it from
        the environment, `termbeam service install` asks for it (--ask-password)."""
        service = program != "termbeam"
        words = [*shlex.split(program), "--port", str(self.port)]
        if self.access == LAN:
            words.append("--lan")
        words += {GENERATE: ["--generate-password"], NONE: ["--no-password"],
                  TYPE: ["--ask-password"] if service else []}[self.password_mode]
        if self.log_level != "info":
            words += ["--log-level", self.log_level]
        if self.tunnel:
            words += ["--", "--tunnel", self.tunnel] if service else ["--tunnel", self.tunnel]
        line = shlex.join(words)
        return f"TERMBEAM_PASSWORD=… {line}" if self.password_mode == TYPE and not service \
            else line

    def summary(self, program: str = "termbeam") -> str:
        password = {GENERATE: "a new random one (shown once the server starts)",
                    TYPE: "the one you typed", NONE: "none"}[self.password_mode]
        access = {LOCAL: "this computer only (localhost)",
                  LAN: "your network (every interface)",
                  TUNNEL: f"anywhere, through {self.tunnel}"}[self.access]
        return "\n".join([
            "", "Summary", f"  Password:  {password}", f"  Port:      {self.port}",
            f"  Access:    {access}", f"  Log level: {self.log_level}", *self.notes,
            "", "The same from the command line:", f"  {self.command_line(program)}", "",
        ])


def _port(ask: Asker, default: int) -> int:
    while True:
        answer = ask.text("Port (1-65535)", str(default)).strip()
        if answer.isdigit() and 1 <= int(answer) <= 65535:
            return int(answer)
        ask.say("  A port is a number from 1 to 65535.")


def _password(ask: Asker) -> tuple[str, str | None]:
    mode = ask.choose("Password", [
        Option(GENERATE, "Generate a random password (recommended)"),
        Option(TYPE, "Type my own"),
        Option(NONE, "No password (this computer only)"),
    ])
    if mode != TYPE:
        return mode, None
    while not (typed := ask.secret("Password")):
        ask.say("  The password cannot be empty.")
    return mode, typed


def _access(ask: Asker, installed: Sequence[str]) -> tuple[str, str | None]:
    access = ask.choose("Who can connect", [
        Option(LOCAL, "This computer only (localhost)"),
        Option(LAN, "Devices on my network (LAN)"),
        Option(TUNNEL, "Anywhere, through a tunnel"),
    ])
    if access != TUNNEL:
        return access, None
    if not installed:
        ask.say("  No tunnel program is installed. Install one of:")
        for hint in INSTALL_HINTS:
            ask.say(f"    - {hint}")
        ask.say("  Until then, pick another way.")
        return _access(ask, installed)
    return TUNNEL, ask.choose("Tunnel", [Option(name, name) for name in installed])


def run(ask: Asker, *, port: int = DEFAULT_PORT, log_level: str = "info",
        which: Callable[[str], str | None] = shutil.which) -> Answers:
    """Ask every question; click.Abort when the user leaves."""
    ask.say("TermBeam setup: a few questions, then the server starts.\n"
            "(Ctrl+C leaves without starting anything.)\n")
    mode, typed = _password(ask)
    chosen_port = _port(ask, port)
    notes: list[str] = []
    if mode == NONE:
        access, tunnel = LOCAL, None
        notes.append("  (without a password only this computer can connect)")
    else:
        access, tunnel = _access(ask, [n for n in AUTO_ORDER if which(n)])
    level = ask.choose("Log level", [Option(name, name) for name in LOG_LEVELS],
                       default=LOG_LEVELS.index(log_level) if log_level in LOG_LEVELS else 0)
    return Answers(password_mode=mode, password=typed, port=chosen_port, access=access,
                   tunnel=tunnel, log_level=level, notes=notes)


def interactive_terminal() -> bool:
    """Whether a bare `termbeam service install` should ask instead of using defaults."""
    return sys.stdin.isatty() and os.environ.get("CI", "") in ("", "0", "false")
