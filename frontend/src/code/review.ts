/**
 * Review mode: comments on selected diff lines, batched and typed into the terminal as one
 * bracketed paste (for a coding agent or an editor running there).
 *
 * Everything sent is stripped of escape sequences and control characters first: a diff line or
 * comment holding ESC could otherwise end the paste early and run the rest as keystrokes.
 */
import type { DiffRow } from './diff';
import type { DiffKind } from './tabs';

export const COMMENT_MAX_BYTES = 4 * 1024;
export const QUOTE_MAX_BYTES = 8 * 1024;
export const BATCH_MAX_BYTES = 64 * 1024;

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

export interface ReviewComment {
  id: number;
  path: string;
  kind: DiffKind;
  /** Row indices (inclusive) in the diff the comment was made on; where it is shown. */
  from: number;
  to: number;
  /** e.g. "lines 5–7" (new numbering) or "old line 3". */
  where: string;
  /** The selected lines, as `+text` / `-text` / ` text`. */
  quote: string;
  text: string;
}

// CSI (ESC [ … final), OSC/DCS/PM/APC/SOS strings (ESC ] … BEL or ST), other two-byte ESC
// sequences, and their 8-bit C1 forms.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]|[\x90\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Text safe to paste: no escape sequences, no control characters but newline and tab. */
export function sanitize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(ESCAPES, '').replace(CONTROLS, '');
}

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** Cut to at most `max` UTF-8 bytes (never inside a character), marking the cut with '…'. */
export function clampBytes(text: string, max: number): string {
  if (byteLength(text) <= max) return text;
  let lo = 0;
  let hi = text.length;
  const budget = max - byteLength('…');
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (byteLength(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  // Do not split a surrogate pair.
  const code = text.charCodeAt(lo - 1);
  if (code >= 0xd800 && code <= 0xdbff) lo--;
  return `${text.slice(0, lo)}…`;
}

type LineRow = Extract<DiffRow, { kind: 'line' }>;

/** The line rows between two row indices (in either order), hunk headers skipped. */
export function selectedLines(rows: DiffRow[], a: number, b: number): LineRow[] {
  const [from, to] = a <= b ? [a, b] : [b, a];
  return rows.slice(from, to + 1).filter((r): r is LineRow => r.kind === 'line');
}

function span(nums: number[], word: string): string {
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return lo === hi ? `${word} ${lo}` : `${word}s ${lo}–${hi}`;
}

/** Where a selection is, in the numbering a reader would look up. */
export function describeLines(lines: LineRow[]): string {
  const fresh = lines.map((l) => l.new).filter((n): n is number => n !== null);
  if (fresh.length) return span(fresh, 'line');
  const old = lines.map((l) => l.old).filter((n): n is number => n !== null);
  return old.length ? `old ${span(old, 'line')}` : 'no lines';
}

export function quoteLines(lines: LineRow[]): string {
  return clampBytes(lines.map((l) => `${l.sign}${l.text}`).join('\n'), QUOTE_MAX_BYTES);
}

const KIND_WORD: Record<DiffKind, string> = { staged: 'staged', unstaged: 'unstaged', untracked: 'new file' };

function formatComment(c: ReviewComment): string {
  const quote = sanitize(c.quote).split('\n').map((l) => `> ${l}`).join('\n');
  const text = clampBytes(sanitize(c.text).trim(), COMMENT_MAX_BYTES);
  return `${sanitize(c.path)} (${KIND_WORD[c.kind]}), ${c.where}:\n${quote}\n${text}\n`;
}

export interface Batch {
  /** The bracketed paste to send, or '' when there is nothing to send. */
  paste: string;
  /** Comments that did not fit into the batch limit (sent next time). */
  left: ReviewComment[];
}

/** One paste holding as many comments as fit into BATCH_MAX_BYTES, in order. */
export function buildBatch(comments: ReviewComment[]): Batch {
  const head = 'Review comments on the working tree:\n\n';
  let body = head;
  let taken = 0;
  for (const c of comments) {
    const part = `${formatComment(c)}\n`;
    if (taken > 0 && byteLength(body + part) > BATCH_MAX_BYTES) break;
    body += part;
    taken++;
  }
  if (taken === 0) return { paste: '', left: [] };
  body = clampBytes(body.trimEnd(), BATCH_MAX_BYTES);
  return { paste: `${PASTE_START}${body}${PASTE_END}`, left: comments.slice(taken) };
}
