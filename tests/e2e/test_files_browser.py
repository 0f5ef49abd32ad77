"""Browser tests of the files panels, opened the way a user does: Tools (Ctrl+K) → "Browse
files" / "Upload files" / "View markdown" on the terminal page.

Each module run builds a folder in the server's cwd (text, binary, markdown with an image
and hostile HTML, a dotfile, nested folders) and opens a session there through the API.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SCREENSHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MiB = 1024 * 1024

#: Markdown whose HTML tries to run script four ways; each would set window.__pwned.
README = """# Project title

Intro with *emphasis*, a [link to the guide](guide.md#second-part) and
[an external site](https://example.com/).

| Name | Size |
|------|-----:|
| alpha | 1 |
| beta | 22 |

```python
print("fenced code")
```

![red square](img/red.png)

<img src="missing.png" onerror="window.__pwned = 'img-onerror'">
<script>window.__pwned = 'script'</script>
<a href="javascript:window.__pwned = 'js-url'">js link</a>
<details open ontoggle="window.__pwned = 'ontoggle'"><summary>More</summary>inside</details>
<iframe srcdoc="<script>parent.__pwned = 'iframe'</script>"></iframe>

- [x] done item
- [ ] open item
"""
GUIDE = "# Guide\n\nFirst.\n\n## Second part\n\nReached through a link.\n"


RECORD_PROGRESS = """() => {
    window.__progress = [];
    new MutationObserver(() => {
        for (const bar of document.querySelectorAll('.up-item.uploading progress')) {
            window.__progress.push([bar.getAttribute('aria-label'), bar.value]);
        }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
}"""


DROP_FILE = """([name, text]) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type: 'text/plain' }));
    const zone = document.querySelector('.up-drop');
    const init = { bubbles: true, cancelable: true, dataTransfer: data };
    zone.dispatchEvent(new DragEvent('dragover', init));
    zone.dispatchEvent(new DragEvent('drop', init));
}"""


def _png(width: int, height: int) -> bytes:
    """A solid red PNG (a real image, so the browser reports its natural size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _make_tree(root: Path) -> None:
    (root / "docs" / "img").mkdir(parents=True)
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "notes.txt").write_text("plain notes\n")
    (root / "my file's name.txt").write_text("quoted\n")
    (root / ".hidden-note").write_text("dot\n")
    (root / "sub" / "deeper" / "data.bin").write_bytes(secrets.token_bytes(300_000))
    (root / "docs" / "README.md").write_text(README)
    (root / "docs" / "guide.md").write_text(GUIDE)
    (root / "docs" / "img" / "red.png").write_bytes(_png(24, 12))


@pytest.fixture(scope="module")
def tree(api: Any) -> Iterator[tuple[str, Path]]:
    """(session id, folder): a session whose cwd is a fresh folder of test files."""
    server_cwd = Path(api.get("/api/shells").json()["cwd"])
    root = server_cwd / f"files-e2e-{secrets.token_hex(3)}"
    _make_tree(root)
    response = api.post("/api/sessions", data={"name": "files", "cwd": str(root)})
    assert response.status == 201, response.text()
    try:
        yield str(response.json()["id"]), root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / name))


def _open_terminal(page: Any, sid: str) -> None:
    page.goto(f"/terminal?id={sid}")
    page.wait_for_selector(".xterm-rows")
    page.wait_for_function(ROWS_CONTAIN, arg="$")


def _open_panel(page: Any, command: str, title: str) -> Any:
    """Tools → `command`; returns the panel's dialog."""
    page.get_by_role("button", name="Tools").click()
    page.get_by_role("option", name=command).click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    return dialog


def _row(scope: Any, name: str, kind: str = "file") -> Any:
    return scope.get_by_role("button", name=re.compile(rf"^{re.escape(name)}, {kind}\b"))


def _crumbs(dialog: Any) -> Any:
    return dialog.get_by_role("navigation", name="Folder path")


