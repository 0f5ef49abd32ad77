/** Small display helpers for the hub: paths, ages, names. Pure, so vitest can cover them. */

/**
 * A home directory guessed from a path: the server has no "home" field, and on a single-user
 * box the /home/<user>, /Users/<user> or /root prefix is the one the shells run under. Null
 * when the path is not under a recognisable home.
 */
export function guessHome(path: string | null | undefined): string | null {
  if (!path) return null;
  const m = /^(\/home\/[^/]+|\/Users\/[^/]+|\/root)(?:\/|$)/.exec(path);
  return m ? m[1] : null;
}

/** The home directory most of these sessions are under (by guessHome), or null. */
export function homeOf(sessions: { cwd: string }[]): string | null {
  const counts = new Map<string, number>();
  for (const s of sessions) {
    const h = guessHome(s.cwd);
    if (h) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [h, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = h;
  return best;
}

/** `/home/ada/src/app` → `~/src/app` when home is `/home/ada`; anything else unchanged. */
export function shortenPath(path: string, home: string | null): string {
  if (!home || !path) return path;
  if (path === home) return '~';
  return path.startsWith(home + '/') ? '~' + path.slice(home.length) : path;
}

/** The last path segment (`/a/b/` → `b`); '' for the root. Handles Windows separators too. */
export function basename(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  const last = parts.length ? parts[parts.length - 1] : '';
  return /^[A-Za-z]:$/.test(last) ? '' : last;
}

/** The session name the form suggests for a folder: its basename, trimmed to the server's limit. */
export function deriveName(folder: string): string {
  return basename(folder.trim()).slice(0, 64);
}

/** Milliseconds since the epoch from the API's number (ms) or ISO string; null if unusable. */
export function toMillis(value: number | string | null | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** "just now", "2 min ago", "3 h ago", "yesterday", "5 days ago". */
export function formatAge(then: number, now: number): string {
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(s / 3600);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(s / 86400);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

/** The shell's display name: the basename of its path without `.exe`. */
export function shellName(shell: string): string {
  return basename(shell).replace(/\.exe$/i, '') || shell;
}
