"""Browser tests of the code viewer page (/code/<session id>) against a real git repository.

The repository is built by the test in a folder of the server's cwd: two commits by two
authors, then a staged change, an unstaged change and an untracked file. A session is opened
there through the API; the page must show the tree (loaded folder by folder), highlighted
code, the three kinds of change with their diffs, blame and the log.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

pytestmark = BROWSER_MARKS

RepoSession = tuple[str, Path]
SCREENSHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

ALICE = ("Alice Author", "alice@example.com", "2024-01-02T10:00:00+00:00")
BOB = ("Bob Builder", "bob@example.com", "2024-06-03T15:30:00+00:00")

APP_V1 = 'import os\n\ndef greet(name):\n    return "hi " + name\n'
APP_V2 = APP_V1 + "\ndef shout(name):\n    return greet(name).upper()\n"
UTIL = "def double(x):\n    return 2 * x\n"
README = "# Demo\n\nold readme line\nlast line\n"


def _git(repo: Path, *args: str, who: tuple[str, str, str] = ALICE) -> str:
    name, email, date = who
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo.parent),  # no user config (signing, hooks) leaks into the fixture
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date,
    }  # fmt: skip
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout


def _make_repo(repo: Path) -> None:
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "src").mkdir()
    (repo / "src" / "util.py").write_text(UTIL)
    (repo / "app.py").write_text(APP_V1)
    (repo / "README.md").write_text(README)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Initial commit", who=ALICE)
    (repo / "app.py").write_text(APP_V2)
    _git(repo, "commit", "-q", "-am", "Add shout", who=BOB)
    # Staged: a line added to util.py. Unstaged: one README line replaced. Untracked: notes.
    (repo / "src" / "util.py").write_text(UTIL + "STAGED = True\n")
    _git(repo, "add", "src/util.py")
    (repo / "README.md").write_text(README.replace("old readme line", "new readme line"))
    (repo / "notes.txt").write_text("untracked one\nuntracked two\n")


def _session(api: Any, cwd: Path, name: str) -> str:
    response = api.post("/api/sessions", data={"name": name, "cwd": str(cwd)})
    assert response.status == 201, response.text()
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def repo_session(api: Any) -> RepoSession:
    """(session id, repo path): a session whose cwd is a fresh repository in the server's cwd."""
    server_cwd = Path(api.get("/api/shells").json()["cwd"])
    repo = server_cwd / "code-viewer-repo"
    _make_repo(repo)
    return _session(api, repo, "code"), repo


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / name))


def _open(page: Any, sid: str) -> Any:
    page.goto(f"/code/{sid}")
    tree = page.get_by_role("tree", name="Files")
    expect(tree.get_by_role("treeitem", name="app.py")).to_be_visible()
    return tree


def _side_tab(page: Any, name: str) -> Any:
    return page.get_by_role("tablist", name="Views").get_by_role("tab", name=re.compile(f"^{name}"))


def _expect_active(page: Any, tab: str) -> None:
    expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")


def _diff_rows(page: Any, kind: str) -> list[str]:
    rows = page.locator(f".cv-drow.{kind} .cv-dtext")
    return [text[1:] for text in rows.all_inner_texts()]  # drop the +/- sign


def test_tree_loads_lazily_and_shows_highlighted_code(
    authed_page: Any, repo_session: RepoSession
) -> None:
    page = authed_page
    sid, _ = repo_session
    tree = _open(page, sid)
    names = tree.locator(":scope > [role=treeitem] .cv-node-name").all_inner_texts()
    assert names == ["src", "app.py", "notes.txt", "README.md"]  # folders first; .git hidden
    assert tree.get_by_role("treeitem", name="util.py").count() == 0

    # Opening the folder fetches its children then, and only then.
    folder = tree.get_by_role("treeitem", name="src")
    expect(folder).to_have_attribute("aria-expanded", "false")
    with page.expect_response(lambda r: "/file-tree" in r.url and "path=src" in r.url) as answer:
        folder.click()
    assert answer.value.ok
    expect(folder).to_have_attribute("aria-expanded", "true")
    util = tree.get_by_role("treeitem", name="util.py")
    expect(util).to_have_attribute("aria-level", "2")

    tree.get_by_role("treeitem", name="app.py").click()
    _expect_active(page, "app.py")
    code = page.locator(".cv-code code.hljs")
    expect(code.locator(".hljs-keyword").first).to_have_text("import")
    expect(code).to_contain_text("return greet(name).upper()")
    expect(page.locator(".cv-nums")).to_have_text("\n".join(str(n) for n in range(1, 8)))

    # A second file opens in its own tab; closing it returns to the first.
    util.click()
    _expect_active(page, "util.py")
    expect(page.locator(".cv-code")).to_contain_text("STAGED = True")
    _shot(page, "code-viewer.png")
    page.get_by_role("button", name="Close util.py").click()
    _expect_active(page, "app.py")
    assert page.errors == []


