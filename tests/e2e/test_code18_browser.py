"""Code viewer, issue #18: review comments survive a reload, and files show type icons.

A real git repository in the server's cwd holds one file of each kind the icons tell apart,
committed, then one tracked file changed (the diff to comment on). The review tests work in
the terminal's code sheet (review mode types into the terminal); the icon test reads the page.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

RepoSession = tuple[str, Path]

#: One file of each kind, and the icon it must get (data-kind on the row's svg).
FILES = {
    "app.py": "code",
    "run.sh": "script",
    "README.md": "markdown",
    "logo.png": "image",
    "config.yaml": "config",
    "package-lock.json": "lock",
    ".gitignore": "git",
    "Dockerfile": "docker",
    "LICENSE": "license",
    "dist.zip": "archive",
    "notes.txt": "text",
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _git(repo: Path, *args: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo.parent),  # no user config (signing, hooks) leaks into the fixture
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@example.com",
        "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@example.com",
    }  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=30)


def _make_repo(repo: Path) -> None:
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "util.py").write_text("def one():\n    return 1\n")
    for name in FILES:
        path = repo / name
        if name == "logo.png":
            path.write_bytes(PNG)
        elif name == "dist.zip":
            path.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
        else:
            path.write_text(f"{name}\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Files of every kind")
    (repo / "app.py").write_text("app.py\nprint('changed')\n")  # the unstaged diff


@pytest.fixture(scope="module")
def repo_session(api: Any) -> RepoSession:
    """(session id, repo path): a session whose cwd is a fresh repository in the server's cwd."""
    repo = Path(api.get("/api/shells").json()["cwd"]) / "code18-repo"
    _make_repo(repo)
    response = api.post("/api/sessions", data={"name": "code18", "cwd": str(repo)})
    assert response.status == 201, response.text()
    return str(response.json()["id"]), repo


def _open_code_sheet(page: Any, sid: str) -> Any:
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_text("View code").click()
    sheet = page.get_by_role("dialog", name="Code")
    expect(sheet.get_by_role("treeitem", name="app.py")).to_be_visible()
    return sheet


def _changes_tab(scope: Any) -> Any:
    return scope.get_by_role("tablist", name="Views").get_by_role("tab", name=re.compile("^Chang"))


def _open_diff(sheet: Any) -> None:
    _changes_tab(sheet).click()
    sheet.get_by_role("region", name="Unstaged", exact=True).get_by_role("button").click()
    expect(sheet.locator(".cv-drow.add").first).to_be_visible()


def _comment(sheet: Any, text: str) -> None:
    review = sheet.get_by_role("button", name="Review")
    if review.get_attribute("aria-pressed") != "true":
        review.click()
    sheet.locator(".cv-drow.add").first.click()
    form = sheet.get_by_role("form", name=re.compile("^Comment on"))
    form.get_by_role("textbox").fill(text)
    form.get_by_role("button", name="Add comment").click()
    expect(sheet.locator(".cv-comment-text", has_text=text)).to_be_visible()


def test_review_comments_survive_a_reload_until_sent(
    authed_page: Any, repo_session: RepoSession
) -> None:
    page = authed_page
    sid, _ = repo_session
    sheet = _open_code_sheet(page, sid)
    _open_diff(sheet)
    _comment(sheet, "Keep this after a reload")
    _comment(sheet, "And this one")
    bar = sheet.get_by_role("region", name="Review")
    expect(bar).to_contain_text("2 review comments")

    page.reload()
    sheet = _open_code_sheet(page, sid)
    bar = sheet.get_by_role("region", name="Review")
    expect(bar).to_contain_text("2 review comments")  # before the diff is even opened
    _open_diff(sheet)
    sheet.get_by_role("button", name="Review").click()
    texts = sheet.locator(".cv-comment-text")
    expect(texts).to_have_text(["Keep this after a reload", "And this one"])

    # One removed, the other sent: neither comes back.
    sheet.get_by_role("note", name=re.compile("Review comment")).filter(
        has_text="And this one"
    ).get_by_role("button").click()
    expect(bar).to_contain_text("1 review comment")
    bar.get_by_role("button", name="Send to terminal").click()
    expect(bar.get_by_role("status")).to_have_text("Sent 1 comment to the terminal.")
    page.reload()
    sheet = _open_code_sheet(page, sid)
    _open_diff(sheet)
    expect(sheet.get_by_role("button", name="Review")).to_be_visible()
    expect(sheet.get_by_role("region", name="Review")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('termbeam.review.v1')") is None
    assert page.errors == []


def test_discarded_comments_do_not_come_back(authed_page: Any, repo_session: RepoSession) -> None:
    page = authed_page
    sid, _ = repo_session
    sheet = _open_code_sheet(page, sid)
    _open_diff(sheet)
    _comment(sheet, "Throw me away")
    page.reload()
    sheet = _open_code_sheet(page, sid)
    bar = sheet.get_by_role("region", name="Review")
    expect(bar).to_contain_text("1 review comment")
    bar.get_by_role("button", name="Discard").click()
    expect(sheet.get_by_role("region", name="Review")).to_have_count(0)
    page.reload()
    sheet = _open_code_sheet(page, sid)
    _open_diff(sheet)
    expect(sheet.get_by_role("button", name="Review")).to_be_visible()
    expect(sheet.get_by_role("region", name="Review")).to_have_count(0)
    assert page.errors == []


def test_files_show_their_type_icons(authed_page: Any, repo_session: RepoSession) -> None:
    page = authed_page
    sid, _ = repo_session
    page.goto(f"/code/{sid}")
    tree = page.get_by_role("tree", name="Files")
    expect(tree.get_by_role("treeitem", name="app.py")).to_be_visible()

    def icon(name: str) -> Any:
        return tree.get_by_role("treeitem", name=name, exact=True).locator("svg.cv-file-icon")

    for name, kind in FILES.items():
        expect(icon(name), name).to_have_attribute("data-kind", kind)
    expect(icon("app.py")).to_have_attribute("data-lang", "python")
    expect(icon("src")).to_have_attribute("data-kind", "folder")
    tree.get_by_role("treeitem", name="src").click()
    expect(icon("src")).to_have_attribute("data-kind", "folder-open")
    expect(icon("util.py")).to_have_attribute("data-kind", "code")

    # Drawn, not a font glyph: visible, its own colour, never the terminal font's job.
    box = icon("README.md").bounding_box()
    assert box is not None
    assert box["width"] == box["height"] == 16
    shown = ("app.py", "README.md", "src")
    colours = {icon(n).evaluate("(el) => getComputedStyle(el).color") for n in shown}
    assert len(colours) == len(shown)

    # The changes list shows them too.
    _changes_tab(page).click()
    change = page.get_by_role("region", name="Unstaged", exact=True).get_by_role("button")
    expect(change.locator("svg.cv-file-icon")).to_have_attribute("data-kind", "code")
    assert page.errors == []