def test_browse_breadcrumbs_download_and_insert_path(
    authed_page: Any, tree: tuple[str, Path]
) -> None:
    page = authed_page
    sid, root = tree
    _open_terminal(page, sid)
    files = _open_panel(page, "Browse files", "Files")
    crumbs = _crumbs(files)
    expect(crumbs.get_by_role("button")).to_have_text([root.name])

    # Folders first, then files; no dotfiles until asked for.
    names = files.locator(".fb-name")
    expect(names).to_have_text(["docs", "sub", "my file's name.txt", "notes.txt"])
    files.get_by_role("checkbox", name="Hidden").check()
    expect(_row(files, ".hidden-note")).to_be_visible()
    files.get_by_role("checkbox", name="Hidden").uncheck()
    expect(_row(files, ".hidden-note")).to_have_count(0)

    # Down two levels, back up one through the breadcrumbs.
    _row(files, "sub", "folder").click()
    _row(files, "deeper", "folder").click()
    expect(crumbs.get_by_role("button")).to_have_text([root.name, "sub", "deeper"])
    expect(crumbs.get_by_role("button", name="deeper")).to_have_attribute(
        "aria-current", "location"
    )
    crumbs.get_by_role("button", name="sub").click()
    expect(crumbs.get_by_role("button")).to_have_text([root.name, "sub"])
    expect(names).to_have_text(["deeper"])

    # Download: the saved bytes are the file's bytes.
    _row(files, "deeper", "folder").click()
    _row(files, "data.bin").click()
    with page.expect_download() as info:
        files.get_by_role("button", name="Download", exact=True).click()
    download = info.value
    assert download.suggested_filename == "data.bin"
    saved = Path(download.path()).read_bytes()
    expected = (root / "sub" / "deeper" / "data.bin").read_bytes()
    assert hashlib.sha256(saved).digest() == hashlib.sha256(expected).digest()
    expect(files.get_by_text(re.compile(r"^Downloaded data\.bin"))).to_be_visible()

    # Keyboard: the rows are a list the arrow keys walk.
    crumbs.get_by_role("button", name=root.name).click()
    expect(names).to_have_count(4)
    _row(files, "docs", "folder").focus()
    page.keyboard.press("ArrowDown")
    expect(_row(files, "sub", "folder")).to_be_focused()
    page.keyboard.press("End")
    expect(_row(files, "notes.txt")).to_be_focused()

    # Other files open in the code viewer page.
    _row(files, "notes.txt").click()
    expect(files.get_by_role("link", name="Open in code viewer")).to_have_attribute(
        "href", f"/code/{sid}?file=notes.txt"
    )
    _row(files, "notes.txt").click()

    # Filter by name.
    files.get_by_label("Filter by name").fill("NOTES")
    expect(names).to_have_text(["notes.txt"])
    files.get_by_label("Filter by name").fill("")

    # Insert path: the shell-quoted absolute path is typed into the terminal.
    _row(files, "my file's name.txt").click()
    files.get_by_role("button", name="Insert path").click()
    expect(files).to_have_count(0)
    quoted = "'" + str(root / "my file'\\''s name.txt") + "'"
    page.wait_for_function(ROWS_CONTAIN, arg=quoted[-40:])
    assert page.errors == []


def test_missing_folder_error_is_shown_inline(authed_page: Any, tree: tuple[str, Path]) -> None:
    page = authed_page
    sid, root = tree
    doomed = root / "soon-gone"
    doomed.mkdir()
    _open_terminal(page, sid)
    files = _open_panel(page, "Browse files", "Files")
    row = _row(files, "soon-gone", "folder")
    expect(row).to_be_visible()
    doomed.rmdir()
    row.click()
    expect(files.get_by_role("alert")).to_have_text("Directory not found")
    # The listing it came from is still there to continue from.
    expect(_row(files, "docs", "folder")).to_be_visible()
    assert page.errors == []


