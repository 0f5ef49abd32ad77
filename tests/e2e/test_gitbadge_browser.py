"""Browser tests of the full git badges: provider, repository, branch and status counts on the
hub cards and in the phone session drawer, the repo/branch filter chips, and no sideways
overflow at 320 px with long names.

Three real repositories are made in a temp folder before any session starts (the server
serves badges from a cache refreshed in the background, so later edits would show late):
- `widgets`: a GitHub https origin carrying a token (which must never reach the page),
  2 staged, 1 modified, 3 untracked, 1 commit ahead of and 1 behind its upstream;
- `platform`: an Azure DevOps SSH origin, a clean tree and a very long branch and repo name;
- `scratch`: no remote at all, 1 untracked file.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cretT0ken" + secrets.token_hex(4)
LONG_BRANCH = "feature/an-exceptionally-long-branch-name-that-cannot-fit-on-a-phone"
LONG_REPO = "a-very-long-repository-name-for-the-truncation-check"

CREATE = """([name, cwd]) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name, cwd})})
    .then((r) => r.json()).then((j) => j.id)"""
DELETE_ALL = """() => fetch('/api/sessions').then((r) => r.json()).then((list) => Promise.all(
    list.map((s) => fetch('/api/sessions/' + s.id, {method: 'DELETE'}))))"""
#: True once every listed id has a git badge with a status (the background refresh landed).
BADGES_READY = """(ids) => fetch('/api/sessions').then((r) => r.json()).then((list) =>
    ids.every((id) => list.some((s) => s.id === id && s.git && s.git.status)))"""
NO_X_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
#: The element's text is cut with an ellipsis and the element stays inside the viewport.
TRUNCATED_INSIDE = """(el) => el.scrollWidth > el.clientWidth
    && el.getBoundingClientRect().right <= document.documentElement.clientWidth"""

#: The last character of an element's text lies inside the element's box (not cut off).
LAST_CHARACTER_SHOWN = """(el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = null;
    while (walker.nextNode()) text = walker.currentNode;
    const range = document.createRange();
    range.setStart(text, text.length - 1);
    range.setEnd(text, text.length);
    const last = range.getBoundingClientRect(), box = el.getBoundingClientRect();
    return last.left >= box.left - 1 && last.right <= box.right + 1;
}"""


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Jane Doe",
        "GIT_AUTHOR_EMAIL": "jane@example.com",
        "GIT_COMMITTER_NAME": "Jane Doe",
        "GIT_COMMITTER_EMAIL": "jane@example.com",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", f"add {name}")


def new_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", branch)
    commit(path, "README.md", "hello\n")
    return path


def make_widgets(path: Path) -> Path:
    """GitHub origin with a token; 1 ahead / 1 behind its upstream without any network."""
    repo = new_repo(path)
    git(repo, "remote", "add", "origin", f"https://bot:{TOKEN}@github.com/acme/widgets.git")
    # The upstream gets a commit main lacks (behind 1), main one the upstream lacks (ahead 1).
    git(repo, "checkout", "-q", "-b", "theirs")
    commit(repo, "theirs.txt", "theirs\n")
    git(repo, "update-ref", "refs/remotes/origin/main", "theirs")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "theirs")
    git(repo, "branch", "-q", "--set-upstream-to=origin/main", "main")
    commit(repo, "ours.txt", "ours\n")
    for name in ("a.txt", "b.txt"):  # staged
        (repo / name).write_text(name)
        git(repo, "add", "--", name)
    (repo / "README.md").write_text("changed\n")  # modified
    for name in ("u1.txt", "u2.txt", "u3.txt"):  # untracked
        (repo / name).write_text(name)
    return repo


def make_platform(path: Path) -> Path:
    repo = new_repo(path, LONG_BRANCH)
    git(repo, "remote", "add", "origin", f"git@ssh.dev.azure.com:v3/contoso/Platform/{LONG_REPO}")
    return repo


def make_scratch(path: Path) -> Path:
    repo = new_repo(path)
    (repo / "notes.txt").write_text("todo\n")
    return repo


WIDGETS_LABEL = ("Git branch main, GitHub repository acme/widgets, "
                 "2 staged, 1 modified, 3 untracked, 1 ahead, 1 behind")
PLATFORM_LABEL = (f"Git branch {LONG_BRANCH}, Azure DevOps repository "
                  f"contoso/Platform/{LONG_REPO}, clean")


@pytest.fixture(scope="module")
def sessions(browser: Any, server: Any, auth_state: dict[str, Any],
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """name → session id of the three repo sessions, badges already computed by the server."""
    base = tmp_path_factory.mktemp("gitbadge")
    tag = secrets.token_hex(3)
    scratch_dir = f"scratch-{tag}"
    cwds = {
        f"gh-{tag}": make_widgets(base / "widgets"),
        f"az-{tag}": make_platform(base / "platform"),
        f"local-{tag}": make_scratch(base / scratch_dir),
    }
    context = browser.new_context(base_url=server.base_url, storage_state=auth_state)
    try:
        page = context.new_page()
        page.goto("/login")  # any same-origin page: fetch() below carries the cookie
        page.evaluate(DELETE_ALL)
        ids = {name: str(page.evaluate(CREATE, [name, str(cwd)])) for name, cwd in cwds.items()}
        # Git runs in the background: poll the API (no fixed sleeps) until every badge is in.
        page.wait_for_function(BADGES_READY, arg=list(ids.values()), polling=200,
                               timeout=20_000)
    finally:
        context.close()
    return {**ids, "tag": tag, "scratch": scratch_dir}


def names(sessions: dict[str, str]) -> tuple[str, str, str]:
    tag = sessions["tag"]
    return f"gh-{tag}", f"az-{tag}", f"local-{tag}"


def card(page: Any, name: str) -> Any:
    return page.locator("li.card", has=page.get_by_role("link", name=f"Open session {name}",
                                                         exact=True))


def shot(page: Any, name: str) -> None:
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        expect(page.locator(".splash")).to_have_count(0)  # the first visit's splash overlay
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"),
                        animations="disabled")


def new_page(browser: Any, server: Any, auth_state: dict[str, Any], width: int,
             height: int) -> tuple[Any, Any]:
    context = browser.new_context(
        base_url=server.base_url, storage_state=auth_state,
        viewport={"width": width, "height": height},
        is_mobile=True, has_touch=True, device_scale_factor=2,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return context, page


def test_hub_cards_show_provider_repo_branch_and_status(
    authed_page: Any, sessions: dict[str, str]
) -> None:
    gh, az, local = names(sessions)
    page = authed_page
    page.goto("/")

    widgets = card(page, gh).get_by_role("img", name=WIDGETS_LABEL, exact=True)
    expect(widgets).to_be_visible()
    expect(widgets).to_have_attribute("title", WIDGETS_LABEL)
    expect(widgets.locator(".gitb-mark")).to_have_text("GH")
    expect(widgets.locator(".gitb-repo .gitb-text")).to_have_text("acme/widgets")
    expect(widgets.locator(".gitb-branch")).to_have_text("main")
    expect(widgets.locator(".gitb-n")).to_have_text(["+2", "~1", "?3", "↑1", "↓1"])
    # The card's link is described by the badge too, so a screen reader hears it on focus.
    expect(page.get_by_role("link", name=f"Open session {gh}", exact=True)) \
        .to_have_accessible_description(re.compile(re.escape(WIDGETS_LABEL)))

    platform = card(page, az).get_by_role("img", name=PLATFORM_LABEL, exact=True)
    expect(platform).to_be_visible()
    expect(platform.locator(".gitb-mark")).to_have_text("AZ")
    expect(platform.locator(".gitb-clean")).to_have_text("✓")
    expect(platform.locator(".gitb-n")).to_have_count(0)

    scratch_label = f"Git branch main, local repository {sessions['scratch']}, 1 untracked"
    scratch = card(page, local).get_by_role("img", name=scratch_label, exact=True)
    expect(scratch).to_be_visible()
    expect(scratch.locator(".gitb-mark")).to_have_count(0)  # no provider, no monogram
    expect(scratch.locator(".gitb-repo .gitb-text")).to_have_text(sessions["scratch"])
    expect(scratch.locator(".gitb-n")).to_have_text(["?1"])

    # The origin URL's credential never reaches the page.
    assert TOKEN not in page.content()
    assert "bot:" not in page.content()
    assert page.errors == []


def test_repo_and_branch_chips_filter_the_cards(
    authed_page: Any, sessions: dict[str, str]
) -> None:
    gh, az, local = names(sessions)
    page = authed_page
    page.goto("/")
    expect(card(page, gh).get_by_role("img", name=WIDGETS_LABEL)).to_be_visible()

    repos = page.get_by_role("group", name="Repository")
    expect(repos.get_by_role("button")).to_have_text(
        sorted(["acme/widgets", f"contoso/Platform/{LONG_REPO}", sessions["scratch"]])
    )
    repos.get_by_role("button", name="acme/widgets").click()
    expect(repos.get_by_role("button", name="acme/widgets")).to_have_attribute(
        "aria-pressed", "true")
    expect(card(page, gh)).to_be_visible()
    expect(card(page, az)).to_have_count(0)
    expect(card(page, local)).to_have_count(0)
    repos.get_by_role("button", name="acme/widgets").click()  # off again
    expect(card(page, az)).to_be_visible()

    branches = page.get_by_role("group", name="Branch")
    branches.get_by_role("button", name=LONG_BRANCH).click()
    expect(card(page, az)).to_be_visible()
    expect(card(page, gh)).to_have_count(0)
    branches.get_by_role("button", name=LONG_BRANCH).click()

    # Free text finds the provider too.
    page.get_by_role("searchbox", name="Search sessions").fill("azure")
    expect(card(page, az)).to_be_visible()
    expect(card(page, gh)).to_have_count(0)
    page.get_by_role("button", name="Clear").click()
    expect(card(page, gh)).to_be_visible()
    assert page.errors == []


def test_hub_at_320px_truncates_long_names_without_overflow(
    browser: Any, server: Any, auth_state: dict[str, Any], sessions: dict[str, str]
) -> None:
    _, az, _ = names(sessions)
    context, page = new_page(browser, server, auth_state, 320, 640)
    try:
        page.goto("/")
        platform = card(page, az).get_by_role("img", name=PLATFORM_LABEL, exact=True)
        expect(platform).to_be_visible()
        platform.scroll_into_view_if_needed()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        assert platform.locator(".gitb-repo .gitb-text").evaluate(TRUNCATED_INSIDE)
        assert platform.locator(".gitb-branch .gitb-text").evaluate(TRUNCATED_INSIDE)
        # The chips of long values scroll inside their row; the page itself does not.
        expect(page.get_by_role("group", name="Repository")).to_be_visible()
        assert page.evaluate(NO_X_OVERFLOW)
        assert page.errors == []
    finally:
        context.close()


def test_phone_drawer_shows_the_same_badges(
    browser: Any, server: Any, auth_state: dict[str, Any], sessions: dict[str, str]
) -> None:
    gh = names(sessions)[0]
    context, page = new_page(browser, server, auth_state, 390, 844)
    try:
        page.goto("/")
        expect(card(page, gh).get_by_role("img", name=WIDGETS_LABEL)).to_be_visible()
        shot(page, "hub-git-badges")
        page.goto(f"/terminal?id={sessions[gh]}")
        page.get_by_role("button", name="Sessions", exact=True).tap()
        drawer = page.get_by_role("dialog", name="Sessions")
        expect(drawer).to_be_visible()

        widgets = drawer.get_by_role("img", name=WIDGETS_LABEL, exact=True)
        expect(widgets).to_be_visible()
        expect(widgets.locator(".gitb-n")).to_have_text(["+2", "~1", "?3", "↑1", "↓1"])
        expect(drawer.get_by_role("button", name=f"Switch to {gh}", exact=True)) \
            .to_have_accessible_description(re.compile(re.escape(WIDGETS_LABEL)))
        expect(drawer.get_by_role("img", name=PLATFORM_LABEL, exact=True)).to_be_visible()
        expect(drawer.get_by_role("img", name=re.compile(
            rf"^Git branch main, local repository {re.escape(sessions['scratch'])}, "
        ))).to_be_visible()
        assert page.evaluate(NO_X_OVERFLOW)
        assert TOKEN not in page.content()
        shot(page, "drawer-git-badges")

        # The same drawer at 320 px: still nothing wider than the screen.
        page.set_viewport_size({"width": 320, "height": 640})
        platform = drawer.get_by_role("img", name=PLATFORM_LABEL, exact=True)
        expect(platform).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        assert platform.locator(".gitb-repo .gitb-text").evaluate(TRUNCATED_INSIDE)
        # A long folder loses its start, as on the hub: its last folder stays readable.
        drawer_card = drawer.locator(".drawer-card").filter(
            has=page.get_by_role("img", name=PLATFORM_LABEL, exact=True)
        )
        cwd = drawer_card.locator(".drawer-cwd")
        assert cwd.evaluate(TRUNCATED_INSIDE)
        assert cwd.evaluate(LAST_CHARACTER_SHOWN)
        assert page.errors == []
    finally:
        context.close()
