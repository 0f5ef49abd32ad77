/**
 * Blame lines grouped into runs of one commit, and the short relative dates the gutter shows.
 */

export interface BlameLine {
  line: number;
  content: string;
  commit: string | null;
  author: string;
  date: string | null;
  summary: string;
}

export interface BlameGroup {
  /** Short hash, or null for lines not committed yet. */
  commit: string | null;
  author: string;
  date: string | null;
  summary: string;
  /** First line number of the run (1-based) and how many lines it spans. */
  start: number;
  count: number;
}

/**
 * Consecutive lines from the same commit become one group. A gap in line numbers (blame of
 * a file changed since) also starts a new group, so a group always covers contiguous lines.
 */
export function groupBlame(lines: BlameLine[]): BlameGroup[] {
  const groups: BlameGroup[] = [];
  let last: BlameGroup | undefined;
  for (const l of lines) {
    if (last && last.commit === l.commit && last.start + last.count === l.line) {
      last.count++;
      continue;
    }
    last = { commit: l.commit, author: l.author, date: l.date, summary: l.summary, start: l.line, count: 1 };
    groups.push(last);
  }
  return groups;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "just now"; '' for a missing or unparsable date. */
export function relativeDate(iso: string | null, now: number = Date.now()): string {
  if (!iso) return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return fmt.format(Math.trunc(seconds / size), unit);
  }
  return 'just now';
}

/** The hover text of a group: who, when, which commit and its subject. */
export function blameTitle(g: BlameGroup): string {
  if (!g.commit) return `${g.author}\n${g.summary}`;
  const when = g.date ? new Date(g.date).toLocaleString() : '';
  return `${g.commit} · ${g.author}${when ? ` · ${when}` : ''}\n${g.summary}`;
}