def test_large_download_asks_first(authed_page: Any, tree: tuple[str, Path]) -> None:
    page = authed_page
    sid, root = tree
    with (root / "large.img").open("wb") as fh:  # sparse: 60 MiB that take no disk
        fh.truncate(60 * MiB)
    _open_terminal(page, sid)
    files = _open_panel(page, "Browse files", "Files")
    _row(files, "large.img").click()
    actions = files.get_by_role("group", name="Actions for large.img")
    actions.get_by_role("button", name="Download", exact=True).click()
    expect(actions).to_contain_text("large.img is 60 MB. Download anyway?")
    actions.get_by_role("button", name="Cancel").click()
    expect(actions.get_by_role("button", name="Download", exact=True)).to_be_enabled()
    expect(files.locator("progress")).to_have_count(0)
    (root / "large.img").unlink()
    assert page.errors == []


def test_files_panel_on_phone_opens_markdown_viewer(phone: Any, tree: tuple[str, Path]) -> None:
    page = phone
    sid, _ = tree
    _open_terminal(page, sid)
    files = _open_panel(page, "Browse files", "Files")
    expect(_row(files, "notes.txt")).to_be_visible()
    box = files.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    _row(files, "notes.txt").tap()
    expect(files.get_by_role("group", name="Actions for notes.txt")).to_be_visible()
    _shot(page, "files-phone.png")

    _row(files, "docs", "folder").tap()
    _row(files, "README.md").tap()
    files.get_by_role("button", name="View").tap()
    viewer = page.get_by_role("dialog", name="README.md")
    expect(viewer.get_by_role("heading", name="Project title", level=1)).to_be_visible()
    # Closing the viewer returns to the file browser.
    viewer.get_by_role("button", name="Close").tap()
    expect(viewer).to_have_count(0)
    expect(_row(files, "README.md")).to_be_visible()
    assert page.errors == []


def test_upload_with_progress_destination_and_limit(
    phone: Any, tree: tuple[str, Path], tmp_path: Path
) -> None:
    page = phone
    sid, root = tree
    _open_terminal(page, sid)
    upload = _open_panel(page, "Upload files", "Upload files")
    expect(upload.locator(".up-dest-path")).to_have_text(str(root))

    # Destination: the "sub" folder, picked by browsing.
    upload.get_by_role("button", name="Change destination folder").tap()
    picker = upload.get_by_role("group", name="Choose the destination folder")
    _row(picker, "sub", "folder").tap()
    picker.get_by_role("button", name="Upload here").tap()
    expect(upload.locator(".up-dest-path")).to_have_text(str(root / "sub"))

    # Real files on disk: Playwright hands their paths to Chromium instead of copying bytes.
    picks = tmp_path / "picks"
    picks.mkdir()
    big = secrets.token_bytes(3 * MiB)
    small = "Grüße\n".encode()
    (picks / "big-but-ok.bin").write_bytes(big)
    (picks / "grüße.txt").write_bytes(small)
    with (picks / "too-big.bin").open("wb") as fh:
        fh.truncate(10 * MiB + 1)
    # Record every progress value rendered while a file is still uploading.
    page.evaluate(RECORD_PROGRESS)
    chooser = upload.locator("input[type=file]")
    chooser.set_input_files([picks / "big-but-ok.bin", picks / "grüße.txt", picks / "too-big.bin"])
    items = upload.get_by_role("list", name="Uploads")
    refused = items.locator("li", has_text="too-big.bin")
    expect(refused).to_contain_text("Not sent: File too large (max 10 MB)")
    for name in ("big-but-ok.bin", "grüße.txt"):
        item = items.locator("li", has_text=name)
        expect(item).to_contain_text("Uploaded", timeout=15_000)
        expect(
            item.get_by_role("progressbar", name=f"Upload progress for {name}")
        ).to_have_js_property("value", 100)
        expect(item).to_contain_text(f"Saved to {root / 'sub' / name}")
    expect(upload.get_by_role("status")).to_have_text("2 of 3 uploaded")
    # The bars were driven by upload progress events up to 100 %, not just set when done.
    seen: list[tuple[str, int]] = page.evaluate("() => window.__progress")
    for name in ("big-but-ok.bin", "grüße.txt"):
        assert max(v for label, v in seen if label.endswith(f" {name}")) == 100
    assert (root / "sub" / "big-but-ok.bin").read_bytes() == big
    assert (root / "sub" / "grüße.txt").read_bytes() == small
    assert not (root / "sub" / "too-big.bin").exists()

    # The same name again is not overwritten: the server renames, the panel says so.
    (picks / "grüße.txt").write_bytes(b"second")
    chooser.set_input_files(picks / "grüße.txt")
    renamed = root / "sub" / "grüße (1).txt"
    expect(items.locator("li", has_text="renamed")).to_contain_text(str(renamed))
    assert renamed.read_bytes() == b"second"
    assert (root / "sub" / "grüße.txt").read_bytes() == small
    _shot(page, "upload.png")

    # Dropping files works like picking them.
    page.evaluate(DROP_FILE, ["dropped.txt", "from a drop"])
    expect(items.locator("li", has_text="dropped.txt")).to_contain_text("Uploaded")
    assert (root / "sub" / "dropped.txt").read_text() == "from a drop"

    upload.get_by_role("button", name="Insert path of big-but-ok.bin").tap()
    page.wait_for_function(ROWS_CONTAIN, arg="big-but-ok.bin")
    assert page.errors == []


