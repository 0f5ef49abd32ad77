"""The `termbeam` tunnel options, turned into a TunnelConfig, and the --public consent prompt."""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from termbeam_py.config import TUNNEL_PROVIDERS, TunnelConfig

F = TypeVar("F", bound=Callable[..., Any])

#: What a bare `--tunnel` (or `--tunnel auto`) means: the first of these that is installed.
AUTO = "auto"
AUTO_ORDER = ("devtunnel", "cloudflared", "ngrok")
INSTALL_HINTS = (
    "devtunnel: https://learn.microsoft.com/azure/developer/dev-tunnels/get-started "
    "(Linux: curl -sL https://aka.ms/DevTunnelCliInstall | bash)",
    "cloudflared: https://developers.cloudflare.com/cloudflare-one/connections/"
    "connect-networks/downloads/ (no account needed)",
    "ngrok: https://ngrok.com/download (then: ngrok config add-authtoken ...)",
)

def _check_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter("must be an http:// or https:// URL with a host name")
    return value.rstrip("/")


_OPTIONS = (
    # A bare `--tunnel` (what the original's users type) means `auto`; a shell after it then
    # needs `--`: `termbeam --tunnel -- zsh`.
    click.option("--tunnel", "tunnel_provider", type=click.Choice((AUTO, *TUNNEL_PROVIDERS)),
                 is_flag=False, flag_value=AUTO, envvar="TERMBEAM_TUNNEL", default=None,
                 help="Reach this server from anywhere through a tunnel program (off by "
                      "default). Alone or `auto`: the first installed of devtunnel, "
                      "cloudflared and ngrok. Env: TERMBEAM_TUNNEL."),
    click.option("--no-tunnel", is_flag=True, help="No tunnel, whatever else says so."),
    click.option("--public", is_flag=True,
                 help="devtunnel: anonymous access instead of your Microsoft/GitHub login. "
                      "Needs a password; asks for consent."),
    click.option("--persisted-tunnel", is_flag=True,
                 help="devtunnel: keep one tunnel (and URL) across runs (implies --tunnel "
                      "devtunnel)."),
    click.option("--tunnel-cmd", default=None, metavar="CMD",
                 help="Custom tunnel command line; {port} is our port (implies --tunnel "
                      "custom)."),
    click.option("--tunnel-url-regex", default=None, metavar="REGEX",
                 help="Where the public URL is in the tunnel's output (custom, ssh); "
                      "group 1 if it has one."),
    click.option("--tunnel-ssh", default=None, metavar="[USER@]HOST[:PORT]",
                 help="ssh -R to this host, e.g. nokey@localhost.run (implies --tunnel ssh)."),
    click.option("--tunnel-ssh-opts", default="", metavar="OPTS",
                 help="Extra ssh arguments, e.g. \"-i ~/.ssh/tunnel_key\"."),
    click.option("--tunnel-remote-port", type=click.IntRange(0, 65535), default=80,
                 show_default=True, metavar="N",
                 help="ssh: port opened on the remote host (0: the server picks one)."),
    click.option("--public-url", default=None, metavar="URL", callback=_check_url,
                 help="The URL people use to reach this server (a plain ssh host, a reverse "
                      "proxy); accepted as Host and used for the QR code. {port}: the "
                      "remote port."),
    click.option("-y", "--yes", "assume_yes", is_flag=True,
                 help="Do not ask before opening a --public tunnel."),
)


def tunnel_options(command: F) -> F:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


# `opts` below is what click parsed for `_OPTIONS` (the `**tunnel` of `serve`): each value has
# the type its click.option gives it, which click's kwargs cannot tell mypy.


def _provider(opts: dict[str, Any]) -> str | None:
    """The provider named, or implied by a provider-specific option."""
    implied = {
        "custom": opts["tunnel_cmd"], "ssh": opts["tunnel_ssh"],
        "devtunnel": opts["persisted_tunnel"],
    }
    named = [name for name, given in implied.items() if given]
    provider = opts["tunnel_provider"]
    for name in named:
        if provider not in (None, AUTO, name):
            raise click.UsageError(f"--tunnel {provider} cannot be combined with an option "
                                   f"of --tunnel {name}")
        provider = name
    return provider  # type: ignore[no-any-return]


def pick_installed(which: Callable[[str], str | None] = shutil.which) -> str:
    """The provider a bare `--tunnel` uses: the first of AUTO_ORDER on PATH.

    Raises:
        click.UsageError: none is installed; the message says how to install one.
    """
    for name in AUTO_ORDER:
        if which(name):
            return name
    hints = "\n".join(f"  - {hint}" for hint in INSTALL_HINTS)
    raise click.UsageError(
        "--tunnel needs a tunnel program, and none of devtunnel, cloudflared or ngrok is "
        f"installed. Install one:\n{hints}\nor use --tunnel-ssh USER@HOST (ssh -R).")


def _resolve_auto(provider: str | None) -> str | None:
    if provider != AUTO:
        return provider
    chosen = pick_installed()
    click.echo(f"Tunnel: using {chosen} (the first installed of {', '.join(AUTO_ORDER)}).",
               err=True)
    return chosen


def tunnel_config(opts: dict[str, Any]) -> TunnelConfig | None:
    """The TunnelConfig these options ask for, or None (the default: no tunnel)."""
    provider = None if opts["no_tunnel"] else _resolve_auto(_provider(opts))
    if provider is None:
        if opts["public"] and not opts["no_tunnel"]:
            raise click.UsageError("--public needs a tunnel: add --tunnel devtunnel")
        return None
    try:
        return TunnelConfig(
            provider=provider, public=opts["public"], persisted=opts["persisted_tunnel"],
            command=opts["tunnel_cmd"], url_regex=opts["tunnel_url_regex"],
            ssh_target=opts["tunnel_ssh"], ssh_options=tuple(shlex.split(opts["tunnel_ssh_opts"])),
            remote_port=opts["tunnel_remote_port"],
        )
    except ValueError as exc:  # ConfigError (a bad --tunnel-ssh too), shlex's open quote
        raise click.UsageError(str(exc)) from exc


def confirm_public(cfg: TunnelConfig | None, assume_yes: bool) -> None:
    """The original's consent prompt before anonymous access; only asked on a terminal."""
    if cfg is None or not cfg.public or assume_yes or not sys.stdin.isatty():
        return
    click.secho(
        "DANGER: --public lets anyone on the internet who has the URL reach your login page;\n"
        "the password is then all that stands between them and your shell.",
        fg="red", bold=True, err=True,
    )
    if not click.confirm("Open a public tunnel?", default=False, err=True):
        raise click.ClickException("Aborted: no public tunnel started")
