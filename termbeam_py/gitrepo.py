"""Running git, and /api/sessions/:id/git/{status,diff,blame,log} (the badge: gitbadge.py).

Every git query is a sync function run with `asyncio.to_thread`, opens its own
`with Repo(...)` (GitPython is neither thread-safe nor leak-free when shared) and is killed
after GIT_TIMEOUT. GitPython is imported lazily, on first use, to keep an idle server small.
Every git we run gets the environment of `gitsafe`, so the repository's own config cannot
make a query run a program (its `Repo` constructor runs no git: it reads config in Python).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Literal, TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.errors import BadRequest, TermbeamError
from termbeam_py.gitparse import (
    LOG_FORMAT,
    BlameLine,
    Commit,
    FileChange,
    FileDiff,
    StatusReport,
    clean_file,
    empty_diff,
    parse_blame,
    parse_context,
    parse_diff,
    parse_limit,
    parse_log,
    parse_status,
)
from termbeam_py.gitsafe import (
    BASE_CONFIG,
    FILTER_QUERY,
    FILTER_QUERY_OLD,
    UnreadableFile,
    config_env,
    filter_overrides,
    untracked_input,
    untrusted_filters,
)
from termbeam_py.scopes import Scope, requires

if TYPE_CHECKING:
    from git import Repo

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

GIT_TIMEOUT = 10.0
#: Output beyond this is cut (at a line end) so one huge file cannot balloon the response.
MAX_OUTPUT = 8 * 1024 * 1024
#: Optional locks off: a background `git status` must never make the user's own git fail
#: with "index.lock exists". Literal pathspecs: `file=*` names a file, not a glob.
QUIET_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0"}


class GitFailed(Exception):
    """A git command exited non-zero, timed out or could not start."""


@dataclass
class GitResult:
    output: str
    truncated: bool


# --- running git (sync; always called in a worker thread) -----------------------------------


def open_repo(cwd: str) -> Repo | None:
    """The repository whose work tree contains `cwd`, or None (bare repos count as none)."""
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(cwd, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError, OSError):
        return None
    if repo.working_tree_dir is None:
        repo.close()
        return None
    return repo


def _harden(repo: Repo) -> None:
    """Give `repo`'s git the gitsafe environment, neutralising the filters the repo defines."""
    env = {**QUIET_ENV, **config_env(BASE_CONFIG)}
    try:
        listing = _execute(repo, FILTER_QUERY, (0, 1), env, None).output
        names = untrusted_filters(listing)
    except GitFailed:  # a git before 2.26 has no --show-scope: every driver is the repo's
        listing = _execute(repo, FILTER_QUERY_OLD, (0, 1), env, None).output
        names = untrusted_filters(listing, scoped=False)
    repo.git.update_environment(**config_env([*BASE_CONFIG, *filter_overrides(names)]))


def run_git(
    repo: Repo, *args: str, ok: tuple[int, ...] = (0,), stdin: BinaryIO | None = None
) -> GitResult:
    """Run `git <args>` hardened, in the work tree's top level, with a timeout; stdout as text."""
    if "GIT_CONFIG_PARAMETERS" not in repo.git.environment():
        _harden(repo)
    return _execute(repo, args, ok, QUIET_ENV, stdin)


