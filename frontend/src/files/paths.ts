/**
 * Path and display helpers shared by the files, upload and markdown panels (pure, no DOM).
 *
 * The server resolves every `dir`/`file` parameter against the session's live cwd (its
 * "root"), so the panels keep positions as root-relative, "/"-separated paths: "" is the
 * root itself, "docs/img" a folder below it.
 */

/** The non-empty, non-"." segments of a "/"-separated path. */
export function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/** Collapse "." and ".." in a root-relative path; null when it would climb above the root. */
export function normalizeRel(path: string): string | null {
  const out: string[] = [];
  for (const seg of segments(path)) {
    if (seg !== '..') out.push(seg);
    else if (out.length === 0) return null;
    else out.pop();
  }
  return out.join('/');
}

/** `name` inside the root-relative folder `dir`. */
export function joinRel(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

/** The folder containing a root-relative path ("" for a top-level entry or the root). */
export function dirnameRel(path: string): string {
  const segs = segments(path);
  return segs.slice(0, -1).join('/');
}

/** The last segment of a path ("" for the root). */
export function basename(path: string): string {
  const segs = segments(path);
  return segs.length ? segs[segs.length - 1] : '';
}

/** `abs` relative to the absolute `root`, or null when it is not inside it. */
export function relativeTo(root: string, abs: string): string | null {
  const r = segments(root);
  const a = segments(abs);
  if (a.length < r.length || r.some((seg, i) => a[i] !== seg)) return null;
  return a.slice(r.length).join('/');
}

/** An absolute path joined with a name, without doubling the "/" of the filesystem root. */
export function joinAbs(base: string, name: string): string {
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

export interface Crumb {
  /** What the button shows. */
  label: string;
  /** The root-relative folder it opens. */
  rel: string;
}

/** Breadcrumbs from the root (labelled with its own folder name) down to `rel`. */
export function breadcrumbs(rootDir: string, rel: string): Crumb[] {
  const rootLabel = basename(rootDir) || '/';
  const crumbs: Crumb[] = [{ label: rootLabel, rel: '' }];
  let acc = '';
  for (const seg of segments(rel)) {
    acc = joinRel(acc, seg);
    crumbs.push({ label: seg, rel: acc });
  }
  return crumbs;
}

/** Characters that never need quoting in a POSIX shell word. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A path as one POSIX shell word: left alone when it is plain, otherwise single-quoted
 * (the only character that cannot appear inside single quotes is ' itself: '\'' ).
 * A leading "-" or "~" is quoted too, so it cannot read as an option or expand.
 */
export function shellQuote(path: string): string {
  if (path !== '' && SHELL_SAFE.test(path) && !path.startsWith('-')) return path;
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** Bytes for people: "0 B", "999 B", "1.5 KB", "12 MB" (1 KB = 1024 B, as the server's limits). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
  return `${shown} ${UNITS[unit]}`;
}

/**
 * A modification time for a file list: the time for today, the day and month within the
 * last year, the full date otherwise; "" when unknown.
 */
export function formatModified(iso: string | null, now: Date = new Date(), locale?: string): string {
  if (!iso) return '';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  const sameDay = when.toDateString() === now.toDateString();
  if (sameDay) return when.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const ageMs = now.getTime() - when.getTime();
  if (ageMs >= 0 && ageMs < 330 * 86_400_000) {
    return when.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
  }
  return when.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** Markdown by extension (.md, .markdown; any case). */
export function isMarkdown(name: string): boolean {
  return /\.(md|markdown)$/i.test(name);
}

/** Entries whose name contains `query` (case-insensitive); all of them for an empty query. */
export function filterByName<T extends { name: string }>(entries: T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  return q ? entries.filter((e) => e.name.toLowerCase().includes(q)) : entries;
}
