"""The recordings on disk: each part's entry (`<id>.json`) beside its `.cast`, read for the
listing, a download or a delete. Blocking file IO: call these in a thread."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from termbeam_py.recording.cast import PartMeta
from termbeam_py.state import write_json
from termbeam_py.timefmt import epoch_iso_ms

log = logging.getLogger(__name__)

FOLDER = "recordings"
ID = re.compile(r"[0-9a-f]{16}")
#: How much of a part's end is read to find its last event's time (after a crash).
TAIL = 64 * 1024
_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str, "sessionId": str, "sessionName": str, "startedAt": str, "bytes": int,
    "duration": (int, float), "part": int, "input": bool, "marks": int, "series": str,
    "seriesStartedAt": str, "resume": bool,
}


def _meta(raw: Any) -> PartMeta | None:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), t) for k, t in
                                            _FIELDS.items()):
        return None
    if raw.get("endedAt") is not None and not isinstance(raw["endedAt"], str):
        return None
    meta: PartMeta = {k: raw[k] for k in _FIELDS}  # type: ignore[assignment]
    meta["endedAt"] = raw.get("endedAt")
    if isinstance(raw.get("resumeInput"), bool):
        meta["resumeInput"] = raw["resumeInput"]
    return meta


def read_meta(folder: Path, part_id: str) -> PartMeta | None:
    """One part's entry, or None for an id that is not a recording here."""
    if not ID.fullmatch(part_id):
        return None
    try:
        raw = json.loads((folder / f"{part_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    meta = _meta(raw)
    if meta is None or meta["id"] != part_id or not (folder / f"{part_id}.cast").is_file():
        return None
    return meta


def read_all(folder: Path) -> list[PartMeta]:
    """Every part's entry in `folder` (unreadable ones are left out)."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return []
    found = (read_meta(folder, name[:-5]) for name in names if name.endswith(".json"))
    return [meta for meta in found if meta is not None]


def last_time(path: Path) -> float:
    """The time of the last complete event in a `.cast` file (0 when there is none)."""
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, fh.seek(0, os.SEEK_END) - TAIL))
            lines = fh.read().splitlines()
    except OSError:
        return 0.0
    for line in reversed(lines):
        with contextlib.suppress(ValueError, TypeError, IndexError):
            event = json.loads(line)
            if isinstance(event, list) and isinstance(event[0], int | float):
                return float(event[0])
    return 0.0


def settle(folder: Path) -> list[PartMeta]:
    """At start-up: parts a crashed server left open get their end (from the file), and the
    parts to continue (ended by a restart that kept their session) are returned."""
    resumable = []
    for meta in read_all(folder):
        if meta["endedAt"] is None:
            cast_file = folder / f"{meta['id']}.cast"
            with contextlib.suppress(OSError):
                stat = cast_file.stat()
                meta["endedAt"] = epoch_iso_ms(stat.st_mtime)
                meta["bytes"], meta["duration"] = stat.st_size, last_time(cast_file)
                write_json(folder / f"{meta['id']}.json", meta)
        elif meta["resume"]:
            resumable.append(meta)
    return resumable


def clear_resume(folder: Path, meta: PartMeta) -> None:
    """The part was continued (or its session is gone): not again."""
    meta["resume"] = False
    with contextlib.suppress(OSError):
        write_json(folder / f"{meta['id']}.json", meta)


def delete(folder: Path, part_id: str) -> None:
    for suffix in (".cast", ".json"):
        (folder / f"{part_id}{suffix}").unlink(missing_ok=True)