def test_markdown_renders_gfm_images_and_no_script(
    authed_page: Any, tree: tuple[str, Path]
) -> None:
    page = authed_page
    sid, _ = tree
    _open_terminal(page, sid)
    viewer = _open_panel(page, "View markdown", "Markdown")
    side = viewer.get_by_role("complementary", name="Markdown files")
    _row(side, "docs", "folder").click()
    # Only folders and markdown files are listed.
    expect(side.locator(".fb-name")).to_have_text(["img", "guide.md", "README.md"])
    _row(side, "README.md").click()

    # The dialog is titled after the open document.
    viewer = page.get_by_role("dialog", name="README.md")
    doc = viewer.locator(".md-body")
    expect(doc.get_by_role("heading", name="Project title", level=1)).to_be_visible()
    expect(doc.locator("table td")).to_have_text(["alpha", "1", "beta", "22"])
    expect(doc.locator("pre code")).to_have_text('print("fenced code")')
    expect(doc.locator("input[type=checkbox]")).to_have_count(2)

    # The relative image is served from the session and really loads.
    image = doc.get_by_role("img", name="red square")
    expect(image).to_have_attribute("src", re.compile(r"/file-raw\?file=docs%2Fimg%2Fred\.png$"))
    page.wait_for_function(
        "() => { const i = document.querySelector('.md-body img[alt=\"red square\"]');"
        " return !!i && i.complete && i.naturalWidth === 24 }"
    )

    # None of the hostile HTML survived or ran.
    assert doc.locator("script, iframe, [onerror], [ontoggle], [style]").count() == 0
    js_link = doc.get_by_text("js link")
    assert js_link.get_attribute("href") is None
    js_link.click()
    external = doc.get_by_role("link", name="an external site")
    expect(external).to_have_attribute("target", "_blank")
    expect(external).to_have_attribute("rel", "noopener noreferrer")
    assert page.evaluate("() => window.__pwned") is None
    _shot(page, "markdown.png")

    # A+ / A- scale the document text by 10 %.
    before = doc.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    viewer.get_by_role("button", name="Larger text").click()
    expect(doc).to_have_css("font-size", f"{round(before * 1.1, 1):g}px")
    viewer.get_by_role("button", name="Smaller text").click()
    expect(doc).to_have_css("font-size", f"{before:g}px")

    # A relative .md link opens inside the viewer, at its heading; Back returns.
    doc.get_by_role("link", name="link to the guide").click()
    viewer = page.get_by_role("dialog", name="guide.md")
    doc = viewer.locator(".md-body")
    expect(doc.get_by_role("heading", name="Second part")).to_be_in_viewport()
    expect(page).to_have_url(re.compile(r"/terminal\?id="))
    viewer.get_by_role("button", name="← Back").click()
    expect(
        page.get_by_role("dialog", name="README.md").get_by_role("heading", level=1)
    ).to_have_text("Project title")
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []
