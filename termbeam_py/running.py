"""connection.json, and whether the server it names is still the one running: one server per
config dir.

Nothing here talks to the port. After a crash the port may be held by any user's program, and
a probe carrying the password would hand it over. Instead the listening socket is traced to
its process (procfs on Linux, lsof elsewhere), which must be the PID that wrote
connection.json, running termbeam; such a server is stopped with SIGTERM, which it handles
exactly like POST /api/shutdown. These run from the CLI before any event loop exists, so
blocking calls are fine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TypedDict

from termbeam_py.state import field, obj, optional, read_json, write_json

_LINUX = sys.platform.startswith("linux")
LSOF_TIMEOUT = 5.0
#: How long a stopped server has to shut down (its sessions end first).
STOP_TIMEOUT = 15.0
STOP_POLL = 0.05


def connection_host(host: str) -> str:
    if host in ("::", "::1", "[::1]"):
        return "::1"
    return "localhost" if host in ("0.0.0.0", "127.0.0.1", "") else host  # noqa: S104


class Connection(TypedDict):
    """connection.json: where the server of this config dir listens, and its password."""

    port: int
    host: str
    password: str | None
    pid: int
    key: str | None
    """The server's machine key (auth.py): the command line's owner credential, which works
    while a one-time code is on, unlike the password. None in files of older servers."""


def write_connection(path: Path, host: str, port: int, password: str | None,
                     key: str | None = None) -> None:
    conn: Connection = {"port": port, "host": connection_host(host), "password": password,
                        "pid": os.getpid(), "key": key}
    write_json(path, conn)


def _connection_shape(data: object) -> Connection:
    """What `write_connection` writes; anything else is moved aside by read_json."""
    conn = obj(data)
    return {"port": field(conn, "port", int), "host": field(conn, "host", str),
            "password": optional(conn, "password", str), "pid": field(conn, "pid", int),
            "key": optional(conn, "key", str)}


def remove_connection(path: Path) -> None:
    """Remove the file if it is still ours (a newer server may have replaced it)."""
    data = read_json(path, _connection_shape)
    if data is not None and data["pid"] == os.getpid():
        path.unlink(missing_ok=True)


def read_connection(path: Path) -> Connection | None:
    return read_json(path, _connection_shape)


def _listening_row(row: str, port: int) -> tuple[int, int] | None:
    """(inode, uid) of a /proc/net/tcp{,6} row if it is a socket listening on `port`."""
    # sl, local address:port (hex), remote, state (0A = LISTEN), queues, timer, retransmits,
    # uid, timeout, inode, ...
    fields = row.split()
    if len(fields) < 10 or fields[3] != "0A":
        return None
    if int(fields[1].rsplit(":", 1)[1], 16) != port:
        return None
    return int(fields[9]), int(fields[7])


def _proc_listeners(port: int) -> list[tuple[int, int]]:
    """(inode, uid) of every listening TCP socket on `port`, IPv4 and IPv6 (Linux)."""
    found: list[tuple[int, int]] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue  # no IPv6 in this kernel
        found += [hit for row in rows if (hit := _listening_row(row, port)) is not None]
    return found


def _socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets `pid` holds open; empty when its fds cannot be read (not ours)."""
    inodes: set[int] = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def _lsof_listeners(port: int) -> set[int]:
    """PIDs listening on `port` as lsof reports them (macOS); empty without lsof."""
    try:
        result = subprocess.run(
            ["lsof", "-t", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN"],
            capture_output=True, text=True, timeout=LSOF_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {int(line) for line in result.stdout.split() if line.isdigit()}


def owns_port(pid: int, port: int) -> bool:
    """True if `pid` holds every listening TCP socket on `port` (and there is one).

    On Linux this sees every user's sockets, so another program on the same port (on another
    address) makes it False. lsof elsewhere sees only our own processes' sockets: there the
    answer means "pid is listening on port".
    """
    if not _LINUX:
        return pid in _lsof_listeners(port)
    inodes = {inode for inode, _ in _proc_listeners(port)}
    return bool(inodes) and inodes <= _socket_inodes(pid)


def _command_line(pid: int) -> list[str]:
    if _LINUX:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return []
    try:
        result = subprocess.run(["ps", "-o", "command=", "-p", str(pid)],
                                capture_output=True, text=True, timeout=LSOF_TIMEOUT,
                                check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return result.stdout.split()


def is_termbeam(pid: int) -> bool:
    """Whether `pid` runs termbeam (`termbeam ...` or `python -m termbeam_py ...`)."""
    argv = _command_line(pid)[:4]
    return "termbeam_py" in argv or any(os.path.basename(arg) == "termbeam" for arg in argv)


def alive(pid: int) -> bool:
    """True while `pid` exists and has not exited (a zombie has)."""
    if _LINUX:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_running(conn: Connection) -> bool:
    """Whether the server that wrote `conn` still serves on its port.

    Checked on the process, never by asking the port: if the server is gone, whatever listens
    there now (any user's program) would be handed the password.
    """
    pid = conn["pid"]
    # Our own PID: a file left behind by the process we re-executed from, not a server.
    if pid <= 0 or pid == os.getpid():
        return False
    return alive(pid) and owns_port(pid, conn["port"]) and is_termbeam(pid)


def port_holder(port: int) -> int | None:
    """The PID of the termbeam server of this user that holds `port`, if that is what does."""
    if _LINUX:
        listeners = _proc_listeners(port)
        if not listeners or any(uid != os.getuid() for _, uid in listeners):
            return None
        inodes = {inode for inode, _ in listeners}
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
        pid = next((p for p in pids if p != os.getpid() and inodes <= _socket_inodes(p)), None)
    else:
        holders = _lsof_listeners(port) - {os.getpid()}
        pid = holders.pop() if len(holders) == 1 else None
    return pid if pid is not None and is_termbeam(pid) else None


KEEP_SIGNAL = signal.SIGUSR1
"""Asks a server to stop and leave its sessions running in the session holder."""
END_SIGNAL = signal.SIGUSR2
"""Asks a server to stop and end its sessions, even one running with --keep-sessions."""


def stop(pid: int, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Stop a server with `sig`: SIGTERM (handled like Ctrl+C: its sessions end unless it
    runs with --keep-sessions), KEEP_SIGNAL or END_SIGNAL. True once it has exited."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(STOP_POLL)  # no event loop yet: the CLI polls the process, bounded
    return True
