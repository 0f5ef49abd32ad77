/**
 * Pure helpers of the recordings list and player (#19): how a recording's length, start and
 * part read, and the command marks of an asciicast v2 file with the times the player shows.
 */

/** Playback speeds offered by the player. */
export const SPEEDS = [0.5, 1, 1.5, 2, 4, 8] as const;

/**
 * Pauses longer than this many seconds are shortened to it on playback, as asciinema does with
 * `idle_time_limit`: a session recorded across a lunch break still plays in minutes, and the
 * seek bar stays usable. The list's duration is the real one.
 */
export const IDLE_LIMIT_S = 3;

/** "0:07", "12:03", "1:02:03"; an unknown length reads "–". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * When a recording started, in local time: the time alone today ("14:05"), else the date too
 * ("7 Dec 14:05", with the year when it is not this one's).
 */
export function formatStart(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return time;
  const month = d.toLocaleString('en', { month: 'short' });
  const year = d.getFullYear() === now.getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${month}${year} ${time}`;
}

/** One command mark of a recording, at the time the player shows it (idle pauses shortened). */
export interface CastMark {
  /** Its place among the recording's marks: what the player seeks to. */
  index: number;
  /** Seconds from the start of playback. */
  time: number;
  label: string;
  /** "command" for `$ …` (a command started), "exit" for `exit N`, "note" for anything else. */
  kind: 'command' | 'exit' | 'note';
  /** For an `exit N` mark: whether N is not 0. */
  failed: boolean;
}

function markKind(label: string): Pick<CastMark, 'kind' | 'failed'> {
  if (label === '$' || label.startsWith('$ ')) return { kind: 'command', failed: false };
  const exit = /^exit (-?\d+)$/.exec(label);
  if (exit) return { kind: 'exit', failed: exit[1] !== '0' };
  return { kind: 'note', failed: false };
}

/** An event line's time and code, read without parsing its data (output can be megabytes). */
const EVENT_HEAD = /^\[\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*,\s*"([a-z])"\s*,/;

function markLabel(line: string): string | null {
  try {
    const e: unknown = JSON.parse(line);
    if (Array.isArray(e)) return typeof e[2] === 'string' ? e[2] : '';
  } catch {
    /* a torn last line of a recording still being written */
  }
  return null;
}

/**
 * The `m` events of an asciicast v2 text (its first line is the header). Every gap between two
 * events longer than `idleLimit` seconds is cut to it, the way the player cuts them, so a mark's
 * `time` is where the player's clock stands after seeking to it. Unreadable lines are skipped.
 */
export function castMarks(text: string, idleLimit = Infinity): CastMark[] {
  const marks: CastMark[] = [];
  let previous = 0;
  let shift = 0;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const head = EVENT_HEAD.exec(lines[i]);
    if (!head) continue;
    const label = head[2] === 'm' ? markLabel(lines[i]) : '';
    if (label === null) continue;
    const t = Number(head[1]);
    const idle = t - previous - idleLimit;
    if (idle > 0) shift += idle;
    previous = t;
    if (head[2] === 'm') marks.push({ index: marks.length, time: t - shift, label, ...markKind(label) });
  }
  return marks;
}

/** How near (seconds) a mark must be to count as "here": Previous then skips it. */
const HERE_S = 1;

/** The mark Previous goes to from `time`: the last one more than a second before it. */
export function previousMark(marks: CastMark[], time: number): CastMark | null {
  let found: CastMark | null = null;
  for (const m of marks) if (m.time < time - HERE_S) found = m;
  return found;
}

/** How near (seconds) the position must be to a mark to be at it. */
const AT_S = 0.05;

/** The mark Previous goes to. At a mark (`here`, the one jumped to or the one the position
 * sits on), the one before it in the list, however close in time: a quick command's start and
 * end are a fraction of a second apart. Elsewhere, `previousMark`. */
export function markBefore(marks: CastMark[], time: number, here: CastMark | null): CastMark | null {
  if (here && Math.abs(here.time - time) < AT_S) return marks[here.index - 1] ?? null;
  return previousMark(marks, time);
}

/** The mark Next goes to from `time`: the first one after it. */
export function nextMark(marks: CastMark[], time: number): CastMark | null {
  return marks.find((m) => m.time > time + AT_S) ?? null;
}

/** A recording's title in the list: its session's name, with the part after a rotation. */
export function recordingTitle(r: { sessionName: string; part: number }): string {
  return r.part > 1 ? `${r.sessionName} · part ${r.part}` : r.sessionName;
}

/** The sessions that have recordings, each once, in the order the list first shows them. */
export function recordedSessions(list: { sessionId: string; sessionName: string }[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const r of list) if (!seen.has(r.sessionId)) seen.set(r.sessionId, r.sessionName);
  return [...seen].map(([id, name]) => ({ id, name }));
}

/** The text up to its last newline: a recording still being written may end mid-line. */
export function completeLines(text: string): string {
  const end = text.lastIndexOf('\n');
  return end < 0 ? text : text.slice(0, end + 1);
}

/** What the colours of the app's terminal theme come as (xterm's ITheme, in part). */
export interface TermColours {
  foreground?: string;
  background?: string;
  black?: string;
  red?: string;
  green?: string;
  yellow?: string;
  blue?: string;
  magenta?: string;
  cyan?: string;
  white?: string;
  brightBlack?: string;
  brightRed?: string;
  brightGreen?: string;
  brightYellow?: string;
  brightBlue?: string;
  brightMagenta?: string;
  brightCyan?: string;
  brightWhite?: string;
}

const ANSI_ORDER = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite',
] as const;

/**
 * The theme's terminal colours as CSS variables (--rp-fg, --rp-bg, --rp-0 … --rp-15) for the
 * player's box; recordings.css hands them to the variables the asciinema player reads its
 * palette from, so a recording plays in the colours of the app's theme.
 */
export function playerColours(t: TermColours): Record<string, string> {
  const vars: Record<string, string> = {};
  if (t.foreground) vars['--rp-fg'] = t.foreground;
  if (t.background) vars['--rp-bg'] = t.background;
  ANSI_ORDER.forEach((name, i) => {
    const c = t[name];
    if (c) vars[`--rp-${i}`] = c;
  });
  return vars;
}
