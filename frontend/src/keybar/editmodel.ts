/**
 * The key editor's working model: rows of keys in order (at most three), packed left to
 * right when saved. Pure functions returning new arrays, so the editor can keep undo-free
 * immutable state and tests need no DOM.
 */
import type { TouchKey } from '../state/prefs';
import { COLS, keySpan, layoutKeys, MAX_ROWS, newKeyId } from './keys';

export type Rows = TouchKey[][];

/** Stored keys → rows, in the order the bar shows them. */
export function toRows(keys: TouchKey[]): Rows {
  const rows: Rows = [];
  for (const p of layoutKeys(keys)) {
    (rows[p.row - 1] ??= []).push({ ...p.key });
  }
  return rows;
}

/** Rows → keys with row/col set: rows renumbered 1…n, columns packed from 1, empty rows gone. */
export function fromRows(rows: Rows): TouchKey[] {
  const out: TouchKey[] = [];
  rows.filter((r) => r.length > 0).forEach((row, r) => {
    let col = 1;
    for (const k of row) {
      out.push({ ...k, row: r + 1, col });
      col += keySpan(k);
    }
  });
  return out;
}

export function rowWidth(row: TouchKey[]): number {
  return row.reduce((n, k) => n + keySpan(k), 0);
}

export function find(rows: Rows, id: string): { r: number; i: number } | null {
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r].findIndex((k) => k.id === id);
    if (i >= 0) return { r, i };
  }
  return null;
}

const clean = (rows: Rows): Rows => rows.filter((r) => r.length > 0);

/** Swap a key with its neighbour in the same row (dir −1 left, +1 right). */
export function moveInRow(rows: Rows, id: string, dir: -1 | 1): Rows {
  const at = find(rows, id);
  if (!at) return rows;
  const j = at.i + dir;
  if (j < 0 || j >= rows[at.r].length) return rows;
  const row = [...rows[at.r]];
  [row[at.i], row[j]] = [row[j], row[at.i]];
  return rows.map((x, r) => (r === at.r ? row : x));
}

/** Move a key to the end of the row above or below; moving below the last row opens a new one. */
export function moveToRow(rows: Rows, id: string, dir: -1 | 1): Rows {
  const at = find(rows, id);
  if (!at) return rows;
  const target = at.r + dir;
  if (target < 0 || target >= MAX_ROWS) return rows;
  if (target >= rows.length && rows[at.r].length === 1) return rows; // it would only swap places with nothing
  const next = rows.map((x) => [...x]);
  const [key] = next[at.r].splice(at.i, 1);
  (next[target] ??= []).push(key);
  return clean(next);
}

/**
 * Move a key to row `r` (a new last row when `r` is one past the end), before the key now at
 * index `i` of that row (the end when `i` is past it): the key editor's drag and drop.
 * Returns `rows` unchanged when the key would not fit in that row.
 */
export function moveTo(rows: Rows, id: string, r: number, i: number): Rows {
  const at = find(rows, id);
  if (!at || r < 0 || r >= MAX_ROWS || r > rows.length) return rows;
  const next = rows.map((x) => [...x]);
  const [key] = next[at.r].splice(at.i, 1);
  const target = (next[r] ??= []);
  if (at.r !== r && rowWidth(target) + keySpan(key) > COLS) return rows;
  const index = at.r === r && at.i < i ? i - 1 : i;
  target.splice(Math.max(0, Math.min(index, target.length)), 0, key);
  return clean(next);
}

/** Replace one key's fields. */
export function updateKey(rows: Rows, id: string, patch: Partial<TouchKey>): Rows {
  return rows.map((row) => row.map((k) => (k.id === id ? dropEmpty({ ...k, ...patch }) : k)));
}

/** Leave out fields set to undefined or '' so the stored key stays minimal. */
function dropEmpty(k: TouchKey): TouchKey {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(k)) if (value !== undefined && value !== '') out[name] = value;
  return out as unknown as TouchKey;
}

export function removeKey(rows: Rows, id: string): Rows {
  return clean(rows.map((row) => row.filter((k) => k.id !== id)));
}

/**
 * Add a key in the first row with room (a new row when none has, up to three).
 * Returns null when the bar is full.
 */
export function addKey(rows: Rows, key: Omit<TouchKey, 'id'>): { rows: Rows; id: string } | null {
  const id = newKeyId(rows.flat());
  const k: TouchKey = { id, ...key };
  const r = rows.findIndex((row) => rowWidth(row) + keySpan(k) <= COLS);
  if (r >= 0) return { rows: rows.map((row, i) => (i === r ? [...row, k] : row)), id };
  if (rows.length >= MAX_ROWS) return null;
  return { rows: [...rows, [k]], id };
}
