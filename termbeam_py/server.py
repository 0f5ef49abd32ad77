"""run(config): bind, print the banner and QR code, serve until a signal, shut down cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shlex
import signal
import sys

from aiohttp import web

from termbeam_py import (
    __version__,
    childsignals,
    connlimits,
    eventloop,
    keys,
    memory,
    qr,
    running,
    startup,
    update,
)
from termbeam_py.app import create_app
from termbeam_py.config import Config
from termbeam_py.errors import TermbeamError
from termbeam_py.hosts import is_loopback
from termbeam_py.netinfo import lan_url
from termbeam_py.preview.listeners import MAX_LISTENERS
from termbeam_py.runtime import Runtime
from termbeam_py.sessions.manager import Adoption
from termbeam_py.state import default_config_dir
from termbeam_py.update import notice as update_notice

log = logging.getLogger(__name__)


def run(config: Config) -> int:
    """Serve until SIGINT/SIGTERM or POST /api/shutdown; the process exit status.

    After a verified in-app update the server re-executes the same command line, so the new
    version serves on the same port with the same options and password (handed over in the
    environment, not on the command line).
    """
    try:
        loop_name, factory = eventloop.loop_factory(config.event_loop)
    except eventloop.EventLoopError as exc:
        sys.stderr.write(f"[termbeam] TERMBEAM_EVENT_LOOP=uvloop: {exc}\n")
        return 1
    log.debug("event loop: %s", loop_name)
    # Before create_app: the connection cap is derived from the limit in effect.
    connlimits.raise_nofile_limit()
    memory.Allocator().fix_mmap_threshold()  # process-wide: before buffers are allocated
    childsignals.restore_for_children()  # before the first shell, git or tunnel program
    app = create_app(config)
    with asyncio.Runner(loop_factory=factory) as runner:
        status = runner.run(_serve(config, app))
    if status == 0 and app[keys.UPDATER].restart_requested:
        sys.stdout.write("[termbeam] Restarting into the updated version...\n")
        sys.stdout.flush()
        from termbeam_py.cli import restart_command  # the options `serve` was started with

        args, env = restart_command(sys.argv[1:], app[keys.AUTH].password, app[keys.RUNTIME].port)
        os.execve(sys.executable, [sys.executable, "-m", "termbeam_py", *args], env)  # noqa: S606
    return status


def _settle_heap() -> None:
    """Move everything alive after start-up out of the garbage collector's sight.

    A full collection walks every tracked object: with aiohttp and our modules loaded that is
    ~40k objects and 5-15 ms on this kind of machine, a pause that lands in the middle of
    keystroke echoes during a flood. Frozen objects are never scanned again.
    """
    gc.collect()
    gc.freeze()


def _bound_port(runner: web.AppRunner, fallback: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return fallback


async def banner(config: Config, app: web.Application, session_id: str | None) -> str:
    runtime = app[keys.RUNTIME]
    reach = "localhost only" if is_loopback(config.host) else "LAN accessible"
    lines = [
        f"TermBeam (termbeam_py) v{__version__} — your terminal in any browser",
        "",
        f"  Shell:    {config.shell} {' '.join(config.shell_args)}".rstrip(),
        f"  Session:  {session_id or '(none)'}",
        f"  Auth:     {_auth_line(config, app)}",
        f"  Bind:     {config.host} ({reach})",
    ]
    if runtime.public_url:
        lines.append(f"  Public:   {runtime.public_url}")
    lines += _tunnel_lines(app)
    lines += _totp_advice(config, app)
    lines.append(f"  Local:    {runtime.local_url}")
    if runtime.lan_url:
        lines.append(f"  LAN:      {runtime.lan_url}")
    lines += _preview_lines(config)
    url = runtime.share_base(runtime.local_url)
    if config.print_qr:
        share = url + "/"
        if config.auth_enabled:
            token = app[keys.AUTH].share.issue()
            share += f"?ott={token}"
            app[keys.AUDIT].record("share.created", actor="owner", kind="one-time",
                                   link=app[keys.AUTH].share.link_id(token), source="banner")
        drawn = await qr.draw(share)
        lines += ["", drawn.rstrip("\n"), "  (the QR code logs in once, within 5 minutes)"]
    lines += ["", f"  Scan the QR code or open: {url}"]
    if config.password:
        lines.append(f"  Password: {config.password}")
    lines += _client_hints(config)
    return "\n".join(lines) + "\n"


def _auth_line(config: Config, app: web.Application) -> str:
    if not config.auth_enabled:
        return "🔓 none"
    return "🔒 password + one-time code" if app[keys.AUTH].totp.enabled else "🔒 password"


def _totp_advice(config: Config, app: web.Application) -> list[str]:
    """Behind a tunnel anyone on the internet can try the password: recommend the code."""
    if config.tunnel is None or not config.auth_enabled or app[keys.AUTH].totp.enabled:
        return []
    return ["  Advice:   the tunnel puts the login on the internet; add a one-time code to it:",
            "            Settings → Security in the web app, or termbeam totp enable"]


def _client_hints(config: Config) -> list[str]:
    """How to reach the sessions from another terminal on this machine (the client commands
    find this server through connection.json, so a state directory of its own is named)."""
    own = "" if config.config_dir == default_config_dir().expanduser().absolute() else (
        f" --config-dir {shlex.quote(str(config.config_dir))}")
    return ["", f"  From a terminal here: termbeam list{own}",
            f"                        termbeam attach{own} [NAME]"]


def _preview_lines(config: Config) -> list[str]:
    """Where previews open: each previewed port on an origin of its own (listeners start on
    demand, so there is no port to show yet), or sandboxed on the main port."""
    first = config.preview_port
    if first is None:
        return ["  Preview:  sandboxed on this port (--no-preview-port)"]
    cap = MAX_LISTENERS
    ports = "free ports" if first == 0 else f"ports {first}-{min(first + cap - 1, 65535)}"
    return [f"  Preview:  an origin per previewed port ({ports}, up to {cap} at once)"]


def _tunnel_lines(app: web.Application) -> list[str]:
    """The tunnel's state when it is not (yet) serving the Public URL above."""
    status = app[keys.TUNNEL].status
    if status.tunnel is None or status.state in ("connected", "expiring"):
        return []
    return [f"  Tunnel:   {status.tunnel} {status.state}: {status.message or status.reason}"]


