"""The frozen server configuration: defaults, validation and derived values."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from termbeam_py.hosts import is_loopback
from termbeam_py.tunnel.sshtarget import SshTargetError, parse_target

DEFAULT_PORT = 3456
LOG_LEVELS = ("error", "warn", "info", "debug")
EVENT_LOOPS = ("auto", "uvloop", "asyncio")
#: Longest password we accept: a longer one is a mistake, not a secret (TermBeam silently
#: failed passwords over 256 bytes; we refuse them up front instead).
MAX_PASSWORD_BYTES = 256


TUNNEL_PROVIDERS = ("devtunnel", "cloudflared", "ngrok", "ssh", "custom")
#: Seconds between restarts of a tunnel that keeps exiting; the last repeats.
TUNNEL_BACKOFF = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0)


class ConfigError(ValueError):
    """An invalid option value; the message is one line meant for the user."""


def generate_password() -> str:
    """16 random bytes, base64url: 22 characters."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class TunnelConfig:
    """Which tunnel provider runs, with its options and supervisor timings (tests shrink them)."""

    provider: str
    public: bool = False
    """Anonymous access to a devtunnel; the other providers are always public."""
    persisted: bool = False
    """devtunnel only: reuse one tunnel id (kept in <config_dir>/tunnel.json) across runs."""
    command: str | None = None
    """custom only: the command line, with `{port}` standing for the local port."""
    url_regex: str | None = None
    """Where the public URL is in the provider's output (custom, ssh); group 1 if any."""
    ssh_target: str | None = None
    """ssh only: `[user@]host[:port]`."""
    ssh_options: tuple[str, ...] = ()
    remote_port: int = 80
    """ssh only: the port opened on the remote host (0 lets the server pick)."""
    backoff: tuple[float, ...] = TUNNEL_BACKOFF
    max_attempts: int = 10
    url_timeout: float = 30.0
    network_interval: float = 60.0
    check_interval: float = 30.0
    """Seconds between login and health checks (while connected or waiting for a login)."""
    kill_grace: float = 3.0

    def __post_init__(self) -> None:
        if self.provider not in TUNNEL_PROVIDERS:
            raise ConfigError(f"unknown tunnel provider {self.provider!r}: choose one of "
                              f"{', '.join(TUNNEL_PROVIDERS)}")
        if self.provider == "custom" and not self.command:
            raise ConfigError("--tunnel custom needs --tunnel-cmd")
        if self.command and self.provider != "custom":
            raise ConfigError("--tunnel-cmd is only for --tunnel custom")
        if self.provider == "ssh" and not self.ssh_target:
            raise ConfigError("--tunnel ssh needs --tunnel-ssh [user@]host[:port]")
        if self.ssh_target is not None:
            try:
                parse_target(self.ssh_target)  # goes on ssh's command line: no option look-alikes
            except SshTargetError as exc:
                raise ConfigError(str(exc)) from None
        if self.persisted and self.provider != "devtunnel":
            raise ConfigError("--persisted-tunnel is only for --tunnel devtunnel")
        if not self.backoff or self.max_attempts < 1 or not 0 <= self.remote_port <= 65535:
            raise ConfigError("invalid tunnel timing or remote port")

    @property
    def exposed(self) -> bool:
        """Whether anyone holding the URL reaches the server (only the login page stops them)."""
        return self.public or self.provider != "devtunnel"


