/**
 * The hub's filter bar: free text plus chips for repo, branch, shell and agent. A chip row is
 * only offered when its field has at least two distinct values (one value filters nothing).
 * The last filter is kept in localStorage `termbeam-hub-filter`.
 */
import { basename, shellName } from './format';

export type FacetKey = 'repo' | 'branch' | 'shell' | 'agent';
export const FACETS: { key: FacetKey; label: string }[] = [
  { key: 'repo', label: 'Repository' },
  { key: 'branch', label: 'Branch' },
  { key: 'shell', label: 'Shell' },
  { key: 'agent', label: 'Agent' },
];

export interface HubFilter {
  text: string;
  repo: string;
  branch: string;
  shell: string;
  agent: string;
}

export const EMPTY_FILTER: HubFilter = { text: '', repo: '', branch: '', shell: '', agent: '' };

/** What the filter looks at for one session (built by `describeForFilter`). */
export interface FilterRow {
  id: string;
  name: string;
  cwd: string;
  repo: string | null;
  branch: string | null;
  /** Hosting provider ("GitHub", a host name): searchable by text, not a chip. */
  provider: string | null;
  shell: string;
  agent: string | null;
}

interface SessionLike {
  id: string;
  name: string;
  cwd: string;
  shell: string;
  /** The server's record of the agent an agent session runs (type "agent"). */
  agent?: string | null;
  git?: { branch?: unknown; repoName?: unknown; provider?: unknown } | null;
}

interface AgentLike {
  id: string;
  name: string;
}

/**
 * Which detected agent a session runs: the one this browser launched it with (remembered at
 * launch), else one whose name or id starts the session name (agent launches are named so).
 */
export function agentOf(s: SessionLike, agents: AgentLike[], launched: Record<string, string>): string | null {
  // The server's word first (every device sees it), then what this browser launched.
  const byId = s.agent || launched[s.id];
  if (byId) return agents.find((a) => a.id === byId)?.name ?? byId;
  const name = s.name.toLowerCase();
  const hit = agents.find((a) => name.startsWith(a.name.toLowerCase()) || name.split(/[\s·:-]/)[0] === a.id);
  return hit ? hit.name : null;
}

export function describeForFilter(s: SessionLike, agent: string | null): FilterRow {
  const git = s.git ?? null;
  const repo = git && typeof git.repoName === 'string' && git.repoName ? git.repoName : null;
  const branch = git && typeof git.branch === 'string' && git.branch ? git.branch : null;
  const provider = git && typeof git.provider === 'string' && git.provider ? git.provider : null;
  return { id: s.id, name: s.name, cwd: s.cwd, repo, branch, provider, shell: shellName(s.shell), agent };
}

/** The distinct values of each facet, sorted; facets with fewer than two values are left out. */
export function facetValues(rows: FilterRow[]): Partial<Record<FacetKey, string[]>> {
  const out: Partial<Record<FacetKey, string[]>> = {};
  for (const { key } of FACETS) {
    const values = new Set<string>();
    for (const r of rows) {
      const v = r[key];
      if (v) values.add(v);
    }
    if (values.size >= 2) out[key] = [...values].sort((a, b) => a.localeCompare(b));
  }
  return out;
}

/** Case-insensitive match of every word of the text against name, folder, repo, branch, provider, shell, agent. */
function textMatches(r: FilterRow, text: string): boolean {
  const hay = [r.name, r.cwd, basename(r.cwd), r.repo, r.branch, r.provider, r.shell, r.agent].filter(Boolean).join(' ').toLowerCase();
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => hay.includes(word));
}

export function matches(r: FilterRow, f: HubFilter): boolean {
  for (const { key } of FACETS) if (f[key] && r[key] !== f[key]) return false;
  return textMatches(r, f.text);
}

/** Ids of the rows the filter keeps, in order. */
export function applyFilter(rows: FilterRow[], f: HubFilter): string[] {
  return rows.filter((r) => matches(r, f)).map((r) => r.id);
}

export function isActive(f: HubFilter): boolean {
  return Object.values(f).some((v) => v.trim() !== '');
}

/** Chips whose value no longer exists are dropped so a stale saved filter cannot hide everything. */
export function pruneFilter(f: HubFilter, facets: Partial<Record<FacetKey, string[]>>): HubFilter {
  const out = { ...f };
  for (const { key } of FACETS) if (out[key] && !facets[key]?.includes(out[key])) out[key] = '';
  return out;
}

const KEY = 'termbeam-hub-filter';

export function parseFilter(raw: string | null): HubFilter {
  try {
    const v: unknown = raw ? JSON.parse(raw) : null;
    if (!v || typeof v !== 'object') return EMPTY_FILTER;
    const src = v as Record<string, unknown>;
    const out = { ...EMPTY_FILTER };
    for (const k of Object.keys(out) as (keyof HubFilter)[]) if (typeof src[k] === 'string') out[k] = src[k] as string;
    return out;
  } catch {
    return EMPTY_FILTER;
  }
}

export function loadFilter(): HubFilter {
  try {
    return parseFilter(localStorage.getItem(KEY));
  } catch {
    return EMPTY_FILTER;
  }
}

export function saveFilter(f: HubFilter): void {
  try {
    if (isActive(f)) localStorage.setItem(KEY, JSON.stringify(f));
    else localStorage.removeItem(KEY);
  } catch {
    /* ignore */
  }
}