async def _tunnel_ready(config: Config, app: web.Application) -> None:
    """Wait (bounded) for the tunnel's first URL or failure, so the banner and QR use it."""
    supervisor = app[keys.TUNNEL].supervisor
    if supervisor is not None and config.tunnel is not None:
        await supervisor.wait_ready(config.tunnel.url_timeout + 5)


async def _serve(config: Config, app: web.Application) -> int:
    runtime = app[keys.RUNTIME]
    try:
        runner = await app[keys.CONNECTIONS].serve(app, config.host, config.port)
    except OSError as exc:
        sys.stderr.write(f"termbeam: cannot listen on {config.host}:{config.port}: {exc}\n")
        return 1
    runtime.port = _bound_port(runner, config.port)
    runtime.lan_url = lan_url(config.host, runtime.port)
    conn_file = config.connection_file
    try:
        await asyncio.to_thread(
            running.write_connection, conn_file, config.host, runtime.port, config.password,
            app[keys.AUTH].machine_key if config.password else None,
        )
    except OSError as exc:  # a full disk: serving matters more than being found
        log.warning("could not write %s (%s): `termbeam list` and `attach` will not find "
                    "this server", conn_file, exc)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runtime.stop.set)
    loop.add_signal_handler(running.KEEP_SIGNAL, _stop_deciding, runtime, True)
    loop.add_signal_handler(running.END_SIGNAL, _stop_deciding, runtime, False)
    try:
        await app[keys.TUNNEL].start(runtime.port)
        adoption = await app[keys.SESSIONS].adopt()
        session_id = await _start_sessions(app, adoption)
        await _tunnel_ready(config, app)
        sys.stdout.write(await banner(config, app, session_id))
        sys.stdout.write(_adoption_lines(adoption))
        updated = await asyncio.to_thread(update.take_update_result, config.config_dir)
        if updated:
            sys.stdout.write(f"  ✓ Updated from v{updated.get('fromVersion')} "
                             f"to v{updated.get('toVersion')}\n")
        sys.stdout.flush()
        notice = _update_notice(app)
        _settle_heap()
        await runtime.stop.wait()
        if notice is not None:
            notice.cancel()
        await _decide_keep(app)
        sys.stdout.write(f"[termbeam] Shutting down{_farewell(app)}...\n")
        sys.stdout.flush()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, running.KEEP_SIGNAL, running.END_SIGNAL):
            loop.remove_signal_handler(sig)
        await asyncio.to_thread(running.remove_connection, conn_file)
        await app[keys.TUNNEL].stop()  # kills the provider's process group, deletes its tunnel
        await runner.cleanup()
    return 0


