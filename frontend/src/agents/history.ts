/**
 * Pure helpers for the agent panels: the history query, how a past agent session is shown
 * (age, repo/branch, folder, turns), the agent filter chips, the POST bodies that launch or
 * resume an agent in a new terminal session, and list keyboard movement. No DOM, no fetch.
 */
import { ApiError, type AgentInfo, type NewSession } from '../api';
import { basename, formatAge, guessHome, shortenPath, toMillis } from '../hub/format';
import { agentCommand } from '../hub/workspaces';

/** One row of GET /api/agent-sessions. */
export interface AgentSession {
  id: string;
  agent: string;
  agentName: string;
  agentIcon: string;
  summary: string;
  cwd: string | null;
  repo: string | null;
  branch: string | null;
  updatedAt: string | null;
  turnCount: number;
}

/** The server's default page; enough for a phone-sized list, the search box finds older ones. */
export const SESSION_LIMIT = 100;
/** Session names stay short enough for a tab (the server allows more). */
export const MAX_SESSION_NAME = 64;

export interface HistoryQuery {
  search?: string;
  agent?: string;
  limit?: number;
}

/** `/api/agent-sessions?limit=…[&agent=…][&search=…]`; blank filters are left out. */
export function sessionsPath(q: HistoryQuery = {}): string {
  const params = new URLSearchParams({ limit: String(q.limit ?? SESSION_LIMIT) });
  if (q.agent) params.set('agent', q.agent);
  const search = q.search?.trim();
  if (search) params.set('search', search);
  return `/api/agent-sessions?${params.toString()}`;
}

export function resumeCommandPath(s: Pick<AgentSession, 'agent' | 'id'>): string {
  return `/api/agent-sessions/${encodeURIComponent(s.agent)}/${encodeURIComponent(s.id)}/resume-command`;
}

/** Keep only well-formed rows: the list renders fields without further checks. */
export function parseSessions(body: unknown): AgentSession[] {
  const rows = body && typeof body === 'object' ? (body as { sessions?: unknown }).sessions : null;
  if (!Array.isArray(rows)) return [];
  return rows.filter(
    (r): r is AgentSession => !!r && typeof r === 'object' && typeof (r as AgentSession).id === 'string' && typeof (r as AgentSession).agent === 'string',
  );
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').replace(/\s+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The terminal session's name: the summary's first line, trimmed; else "<agent> · <folder>". */
export function sessionName(s: Pick<AgentSession, 'summary' | 'agentName' | 'cwd'>): string {
  const summary = firstLine(s.summary ?? '');
  if (summary) return clip(summary, MAX_SESSION_NAME);
  const where = s.cwd ? basename(s.cwd) : '';
  return clip(where ? `${s.agentName} · ${where}` : s.agentName || 'Agent session', MAX_SESSION_NAME);
}

/** "updated 3 h ago"; '' when the store had no usable time. */
export function updatedLabel(updatedAt: string | null | undefined, now: number): string {
  const then = toMillis(updatedAt);
  return then === null ? '' : `updated ${formatAge(then, now)}`;
}

export function turnsLabel(n: number): string {
  return n === 1 ? '1 turn' : `${n} turns`;
}

/** "owner/repo · branch", either alone, or ''. */
export function repoBranch(s: Pick<AgentSession, 'repo' | 'branch'>): string {
  return [s.repo, s.branch].filter((v): v is string => !!v).join(' · ');
}

/**
 * A folder short enough for one phone line: home becomes `~`, and deep paths keep their last
 * two folders (`~/…/app/src`). The full path goes in the title attribute.
 */
export function shortCwd(cwd: string | null | undefined): string {
  if (!cwd) return '';
  const short = shortenPath(cwd, guessHome(cwd));
  const sep = short.includes('\\') && !short.includes('/') ? '\\' : '/';
  const parts = short.split(sep);
  // parts[0] is '' (absolute), '~' or a drive; keep it plus the last two folders.
  if (parts.length <= 4) return short;
  return [parts[0], '…', ...parts.slice(-2)].join(sep);
}

export interface AgentChip {
  id: string;
  name: string;
  count: number;
}

/** One chip per agent present in `sessions`, in order of first appearance (newest first). */
export function agentChips(sessions: AgentSession[]): AgentChip[] {
  const chips = new Map<string, AgentChip>();
  for (const s of sessions) {
    const chip = chips.get(s.agent);
    if (chip) chip.count += 1;
    else chips.set(s.agent, { id: s.agent, name: s.agentName || s.agent, count: 1 });
  }
  return [...chips.values()];
}

/**
 * The chips to show: those of the last unfiltered result, plus the selected agent when that
 * result no longer has it (so the filter can always be switched off).
 */
export function visibleChips(known: AgentChip[], selected: string, selectedName?: string): AgentChip[] {
  if (!selected || known.some((c) => c.id === selected)) return known;
  return [...known, { id: selected, name: selectedName || selected, count: 0 }];
}

/** Where ↑/↓/Home/End move the focus in a list of `length` rows; null for other keys. */
export function nextIndex(current: number, key: string, length: number): number | null {
  if (length === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return current < 0 ? 0 : Math.min(length - 1, current + 1);
    case 'ArrowUp':
      return current <= 0 ? -1 : current - 1; // -1: back to the search box
    case 'Home':
      return 0;
    case 'End':
      return length - 1;
    default:
      return null;
  }
}

/** POST /api/sessions refused the folder (gone, not a folder): worth retrying without it. */
export function isCwdRefusal(err: unknown): boolean {
  return err instanceof ApiError && err.status === 400 && /^cwd\b/i.test(err.message);
}

/** A new terminal session that resumes `s` with `command`, in its folder when it has one. */
export function resumeBody(s: AgentSession, command: string): NewSession {
  const body: NewSession = { name: sessionName(s), initialCommand: command, type: 'agent', agent: s.agent };
  if (s.cwd) body.cwd = s.cwd;
  return body;
}

/** A new terminal session running `agent`, in `cwd` when known (named like the hub does). */
export function launchBody(agent: AgentInfo, cwd: string | null | undefined): NewSession {
  const where = cwd ? basename(cwd) : '';
  const body: NewSession = {
    name: clip(where ? `${agent.name} · ${where}` : agent.name, MAX_SESSION_NAME), initialCommand: agentCommand(agent),
    type: 'agent', agent: agent.id,
  };
  if (cwd) body.cwd = cwd;
  return body;
}