def _execute(
    repo: Repo, args: tuple[str, ...], ok: tuple[int, ...], env: Mapping[str, str],
    stdin: BinaryIO | None,
) -> GitResult:
    from git import GitCommandNotFound

    git = repo.git
    try:
        status, stdout, stderr = git.execute(
            [git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
            istream=stdin,
            with_extended_output=True,
            with_exceptions=False,
            stdout_as_string=False,
            strip_newline_in_stdout=False,
            kill_after_timeout=GIT_TIMEOUT,
            env=dict(env),
        )
    except GitCommandNotFound as exc:
        raise GitFailed("git executable not found") from exc
    if status not in ok:
        raise GitFailed(f"git {args[0]} exited {status}: {str(stderr).strip()[:300]}")
    truncated = len(stdout) > MAX_OUTPUT
    if truncated:
        stdout = stdout[: stdout.rfind(b"\n", 0, MAX_OUTPUT) + 1]
    return GitResult(stdout.decode("utf-8", errors="replace"), truncated)


def toplevel(repo: Repo) -> str:
    return str(repo.working_tree_dir)


#: A dirty submodule would be checked by a `git status` inside it, under its own config.
STATUS_ARGS = ("status", "--porcelain=v1", "-b", "-z", "--ignore-submodules=dirty")


def read_status(repo: Repo) -> StatusReport:
    report = parse_status(run_git(repo, *STATUS_ARGS).output)
    if report.detached:
        short = run_git(repo, "rev-parse", "--short", "HEAD").output.strip()
        report.branch = f"({short})"
    return report


# --- code-viewer queries (sync; run in a worker thread) ----------------------------------


def _repo_or_raise(cwd: str) -> Repo:
    repo = open_repo(cwd)
    if repo is None:
        raise BadRequest("Not a git repository")
    return repo


class NotARepo(TypedDict):
    isGitRepo: Literal[False]


class GitStatus(TypedDict):
    """`GET …/git/status` in a repository."""

    repoRoot: str
    branch: str
    ahead: int
    behind: int
    staged: list[FileChange]
    modified: list[FileChange]
    untracked: list[str]
    isGitRepo: Literal[True]


class GitBlame(TypedDict):
    file: str
    lines: list[BlameLine]


class GitLog(TypedDict):
    commits: list[Commit]


def status_payload(cwd: str) -> GitStatus | NotARepo:
    repo = open_repo(cwd)
    if repo is None:
        return {"isGitRepo": False}
    with repo:
        try:
            report = read_status(repo)
        except GitFailed as exc:
            log.warning("git status in %s failed: %s", cwd, exc)
            raise TermbeamError("Failed to get git status") from exc
        root = toplevel(repo)
    return {
        # Our addition: git paths are relative to this, file routes to the session cwd.
        "repoRoot": root,
        "branch": report.branch,
        "ahead": report.ahead,
        "behind": report.behind,
        "staged": report.staged,
        "modified": report.modified,
        "untracked": report.untracked,
        "isGitRepo": True,
    }


def _diff(repo: Repo, file: str, staged: bool, untracked: bool, context: int) -> GitResult:
    # Textconv and external diff drivers would run programs the repository's config names.
    common = ["--no-color", "--no-ext-diff", "--no-textconv", f"--unified={context}"]
    if not untracked:
        scope = ["--cached"] if staged else []
        return run_git(repo, "diff", *common, "--ignore-submodules=dirty", "--submodule=short",
                       *scope, "--", file)
    # git reads the file from our descriptor (`-` is stdin), so no swapped directory can
    # redirect it; `--no-index` exits 1 when the files differ, which is the point.
    with untracked_input(toplevel(repo), file) as source:
        return run_git(repo, "diff", "--no-index", *common, "--", os.devnull, "-",
                       ok=(0, 1), stdin=source)


def diff_payload(cwd: str, file: str, *, staged: bool, untracked: bool, context: int
                 ) -> FileDiff:
    """One file's diff; a git failure is an empty diff, as in the reference."""
    with _repo_or_raise(cwd) as repo:
        try:
            result = _diff(repo, file, staged, untracked, context)
        except (GitFailed, UnreadableFile) as exc:
            log.info("git diff of %s failed: %s", file, exc)
            return empty_diff(file)
    payload = parse_diff(result.output, file)
    if result.truncated:
        payload["truncated"] = True
    return payload


def blame_payload(cwd: str, file: str) -> GitBlame:
    """Per-line blame; a git failure (untracked file, no commits) gives no lines."""
    with _repo_or_raise(cwd) as repo:
        try:
            result = run_git(repo, "blame", "--porcelain", "--no-textconv", "--", file)
        except GitFailed as exc:
            log.info("git blame of %s failed: %s", file, exc)
            return {"file": file, "lines": []}
    return {"file": file, "lines": parse_blame(result.output)}


def log_payload(cwd: str, limit: int, file: str | None) -> GitLog:
    """Recent commits, following renames for one file; no commits yet → an empty list."""
    args = ["log", "-z", "--no-color", "--no-show-signature", "--no-textconv", "--no-ext-diff",
            f"--format={LOG_FORMAT}", f"-n{limit}"]
    if file is not None:
        args += ["--follow", "--", file]
    with _repo_or_raise(cwd) as repo:
        try:
            result = run_git(repo, *args)
        except GitFailed as exc:
            log.info("git log in %s failed: %s", cwd, exc)
            return {"commits": []}
    return {"commits": parse_log(result.output)}


# --- routes ------------------------------------------------------------------------------


async def _session_cwd(request: web.Request) -> str:
    manager = request.app[keys.SESSIONS]
    session = manager.get(request.match_info["id"], "Session not found")
    return await manager.live_cwd(session)


def _file_param(query: Mapping[str, str], message: str) -> str:
    file = clean_file(query.get("file"))
    if file is None:
        raise BadRequest(message)
    return file


@routes.get("/api/sessions/{id}/git/status")
@requires(Scope.READ)
async def git_status(request: web.Request) -> web.Response:
    cwd = await _session_cwd(request)
    return web.json_response(await asyncio.to_thread(status_payload, cwd))


@routes.get("/api/sessions/{id}/git/diff")
@requires(Scope.READ)
async def git_diff(request: web.Request) -> web.Response:
    cwd = await _session_cwd(request)
    query = request.query
    file = _file_param(query, "Invalid or missing file parameter")
    payload = await asyncio.to_thread(
        diff_payload, cwd, file,
        staged=query.get("staged") == "true",
        untracked=query.get("untracked") == "true",
        context=parse_context(query.get("context")),
    )
    payload["file"] = query["file"]  # echo the path as the client sent it
    return web.json_response(payload)


@routes.get("/api/sessions/{id}/git/blame")
@requires(Scope.READ)
async def git_blame(request: web.Request) -> web.Response:
    cwd = await _session_cwd(request)
    file = _file_param(request.query, "Invalid or missing file parameter")
    payload = await asyncio.to_thread(blame_payload, cwd, file)
    payload["file"] = request.query["file"]
    return web.json_response(payload)


@routes.get("/api/sessions/{id}/git/log")
@requires(Scope.READ)
async def git_log(request: web.Request) -> web.Response:
    cwd = await _session_cwd(request)
    query = request.query
    file = _file_param(query, "Invalid file parameter") if query.get("file") else None
    limit = parse_limit(query.get("limit"))
    return web.json_response(await asyncio.to_thread(log_payload, cwd, limit, file))


def setup(app: web.Application) -> None:
    """Add this module's routes to `app` (called by create_app)."""
    app.router.add_routes(routes)
