"""The start-up update check: one line in the terminal when a newer release is out.

It runs after the banner, in the background, so it never delays the URL and QR code; the
24 h cache of the in-app check (updater.py) means at most one request a day. It is skipped
under CI (a build log is no place for it) or with TERMBEAM_UPDATE_CHECK=0, and a failed
check says nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from termbeam_py.update.updater import Updater

log = logging.getLogger(__name__)

OFF = ("0", "false", "no", "off")


def wanted(environ: Mapping[str, str]) -> bool:
    if environ.get("CI", "").strip().lower() not in ("", *OFF):
        return False
    return environ.get("TERMBEAM_UPDATE_CHECK", "").strip().lower() not in OFF


async def announce(updater: Updater, write: Callable[[str], None]) -> None:
    """Check once (cached) and `write` the notice when a newer release is out."""
    try:
        check = await updater.check(force=False)
    except Exception as exc:  # a start-up nicety must never break serving
        log.debug("start-up update check failed: %s", exc)
        return
    if not check["updateAvailable"]:
        return
    lines = [f"  Update available: v{check['current']} → v{check['latest']}"]
    if check["command"]:
        lines.append(f"  To update: {check['command']}")
    if check["canAutoUpdate"]:
        lines.append("  (or in the app: Settings → About → Update now)")
    write("\n".join(lines) + "\n")
