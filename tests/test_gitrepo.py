"""Git status/diff/blame/log routes and the session badge, on real repositories in tmp dirs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from termbeam_py.gitbadge import GitBadgeCache
from termbeam_py.gitparse import (
    clean_file,
    format_summary,
    parse_blame,
    parse_context,
    parse_diff,
    parse_limit,
    parse_remote,
    parse_status,
)
from termbeam_py.gitsafe import config_env, filter_overrides, untrusted_filters
from tests.helpers import AppClient, eventually

BADGE_TIMEOUT = 15.0
# The tests build their repositories with git(1) in their own bodies, which may take a loop
# step past 0.1 s on a busy machine; the server's own callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="git(1) builds the repositories in the test body")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def commit_file(repo: Path, name: str, content: str, message: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commits work in CI with no git identity; no user or system config leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Jane Doe")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "jane@example.com")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = init_repo(tmp_path / "repo")
    commit_file(path, "README.md", "hello\n", "Initial commit")
    return path


async def open_session(authed: AppClient, cwd: Path) -> str:
    response = await authed.post("/api/sessions", json={"cwd": str(cwd)})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def get_json(authed: AppClient, path: str, status: int = 200) -> Any:
    response = await authed.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def git_api(authed: AppClient, sid: str, what: str, *, status: int = 200, **query: str
                  ) -> Any:
    response = await authed.get(f"/api/sessions/{sid}/git/{what}", params=query)
    assert response.status == status, await response.text()
    return await response.json()


async def listed_badge(authed: AppClient, sid: str) -> Any:
    listing = await get_json(authed, "/api/sessions")
    return next(entry for entry in listing if entry["id"] == sid)["git"]


async def wait_badge(
    authed: AppClient, sid: str, ready: Callable[[Any], bool] = lambda b: b is not None
) -> Any:
    """Poll GET /api/sessions until the background refresh has landed."""

    async def landed() -> list[Any]:
        badge = await listed_badge(authed, sid)
        return [badge] if ready(badge) else []

    return (await eventually(landed, "the session's git badge", BADGE_TIMEOUT))[0]


# --- status ------------------------------------------------------------------------------


async def test_status_lists_staged_modified_untracked_and_renames(
    authed: AppClient, repo: Path
) -> None:
    commit_file(repo, "a.txt", "a\n", "a")
    commit_file(repo, "b.txt", "b\n", "b")
    commit_file(repo, "old name.txt", "rename me\n", "old")
    (repo / "a.txt").write_text("a changed\n")
    (repo / "b.txt").write_text("b changed\n")
    git(repo, "add", "b.txt")
    (repo / "dir ü").mkdir()
    git(repo, "mv", "old name.txt", "dir ü/new näme.txt")
    (repo / "spaced ünïcode file.txt").write_text("new\n")
    sid = await open_session(authed, repo)

    status = await git_api(authed, sid, "status")

    assert status["isGitRepo"] is True
    assert status["repoRoot"] == str(repo)
    assert status["branch"] == "main"
    assert (status["ahead"], status["behind"]) == (0, 0)
    assert sorted(status["staged"], key=lambda e: e["path"]) == [
        {"path": "b.txt", "status": "M", "oldPath": None},
        {"path": "dir ü/new näme.txt", "status": "R", "oldPath": "old name.txt"},
    ]
    assert status["modified"] == [{"path": "a.txt", "status": "M", "oldPath": None}]
    assert status["untracked"] == ["spaced ünïcode file.txt"]


async def test_status_from_a_subdirectory_uses_toplevel_paths(
    authed: AppClient, repo: Path
) -> None:
    commit_file(repo, "src/app.py", "x = 1\n", "app")
    (repo / "src" / "app.py").write_text("x = 2\n")
    sid = await open_session(authed, repo / "src")

    status = await git_api(authed, sid, "status")
    diff = await git_api(authed, sid, "diff", file="src/app.py")

    assert status["modified"] == [{"path": "src/app.py", "status": "M", "oldPath": None}]
    assert diff["additions"] == 1
    assert diff["deletions"] == 1


async def test_detached_head_shows_the_short_sha(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "more.txt", "more\n", "second")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    short = git(repo, "rev-parse", "--short", "HEAD")
    sid = await open_session(authed, repo)

    status = await git_api(authed, sid, "status")
    badge = await wait_badge(authed, sid)

    assert status["branch"] == f"({short})"
    assert badge["branch"] == f"({short})"


async def test_repo_without_commits(authed: AppClient, tmp_path: Path) -> None:
    path = init_repo(tmp_path / "fresh")
    (path / "draft.txt").write_text("draft\n")
    sid = await open_session(authed, path)

    status = await git_api(authed, sid, "status")
    log = await git_api(authed, sid, "log")
    blame = await git_api(authed, sid, "blame", file="draft.txt")
    badge = await wait_badge(authed, sid)

    assert status["branch"] == "main"
    assert status["untracked"] == ["draft.txt"]
    assert log == {"commits": []}
    assert blame == {"file": "draft.txt", "lines": []}
    assert badge["branch"] == "main"
    assert badge["repoName"] == "fresh"
    assert badge["provider"] is None
    assert badge["status"]["summary"] == "1 untracked"


async def test_ahead_and_behind_a_local_bare_origin(authed: AppClient, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = init_repo(tmp_path / "seed")
    commit_file(seed, "f.txt", "1\n", "one")
    git(seed, "push", "-q", str(origin), "main")
    work = tmp_path / "work-clone"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    commit_file(seed, "g.txt", "2\n", "two")
    git(seed, "push", "-q", str(origin), "main")
    commit_file(work, "h.txt", "3\n", "three")
    commit_file(work, "i.txt", "4\n", "four")
    git(work, "fetch", "-q")
    sid = await open_session(authed, work)

    status = await git_api(authed, sid, "status")
    badge = await wait_badge(authed, sid)

    assert (status["branch"], status["ahead"], status["behind"]) == ("main", 2, 1)
    assert badge["status"] == {
        "clean": False, "modified": 0, "staged": 0, "untracked": 0,
        "ahead": 2, "behind": 1, "summary": "2↑, 1↓",
    }
    assert badge["repoName"] == "origin"
    assert badge["provider"] is None


async def test_listing_hides_a_token_in_the_origin_url(
    authed: AppClient, repo: Path
) -> None:
    git(repo, "remote", "add", "origin", "https://jane:ghp_s3cretT0ken@github.com/owner/repo.git")
    sid = await open_session(authed, repo)

    badge = await wait_badge(authed, sid)
    listing = await (await authed.get("/api/sessions")).text()

    assert (badge["repoName"], badge["provider"]) == ("owner/repo", "GitHub")
    assert "s3cretT0ken" not in listing
    assert "jane" not in listing


async def test_status_outside_a_repo(authed: AppClient, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    sid = await open_session(authed, plain)

    assert await git_api(authed, sid, "status") == {"isGitRepo": False}
    for what, query in (("diff", {"file": "x"}), ("blame", {"file": "x"}), ("log", {})):
        body = await git_api(authed, sid, what, status=400, **query)
        assert body == {"error": "Not a git repository"}
    assert await wait_badge(authed, sid, lambda b: b is None) is None


async def test_unknown_session_is_404(authed: AppClient) -> None:
    for what in ("status", "diff", "blame", "log"):
        body = await git_api(authed, "nope", what, status=404, file="a")
        assert body == {"error": "Session not found"}


# --- diff --------------------------------------------------------------------------------


async def test_diff_unstaged_and_staged(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "code.py", "".join(f"line {n}\n" for n in range(1, 21)), "code")
    text = (repo / "code.py").read_text().replace("line 10\n", "line ten\n")
    (repo / "code.py").write_text(text)
    git(repo, "add", "code.py")
    (repo / "code.py").write_text(text + "line 21\n")
    sid = await open_session(authed, repo)

    unstaged = await git_api(authed, sid, "diff", file="code.py")
    staged = await git_api(authed, sid, "diff", file="code.py", staged="true")

    assert (unstaged["additions"], unstaged["deletions"], unstaged["isBinary"]) == (1, 0, False)
    [hunk] = unstaged["hunks"]
    assert hunk["header"] == "@@ -18,3 +18,4 @@"
    assert hunk["lines"][-1] == {"type": "add", "content": "line 21", "oldLine": None,
                                 "newLine": 21}
    assert (staged["file"], staged["additions"], staged["deletions"]) == ("code.py", 1, 1)
    [hunk] = staged["hunks"]
    assert (hunk["oldStart"], hunk["oldLines"], hunk["newStart"], hunk["newLines"]) == (
        7, 7, 7, 7)
    removed = next(line for line in hunk["lines"] if line["type"] == "remove")
    added = next(line for line in hunk["lines"] if line["type"] == "add")
    assert removed == {"type": "remove", "content": "line 10", "oldLine": 10, "newLine": None}
    assert added == {"type": "add", "content": "line ten", "oldLine": None, "newLine": 10}
    assert hunk["lines"][0] == {"type": "context", "content": "line 7", "oldLine": 7,
                                "newLine": 7}


async def test_diff_context_parameter(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "c.txt", "".join(f"{n}\n" for n in range(1, 11)), "c")
    (repo / "c.txt").write_text("".join(f"{n}\n" for n in range(1, 11)).replace("5\n", "five\n"))
    sid = await open_session(authed, repo)

    none = await git_api(authed, sid, "diff", file="c.txt", context="0")
    wide = await git_api(authed, sid, "diff", file="c.txt", context="999999")
    junk = await git_api(authed, sid, "diff", file="c.txt", context="lots")

    assert [line["type"] for line in none["hunks"][0]["lines"]] == ["remove", "add"]
    assert len(wide["hunks"][0]["lines"]) == 11  # the whole file: context clamped, not refused
    assert junk["hunks"][0]["header"] == "@@ -2,7 +2,7 @@"  # default context 3


async def test_diff_untracked_file_with_spaces_and_unicode(
    authed: AppClient, repo: Path
) -> None:
    (repo / "nëw dir").mkdir()
    (repo / "nëw dir" / "fïle one.txt").write_text("alpha\nbeta\n")
    sid = await open_session(authed, repo)

    diff = await git_api(authed, sid, "diff", file="nëw dir/fïle one.txt", untracked="true")

    assert diff["file"] == "nëw dir/fïle one.txt"
    assert (diff["additions"], diff["deletions"]) == (2, 0)
    assert [line["content"] for line in diff["hunks"][0]["lines"]] == ["alpha", "beta"]


async def test_diff_binary_file(authed: AppClient, repo: Path) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    git(repo, "add", "blob.bin")
    (repo / "text.txt").write_text("Binary files a and b differ\n")
    git(repo, "add", "text.txt")
    sid = await open_session(authed, repo)

    binary = await git_api(authed, sid, "diff", file="blob.bin", staged="true")
    quoted = await git_api(authed, sid, "diff", file="text.txt", staged="true")

    assert binary == {"file": "blob.bin", "hunks": [], "additions": 0, "deletions": 0,
                      "isBinary": True}
    assert quoted["isBinary"] is False
    assert quoted["additions"] == 1


async def test_diff_of_missing_file_is_empty(authed: AppClient, repo: Path) -> None:
    sid = await open_session(authed, repo)

    for untracked in ("false", "true"):
        diff = await git_api(authed, sid, "diff", file="ghost.txt", untracked=untracked)
        assert diff == {"file": "ghost.txt", "hunks": [], "additions": 0, "deletions": 0,
                        "isBinary": False}


async def test_diff_pathspec_is_literal(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "x.txt", "x\n", "x")
    (repo / "x.txt").write_text("y\n")
    (repo / "README.md").write_text("changed\n")
    sid = await open_session(authed, repo)

    diff = await git_api(authed, sid, "diff", file="*")

    assert diff["hunks"] == []


@pytest.mark.parametrize(
    "bad", ["", "../x", "/etc/passwd", "a/../../x", "..", ".", "a/../.."]
)
async def test_invalid_file_parameters(authed: AppClient, repo: Path, bad: str) -> None:
    sid = await open_session(authed, repo)

    for what in ("diff", "blame"):
        body = await git_api(authed, sid, what, status=400, file=bad)
        assert body == {"error": "Invalid or missing file parameter"}
    if bad:  # an empty file parameter means "no filter" for log
        body = await git_api(authed, sid, "log", status=400, file=bad)
        assert body == {"error": "Invalid file parameter"}


async def test_missing_file_parameter(authed: AppClient, repo: Path) -> None:
    sid = await open_session(authed, repo)

    body = await git_api(authed, sid, "diff", status=400)

    assert body == {"error": "Invalid or missing file parameter"}


async def test_untracked_diff_refuses_symlinked_directories_out_of_the_repo(
    authed: AppClient, repo: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.txt").write_text("top secret\n")
    (repo / "link").symlink_to(secret)
    sid = await open_session(authed, repo)

    diff = await git_api(authed, sid, "diff", file="link/secret.txt", untracked="true")

    assert diff["hunks"] == []
    assert diff["additions"] == 0


# --- blame and log -----------------------------------------------------------------------


async def test_blame_with_an_uncommitted_line(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "poem.txt", "roses\nviolets\n", "First verse")
    commit_file(repo, "poem.txt", "roses\nviolets\nsugar\n", "Second verse")
    (repo / "poem.txt").write_text("roses\nviolets\nsugar\nand you\n")
    head = git(repo, "rev-parse", "HEAD")
    first = git(repo, "rev-parse", "HEAD~1")
    sid = await open_session(authed, repo)

    blame = await git_api(authed, sid, "blame", file="poem.txt")

    assert blame["file"] == "poem.txt"
    lines = blame["lines"]
    assert [line["line"] for line in lines] == [1, 2, 3, 4]
    assert [line["content"] for line in lines] == ["roses", "violets", "sugar", "and you"]
    assert lines[0]["commit"] == lines[1]["commit"] == first[:7]
    assert lines[1]["summary"] == "First verse"  # metadata reused for a repeated commit
    assert lines[1]["author"] == "Jane Doe"
    assert lines[1]["date"].endswith(".000Z")
    assert (lines[2]["commit"], lines[2]["summary"]) == (head[:7], "Second verse")
    assert lines[3] == {"line": 4, "content": "and you", "commit": None,
                        "author": "Not Committed Yet", "date": None,
                        "summary": "Uncommitted changes"}


async def test_log_limit_and_shape(authed: AppClient, repo: Path) -> None:
    for n in range(1, 5):
        commit_file(repo, "n.txt", f"{n}\n", f"commit {n}")
    git(repo, "commit", "-q", "--allow-empty", "-m", "with body", "-m", "line one\n\nline two")
    sid = await open_session(authed, repo)

    two = await git_api(authed, sid, "log", limit="2")
    default = await git_api(authed, sid, "log", limit="abc")
    clamped = await git_api(authed, sid, "log", limit="-4")

    top, second = two["commits"]
    assert top["subject"] == "with body"
    assert top["body"] == "line one\n\nline two"
    assert top["hash"] == git(repo, "rev-parse", "HEAD")
    assert top["hash"].startswith(top["shortHash"])
    assert len(top["shortHash"]) >= 7
    assert (top["author"], top["email"]) == ("Jane Doe", "jane@example.com")
    assert top["date"].endswith(".000Z")
    assert (second["subject"], second["body"]) == ("commit 4", "")
    assert len(default["commits"]) == 6  # the default limit of 20 covers all six
    assert len(clamped["commits"]) == 1


async def test_log_for_a_file_follows_renames(authed: AppClient, repo: Path) -> None:
    commit_file(repo, "before.txt", "content\n" * 5, "create before")
    commit_file(repo, "other.txt", "other\n", "unrelated")
    git(repo, "mv", "before.txt", "after.txt")
    git(repo, "commit", "-q", "-m", "rename to after")
    sid = await open_session(authed, repo)

    log = await git_api(authed, sid, "log", file="after.txt")

    assert [c["subject"] for c in log["commits"]] == ["rename to after", "create before"]


# --- a hostile repository's config runs nothing (#13 finding 15) --------------------------

HOOKS = ("post-index-change", "pre-commit", "post-checkout", "reference-transaction",
         "fsmonitor-watchman", "pre-auto-gc")


def marker_script(path: Path, marker: Path, tail: str = "exit 0") -> str:
    """An executable that touches `marker`, then runs `tail`; returns its path."""
    path.write_text(f"#!/bin/sh\ntouch '{marker}'\n{tail}\n")
    path.chmod(0o755)
    return str(path)


def stale_stat(path: Path) -> None:
    """Same content, new mtime: git must read the file (through its clean filter) to compare."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def hostile_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose own config tries every way to run a program; (repo, markers dir).

    Filters and a textconv driver are named in the committed .gitattributes, in
    .git/info/attributes and in an included config file; a submodule has a filter of its own.
    """
    markers, scripts = tmp_path / "markers", tmp_path / "scripts"
    markers.mkdir()
    scripts.mkdir()
    sub_src = init_repo(tmp_path / "subsrc")
    commit_file(sub_src, ".gitattributes", "*.txt filter=subevil\n", "attributes")
    commit_file(sub_src, "s.txt", "sub\n", "sub file")
    repo = init_repo(tmp_path / "hostile")
    commit_file(repo, ".gitattributes", "*.txt filter=evil diff=evil\n*.dat filter=we=ird\n",
                "attributes")
    for name, content in (("notes.txt", "one\n"), ("same.txt", "same\n"), ("x.dat", "d\n"),
                          ("README.md", "hello\n")):
        commit_file(repo, name, content, f"add {name}")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub_src), "sub")
    git(repo, "commit", "-q", "-m", "submodule")
    (repo / ".git" / "info" / "attributes").write_text("*.md filter=inc\n")

    def script(name: str, tail: str = "exit 0") -> str:
        return marker_script(scripts / name, markers / name, tail)

    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in HOOKS:
        marker_script(hooks / hook, markers / f"hook-{hook}")
    for key, value in (
        ("core.fsmonitor", script("fsmonitor", "exit 1")),
        ("core.hooksPath", str(hooks)),
        ("filter.evil.clean", script("clean", "exec cat")),
        ("filter.evil.smudge", script("smudge", "exec cat")),
        ("filter.we=ird.clean", script("weird-clean", "exec cat")),
        ("diff.evil.textconv", script("textconv", 'exec cat "$1"')),
        ("diff.external", script("ext-diff")),
    ):
        git(repo, "config", key, value)
    included = tmp_path / "included.cfg"
    included.write_text(f'[filter "inc"]\n\tclean = {script("included-clean", "exec cat")}\n')
    git(repo, "config", "include.path", str(included))
    sub_git = repo / ".git" / "modules" / "sub"
    git(sub_git, "config", "filter.subevil.clean", script("sub-clean", "exec cat"))
    (repo / "notes.txt").write_text("one\ntwo\n")
    (repo / "new.txt").write_text("brand new\n")
    for stale in ("same.txt", "x.dat", "README.md", "sub/s.txt"):
        stale_stat(repo / stale)
    return repo, markers


async def test_a_hostile_repository_config_runs_nothing(
    authed: AppClient, tmp_path: Path
) -> None:
    repo, markers = hostile_repo(tmp_path)
    sid = await open_session(authed, repo)

    status = await git_api(authed, sid, "status")
    diff = await git_api(authed, sid, "diff", file="notes.txt")
    stale = await git_api(authed, sid, "diff", file="same.txt")
    staged = await git_api(authed, sid, "diff", file="notes.txt", staged="true")
    untracked = await git_api(authed, sid, "diff", file="new.txt", untracked="true")
    blame = await git_api(authed, sid, "blame", file="notes.txt")
    log = await git_api(authed, sid, "log", file="notes.txt")
    whole_log = await git_api(authed, sid, "log")
    badge = await wait_badge(authed, sid)

    fired = sorted(p.name for p in markers.iterdir())
    assert not fired, f"repository config ran: {', '.join(fired)}"
    # …and the answers are still right.
    assert [entry["path"] for entry in status["modified"]] == ["notes.txt"]
    assert (status["branch"], status["staged"]) == ("main", [])
    assert status["untracked"] == ["new.txt"]
    assert [line["content"] for line in diff["hunks"][0]["lines"]] == ["one", "two"]
    assert (diff["additions"], stale["hunks"], staged["hunks"]) == (1, [], [])
    assert [line["content"] for line in untracked["hunks"][0]["lines"]] == ["brand new"]
    assert [line["author"] for line in blame["lines"]] == ["Jane Doe", "Not Committed Yet"]
    assert [c["subject"] for c in log["commits"]] == ["add notes.txt"]
    assert len(whole_log["commits"]) == 6
    assert badge["status"]["summary"] == "1 modified, 1 untracked"


async def test_filters_of_the_users_own_config_still_run(
    authed: AppClient, tmp_path: Path
) -> None:
    """Only repository-controlled drivers are switched off: a global one (git-lfs) still works."""
    repo = init_repo(tmp_path / "lfs-like")
    commit_file(repo, ".gitattributes", "*.bin filter=mine\n", "attributes")
    commit_file(repo, "a.bin", "payload\n", "add a.bin")
    markers = tmp_path / "markers"
    markers.mkdir()
    clean = marker_script(tmp_path / "clean", markers / "global-clean", "exec cat")
    git(repo, "config", "--global", "filter.mine.clean", clean)
    stale_stat(repo / "a.bin")
    sid = await open_session(authed, repo)

    status = await git_api(authed, sid, "status")

    assert status["modified"] == []
    assert (markers / "global-clean").exists()


def test_untrusted_filters_reads_scopes_and_odd_names() -> None:
    listing = "\0".join([
        "global", "filter.lfs.clean\ngit-lfs clean -- %f",
        "local", "filter.evil.clean\ntouch x",
        "local", "filter.we=ird \"x.process\ny",
        "local", "filter.dotted.name.smudge\nz",
        "worktree", "filter.evil.required\ntrue",
        "command", "filter.passed.clean\nq",
        "local", "filter.bare",
        "",
    ])
    assert untrusted_filters(listing) == ["evil", 'we=ird "x', "dotted.name"]
    unscoped = "filter.lfs.clean\ngit-lfs\0filter.evil.clean\nx\0"
    assert untrusted_filters(unscoped, scoped=False) == ["lfs", "evil"]


def test_config_env_reaches_git_intact(tmp_path: Path) -> None:
    """Quotes, `!` and `=` in driver names survive GIT_CONFIG_PARAMETERS as git parses it."""
    names = ["a=b", "it's!", "plain"]
    env = config_env(
        [("core.hooksPath", "/dev/null"), *filter_overrides(names)],
        inherited={"GIT_CONFIG_PARAMETERS": "'user.name=Inherited'"},
    )
    repo = init_repo(tmp_path / "r")
    shown = subprocess.run(
        ["git", "config", "--show-scope", "--get-regexp", r"^(filter\.|core\.hookspath|user\.)"],
        cwd=repo, env={**os.environ, **env}, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    expected = ["command\tuser.name Inherited", "command\tcore.hookspath /dev/null"]
    for name in names:
        expected += [f"command\tfilter.{name}.{key} {value}".rstrip()
                     for key, value in (("clean", ""), ("smudge", ""), ("process", ""),
                                        ("required", "false"))]
    assert [line.rstrip() for line in shown] == expected


# --- the session badge -------------------------------------------------------------------


async def test_badge_is_null_first_then_filled_in_the_background(
    authed: AppClient, repo: Path
) -> None:
    git(repo, "remote", "add", "origin", "git@github.com:owner/repo.git")
    (repo / "README.md").write_text("changed\n")
    (repo / "new.txt").write_text("new\n")
    sid = await open_session(authed, repo)

    # Listing never waits on git: the very first listing of a new cwd has no badge yet.
    assert await listed_badge(authed, sid) is None
    badge = await wait_badge(authed, sid)

    assert badge == {
        "branch": "main",
        "repoName": "owner/repo",
        "provider": "GitHub",
        "status": {"clean": False, "modified": 1, "staged": 0, "untracked": 1,
                   "ahead": 0, "behind": 0, "summary": "1 modified, 1 untracked"},
    }


async def test_badge_cache_refreshes_once_per_cwd_and_stays_bounded(tmp_path: Path) -> None:
    repos = [init_repo(tmp_path / f"r{n}") for n in range(3)]
    cache = GitBadgeCache(ttl=60, max_entries=2)

    assert cache.badge(str(repos[0])) is None
    assert cache.badge(str(repos[0])) is None
    assert cache.in_flight == {str(repos[0])}  # at most one refresh in flight per cwd
    await cache.settle()
    assert cache.in_flight == set()
    assert cache.badge(str(repos[0])) is not None
    for path in repos[1:]:
        cache.badge(str(path))
        await cache.settle()
    assert str(repos[0]) not in cache  # the least recently used entry went
    assert str(repos[2]) in cache
    assert len(cache) == 2

    cache.badge(str(tmp_path))
    assert cache.in_flight == {str(tmp_path)}
    await cache.close()
    assert cache.in_flight == set()
    assert cache.badge(str(tmp_path / "later")) is None  # closed: nothing new is scheduled
    assert cache.in_flight == set()
    assert str(tmp_path) not in cache  # cancelled: nothing landed


# --- parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/owner/repo.git", ("owner/repo", "GitHub")),
        ("https://github.com/owner/repo", ("owner/repo", "GitHub")),
        ("git@github.com:owner/repo.git", ("owner/repo", "GitHub")),
        ("ssh://git@github.com/owner/repo.git", ("owner/repo", "GitHub")),
        ("https://user:s3cret@github.com/owner/repo.git", ("owner/repo", "GitHub")),
        ("git@gitlab.com:group/repo.git", ("group/repo", "GitLab")),
        ("https://gitlab.com/group/sub/repo.git", ("group/sub/repo", "GitLab")),
        ("https://bitbucket.org/team/repo.git", ("team/repo", "Bitbucket")),
        ("git@bitbucket.org:team/repo.git", ("team/repo", "Bitbucket")),
        ("https://dev.azure.com/org/proj/_git/repo", ("org/proj/repo", "Azure DevOps")),
        ("https://org@dev.azure.com/org/proj/_git/repo", ("org/proj/repo", "Azure DevOps")),
        ("git@ssh.dev.azure.com:v3/org/proj/repo", ("org/proj/repo", "Azure DevOps")),
        ("https://org.visualstudio.com/proj/_git/repo", ("org/proj/repo", "Azure DevOps")),
        ("https://org.visualstudio.com/DefaultCollection/proj/_git/repo",
         ("org/proj/repo", "Azure DevOps")),
        ("https://git.example.com:8443/team/tool.git", ("team/tool", "git.example.com")),
        ("git@git.example.com:team/tool.git", ("team/tool", "git.example.com")),
        ("/srv/git/tool.git", ("tool", None)),
        ("file:///srv/git/tool.git", ("tool", None)),
        # ports, trailing slashes, no `.git`, stray whitespace from `git remote get-url`
        ("ssh://git@github.com:22/owner/repo.git", ("owner/repo", "GitHub")),
        ("https://github.com/owner/repo/", ("owner/repo", "GitHub")),
        ("https://github.com/owner/repo.git/", ("owner/repo", "GitHub")),
        ("git@github.com:owner/repo", ("owner/repo", "GitHub")),
        ("https://github.com/owner/repo.git?ref=x", ("owner/repo", "GitHub")),
        (" git@github.com:owner/repo.git\n", ("owner/repo", "GitHub")),
        ("https://github.com", (None, "GitHub")),
        # Azure DevOps: SSH forms, a repo named like its project, DefaultCollection, %20
        ("ssh://git@ssh.dev.azure.com:22/v3/org/proj/repo", ("org/proj/repo", "Azure DevOps")),
        ("org@vs-ssh.visualstudio.com:v3/org/proj/repo", ("org/proj/repo", "Azure DevOps")),
        ("https://dev.azure.com/org/_git/repo", ("org/repo/repo", "Azure DevOps")),
        ("https://org.visualstudio.com/_git/repo", ("org/repo/repo", "Azure DevOps")),
        ("https://org.visualstudio.com/DefaultCollection/_git/repo",
         ("org/repo/repo", "Azure DevOps")),
        ("https://dev.azure.com/org/My%20Proj/_git/My%20Repo",
         ("org/My Proj/My Repo", "Azure DevOps")),
        ("https://dev.azure.com/org/proj/_git/", (None, "Azure DevOps")),
        # local paths: Windows drives and UNC shares are not `host:path`
        ("C:\\repos\\tool.git", ("tool", None)),
        ("C:/repos/tool", ("tool", None)),
        ("\\\\server\\share\\tool.git", ("tool", None)),
        ("../tool", ("tool", None)),
        ("file:///srv/a@b/tool.git", ("tool", None)),
    ],
)
def test_parse_remote(url: str, expected: tuple[str, str | None]) -> None:
    assert parse_remote(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://jane:s3cret@github.com/owner/repo.git",
        "https://s3cret@github.com/owner/repo",
        "https://jane:s3cret@dev.azure.com/org/proj/_git/repo",
        "https://oauth2:s3cret@gitlab.example.com:8443/group/repo.git",
        # an unencoded `/` in the secret ends urlsplit's netloc early
        "https://jane:s3/cret@github.com/owner/repo.git",
        "https://jane:s3cret@@github.com/owner/repo.git",
    ],
)
def test_parse_remote_never_returns_credentials(url: str) -> None:
    name, provider = parse_remote(url)
    for secret in ("s3cret", "cret", "jane", "oauth2"):
        assert secret not in f"{name} {provider}"
    assert name is not None
    assert name.endswith("repo")


def test_format_summary() -> None:
    assert format_summary(0, 0, 0, 0, 0) == "clean"
    assert format_summary(0, 1, 2, 3, 0) == "1 modified, 2 untracked, 3↑"
    assert format_summary(1, 2, 3, 4, 5) == "1 staged, 2 modified, 3 untracked, 4↑, 5↓"
    assert format_summary(0, 0, 0, 0, 2) == "2↓"


def test_parse_status_headers() -> None:
    tracking = parse_status("## main...origin/main [ahead 3, behind 1]\0 M a\0")
    gone = parse_status("## topic...origin/topic [gone]\0")
    unborn = parse_status("## No commits yet on trunk\0?? x\0")
    detached = parse_status("## HEAD (no branch)\0")

    assert (tracking.branch, tracking.ahead, tracking.behind) == ("main", 3, 1)
    assert tracking.badge_status()["summary"] == "1 modified, 3↑, 1↓"
    assert (gone.branch, gone.ahead, gone.behind) == ("topic", 0, 0)
    assert (unborn.branch, unborn.untracked) == ("trunk", ["x"])
    assert detached.detached


def test_parse_status_entries() -> None:
    report = parse_status("## main\0RM new -> name\0old\0UU both\0A  added\0?? un tracked\0")

    assert report.staged == [
        {"path": "new -> name", "status": "R", "oldPath": "old"},
        {"path": "both", "status": "U", "oldPath": None},
        {"path": "added", "status": "A", "oldPath": None},
    ]
    assert report.modified == [
        {"path": "new -> name", "status": "M", "oldPath": None},
        {"path": "both", "status": "U", "oldPath": None},
    ]
    assert report.untracked == ["un tracked"]


def test_parse_diff_stops_at_the_hunk_end() -> None:
    raw = (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@ def f():\n-a\n+b\n+c\n"
        "\\ No newline at end of file\n"
        "diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -5,0 +6 @@\n+z\n"
    )

    diff = parse_diff(raw, "x")

    assert (diff["additions"], diff["deletions"]) == (3, 1)
    first, second = diff["hunks"]
    assert first["header"] == "@@ -1 +1,2 @@"
    assert (first["oldLines"], first["newLines"]) == (1, 2)
    assert [line["content"] for line in first["lines"]] == ["a", "b", "c"]
    assert (second["oldStart"], second["oldLines"], second["newStart"]) == (5, 0, 6)


def test_parse_blame_shares_metadata_per_commit() -> None:
    sha = "a" * 40
    raw = (
        f"{sha} 1 1 2\nauthor Ann\nauthor-time 0\nsummary Start\nfilename f\n\tone\n"
        f"{sha} 2 2\n\ttwo\n"
    )

    lines = parse_blame(raw)

    assert lines[1] == {"line": 2, "content": "two", "commit": "aaaaaaa", "author": "Ann",
                        "date": "1970-01-01T00:00:00.000Z", "summary": "Start"}


def test_query_parameter_parsing() -> None:
    assert [clean_file(v) for v in ("a/./b", "a/b/../c", "..x", "x..")] == [
        "a/b", "a/c", "..x", "x.."]
    assert clean_file(None) is None
    assert clean_file("a\0b") is None
    assert [parse_context(v) for v in (None, "", "7", "7px", "-1", "100000", "x")] == [
        3, 3, 7, 7, 0, 99999, 3]
    assert [parse_limit(v) for v in (None, "0", "5", "500", "-3", "x")] == [
        20, 20, 5, 100, 1, 20]
