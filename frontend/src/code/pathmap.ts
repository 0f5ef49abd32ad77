/**
 * The tree and file routes name files relative to the session's cwd; the git routes relative
 * to the repository's top level. When the shell sits in a sub-folder of the repository the two
 * differ by a prefix, which this module computes and applies.
 */

function trimSlashes(p: string): string {
  return p.replace(/\/+$/, '');
}

/**
 * The cwd's path inside the repository with a trailing slash ('' when they are the same), or
 * null when it cannot be told (the server did not say where the repository is, or the cwd is
 * not inside it).
 */
export function repoPrefix(cwd: string | null, repoRoot: string | null | undefined): string | null {
  if (!cwd || !repoRoot) return null;
  const c = trimSlashes(cwd) || '/';
  const r = trimSlashes(repoRoot) || '/';
  if (c === r) return '';
  const base = r === '/' ? '/' : `${r}/`;
  return c.startsWith(base) ? `${c.slice(base.length)}/` : null;
}

/** A cwd-relative path as the git routes want it. Unknown prefix: assume cwd = top level. */
export function toRepoPath(prefix: string | null, path: string): string {
  return (prefix ?? '') + path;
}

/** A repository path as the file routes want it, or null when it lies outside the cwd. */
export function toCwdPath(prefix: string | null, repoPath: string): string | null {
  const p = prefix ?? '';
  return repoPath.startsWith(p) ? repoPath.slice(p.length) : null;
}
