"""Pure parsers for git's machine-readable output and the git API's query parameters.

Nothing here runs git or touches the disk, so every function is unit-testable on strings;
`gitrepo.py` runs the commands and serves the results.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Literal, NotRequired, TypedDict
from urllib.parse import unquote, urlsplit

from termbeam_py.timefmt import epoch_iso_ms

PROVIDERS = (("github", "GitHub"), ("gitlab", "GitLab"), ("bitbucket", "Bitbucket"))
AZURE = "Azure DevOps"
MAX_CONTEXT = 99999
DEFAULT_CONTEXT = 3
DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT = 20, 100
#: Field separator of our `git log --format`: a control character no name or subject holds.
LOG_FIELD = "\x1f"
LOG_FORMAT = LOG_FIELD.join(("%H", "%h", "%an", "%ae", "%at", "%s", "%b"))

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BLAME_HEADER = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64}) (\d+) (\d+)(?: \d+)?")
_TRACKING = re.compile(r"(ahead|behind) (\d+)")
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")
_UNBORN = ("No commits yet on ", "Initial commit on ")


# --- remote URL → (repoName, provider) -------------------------------------------------


_WINDOWS_PATH = re.compile(r"[A-Za-z]:[\\/]|\\\\")
_SCP_LIKE = re.compile(r"(?:[^@/]+@)?([^:/]+):(.+)")


def _split_remote(url: str) -> tuple[str, str] | None:
    """(host, path) of an URL or scp-like `user@host:path`; None for a local path."""
    if "://" in url:
        scheme, _, rest = url.partition("://")
        if scheme.lower() == "file":
            return None
        # A credential holding an unencoded `/` ends the netloc early and puts the rest of
        # the secret in the path; the host is what follows the last `@`, so cut there.
        cut = rest.split("?", 1)[0].split("#", 1)[0]
        if "@" in cut:
            rest = cut.rpartition("@")[2]
        parts = urlsplit(f"{scheme}://{rest}")
        return (parts.hostname or "", parts.path) if parts.hostname else None
    if _WINDOWS_PATH.match(url):  # `C:\repos\x` would otherwise read as host `C`
        return None
    match = _SCP_LIKE.fullmatch(url)
    return (match[1].lower(), match[2]) if match else None


def _is_azure(host: str) -> bool:
    return host in ("dev.azure.com", "ssh.dev.azure.com") or host.endswith(".visualstudio.com")


def _azure(host: str, segments: list[str]) -> str | None:
    """`org/proj/repo` for the Azure DevOps URL forms (HTTPS `_git` and SSH `v3/`)."""
    legacy = host.endswith(".visualstudio.com")
    if "_git" in segments:
        at = segments.index("_git")
        if at + 1 >= len(segments):
            return None
        # dev.azure.com puts the org in the path; *.visualstudio.com in the host.
        org = host.split(".")[0] if legacy else (segments[0] if at >= 1 else "")
        before = segments[1:at] if not legacy else segments[:at]
        before = [s for s in before if s.lower() != "defaultcollection"]
        # `org/_git/repo` is a repo in the project of the same name.
        repo = segments[at + 1]
        project = before[-1] if before else repo
        return f"{org}/{project}/{repo}" if org else None
    if len(segments) == 4 and segments[0] == "v3":
        return "/".join(segments[1:])
    return None


def _local_name(url: str) -> str | None:
    """The folder name of a local-path remote (POSIX, Windows or file:// form)."""
    parts = [p for p in re.split(r"[\\/]", url) if p]
    if not parts:
        return None
    return parts[-1].removesuffix(".git") or None


def parse_remote(url: str) -> tuple[str | None, str | None]:
    """(repoName, provider) from an origin URL; credentials and ports never leak out."""
    url = url.strip().rstrip("/")
    split = _split_remote(url)
    if split is None:  # a local path or file:// remote: no hosting provider
        return _local_name(url), None
    host, path = split
    segments = [unquote(s) for s in path.split("/") if s]
    if segments:
        segments[-1] = segments[-1].removesuffix(".git")
    segments = [s for s in segments if s]
    if _is_azure(host):
        return _azure(host, segments), AZURE
    provider = next((label for key, label in PROVIDERS if key in host), host)
    if not segments:
        return None, provider
    # Subgroups (GitLab) keep their full path; GitHub/Bitbucket paths are owner/repo anyway.
    return "/".join(segments), provider


# --- status -------------------------------------------------------------------------------


class FileChange(TypedDict):
    """A staged or modified file of `GET …/git/status`."""

    path: str
    status: str
    """git's one-letter code (M, A, D, R, C, U, T)."""
    oldPath: str | None
    """The source of a rename or copy."""


class BadgeStatus(TypedDict):
    """The counts of a session's git badge (`GET /api/sessions` → `git.status`)."""

    clean: bool
    modified: int
    staged: int
    untracked: int
    ahead: int
    behind: int
    summary: str


def format_summary(staged: int, modified: int, untracked: int, ahead: int, behind: int) -> str:
    """The badge summary: `1 staged, 2 modified, 3 untracked, 4↑, 5↓`, or `clean`."""
    parts = [
        f"{count} {label}"
        for count, label in ((staged, "staged"), (modified, "modified"), (untracked, "untracked"))
        if count
    ]
    parts += [f"{count}{arrow}" for count, arrow in ((ahead, "↑"), (behind, "↓")) if count]
    return ", ".join(parts) or "clean"


@dataclass
class StatusReport:
    """`git status --porcelain=v1 -b -z`, parsed."""

    branch: str = ""
    detached: bool = False
    ahead: int = 0
    behind: int = 0
    staged: list[FileChange] = field(default_factory=list)
    modified: list[FileChange] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)

    def badge_status(self) -> BadgeStatus:
        counts = (len(self.staged), len(self.modified), len(self.untracked))
        summary = format_summary(*counts, self.ahead, self.behind)
        return {
            "clean": summary == "clean",
            "modified": counts[1],
            "staged": counts[0],
            "untracked": counts[2],
            "ahead": self.ahead,
            "behind": self.behind,
            "summary": summary,
        }


