"""The tunnel providers and the one function that builds the configured one."""

from __future__ import annotations

from pathlib import Path

from termbeam_py.config import TunnelConfig
from termbeam_py.tunnel.providers.base import Login, Provider, ProviderError, dns_probe
from termbeam_py.tunnel.providers.cloudflared import Cloudflared
from termbeam_py.tunnel.providers.custom import Custom
from termbeam_py.tunnel.providers.devtunnel import Devtunnel
from termbeam_py.tunnel.providers.ngrok import Ngrok
from termbeam_py.tunnel.providers.ssh import Ssh

__all__ = ["Login", "Provider", "ProviderError", "dns_probe", "make_provider"]


def make_provider(cfg: TunnelConfig, *, port: int, target_host: str, id_file: Path,
                  public_url: str | None) -> Provider:
    """The provider `cfg` names, aimed at our listening `target_host:port`."""
    if cfg.provider == "devtunnel":
        return Devtunnel(port, target_host, public=cfg.public, persisted=cfg.persisted,
                         id_file=id_file)
    if cfg.provider == "cloudflared":
        return Cloudflared(port, target_host)
    if cfg.provider == "ngrok":
        return Ngrok(port, target_host)
    if cfg.provider == "ssh":
        return Ssh(port, target_host, target=cfg.ssh_target or "", options=cfg.ssh_options,
                   remote_port=cfg.remote_port, public_url=public_url,
                   url_regex=cfg.url_regex)
    return Custom(port, target_host, cfg.command or "", cfg.url_regex)
