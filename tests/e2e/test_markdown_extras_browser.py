"""Browser tests of the markdown viewer's extras: GitHub emoji shortcodes and mermaid
diagrams (Tools → "View markdown" on the terminal page), on a phone and a desktop.

Both are lazy: gemoji's table is fetched only for documents with something shaped like a
shortcode, mermaid only for documents with a ```mermaid block. The server's CSP applies, so
any violation would show up as a console error.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SCREENSHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

DIAGRAMS = """# Release notes :tada:

Shipped :rocket: with :+1: from the team; :not_an_emoji_name: stays as typed.
Inline `:smile:` is code, and [this link](https://example.com/:smile:/) keeps its URL.

```mermaid
flowchart LR
  start[Start here] --> check{Ready yet?}
  check -->|yes| done[All done]
  check -->|no| start
```

```mermaid
flowchart LR
  A[[[ --> broken ((( syntax
```

```text
:smile: inside a fence
```
"""
PLAIN = "# Plain\n\nJust text: no diagrams, no shortcodes.\n\n```sh\necho hi\n```\n"

#: Mermaid's output anywhere but a rendered diagram: scratch space it adds to <body>, its
#: "Syntax error" diagram, tooltips, layout containers.
MERMAID_LEFTOVERS = """() => {
    const strays = Array.from(document.querySelectorAll('[id^="dmd-mermaid-"], '
        + '[id^="imd-mermaid-"], #cy, .mermaidTooltip, svg[aria-roledescription]'))
        .filter((el) => !el.closest('.md-diagram-svg'));
    return strays.map((el) => el.outerHTML.slice(0, 120));
}"""

#: The document column does not scroll sideways, and every diagram fits in it.
FITS = """() => {
    const body = document.querySelector('.md-body');
    const svgs = Array.from(body.querySelectorAll('.md-diagram-svg svg'));
    const right = body.getBoundingClientRect().right;
    return body.scrollWidth <= body.clientWidth + 1 && svgs.length > 0
        && svgs.every((s) => s.getBoundingClientRect().right <= right + 1);
}"""


@pytest.fixture(scope="module")
def session(api: Any) -> Iterator[str]:
    """A session whose cwd holds diagrams.md (emoji, a good and a broken diagram) and plain.md."""
    server_cwd = Path(api.get("/api/shells").json()["cwd"])
    root = server_cwd / f"md-extras-{secrets.token_hex(3)}"
    root.mkdir()
    (root / "diagrams.md").write_text(DIAGRAMS)
    (root / "plain.md").write_text(PLAIN)
    response = api.post("/api/sessions", data={"name": "md-extras", "cwd": str(root)})
    assert response.status == 201, response.text()
    try:
        yield str(response.json()["id"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


#: Relative luminance (0 dark … 1 light) of the first flowchart node's fill.
NODE_LUMINANCE = """() => {
    const shape = document.querySelector('.md-diagram-svg .node :is(rect, polygon)');
    const [r, g, b] = getComputedStyle(shape).fill.match(/[\\d.]+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


#: Remember the text of the first diagram placeholder shown (it is gone once drawn).
WATCH_PLACEHOLDER = """() => {
    window.__placeholder = null;
    new MutationObserver(() => {
        const status = document.querySelector('.md-diagram [role=status]');
        if (status && !window.__placeholder) window.__placeholder = status.textContent;
    }).observe(document.body, { subtree: true, childList: true });
}"""


def _set_theme(api: Any, theme_id: str) -> None:
    current = api.get("/api/preferences").json()["prefs"]
    response = api.put("/api/preferences", data={"prefs": {**current, "themeId": theme_id}})
    assert response.ok, response.text()


def _console_errors(page: Any) -> list[str]:
    """Console errors from now on (CSP violations are reported here too)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def _requests(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    return urls


def _open_doc(page: Any, sid: str, name: str) -> Any:
    """Terminal → Tools → View markdown → `name`; returns the document body."""
    page.goto(f"/terminal?id={sid}")
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_role("option", name="View markdown").click()
    viewer = page.get_by_role("dialog", name="Markdown")
    viewer.get_by_role("button", name=re.compile(rf"^{re.escape(name)}, file\b")).click()
    doc = page.get_by_role("dialog", name=name).locator(".md-body")
    expect(doc.get_by_role("heading", level=1)).to_be_visible()
    return doc


def _check_diagrams_doc(page: Any, doc: Any) -> None:
    # Emoji in text, headings and… not in code, link URLs or unknown names.
    expect(doc.get_by_role("heading", level=1)).to_have_text("Release notes 🎉")
    intro = doc.locator("p").first
    expect(intro).to_contain_text("Shipped 🚀 with 👍 from the team; :not_an_emoji_name: stays")
    expect(intro.locator("code")).to_have_text(":smile:")
    expect(doc.get_by_role("link", name="this link")).to_have_attribute(
        "href", "https://example.com/:smile:/"
    )
    expect(doc.locator("pre code.language-text")).to_have_text(":smile: inside a fence")

    # The good diagram is an SVG whose node labels are real text.
    figures = doc.locator("figure.md-diagram")
    expect(figures).to_have_count(2)
    good = figures.nth(0)
    svg = good.locator(".md-diagram-svg svg")
    expect(svg).to_be_visible()
    for label in ("Start here", "Ready yet?", "All done", "yes"):
        expect(svg.get_by_text(label, exact=True)).to_have_count(1)
    assert good.locator("pre, [role=alert]").count() == 0
    # Sanitised: mermaid's <style> survives, nothing active does.
    assert svg.locator("style").count() >= 1
    assert svg.locator("script, foreignObject script, [onclick], [onload]").count() == 0

    # The broken one shows its source and a short note instead.
    broken = figures.nth(1)
    expect(broken.get_by_role("alert")).to_contain_text("Diagram not rendered")
    expect(broken.locator("pre")).to_be_visible()
    expect(broken.locator("pre")).to_contain_text("A[[[ --> broken")
    assert broken.locator("svg").count() == 0
    expect(doc.get_by_text("Rendering diagram…")).to_have_count(0)

    # Mermaid left nothing behind in <body>, and no "Syntax error" bomb anywhere.
    assert page.evaluate(MERMAID_LEFTOVERS) == []
    assert "Syntax error" not in page.evaluate("() => document.body.innerText")
    page.wait_for_function(FITS)


def test_desktop_renders_emoji_and_diagrams_in_light_theme(
    authed_page: Any, session: str, api: Any
) -> None:
    page = authed_page
    console = _console_errors(page)
    urls = _requests(page)
    _set_theme(api, "light")
    try:
        doc = _open_doc(page, session, "diagrams.md")
        _check_diagrams_doc(page, doc)
    finally:
        _set_theme(api, "dark")
    # Mermaid drew with its light theme to match the app.
    assert page.evaluate(NODE_LUMINANCE) > 0.6
    assert any("mermaid" in u for u in urls), "the mermaid chunk was never fetched"
    assert any("gemoji" in u for u in urls), "the emoji table was never fetched"
    assert console == []
    assert page.errors == []


def test_phone_diagram_fits_390(phone: Any, session: str) -> None:
    page = phone
    console = _console_errors(page)
    doc = _open_doc(page, session, "diagrams.md")
    _check_diagrams_doc(page, doc)
    assert page.evaluate(NODE_LUMINANCE) < 0.4  # the app's dark theme, mermaid's dark theme
    svg = doc.locator("figure.md-diagram .md-diagram-svg svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box is not None
    assert 0 < box["width"] <= 390
    if SCREENSHOTS:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / "markdown-mermaid.png"))
    assert console == []
    assert page.errors == []


def test_diagrams_follow_a_live_theme_flip(authed_page: Any, session: str, api: Any) -> None:
    # With the "system" theme, the OS switching to light redraws the open document's diagrams.
    page = authed_page
    page.emulate_media(color_scheme="dark")
    _set_theme(api, "system")
    try:
        doc = _open_doc(page, session, "diagrams.md")
        expect(doc.locator("figure.md-diagram .md-diagram-svg svg")).to_be_visible()
        assert page.evaluate(NODE_LUMINANCE) < 0.4
        page.emulate_media(color_scheme="light")
        page.wait_for_function(
            f"() => !!document.querySelector('.md-diagram-svg .node') && ({NODE_LUMINANCE})() > 0.6"
        )
        expect(doc.get_by_role("heading", level=1)).to_have_text("Release notes 🎉")
    finally:
        _set_theme(api, "dark")
    assert page.errors == []


def test_plain_document_fetches_neither_mermaid_nor_gemoji(authed_page: Any, session: str) -> None:
    page = authed_page
    console = _console_errors(page)
    urls = _requests(page)
    doc = _open_doc(page, session, "plain.md")
    expect(doc.locator("pre code")).to_have_text("echo hi")
    # Markdown itself was lazy-loaded for this, so the request log is live.
    assert any("mdRender" in u for u in urls)
    assert [u for u in urls if re.search(r"mermaid|diagramRender|gemoji", u)] == []

    # Then a document with both does fetch them, in the same page, saying so meanwhile.
    page.evaluate(WATCH_PLACEHOLDER)
    page.get_by_role("button", name=re.compile(r"^diagrams\.md, file\b")).click()
    diagram_doc = page.get_by_role("dialog", name="diagrams.md").locator(".md-body")
    expect(diagram_doc.locator(".md-diagram-svg svg")).to_be_visible()
    assert page.evaluate("() => window.__placeholder") == "Rendering diagram…"
    assert any("mermaid" in u for u in urls)
    assert console == []
    assert page.errors == []
