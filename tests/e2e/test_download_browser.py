"""#13 finding 9 in a real browser: a project file fetched through `download` never runs as a
script or applies as a style sheet of our origin, even though `script-src 'self'` would allow a
same-origin script.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.browser_common import BROWSER_MARKS

pytestmark = BROWSER_MARKS

#: Injects an element loading `url`; resolves with whether it loaded and what it changed.
LOAD = """async ([kind, url]) => {
    const el = document.createElement(kind === 'script' ? 'script' : 'link');
    if (kind === 'script') el.src = url; else { el.rel = 'stylesheet'; el.href = url; }
    const outcome = await new Promise((resolve) => {
        el.onload = () => resolve('load');
        el.onerror = () => resolve('error');
        document.head.appendChild(el);
    });
    const style = getComputedStyle(document.documentElement).getPropertyValue('--pwned');
    return { outcome, script: window.__pwned ?? null, style: style.trim() || null };
}"""


@pytest.fixture(scope="module")
def project(api: Any) -> Iterator[str]:
    """A session whose folder holds a script and a style sheet an attacker planted."""
    server_cwd = Path(api.get("/api/shells").json()["cwd"])
    root = server_cwd / f"download-e2e-{secrets.token_hex(3)}"
    root.mkdir()
    (root / "evil.js").write_text("window.__pwned = 'script ran';\n")
    (root / "evil.css").write_text(":root { --pwned: 'sheet applied'; }\n")
    response = api.post("/api/sessions", data={"name": "download", "cwd": str(root)})
    assert response.status == 201, response.text()
    try:
        yield str(response.json()["id"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize(("kind", "name"), [("script", "evil.js"), ("style", "evil.css")])
def test_downloaded_file_never_runs_in_our_origin(
    authed_page: Any, project: str, kind: str, name: str
) -> None:
    page = authed_page
    page.goto("/")
    url = f"/api/sessions/{project}/download?file={quote(name)}"

    # The download itself works (same cookie, same URL) …
    response = page.request.get(url)
    assert response.ok
    assert response.headers["content-type"] == "application/octet-stream"

    # … but the browser refuses to run it.
    result = page.evaluate(LOAD, [kind, url])

    assert result == {"outcome": "error", "script": None, "style": None}