def _parse_branch_header(header: str, report: StatusReport) -> None:
    """`main...origin/main [ahead 1, behind 2]`, `No commits yet on main`, `HEAD (no branch)`."""
    if header == "HEAD (no branch)":
        report.detached = True
        return
    for prefix in _UNBORN:
        header = header.removeprefix(prefix)
    name, _, tracking = header.partition(" [")
    report.branch = name.split("...", 1)[0]
    for which, count in _TRACKING.findall(tracking):
        setattr(report, which, int(count))


def parse_status(raw: str) -> StatusReport:
    """Parse porcelain v1 with -b and -z: NUL-terminated, paths unquoted, renames as two paths."""
    report = StatusReport()
    records = raw.split("\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if record.startswith("## "):
            _parse_branch_header(record[3:], report)
            continue
        if len(record) < 4:
            continue
        x, y, path = record[0], record[1], record[3:]
        old_path = None
        if "R" in (x, y) or "C" in (x, y):  # -z puts the source path in the next record
            old_path = records[i] if i < len(records) else None
            i += 1
        if x == "?":
            report.untracked.append(path)
            continue
        if x not in " !":
            report.staged.append({"path": path, "status": x, "oldPath": old_path})
        if y not in " !":
            moved = old_path if y in "RC" else None
            report.modified.append({"path": path, "status": y, "oldPath": moved})
    return report


# --- diff ------------------------------------------------------------------------------


class DiffLine(TypedDict):
    type: Literal["add", "remove", "context"]
    content: str
    oldLine: int | None
    newLine: int | None


class Hunk(TypedDict):
    header: str
    oldStart: int
    oldLines: int
    newStart: int
    newLines: int
    lines: list[DiffLine]


class FileDiff(TypedDict):
    """`GET …/git/diff`: one file's hunks."""

    file: str
    hunks: list[Hunk]
    additions: int
    deletions: int
    isBinary: bool
    truncated: NotRequired[bool]
    """Present (true) when git's output was cut at MAX_OUTPUT."""


def empty_diff(file: str) -> FileDiff:
    return {"file": file, "hunks": [], "additions": 0, "deletions": 0, "isBinary": False}


def _new_hunk(match: re.Match[str]) -> Hunk:
    old_lines, new_lines = match[2], match[4]
    return {
        "header": match[0],
        "oldStart": int(match[1]),
        "oldLines": 1 if old_lines is None else int(old_lines),
        "newStart": int(match[3]),
        "newLines": 1 if new_lines is None else int(new_lines),
        "lines": [],
    }


def _is_binary_header(lines: list[str]) -> bool:
    """Binary only when git says so before the first hunk; content may quote the phrase."""
    for line in lines:
        if line.startswith("@@"):
            return False
        if line.startswith("Binary files ") and line.endswith(" differ"):
            return True
    return False


def parse_diff(raw: str, file: str) -> FileDiff:
    """A unified diff of one file → hunks with numbered lines and add/remove counts."""
    result = empty_diff(file)
    lines = raw.split("\n")
    if _is_binary_header(lines):
        result["isBinary"] = True
        return result
    hunk: Hunk | None = None
    old = new = old_left = new_left = 0
    for line in lines:
        match = _HUNK.match(line)
        if match:
            hunk = _new_hunk(match)
            result["hunks"].append(hunk)
            old, new = hunk["oldStart"], hunk["newStart"]
            old_left, new_left = hunk["oldLines"], hunk["newLines"]
            continue
        # Counting what the header promised stops us reading the next file's `---`/`+++`
        # header lines as a removal and an addition.
        if hunk is None or (old_left <= 0 and new_left <= 0) or not line:
            continue
        tag, content = line[0], line[1:]
        if tag == "+":
            hunk["lines"].append({"type": "add", "content": content, "oldLine": None,
                                  "newLine": new})
            new, new_left, result["additions"] = new + 1, new_left - 1, result["additions"] + 1
        elif tag == "-":
            hunk["lines"].append({"type": "remove", "content": content, "oldLine": old,
                                  "newLine": None})
            old, old_left, result["deletions"] = old + 1, old_left - 1, result["deletions"] + 1
        elif tag == " ":
            hunk["lines"].append({"type": "context", "content": content, "oldLine": old,
                                  "newLine": new})
            old, new, old_left, new_left = old + 1, new + 1, old_left - 1, new_left - 1
    return result


# --- blame and log -----------------------------------------------------------------------


class BlameLine(TypedDict):
    """One line of `GET …/git/blame`; `commit` and `date` are null for uncommitted lines."""

    line: int
    content: str
    commit: str | None
    author: str
    date: str | None
    summary: str


class Commit(TypedDict):
    """One entry of `GET …/git/log`."""

    hash: str
    shortHash: str
    author: str
    email: str
    date: str | None
    subject: str
    body: str


def iso_utc(timestamp: str | int) -> str | None:
    """git's Unix seconds → `2025-01-15T10:30:00.000Z` (the API's date format); None if
    unparsable."""
    try:
        seconds = int(timestamp)
    except ValueError:
        return None
    return epoch_iso_ms(seconds)


def _blame_line(number: int, content: str, sha: str, meta: dict[str, str]) -> BlameLine:
    if set(sha) == {"0"}:  # git's all-zero hash: the line is not committed yet
        return {"line": number, "content": content, "commit": None,
                "author": "Not Committed Yet", "date": None, "summary": "Uncommitted changes"}
    return {
        "line": number,
        "content": content,
        "commit": sha[:7],
        "author": meta.get("author", "Unknown"),
        "date": iso_utc(meta.get("author-time", "")),
        "summary": meta.get("summary", ""),
    }


def parse_blame(raw: str) -> list[BlameLine]:
    """`git blame --porcelain`: metadata comes only on a commit's first line, so keep it."""
    commits: dict[str, dict[str, str]] = {}
    result: list[BlameLine] = []
    sha: str | None = None
    number = 0
    for line in raw.split("\n"):
        if sha is None:
            match = _BLAME_HEADER.fullmatch(line)
            if match:
                sha, number = match[1], int(match[3])
                commits.setdefault(sha, {})
        elif line.startswith("\t"):
            result.append(_blame_line(number, line[1:], sha, commits[sha]))
            sha = None
        else:
            key, _, value = line.partition(" ")
            commits[sha][key] = value
    return result


def parse_log(raw: str) -> list[Commit]:
    """`git log -z --format=LOG_FORMAT` → commits; malformed records are skipped."""
    commits: list[Commit] = []
    for record in raw.split("\0"):
        fields = record.strip("\n").split(LOG_FIELD, 6)
        if len(fields) < 6:
            continue
        body = fields[6] if len(fields) > 6 else ""
        commits.append({
            "hash": fields[0],
            "shortHash": fields[1],
            "author": fields[2],
            "email": fields[3],
            "date": iso_utc(fields[4]),
            "subject": fields[5],
            "body": body.strip(),
        })
    return commits


# --- query parameters --------------------------------------------------------------------


def clean_file(value: str | None) -> str | None:
    """A repo-relative path that cannot escape the repo, normalised; None if invalid."""
    if not value or "\0" in value or value.startswith("/"):
        return None
    normal = posixpath.normpath(value)
    if normal == "." or ".." in normal.split("/"):
        return None
    return normal


def _leading_int(value: str | None) -> int | None:
    """The integer a string starts with (`"5abc"` → 5), like JavaScript's parseInt."""
    match = _LEADING_INT.match(value or "")
    if not match:
        return None
    # int() refuses more than 4300 digits (ValueError, a 500); a number that long is past every
    # cap anyway, so it counts as huge.
    digits = match[1].lstrip("+-").lstrip("0") or "0"
    number = int(digits) if len(digits) <= 18 else 10**18
    return -number if match[1].startswith("-") else number


def parse_context(value: str | None) -> int:
    number = _leading_int(value)
    return DEFAULT_CONTEXT if number is None else min(max(number, 0), MAX_CONTEXT)


def parse_limit(value: str | None) -> int:
    # 0 and garbage both mean "the default", as in the reference.
    number = _leading_int(value) or DEFAULT_LOG_LIMIT
    return min(max(number, 1), MAX_LOG_LIMIT)