def _update_notice(app: web.Application) -> asyncio.Task[None] | None:
    """The start-up update check, after the banner so it never delays it (update/notice.py)."""
    if not update_notice.wanted(os.environ):
        return None

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    return asyncio.create_task(update_notice.announce(app[keys.UPDATER], write),
                               name="update-notice")


def _stop_deciding(runtime: Runtime, keep: bool) -> None:
    """KEEP_SIGNAL (`termbeam stop --keep-sessions`, `termbeam --force`) or END_SIGNAL
    (`termbeam stop`): stop, and keep or end the sessions whatever the settings say."""
    runtime.keep_sessions = keep
    runtime.sessions_decided = True
    runtime.stop.set()


async def _decide_keep(app: web.Application) -> None:
    """Whether this stop keeps the sessions: an update restarting us, a replacing server, or
    the user's choice (--keep-sessions, its setting); a plain stop ends them."""
    runtime, manager = app[keys.RUNTIME], app[keys.SESSIONS]
    if not runtime.sessions_decided:
        prefs, _ = await app[keys.PREFS].load()
        runtime.keep_sessions = (
            app[keys.UPDATER].restart_requested or app[keys.CONFIG].keep_sessions
            or prefs["keepSessions"]
        )
    if runtime.keep_sessions and not manager.durable:
        log.warning("this server cannot keep sessions (no session holder): ending them")
        runtime.keep_sessions = False


def _plural(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def _farewell(app: web.Application) -> str:
    """What a stop does to the sessions, for the shutdown line."""
    count = len(app[keys.SESSIONS])
    if count == 0:
        return ""
    if app[keys.RUNTIME].keep_sessions:
        return f", keeping {_plural(count)} for the next `termbeam` (`termbeam list` shows them)"
    return f", ending {_plural(count)}"


def _adoption_lines(adoption: Adoption) -> str:
    lines: list[str] = []
    if adoption.restored:
        lines.append(f"  ✓ {_plural(len(adoption.restored))} restored")
    for name, code in adoption.exited:
        lines.append(f"  • Session {name!r} exited with code {code} while no server ran")
    if adoption.lost:
        lines.append(f"  ! {_plural(adoption.lost)} lost: the session holder had ended")
    if adoption.error:
        lines.append(f"  ! Kept sessions could not be adopted: {adoption.error}")
    return "".join(line + "\n" for line in lines)


async def _start_sessions(app: web.Application, adoption: Adoption) -> str | None:
    if adoption.restored:
        return adoption.restored[0].id  # the sessions a restart kept, not new ones
    try:
        ids = await startup.start_sessions(app[keys.PREFS], app[keys.SESSIONS], app[keys.CONFIG],
                                           app[keys.RECORDINGS].start)
    except TermbeamError as exc:
        log.warning("could not start the start-up sessions: %s", exc.message)
        return None
    return ids[0] if ids else None