def test_changes_show_staged_unstaged_and_untracked_diffs(
    authed_page: Any, repo_session: RepoSession
) -> None:
    page = authed_page
    sid, _ = repo_session
    _open(page, sid)
    _side_tab(page, "Changes").click()
    staged = page.get_by_role("region", name="Staged", exact=True)
    unstaged = page.get_by_role("region", name="Unstaged", exact=True)
    untracked = page.get_by_role("region", name="Untracked", exact=True)
    expect(staged.get_by_role("button")).to_have_count(1)
    expect(staged.get_by_role("button")).to_have_accessible_name("src/util.py, modified, staged")
    expect(unstaged.get_by_role("button")).to_have_accessible_name("README.md, modified, unstaged")
    expect(untracked.get_by_role("button")).to_have_accessible_name("notes.txt, untracked")

    staged.get_by_role("button").click()
    _expect_active(page, "util.py (staged)")
    expect(page.locator(".cv-drow.add")).to_have_count(1)
    assert _diff_rows(page, "add") == ["STAGED = True"]
    assert _diff_rows(page, "remove") == []
    expect(page.locator(".cv-drow.hunk")).to_have_count(1)

    unstaged.get_by_role("button").click()
    _expect_active(page, "README.md (unstaged)")
    expect(page.locator(".cv-drow.remove")).to_have_count(1)
    assert _diff_rows(page, "remove") == ["old readme line"]
    assert _diff_rows(page, "add") == ["new readme line"]
    # Old and new numbers: the replaced line is line 3 on both sides.
    expect(page.locator(".cv-drow.remove .cv-dnum").first).to_have_text("3")
    expect(page.locator(".cv-drow.add .cv-dnum").nth(1)).to_have_text("3")
    _shot(page, "code-diff.png")

    untracked.get_by_role("button").click()
    _expect_active(page, "notes.txt (untracked)")
    expect(page.locator(".cv-drow.add")).to_have_count(2)
    assert _diff_rows(page, "add") == ["untracked one", "untracked two"]
    assert page.locator(".cv-drow.add .cv-dnum:nth-child(2)").all_inner_texts() == ["1", "2"]
    assert page.errors == []


def test_blame_gutter_names_both_authors(authed_page: Any, repo_session: RepoSession) -> None:
    page = authed_page
    sid, _ = repo_session
    tree = _open(page, sid)
    tree.get_by_role("treeitem", name="app.py").click()
    expect(page.locator(".cv-code .hljs-keyword").first).to_be_visible()
    blame = page.get_by_role("button", name="Blame")
    expect(blame).to_have_attribute("aria-pressed", "false")
    blame.click()
    expect(blame).to_have_attribute("aria-pressed", "true")
    groups = page.get_by_role("list", name="Blame").get_by_role("listitem")
    expect(groups).to_have_count(2)
    alice, bob = groups.nth(0), groups.nth(1)
    expect(alice).to_have_attribute("data-lines", "1-4")
    expect(alice).to_contain_text("Alice Author")
    expect(alice).to_have_attribute("title", re.compile(r"Initial commit$"))
    expect(bob).to_have_attribute("data-lines", "5-7")
    expect(bob).to_contain_text("Bob Builder")
    expect(bob).to_have_attribute("title", re.compile(r"Add shout$"))
    # The groups line up with the code: Bob's starts where line 5 starts.
    line_px = page.locator(".cv-lines").evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    top = page.locator(".cv-code").bounding_box()["y"]
    assert abs(bob.bounding_box()["y"] - (top + 4 * line_px)) < 2
    _shot(page, "code-blame.png")
    assert page.errors == []


def test_log_lists_commits_newest_first(authed_page: Any, repo_session: RepoSession) -> None:
    page = authed_page
    sid, repo = repo_session
    _open(page, sid)
    _side_tab(page, "Log").click()
    commits = page.get_by_role("list", name="Commits").get_by_role("listitem")
    expect(commits).to_have_count(2)
    expect(commits.nth(0)).to_contain_text("Add shout")
    expect(commits.nth(0)).to_contain_text("Bob Builder")
    expect(commits.nth(1)).to_contain_text("Initial commit")
    expect(commits.nth(1)).to_contain_text("Alice Author")
    head = _git(repo, "rev-parse", "HEAD").strip()
    expect(commits.nth(0).locator(".cv-hash")).to_have_text(head[:7])
    commits.nth(0).get_by_role("button").click()
    expect(commits.nth(0)).to_contain_text(head)
    expect(commits.nth(0)).to_contain_text("bob@example.com")
    assert page.errors == []


