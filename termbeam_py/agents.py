"""AI coding agents: which agent CLIs are on PATH (/api/agents), their past sessions read
from each agent's local store (/api/agent-sessions) and the command that resumes one.

Stores are read from `Path.home()` at request time (so HOME decides) and never written:

* Copilot CLI, `~/.copilot/session-store.db` (SQLite, opened read-only). Assumed schema —
  columns are looked up by name, anything missing is skipped:
  `sessions(id, cwd, repository|repo, branch|git_branch, summary|title,
  updated_at|last_modified|created_at)` and `turns(session_id, …)`, one row per user turn
  (`sessions.turn_count` is used when there is no `turns` table).
* Claude Code, `~/.claude/projects/<project>/<session-id>.jsonl` (see `claude_sessions`).
* OpenCode, `~/.local/share/opencode/opencode.db` (SQLite). Assumed schema:
  `session(id, directory, title, time_updated ms, time_archived ms|NULL, parent_id)` and
  `message(session_id, data JSON with "role")`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from aiohttp import web

from termbeam_py import keys
from termbeam_py.child import run_child
from termbeam_py.errors import BadRequest
from termbeam_py.scopes import Scope, requires
from termbeam_py.timefmt import epoch_iso_ms, iso_ms

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

PROBE_TIMEOUT = 5.0
CATALOG_TTL = 60.0
CLAUDE_FILES_PER_PROJECT = 10
CLAUDE_READ_BYTES = 100 * 1024
MAX_SUMMARY = 200
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,}")
_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?")


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    cmd: str
    args: tuple[str, ...] = ()
    icon: str = ""


KNOWN_AGENTS = (
    Agent("copilot", "GitHub Copilot", "copilot", icon="copilot"),
    Agent("gh-copilot", "GitHub Copilot (gh)", "gh", ("copilot",), icon="copilot"),
    Agent("claude", "Claude Code", "claude", icon="claude"),
    Agent("codex", "Codex", "codex", icon="codex"),
    Agent("aider", "Aider", "aider", icon="aider"),
    Agent("opencode", "OpenCode", "opencode", icon="opencode"),
    Agent("gemini", "Gemini CLI", "gemini", icon="gemini"),
)
#: Agents with a readable session history, and how each resumes one of its sessions.
RESUME = {
    "copilot": "copilot --resume={id}",
    "claude": "claude --resume {id}",
    "opencode": "opencode --session {id}",
}
_BY_ID = {agent.id: agent for agent in KNOWN_AGENTS}


class AgentInfo(TypedDict):
    """One agent of `GET /api/agents`: an agent CLI found on PATH."""

    id: str
    name: str
    cmd: str
    args: list[str]
    icon: str
    version: str


class AgentSession(TypedDict):
    """One past session of `GET /api/agent-sessions`."""

    id: str
    agent: str
    agentName: str
    agentIcon: str
    summary: str
    cwd: str | None
    repo: str | None
    branch: str | None
    updatedAt: str | None
    turnCount: int


def _version_of(output: str) -> str:
    match = _VERSION.search(output)
    if match:
        return match.group(0)
    first = next((line.strip() for line in output.splitlines() if line.strip()), "")
    return first[:64]


async def probe(agent: Agent) -> str | None:
    """`<cmd> [args] --version` → the version, or None when the agent is not usable."""
    path = await asyncio.to_thread(shutil.which, agent.cmd)
    if path is None:
        return None
    done = await run_child([path, *agent.args, "--version"], PROBE_TIMEOUT, merge_stderr=True)
    if not done.ok:
        return None  # did not start, hung, or e.g. `gh` without the copilot extension
    return _version_of(done.output.decode(errors="replace"))


class AgentCatalog:
    """Detected agents, probed in parallel and cached for `ttl` seconds."""

    def __init__(self, ttl: float = CATALOG_TTL) -> None:
        self.ttl = ttl
        self._cached: list[AgentInfo] | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def agents(self) -> list[AgentInfo]:
        # One probe round at a time: concurrent callers share its result.
        async with self._lock:
            if self._cached is None or time.monotonic() - self._at >= self.ttl:
                self._cached = await self._detect()
                self._at = time.monotonic()
            return self._cached

    @staticmethod
    async def _detect() -> list[AgentInfo]:
        versions = await asyncio.gather(*(probe(a) for a in KNOWN_AGENTS))
        found = {a.id: v for a, v in zip(KNOWN_AGENTS, versions, strict=True) if v is not None}
        if "copilot" in found:
            found.pop("gh-copilot", None)  # the standalone CLI supersedes the gh extension
        return [
            {"id": a.id, "name": a.name, "cmd": a.cmd, "args": list(a.args), "icon": a.icon,
             "version": found[a.id]}
            for a in KNOWN_AGENTS if a.id in found
        ]


# -- session history ------------------------------------------------------------------------

def _iso(value: object) -> str | None:
    """An ISO 8601 UTC timestamp from epoch seconds/ms or an ISO string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return epoch_iso_ms(value / 1000 if value > 1e11 else value)  # ms vs s
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return iso_ms(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _row(
    agent_id: str, session_id: object, *, summary: object, cwd: object, repo: object = None,
    branch: object = None, updated_at: str | None, turns: int,
) -> AgentSession:
    """One session as the API lists it. Values come from another tool's store, where SQLite
    holds whatever was written: one that is not text reads as null (the summary as "")."""
    agent = _BY_ID[agent_id]
    return {
        "id": str(session_id), "agent": agent_id, "agentName": agent.name,
        "agentIcon": agent.icon, "summary": _text(summary) or "",
        "cwd": _text(cwd), "repo": _text(repo), "branch": _text(branch),
        "updatedAt": updated_at, "turnCount": turns,
    }


@contextlib.contextmanager
def _readonly(path: Path) -> Iterator[sqlite3.Connection]:
    import sqlite3  # on first use: an idle server need not carry it

    # mode=ro: never create or modify another tool's database.
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    try:
        yield db
    finally:
        db.close()


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _pick(columns: set[str], *names: str) -> str:
    """The first existing column among `names`, else SQL NULL."""
    return next((n for n in names if n in columns), "NULL")


def copilot_sessions(home: Path) -> list[AgentSession]:
    path = home / ".copilot" / "session-store.db"
    if not path.is_file():
        return []
    with _readonly(path) as db:
        cols = _columns(db, "sessions")
        if "id" not in cols:
            return []
        if "session_id" in _columns(db, "turns"):
            turns = "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id)"
        else:
            turns = _pick(cols, "turn_count")
        # Identifiers come only from the fixed names above, never from the database's data.
        query = (
            f"SELECT s.id, {_pick(cols, 'cwd')}, {_pick(cols, 'repository', 'repo')}, "  # noqa: S608
            f"{_pick(cols, 'branch', 'git_branch')}, {_pick(cols, 'summary', 'title')}, "
            f"{_pick(cols, 'updated_at', 'last_modified', 'created_at')}, {turns} "
            "FROM sessions s"
        )
        rows = db.execute(query).fetchall()
    return [
        _row("copilot", r[0], cwd=r[1], repo=r[2], branch=r[3], summary=r[4],
             updated_at=_iso(r[5]), turns=r[6])
        for r in rows if isinstance(r[6], int) and r[6] > 0
    ]


def opencode_sessions(home: Path) -> list[AgentSession]:
    path = home / ".local" / "share" / "opencode" / "opencode.db"
    if not path.is_file():
        return []
    with _readonly(path) as db:
        cols = _columns(db, "session")
        if "id" not in cols or "session_id" not in (msg_cols := _columns(db, "message")):
            return []
        user_only = "AND json_extract(m.data, '$.role') = 'user'" if "data" in msg_cols else ""
        where = " AND ".join(
            ["1"] + [f"s.{c} IS NULL" for c in ("time_archived", "parent_id") if c in cols]
        )
        # Fixed identifiers only, as above.
        query = (
            f"SELECT s.id, {_pick(cols, 'directory')}, {_pick(cols, 'title')}, "  # noqa: S608
            f"{_pick(cols, 'time_updated', 'time_created')}, "
            f"(SELECT COUNT(*) FROM message m WHERE m.session_id = s.id {user_only}) "
            f"FROM session s WHERE {where}"
        )
        rows = db.execute(query).fetchall()
    return [
        _row("opencode", r[0], cwd=r[1], summary=r[2], updated_at=_iso(r[3]), turns=r[4])
        for r in rows if isinstance(r[4], int) and r[4] > 0
    ]


def _user_text(entry: dict[str, object]) -> str | None:
    """The typed text of a user turn; None for tool results and meta lines."""
    if entry.get("type") != "user" or entry.get("isMeta"):
        return None
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        joined = "\n".join(t for t in texts if isinstance(t, str))
        return joined or None
    return None


def _str(entry: dict[str, object], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value else None


def _claude_file(path: Path) -> AgentSession | None:
    """One Claude Code transcript: only its first 100 KB is read (transcripts grow large)."""
    with path.open("rb") as fh:
        head = fh.read(CLAUDE_READ_BYTES)
    turns, summary, cwd, branch = 0, "", None, None
    for line in head.decode(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the last line may be cut off by the 100 KB read
        if not isinstance(entry, dict):
            continue
        cwd = cwd or _str(entry, "cwd")
        branch = branch or _str(entry, "gitBranch")
        text = _user_text(entry)
        if text is None:
            continue
        turns += 1
        stripped = text.strip()
        # Lines starting with "<" are command/caveat wrappers, not what the user typed.
        if not summary and not stripped.startswith("<") and len(stripped) > 5:
            summary = stripped.splitlines()[0][:MAX_SUMMARY]
    if turns == 0:
        return None
    return _row("claude", path.stem, summary=summary, cwd=cwd, branch=branch,
                updated_at=_iso(path.stat().st_mtime), turns=turns)


def claude_sessions(home: Path) -> list[AgentSession]:
    root = home / ".claude" / "projects"
    if not root.is_dir():
        return []
    out: list[AgentSession] = []
    for project in root.iterdir():
        if not project.is_dir():
            continue
        files = sorted(project.glob("*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in files[:CLAUDE_FILES_PER_PROJECT]:
            try:
                row = _claude_file(path)
            except OSError as exc:
                log.debug("skipped %s: %s", path, exc)
                continue
            if row is not None:
                out.append(row)
    return out


SOURCES = {"copilot": copilot_sessions, "claude": claude_sessions, "opencode": opencode_sessions}


def read_sessions(home: Path, agent: str | None) -> list[AgentSession]:
    """Every readable past session, newest first; a broken store is logged and skipped."""
    import sqlite3  # on first use: an idle server need not carry it

    rows: list[AgentSession] = []
    for name, source in SOURCES.items():
        if agent is not None and name != agent:
            continue
        try:
            rows.extend(source(home))
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not read %s sessions: %s", name, exc)
    rows.sort(key=lambda r: r["updatedAt"] or "", reverse=True)
    return rows


def _matches(row: AgentSession, needle: str) -> bool:
    fields = (row["summary"], row["cwd"], row["repo"], row["branch"])
    return any(isinstance(f, str) and needle in f.lower() for f in fields)


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 100
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 500:
        raise BadRequest("limit must be an integer between 1 and 500")
    return limit


@routes.get("/api/agents")
@requires(Scope.READ)
async def list_agents(request: web.Request) -> web.Response:
    return web.json_response({"agents": await request.app[keys.AGENTS].agents()})


@routes.get("/api/agent-sessions")
@requires(Scope.READ)
async def list_agent_sessions(request: web.Request) -> web.Response:
    limit = _limit(request.query.get("limit"))
    agent = request.query.get("agent") or None
    if agent is not None and agent not in SOURCES:
        raise BadRequest("agent must be one of: copilot, claude, opencode")
    rows = await asyncio.to_thread(read_sessions, Path.home(), agent)
    needle = request.query.get("search", "").strip().lower()
    if needle:
        rows = [row for row in rows if _matches(row, needle)]
    return web.json_response({"sessions": rows[:limit]})


@routes.get("/api/agent-sessions/{agent}/{id}/resume-command")
@requires(Scope.READ)
async def resume_command(request: web.Request) -> web.Response:
    agent, session_id = request.match_info["agent"], request.match_info["id"]
    template = RESUME.get(agent)
    if template is None:
        raise BadRequest("Unknown agent: must be copilot, claude or opencode")
    # The id ends up in a command line the user runs: only a safe alphabet is allowed.
    if not SESSION_ID.fullmatch(session_id):
        raise BadRequest("Invalid session id")
    return web.json_response({"command": template.format(id=session_id)})


def setup(app: web.Application) -> None:
    """Register this module's services and routes on `app` (called by create_app)."""
    app[keys.AGENTS] = AgentCatalog()
    app.router.add_routes(routes)