@dataclass(frozen=True, slots=True)
class Config:
    """Everything `create_app` and `server.run` need; built by the CLI or by tests."""

    shell: str
    config_dir: Path
    cwd: Path
    shell_args: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    password: str | None = None
    log_level: str = "info"
    allow_hosts: tuple[str, ...] = ()
    rate_limit: bool = True
    public_url: str | None = None
    print_qr: bool = True
    share_token_ttl: float = 300.0
    preview_port: int | None = 0
    """Preview listeners, one per previewed port: 0 gives them free ports, N the first free
    port of N… (preview/listeners.py), None turns them off."""
    preview_timeout: float = 10.0
    """Seconds a previewed app has to answer with its response headers (then 504)."""
    shell_integration: bool = True
    """Inject OSC 133 shell integration into bash/zsh sessions (never touching rc files)."""
    notify_min_seconds: float = 10.0
    """Commands shorter than this do not notify when they complete."""
    record: bool = False
    """Record every session (asciicast v2 in <config_dir>/recordings, recording/)."""
    record_max_mb: float = 50.0
    """The size of one part of a recording; a full part continues in the next one."""
    keep_sessions: bool = False
    """A deliberate stop (Ctrl+C, SIGTERM, `termbeam stop`) leaves the sessions running in
    the session holder for the next server, instead of ending them."""
    shell_env: dict[str, str] = field(default_factory=dict)
    """Extra environment for spawned shells (tests set a fixed prompt)."""
    tunnel: TunnelConfig | None = None
    """The optional tunnel subprocess; None keeps the server local (the default)."""
    event_loop: str = "auto"
    """One of EVENT_LOOPS: "auto" runs on uvloop when it is installed (eventloop.py)."""
    # Connection limits (connlimits.py, docs/security.md#limits); tests shorten them.
    head_timeout: float = 15.0
    """Seconds a new connection has to send a complete request head; then it is closed."""
    keepalive_timeout: float = 120.0
    """Seconds an idle keep-alive connection stays open (longer than tunnels' 90 s pools)."""
    ws_auth_timeout: float = 10.0
    """Seconds a WebSocket opened without a login has to send a valid `auth` message."""
    ws_heartbeat: float = 15.0
    """Seconds between WebSocket pings; a peer that has not answered by the next one is
    dropped (so a vanished phone is found within 15-30 s, as in the original)."""
    max_connections: int | None = None
    """Open connections over all listeners; None derives it from RLIMIT_NOFILE."""
    max_connections_per_address: int = 128
    """Open connections per client address (IPv6: per /64), loopback excepted."""
    max_connections_per_loopback: int | None = None
    """Per loopback address; None: only the total cap (a tunnel's users all come from there)."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"invalid port {self.port}: must be an integer 0-65535")
        if self.preview_port is not None and not 0 <= self.preview_port <= 65535:
            raise ConfigError(
                f"invalid preview port {self.preview_port}: must be an integer 0-65535"
            )
        if not self.record_max_mb > 0:
            raise ConfigError(f"invalid --record-max-mb {self.record_max_mb}: must be above 0")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(
                f"invalid log level {self.log_level!r}: choose one of {', '.join(LOG_LEVELS)}"
            )
        if self.event_loop not in EVENT_LOOPS:
            raise ConfigError(
                f"invalid event loop {self.event_loop!r}: choose one of {', '.join(EVENT_LOOPS)}"
            )
        if self.password is None and not is_loopback(self.host):
            raise ConfigError(
                f"--no-password is only allowed on a loopback address, not {self.host}"
            )
        if self.password is not None:
            if not self.password:
                raise ConfigError("the password must not be empty")
            if len(self.password.encode()) > MAX_PASSWORD_BYTES:
                raise ConfigError(f"the password must be at most {MAX_PASSWORD_BYTES} bytes")
        if self.tunnel is not None and self.tunnel.exposed and self.password is None:
            what = "--public" if self.tunnel.public else f"--tunnel {self.tunnel.provider}"
            raise ConfigError(
                f"{what} needs a password: anyone with the tunnel's URL would get your shell "
                "(drop --no-password)"
            )
        if not self.cwd.is_absolute() or not self.cwd.is_dir():
            raise ConfigError(f"working directory {self.cwd} is not an existing directory")

    @property
    def auth_enabled(self) -> bool:
        return self.password is not None

    @property
    def connection_file(self) -> Path:
        return self.config_dir / "connection.json"

    @property
    def tunnel_file(self) -> Path:
        """The persisted devtunnel id (honours TERMBEAM_CONFIG_DIR, unlike the original)."""
        return self.config_dir / "tunnel.json"
