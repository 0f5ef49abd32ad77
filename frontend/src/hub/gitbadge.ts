/**
 * What a session's git badge shows, worked out from `GET /api/sessions` `git` without a DOM:
 * branch, hosting provider, repository name and a compact status ("+2 ~1 ?3 ↑3 ↓1" or ✓)
 * plus the words a screen reader says instead. Old servers send partial objects (no status,
 * no repoName, counts missing), so every field is checked before it is used.
 */

/** Known hosts get a monogram; anything else is shown by its host name with a neutral mark. */
export type ProviderKind = 'github' | 'gitlab' | 'bitbucket' | 'azure' | 'host';

export interface StatusPart {
  kind: 'staged' | 'modified' | 'untracked' | 'ahead' | 'behind';
  /** The compact text: `+2`, `~1`, `?3`, `↑3`, `↓1`. */
  text: string;
}

export interface GitBadgeParts {
  branch: string;
  repo: string | null;
  provider: string | null;
  providerKind: ProviderKind | null;
  /** True ✓, false: see `parts`; null when the server sent no status. */
  clean: boolean | null;
  parts: StatusPart[];
  /** "2 staged, 1 modified, 3 ahead" / "clean" / "" (no status). */
  spoken: string;
  /** The whole badge in words, for aria-label and title. */
  label: string;
}

const KINDS: [string, ProviderKind][] = [
  ['GitHub', 'github'],
  ['GitLab', 'gitlab'],
  ['Bitbucket', 'bitbucket'],
  ['Azure DevOps', 'azure'],
];

/** The 2-letter mark drawn for a known provider (our own text monogram, not a brand logo). */
export const MONOGRAM: Record<Exclude<ProviderKind, 'host'>, string> = { github: 'GH', gitlab: 'GL', bitbucket: 'BB', azure: 'AZ' };

const COUNTS: [StatusPart['kind'], string, string][] = [
  ['staged', '+', 'staged'],
  ['modified', '~', 'modified'],
  ['untracked', '?', 'untracked'],
  ['ahead', '↑', 'ahead'],
  ['behind', '↓', 'behind'],
];

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

export function providerKind(provider: string | null): ProviderKind | null {
  if (!provider) return null;
  return KINDS.find(([name]) => name.toLowerCase() === provider.toLowerCase())?.[1] ?? 'host';
}

/** The server's summary ("1 modified, 3↑, 1↓") with the arrows spelled out for speech. */
export function spokenSummary(summary: string): string {
  return summary.replace(/(\d+)\s*↑/g, '$1 ahead').replace(/(\d+)\s*↓/g, '$1 behind');
}

function statusOf(raw: unknown): Pick<GitBadgeParts, 'clean' | 'parts' | 'spoken'> {
  if (!raw || typeof raw !== 'object') return { clean: null, parts: [], spoken: '' };
  const st = raw as Record<string, unknown>;
  const parts: StatusPart[] = [];
  const words: string[] = [];
  for (const [kind, symbol, word] of COUNTS) {
    const n = count(st[kind]);
    if (n) {
      parts.push({ kind, text: `${symbol}${n}` });
      words.push(`${n} ${word}`);
    }
  }
  // `clean` is authoritative when sent; older payloads only had the counts.
  const clean = typeof st.clean === 'boolean' ? st.clean : parts.length === 0;
  const summary = text(st.summary);
  const spoken = clean ? 'clean' : summary && summary !== 'clean' ? spokenSummary(summary) : words.join(', ') || 'uncommitted changes';
  return { clean, parts: clean ? [] : parts, spoken };
}

/** The badge of a session in a git work tree, or null outside one (or for junk input). */
export function gitBadgeParts(git: unknown): GitBadgeParts | null {
  if (!git || typeof git !== 'object') return null;
  const g = git as Record<string, unknown>;
  const branch = text(g.branch);
  if (!branch) return null;
  const repo = text(g.repoName);
  const provider = text(g.provider);
  const status = statusOf(g.status);
  // Branch first: it is what tells sessions in one repository apart (and older tests and
  // screen-reader users already know the "Git branch …" start).
  const where = repo ? `${provider ?? 'local'} repository ${repo}` : provider;
  const label = ['Git branch ' + branch, where, status.spoken].filter(Boolean).join(', ');
  return { branch, repo, provider, providerKind: providerKind(provider), ...status, label };
}
