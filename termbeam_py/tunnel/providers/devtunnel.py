"""Microsoft Dev Tunnels (the original's provider): private behind the owner's login by
default, anonymous with --public, one reusable tunnel id with --persisted-tunnel."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path

from termbeam_py import state
from termbeam_py.tunnel import process
from termbeam_py.tunnel.providers.base import Login, Provider, ProviderError

log = logging.getLogger(__name__)

_URL = re.compile(r"https://[a-z0-9.-]+\.devtunnels\.ms(?::\d+)?", re.IGNORECASE)
_AUTH = re.compile(r"login required|not logged in|sign in required|unauthorized",
                   re.IGNORECASE)
_LIFETIME = re.compile(r"Token lifetime:\s*(?:(\d+)\.)?(\d+):(\d\d):(\d\d)")
_HOSTS = re.compile(r"Host connections\s*:\s*(\d+)", re.IGNORECASE)
_TUNNEL_ID = re.compile(r"^[A-Za-z0-9._-]+$")


def _saved_shape(data: object) -> str:
    """`tunnel.json`: `{"tunnelId": "...", "createdAt": epoch s}`; the id."""
    data = state.obj(data)
    tunnel_id = state.field(data, "tunnelId", str)
    state.field(data, "createdAt", float)
    if not _TUNNEL_ID.match(tunnel_id):
        raise state.BadShape("'tunnelId' is not a tunnel id")
    return tunnel_id


def parse_login(output: str, returncode: int) -> Login:
    """`devtunnel user show -v`: logged in unless it failed or says so."""
    lower = output.lower()
    if returncode != 0 or "not logged in" in lower:
        return Login(False)
    provider = "github" if "github" in lower else "microsoft"
    lifetime = None
    if match := _LIFETIME.search(output):
        days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
        lifetime = float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    return Login(True, provider, lifetime)


class Devtunnel(Provider):
    name = "devtunnel"
    install_hint = (
        "install the devtunnel CLI: https://learn.microsoft.com/azure/developer/dev-tunnels/"
        "get-started (Linux: curl -sL https://aka.ms/DevTunnelCliInstall | bash)"
    )
    login_hint = "devtunnel user login -d"
    auth_errors = _AUTH
    probe_host = "global.rel.tunnels.api.visualstudio.com"

    def __init__(self, port: int, target_host: str, *, public: bool, persisted: bool,
                 id_file: Path) -> None:
        super().__init__(port, target_host)
        self._public = public
        self.persisted = persisted
        self.id_file = id_file
        self.tunnel_id: str | None = None

    @property
    def public(self) -> bool:
        return self._public

    def command(self) -> list[str]:
        return ["devtunnel", "host", self.tunnel_id or "-"]

    def find_url(self, line: str) -> str | None:
        urls: list[str] = [str(u).rstrip("/") for u in _URL.findall(line)]
        # A persisted tunnel may still list old ports: prefer the URL of ours.
        own = [u for u in urls if f"-{self.port}." in u]
        return (own or urls)[0] if urls else None

    async def login(self) -> Login:
        result = await process.run(["devtunnel", "user", "show", "-v"], limit=10)
        return parse_login(result.output, result.returncode)

    async def healthy(self) -> bool:
        """The relay still sees our host (`devtunnel host` can outlive its connection)."""
        if self.tunnel_id is None:
            return False
        result = await process.run(["devtunnel", "show", self.tunnel_id], limit=10)
        match = _HOSTS.search(result.output)
        return result.returncode == 0 and match is not None and int(match.group(1)) > 0

    async def prepare(self) -> None:
        if self.tunnel_id is None:
            self.tunnel_id = await self._reuse() if self.persisted else None
        if self.tunnel_id is None:
            self.tunnel_id = await self._create()
        await process.run(["devtunnel", "port", "create", self.tunnel_id, "-p",
                           str(self.port), "--protocol", "http"])  # exists already: fine
        access = (["access", "create", self.tunnel_id, "-p", str(self.port), "--anonymous"]
                  if self.public else ["access", "reset", self.tunnel_id])
        result = await process.run(["devtunnel", *access])
        if result.returncode != 0:
            raise ProviderError(f"devtunnel {access[0]} {access[1]} failed: "
                                f"{_last_line(result.output)}")

    async def _reuse(self) -> str | None:
        tunnel_id = await asyncio.to_thread(state.read_json, self.id_file, _saved_shape)
        if tunnel_id is None:
            return None
        result = await process.run(["devtunnel", "show", tunnel_id, "--json"])
        return tunnel_id if result.returncode == 0 else None

    async def _create(self) -> str:
        expiry = "30d" if self.persisted else "1d"
        result = await process.run(["devtunnel", "create", "--expiration", expiry, "--json"])
        tunnel_id = _created_id(result.output) if result.returncode == 0 else None
        if tunnel_id is None:
            raise ProviderError(f"devtunnel create failed: {_last_line(result.output)}")
        if self.persisted:
            try:
                await asyncio.to_thread(state.write_json, self.id_file,
                                        {"tunnelId": tunnel_id, "createdAt": time.time()})
            except OSError as exc:  # the tunnel works; only the next run makes a new one
                log.warning("could not save the tunnel id to %s (%s): the next start creates "
                            "a new tunnel", self.id_file, exc)
        return tunnel_id

    async def cleanup(self) -> None:
        """Delete an ephemeral tunnel; a persisted one is kept for the next run."""
        if self.tunnel_id is None or self.persisted:
            return
        result = await process.run(["devtunnel", "delete", self.tunnel_id, "-f"])
        if result.returncode != 0:
            log.warning("could not delete tunnel %s: %s", self.tunnel_id,
                        _last_line(result.output))
        self.tunnel_id = None


def _created_id(output: str) -> str | None:
    start = output.find("{")
    try:
        data = json.loads(output[start:]) if start >= 0 else None
    except ValueError:
        return None
    tunnel = data.get("tunnel") if isinstance(data, dict) else None
    tunnel_id = tunnel.get("tunnelId") if isinstance(tunnel, dict) else None
    return tunnel_id if isinstance(tunnel_id, str) and _TUNNEL_ID.match(tunnel_id) else None


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"