def test_phone_switches_between_list_and_file(
    browser: Any, server: ServerProcess, auth_state: dict[str, Any], repo_session: RepoSession
) -> None:
    sid, _ = repo_session
    context = browser.new_context(
        base_url=server.base_url, storage_state=auth_state, viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True, device_scale_factor=2,
    )  # fmt: skip
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        tree = _open(page, sid)
        tree.get_by_role("treeitem", name="app.py").tap()
        expect(page.locator(".cv-code .hljs-keyword").first).to_be_visible()
        expect(tree).to_be_hidden()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        _shot(page, "code-phone.png")
        back = page.get_by_role("button", name="Back to the list")
        expect(back).to_be_focused()  # not lost on the hidden tree row
        back.tap()
        expect(tree).to_be_visible()
        expect(page.locator(".cv-code")).to_be_hidden()
        assert errors == []
    finally:
        context.close()


def test_outside_git_hides_git_views_and_reports_errors(authed_page: Any, api: Any) -> None:
    page = authed_page
    plain = Path(api.get("/api/shells").json()["cwd"]) / "code-viewer-plain"
    plain.mkdir()
    (plain / "app.py").write_text("print('hi')\n")
    (plain / "big.txt").write_bytes(b"x" * (3 * 1024 * 1024))
    (plain / "blob.bin").write_bytes(bytes(range(256)) * 4)
    sid = _session(api, plain, "plain")
    tree = _open(page, sid)
    expect(page.get_by_text("Not a git repository")).to_be_visible()
    expect(_side_tab(page, "Changes")).to_have_count(0)
    expect(_side_tab(page, "Log")).to_have_count(0)

    tree.get_by_role("treeitem", name="big.txt").click()
    expect(page.get_by_role("alert")).to_contain_text("File too large (max 2 MB)")
    tree.get_by_role("treeitem", name="blob.bin").click()
    expect(page.get_by_role("status")).to_contain_text("Binary file")
    tree.get_by_role("treeitem", name="app.py").click()
    expect(page.locator(".cv-code .hljs-built_in").first).to_have_text("print")
    expect(page.get_by_role("button", name="Blame")).to_have_count(0)

    (plain / "later.py").write_text("x = 1\n")
    expect(tree.get_by_role("treeitem", name="later.py")).to_have_count(0)
    page.get_by_role("button", name="Reload files").click()
    expect(tree.get_by_role("treeitem", name="later.py")).to_be_visible()
    assert page.errors == []


def test_file_in_the_address_opens_and_is_revealed(
    authed_page: Any, repo_session: RepoSession
) -> None:
    page = authed_page
    sid, _ = repo_session
    page.goto(f"/code/{sid}?file=src/util.py")
    _expect_active(page, "util.py")
    expect(page.locator(".cv-code")).to_contain_text("def double(x):")
    item = page.get_by_role("tree", name="Files").get_by_role("treeitem", name="util.py")
    expect(item).to_have_attribute("aria-level", "2")
    expect(item).to_have_attribute("aria-selected", "true")
    assert page.errors == []


def test_review_comments_are_pasted_into_the_terminal(
    authed_page: Any, api: Any, repo_session: RepoSession
) -> None:
    page = authed_page
    _, repo = repo_session
    sid = _session(api, repo, "review")  # its own shell: the paste lands on a fresh prompt
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    page.get_by_role("button", name="Tools").click()
    page.get_by_text("View code").click()
    sheet = page.get_by_role("dialog", name="Code")
    _side_tab(sheet, "Changes").click()
    sheet.get_by_role("region", name="Unstaged", exact=True).get_by_role("button").click()
    sheet.get_by_role("button", name="Review").click()
    sheet.locator(".cv-drow.add").click()
    form = sheet.get_by_role("form", name="Comment on line 3")
    form.get_by_role("textbox").fill("Why \x1b[201~the new wording?")
    form.get_by_role("button", name="Add comment").click()
    note = sheet.get_by_role("note", name="Review comment on line 3")
    # The escape sequence (a would-be end of the paste) is gone before anything is sent.
    expect(note.locator(".cv-comment-text")).to_have_text("Why the new wording?")
    bar = sheet.get_by_role("region", name="Review")
    expect(bar).to_contain_text("1 review comment")
    _shot(page, "code-review.png")
    bar.get_by_role("button", name="Send to terminal").click()
    expect(bar.get_by_role("status")).to_have_text("Sent 1 comment to the terminal.")
    sheet.get_by_role("button", name="Close", exact=True).click()
    expect(sheet).to_be_hidden()
    page.wait_for_function(ROWS_CONTAIN, arg="Why the new wording?")
    page.wait_for_function(ROWS_CONTAIN, arg="> +new readme line")
    assert page.errors == []
