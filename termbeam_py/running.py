"""connection.json and the already-running check: one server per config dir.

These run before the event loop starts (from the CLI), so plain blocking HTTP is fine.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from termbeam_py.state import read_json, write_json

PROBE_TIMEOUT = 2.0


def connection_host(host: str) -> str:
    if host in ("::", "::1", "[::1]"):
        return "::1"
    return "localhost" if host in ("0.0.0.0", "127.0.0.1", "") else host  # noqa: S104


def write_connection(path: Path, host: str, port: int, password: str | None) -> None:
    write_json(path, {"port": port, "host": connection_host(host), "password": password,
                      "pid": os.getpid()})


def remove_connection(path: Path) -> None:
    """Remove the file if it is still ours (a newer server may have replaced it)."""
    data = read_json(path, None)
    if isinstance(data, dict) and data.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def read_connection(path: Path) -> dict[str, Any] | None:
    data = read_json(path, None)
    if not isinstance(data, dict) or not isinstance(data.get("port"), int):
        return None
    return data


def _base(conn: dict[str, Any]) -> str:
    host = conn.get("host") or "localhost"
    host = "127.0.0.1" if host == "localhost" else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{conn['port']}"


def _request(url: str, password: str | None, method: str = "GET") -> int | None:
    """HTTP status of a request, or None when nothing answers."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 - http to our own server
    if password:
        request.add_header("Authorization", f"Bearer {password}")
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def is_running(conn: dict[str, Any]) -> bool:
    status = _request(_base(conn) + "/api/sessions", conn.get("password"))
    return status is not None and status < 500


def stop_running(conn: dict[str, Any], new_password: str | None) -> bool:
    """Ask a running server to shut down; True once it no longer answers."""
    url = _base(conn) + "/api/shutdown"
    for password in (conn.get("password"), new_password, None):
        status = _request(url, password, method="POST")
        if status is None or status != 401:
            break
    else:
        return False
    for _ in range(20):
        if _request(_base(conn) + "/api/config", None) is None:
            return True
        time.sleep(0.25)
    return False

