"""Browser tests of the code and markdown viewers' fixes from issue #16.

- Light themes: diff lines and syntax colours are readable (contrast measured in the page from
  computed styles, backgrounds composited up the tree), also after a live theme switch.
- Phone markdown: README.md and CHANGELOG.md never lay the document out wider than the
  sheet at 320 and 390 px; wide tables and code blocks scroll inside their own box.
- Phone code viewer: diffs wrap by default (with a toggle) and blame is a compact gutter
  whose groups open their details on a tap.
- Markdown chrome: the file name is shown once, and on a desktop the Files sheet does not
  show around the markdown viewer opened from it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
LIGHT_THEMES = [
    "light", "solarized-light", "github-light", "one-light", "catppuccin-latte",
    "gruvbox-light", "rose-pine-dawn", "everforest-light", "high-contrast-light",
]  # fmt: skip
WHO = ("Alice Author", "alice@example.com", "2024-01-02T10:00:00+00:00")
APP = 'import os\n\ndef greet(name):\n    return "hi " + name\n'
LONG = "x = '" + "a very long line that runs far past a phone screen " * 4 + "'\n"

#: WCAG contrast of an element's text against what is really behind it: the background
#: colours from the element up to <html>, painted over each other on a canvas (so
#: translucent tints such as color-mix(..., transparent) are composited as the browser does).
CONTRAST = """(el) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const layers = [];
    for (let e = el; e; e = e.parentElement) layers.unshift(getComputedStyle(e).backgroundColor);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, 1, 1);
    for (const c of layers) { ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1); }
    const bg = Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
    ctx.fillStyle = getComputedStyle(el).color;
    ctx.fillRect(0, 0, 1, 1);
    const fg = Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
    const lum = (rgb) => {
        const [r, g, b] = rgb.map((v) => {
            const c = v / 255;
            return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return { ratio: (hi + 0.05) / (lo + 0.05), bg: lum(bg) };
}"""


def _git(repo: Path, *args: str) -> None:
    name, email, date = WHO
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo.parent),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def repo_session(api: Any) -> Iterator[str]:
    """A session in a repository with an unstaged change: a replaced line between context
    lines, and one added line far wider than a phone."""
    repo = Path(api.get("/api/shells").json()["cwd"]) / "viewers16-repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text(APP)
    (repo / "notes.txt").write_text("one\ntwo\nold line\nfour\nfive\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Initial commit")
    (repo / "notes.txt").write_text("one\ntwo\nnew line\n" + LONG + "four\nfive\n")
    response = api.post("/api/sessions", data={"name": "viewers16", "cwd": str(repo)})
    assert response.status == 201, response.text()
    try:
        yield str(response.json()["id"])
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def _set_theme(api: Any, theme_id: str) -> None:
    current = api.get("/api/preferences").json()["prefs"]
    response = api.put("/api/preferences", data={"prefs": {**current, "themeId": theme_id}})
    assert response.ok, response.text()


def _phone(new_context: Any, auth: dict[str, Any], width: int) -> Any:
    """A logged-in touch phone `width` px wide (844 high), on a page of its own."""
    return new_context(storage_state=auth, viewport={"width": width, "height": 844},
                       is_mobile=True, has_touch=True, device_scale_factor=2).new_page()


def _open_diff(page: Any, sid: str) -> Any:
    """The code page → Changes → notes.txt's unstaged diff; returns the diff region."""
    page.goto(f"/code/{sid}")
    views = page.get_by_role("tablist", name="Views")
    views.get_by_role("tab", name=re.compile("^Changes")).click()
    page.get_by_role("region", name="Unstaged", exact=True).get_by_role("button").click()
    region = page.get_by_role("region", name="Diff of notes.txt")
    expect(region.locator(".cv-drow.add")).to_have_count(2)
    return region


def _worst(page: Any, selector: str) -> float:
    rows = page.locator(selector)
    assert rows.count() > 0, selector
    return float(min(row.evaluate(CONTRAST)["ratio"] for row in rows.all()))


def _assert_readable(page: Any, where: str) -> None:
    for kind in ("add", "remove", "context"):
        ratio = _worst(page, f".cv-drow.{kind} .cv-dtext")
        assert ratio >= 4.5, f"{where}: {kind} lines have contrast {ratio:.2f}:1"


# -- defect 1: light themes ----------------------------------------------------------------


@pytest.mark.parametrize("theme", LIGHT_THEMES)
def test_diff_and_syntax_are_readable_in_light_themes(
    authed_page: Any, api: Any, repo_session: str, theme: str
) -> None:
    page = authed_page
    _set_theme(api, theme)
    try:
        _open_diff(page, repo_session)
        _assert_readable(page, theme)
        added = page.locator(".cv-drow.add").first.evaluate(CONTRAST)
        assert added["bg"] > 0.5, f"{theme}: an added line sits on a dark band"
        page.get_by_role("tablist", name="Views").get_by_role("tab", name="Files").click()
        page.get_by_role("tree", name="Files").get_by_role("treeitem", name="app.py").click()
        expect(page.locator(".cv-code .hljs-keyword").first).to_be_visible()
        for token in ("keyword", "string", "title"):
            ratio = _worst(page, f".cv-code .hljs-{token}")
            assert ratio >= 4.5, f"{theme}: .hljs-{token} has contrast {ratio:.2f}:1"
    finally:
        _set_theme(api, "dark")
    assert page.errors == []


def test_diff_follows_a_live_theme_switch(authed_page: Any, api: Any, repo_session: str) -> None:
    page = authed_page
    page.emulate_media(color_scheme="dark")
    _set_theme(api, "system")
    try:
        _open_diff(page, repo_session)
        _assert_readable(page, "dark")
        page.emulate_media(color_scheme="light")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'light'")
        _assert_readable(page, "after switching to light")
        page.emulate_media(color_scheme="dark")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        _assert_readable(page, "after switching back to dark")
    finally:
        _set_theme(api, "dark")
    assert page.errors == []


# -- defect 3: phone markdown --------------------------------------------------------------

WIDE_DOC = (
    "# Wide\n\n| "
    + " | ".join(f"column {i}" for i in range(14))
    + " |\n|"
    + "---|" * 14
    + "\n| "
    + " | ".join(f"value{i}" for i in range(14))
    + " |\n\n"
    "```sh\n" + "echo " + "long-argument " * 30 + "\n```\n\nA closing paragraph.\n"
)

#: The document column does not scroll sideways and is no wider than the screen (a wider
#: column is clipped by the sheet: no scrollbar, every line cut), and every table and code
#: block stays inside the column (scrolling in its own box if it must).
MD_FITS = """() => {
    const body = document.querySelector('.md-body');
    const dialog = body.closest('[role=dialog]');
    const right = body.getBoundingClientRect().right;
    const boxes = Array.from(body.querySelectorAll('table, pre'));
    return {
        overflow: body.scrollWidth - body.clientWidth,
        dialogRight: dialog.getBoundingClientRect().right,
        bodyRight: right,
        pageWidth: document.documentElement.scrollWidth,
        outside: boxes.filter((b) => b.getBoundingClientRect().right > right + 1).length,
        scrolling: boxes.filter((b) => b.scrollWidth > b.clientWidth + 1).length,
        boxes: boxes.length,
    };
}"""


@pytest.fixture(scope="module")
def docs_session(api: Any) -> Iterator[str]:
    """A session whose cwd holds this project's README.md and CHANGELOG.md, and wide.md."""
    root = Path(api.get("/api/shells").json()["cwd"]) / "viewers16-docs"
    root.mkdir()
    shutil.copy(ROOT / "README.md", root / "README.md")
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    (root / "wide.md").write_text(WIDE_DOC)
    response = api.post("/api/sessions", data={"name": "viewers16-docs", "cwd": str(root)})
    assert response.status == 201, response.text()
    try:
        yield str(response.json()["id"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _open_markdown(page: Any, sid: str, name: str) -> Any:
    """Terminal → Tools → View markdown → `name`; returns the viewer's dialog."""
    page.goto(f"/terminal?id={sid}")
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_role("option", name="View markdown").click()
    viewer = page.get_by_role("dialog", name="Markdown")
    viewer.get_by_role("button", name=re.compile(rf"^{re.escape(name)}, file\b")).click()
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog.locator(".md-body").get_by_role("heading", level=1).first).to_be_visible()
    return dialog


@pytest.mark.parametrize("width", [320, 390])
def test_phone_markdown_fits_the_sheet(
    new_context: Any, auth_state: dict[str, Any], docs_session: str, width: int
) -> None:
    page = _phone(new_context, auth_state, width)
    for name in ("README.md", "CHANGELOG.md", "wide.md"):
        _open_markdown(page, docs_session, name)
        fit = page.evaluate(MD_FITS)
        assert fit["overflow"] <= 1, f"{name} at {width}px: the document is {fit}"
        assert fit["dialogRight"] <= width + 1, f"{name} at {width}px: {fit}"
        assert fit["bodyRight"] <= width + 1, f"{name} at {width}px: {fit}"
        assert fit["pageWidth"] <= width, f"{name} at {width}px: {fit}"
        assert fit["outside"] == 0, f"{name} at {width}px: {fit}"
        if name == "wide.md":
            assert fit["boxes"] == 2, fit
            assert fit["scrolling"] == 2, fit
    assert page.errors == []


# -- defect 8: phone code viewer -----------------------------------------------------------

#: How far the diff scrolls sideways, and how tall the wide added line is in lines.
DIFF_SHAPE = """() => {
    const scroll = document.querySelector('[aria-label="Diff of notes.txt"]');
    const long = Array.from(scroll.querySelectorAll('.cv-drow.add'))
        .find((r) => r.textContent.includes('very long line'));
    const line = parseFloat(getComputedStyle(scroll.querySelector('.cv-diff')).lineHeight);
    return {
        sideways: scroll.scrollWidth - scroll.clientWidth,
        lines: Math.round(long.getBoundingClientRect().height / line),
        right: long.querySelector('.cv-dtext').getBoundingClientRect().right,
    };
}"""


def test_phone_diff_wraps_with_a_toggle(
    new_context: Any, auth_state: dict[str, Any], repo_session: str
) -> None:
    page = _phone(new_context, auth_state, 390)
    region = _open_diff(page, repo_session)
    wrap = page.get_by_role("button", name="Wrap")
    expect(wrap).to_have_attribute("aria-pressed", "true")  # the phone default
    shape = page.evaluate(DIFF_SHAPE)
    assert shape["sideways"] <= 1, shape
    assert shape["lines"] >= 3, shape
    assert shape["right"] <= 390, shape
    wrap.tap()
    expect(wrap).to_have_attribute("aria-pressed", "false")
    expect(region.locator(".cv-diff")).not_to_have_class(re.compile(r"\bwrap\b"))
    shape = page.evaluate(DIFF_SHAPE)
    assert shape["sideways"] > 390, shape
    assert shape["lines"] == 1, shape
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []


def test_phone_blame_is_compact_and_tap_shows_details(
    new_context: Any, auth_state: dict[str, Any], repo_session: str
) -> None:
    page = _phone(new_context, auth_state, 390)
    page.goto(f"/code/{repo_session}")
    page.get_by_role("tree", name="Files").get_by_role("treeitem", name="app.py").tap()
    expect(page.locator(".cv-code .hljs-keyword").first).to_be_visible()
    page.get_by_role("button", name="Blame").tap()
    gutter = page.get_by_role("list", name="Blame")
    group = gutter.get_by_role("listitem").first
    expect(group).to_have_attribute("data-lines", "1-4")
    box = gutter.bounding_box()
    assert box is not None
    assert box["width"] <= 80, f"blame gutter is {box} wide"
    expect(group.locator(".cv-blame-hash")).to_be_visible()
    expect(group.locator(".cv-blame-author")).to_be_hidden()
    # On a touch screen the gutter is one button over the groups: a tap on a group's rows (#16).
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + 30)
    details = page.get_by_role("note", name="Blame details")
    expect(details).to_contain_text("Alice Author")
    expect(details).to_contain_text("Initial commit")
    expect(group).to_have_class(re.compile(r"\bopen\b"))
    details.get_by_role("button", name="Close blame details").tap()
    expect(details).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []


def test_desktop_diff_does_not_wrap_by_default(authed_page: Any, repo_session: str) -> None:
    page = authed_page
    _open_diff(page, repo_session)
    wrap = page.get_by_role("button", name="Wrap")
    expect(wrap).to_have_attribute("aria-pressed", "false")
    wrap.click()
    page.wait_for_function(f"() => ({DIFF_SHAPE})().sideways <= 1")
    assert page.errors == []


# -- defect 15: markdown viewer chrome -----------------------------------------------------

#: Visible text outside the document that names the file, and the room between the sheet's
#: header and the document (a second row naming the file again cost a phone ~55 px).
CHROME = """(name) => {
    const body = document.querySelector('.md-body');
    const dialog = body.closest('[role=dialog]');
    const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
    let names = 0;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (body.contains(el) || !n.textContent.includes(name)) continue;
        if (el.checkVisibility() && el.getBoundingClientRect().width > 0) names++;
    }
    const head = dialog.querySelector('.sheet-head').getBoundingClientRect().bottom;
    return { names, gap: body.getBoundingClientRect().top - head };
}"""

#: The part of the Files sheet's box that shows outside the markdown viewer's box (0: none).
FILES_POKING_OUT = """() => {
    const files = document.querySelector('.fb-sheet');
    if (getComputedStyle(files).visibility === 'hidden') return 0;
    const f = files.getBoundingClientRect();
    const m = document.querySelector('.md-sheet').getBoundingClientRect();
    return Math.max(0, m.top - f.top) + Math.max(0, f.bottom - m.bottom)
        + Math.max(0, m.left - f.left) + Math.max(0, f.right - m.right);
}"""


def test_phone_markdown_names_the_file_once(phone: Any, docs_session: str) -> None:
    page = phone
    dialog = _open_markdown(page, docs_session, "README.md")
    chrome = page.evaluate(CHROME, "README.md")
    assert chrome["names"] == 1, chrome
    assert chrome["gap"] <= 2, chrome
    # Back to the list is still one tap away, and still says where it goes.
    dialog.get_by_role("button", name="← Files").tap()
    side = page.get_by_role("complementary", name="Markdown files")
    expect(side.get_by_role("button", name=re.compile(r"^CHANGELOG\.md, file\b"))).to_be_visible()
    assert page.errors == []


def test_desktop_markdown_from_files_hides_the_files_sheet(
    authed_page: Any, docs_session: str
) -> None:
    page = authed_page
    page.goto(f"/terminal?id={docs_session}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_role("option", name="Browse files").click()
    files = page.get_by_role("dialog", name="Files")
    files.get_by_role("button", name=re.compile(r"^README\.md, file\b")).click()
    files.get_by_role("button", name="View", exact=True).click()
    viewer = page.get_by_role("dialog", name="README.md")
    expect(viewer.locator(".md-body h1").first).to_be_visible()
    assert page.evaluate(FILES_POKING_OUT) == 0
    # Closing the viewer brings the Files sheet back as it was.
    viewer.get_by_role("button", name="Close", exact=True).click()
    expect(viewer).to_have_count(0)
    expect(files.get_by_role("button", name=re.compile(r"^README\.md, file\b"))).to_be_visible()
    assert page.errors == []
