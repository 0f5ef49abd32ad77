"""A click group whose command words are matched the way people type them: in any case, and
by the aliases users of the original TermBeam know (`service remove` for `uninstall`)."""

from __future__ import annotations

from typing import Any

import click


class WordGroup(click.Group):
    """`aliases` maps an extra word to a command's own name; both match case-insensitively."""

    def __init__(self, *args: Any, aliases: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases = {word.lower(): name for word, name in (aliases or {}).items()}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        word = cmd_name.lower()
        return super().get_command(ctx, self.aliases.get(word, word))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # click reports the word as typed; the command's own name reads better in errors
        # and in `--help` of the sub-command.
        _, command, rest = super().resolve_command(ctx, args)
        return (command.name if command else None), command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_commands(ctx, formatter)
        if self.aliases:
            with formatter.section("Aliases"):
                formatter.write_dl(sorted(self.aliases.items()))
