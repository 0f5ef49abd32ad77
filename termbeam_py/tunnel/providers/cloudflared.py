"""Cloudflare quick tunnels: no account, a random https://*.trycloudflare.com name per run."""

from __future__ import annotations

import re

from termbeam_py.tunnel.providers.base import Provider, first_match

# api.trycloudflare.com is the service cloudflared asks for a name, never the tunnel itself.
_URL = re.compile(r"https://(?!api\.)[a-z0-9-]+\.trycloudflare\.com", re.IGNORECASE)


class Cloudflared(Provider):
    name = "cloudflared"
    install_hint = (
        "install cloudflared: https://developers.cloudflare.com/cloudflare-one/"
        "connections/connect-networks/downloads/"
    )
    probe_host = "api.trycloudflare.com"

    def command(self) -> list[str]:
        return ["cloudflared", "tunnel", "--url", self.local_url, "--no-autoupdate"]

    def find_url(self, line: str) -> str | None:
        return first_match(_URL, line)
