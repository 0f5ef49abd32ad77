"""What the browser test modules share: the skip guards and the xterm DOM probes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

STATIC_INDEX = (
    Path(os.environ["TERMBEAM_STATIC_DIR"]) / "index.html"
    if os.environ.get("TERMBEAM_STATIC_DIR")
    else Path(__file__).resolve().parents[2] / "termbeam_py" / "static" / "index.html"
)

#: Browser tests need Debian's chromium and a built frontend; skip with the reason otherwise.
BROWSER_MARKS: list[Any] = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(
        not STATIC_INDEX.exists(),
        reason="frontend not built (run `npm install && npm run build` in frontend/)",
    ),
]

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the skip below explains it
    expect = None
    BROWSER_MARKS.append(pytest.mark.skip(reason="playwright (Python) is not installed"))

# JS predicates over xterm's DOM renderer rows.
ROW_EQUALS = """(text) => Array.from(document.querySelectorAll('.xterm-rows > div'))
    .some((row) => row.textContent.trim() === text)"""
ROWS_CONTAIN = """(text) => {
    const rows = document.querySelector('.xterm-rows');
    return !!rows && rows.textContent.includes(text);
}"""
TERMINAL_URL = re.compile(r"/terminal\?id=[^&]+$")
