"""ngrok agent v3: needs an authtoken; JSON log lines on stdout carry the public URL."""

from __future__ import annotations

import json
import re

from termbeam_py.tunnel.providers.base import Provider

_AUTH = re.compile(
    r"ERR_NGROK_4018|ERR_NGROK_105|authentication failed|authtoken", re.IGNORECASE
)


class Ngrok(Provider):
    name = "ngrok"
    install_hint = "install ngrok: https://ngrok.com/download (then: ngrok config add-authtoken …)"
    login_hint = "ngrok config add-authtoken <token>  (from https://dashboard.ngrok.com)"
    auth_errors = _AUTH
    probe_host = "connect.ngrok-agent.com"

    def command(self) -> list[str]:
        return ["ngrok", "http", f"{self.target_host}:{self.port}", "--log", "stdout",
                "--log-format", "json"]

    def find_url(self, line: str) -> str | None:
        try:
            record = json.loads(line)
        except ValueError:
            return None
        url = record.get("url") if isinstance(record, dict) else None
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url.rstrip("/")
        return None
