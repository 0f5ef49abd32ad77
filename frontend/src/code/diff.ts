/**
 * The git diff route's parsed hunks, flattened into the rows the diff view draws: one row per
 * hunk header and per line, with old/new numbers and a sign.
 */

export type DiffLineType = 'add' | 'remove' | 'context';

export interface DiffLine {
  type: DiffLineType;
  content: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface DiffHunk {
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface FileDiff {
  file: string;
  hunks: DiffHunk[];
  additions: number;
  deletions: number;
  isBinary: boolean;
  truncated?: boolean;
}

export type DiffRow =
  | { kind: 'hunk'; header: string; hidden: number }
  | { kind: 'line'; type: DiffLineType; sign: '+' | '-' | ' '; old: number | null; new: number | null; text: string };

const SIGN: Record<DiffLineType, '+' | '-' | ' '> = { add: '+', remove: '-', context: ' ' };

/**
 * Rows for a diff. `hidden` on a hunk row is how many unchanged old lines lie between it and
 * the previous hunk (or the file start), so the view can say what was skipped.
 */
export function diffRows(diff: Pick<FileDiff, 'hunks'>): DiffRow[] {
  const rows: DiffRow[] = [];
  let nextOld = 1;
  for (const hunk of diff.hunks) {
    // A hunk of zero old lines starts *after* oldStart (`@@ -0,0 +1,3 @@`).
    const firstOld = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart;
    rows.push({ kind: 'hunk', header: hunk.header, hidden: Math.max(0, firstOld - nextOld) });
    for (const line of hunk.lines) {
      rows.push({ kind: 'line', type: line.type, sign: SIGN[line.type], old: line.oldLine, new: line.newLine, text: line.content });
    }
    nextOld = firstOld + hunk.oldLines;
  }
  return rows;
}

/** Digits the line-number columns need (at least 2, so short diffs do not look cramped). */
export function numberWidth(diff: Pick<FileDiff, 'hunks'>): number {
  let max = 0;
  for (const h of diff.hunks) max = Math.max(max, h.oldStart + h.oldLines, h.newStart + h.newLines);
  return Math.max(2, String(max).length);
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parse raw unified diff text (one file) into hunks, the same shape the server sends. Used for
 * text that arrives unparsed (a pasted patch, a commit's diff) and to check the row logic.
 */
export function parseUnifiedDiff(text: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of text.split('\n')) {
    const m = HUNK_RE.exec(line);
    if (m) {
      hunk = {
        header: m[0],
        oldStart: +m[1], oldLines: m[2] === undefined ? 1 : +m[2],
        newStart: +m[3], newLines: m[4] === undefined ? 1 : +m[4],
        lines: [],
      };
      hunks.push(hunk);
      oldNo = hunk.oldStart; newNo = hunk.newStart;
      oldLeft = hunk.oldLines; newLeft = hunk.newLines;
      continue;
    }
    // Past what the header promised, `---`/`+++` belong to the next file's header.
    if (!hunk || (oldLeft <= 0 && newLeft <= 0) || line === '') continue;
    const tag = line[0];
    const content = line.slice(1);
    if (tag === '+') {
      hunk.lines.push({ type: 'add', content, oldLine: null, newLine: newNo++ });
      newLeft--;
    } else if (tag === '-') {
      hunk.lines.push({ type: 'remove', content, oldLine: oldNo++, newLine: null });
      oldLeft--;
    } else if (tag === ' ') {
      hunk.lines.push({ type: 'context', content, oldLine: oldNo++, newLine: newNo++ });
      oldLeft--; newLeft--;
    }
  }
  return hunks;
}
