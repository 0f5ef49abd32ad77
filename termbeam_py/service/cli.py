"""The click group `termbeam service install|uninstall|status|logs|restart`."""

from __future__ import annotations

import click

CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group("service", context_settings=CONTEXT)
def service_group() -> None:
    """Run TermBeam in the background as a user service (systemd on Linux, launchd on
    macOS)."""
