"""Releases on the package index: comparing versions and fetching the latest one."""

from __future__ import annotations

import json
import logging
import re

import aiohttp

log = logging.getLogger(__name__)

PACKAGE = "termbeam-py"
DEFAULT_INDEX = "https://pypi.org"
FETCH_TIMEOUT, FETCH_LIMIT = 5.0, 100 * 1024
_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.]+)?(\+[0-9A-Za-z.]+)?")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f]")


def parse_semver(text: str) -> tuple[tuple[int, int, int], bool] | None:
    """(X, Y, Z) and whether this is a pre-release of X.Y.Z (dev builds come after it)."""
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    pre = match.group(4)
    numbers = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return numbers, bool(pre) and not pre.startswith("-dev")


def is_newer(latest: str, current: str) -> bool:
    new, cur = parse_semver(latest), parse_semver(current)
    if new is None or cur is None:
        return False
    # A dev build of X.Y.Z is past X.Y.Z; a pre-release of X.Y.Z is before it.
    return new[0] > cur[0] or (new[0] == cur[0] and cur[1])


def clean_release(value: object) -> str | None:
    """A strict `X.Y.Z` from untrusted index data, else None."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub("", value).strip().removeprefix("v")
    return text if re.fullmatch(r"\d+\.\d+\.\d+", text) else None


async def fetch_latest(index: str) -> str | None:
    """`info.version` from the index's JSON API; None when offline or malformed."""
    url = f"{index.rstrip('/')}/pypi/{PACKAGE}/json"
    body = bytearray()
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
            if resp.status != 200:
                return None
            async for chunk in resp.content.iter_chunked(16384):
                body += chunk
                if len(body) > FETCH_LIMIT:
                    return None  # never buffer an unbounded answer
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("update check against %s failed: %s", index, exc)
        return None
    try:
        info = json.loads(body).get("info")
    except (ValueError, AttributeError):
        return None
    return clean_release(info.get("version")) if isinstance(info, dict) else None
