import { describe, expect, it } from 'vitest';
import type { TouchKey } from '../state/prefs';
import { addKey, find, fromRows, moveInRow, moveTo, moveToRow, removeKey, rowWidth, toRows, updateKey, type Rows } from './editmodel';
import { DEFAULT_KEYS, validateKeys } from './keys';

const key = (id: string, size = 1): TouchKey => ({ id, label: id, send: id, size });
const ids = (rows: TouchKey[][]) => rows.map((r) => r.map((k) => k.id));

describe('toRows / fromRows', () => {
  it('round-trips the default layout exactly', () => {
    expect(fromRows(toRows(DEFAULT_KEYS))).toEqual(DEFAULT_KEYS.map((k) => ({ ...k })));
  });
  it('packs columns and renumbers rows, dropping empty ones', () => {
    const keys = fromRows([[key('a', 2), key('b')], [], [key('c')]]);
    expect(keys.map((k) => [k.id, k.row, k.col])).toEqual([
      ['a', 1, 1],
      ['b', 1, 3],
      ['c', 2, 1],
    ]);
    expect(validateKeys(keys)).toEqual([]);
  });
});

describe('moving keys', () => {
  const rows = [[key('a'), key('b'), key('c')], [key('d')]];
  it('swaps within a row and stops at the ends', () => {
    expect(ids(moveInRow(rows, 'b', -1))).toEqual([['b', 'a', 'c'], ['d']]);
    expect(moveInRow(rows, 'c', 1)).toBe(rows);
    expect(moveInRow(rows, 'a', -1)).toBe(rows);
  });
  it('moves between rows and removes emptied rows', () => {
    expect(ids(moveToRow(rows, 'a', 1))).toEqual([['b', 'c'], ['d', 'a']]);
    expect(ids(moveToRow(rows, 'd', -1))).toEqual([['a', 'b', 'c', 'd']]);
    expect(ids(moveToRow(rows, 'b', 1))).toEqual([['a', 'c'], ['d', 'b']]);
  });
  it('opens a third row but never a fourth', () => {
    const two = moveToRow(rows, 'a', 1);
    const three = moveToRow(two, 'a', 1);
    expect(ids(three)).toEqual([['b', 'c'], ['d'], ['a']]);
    expect(moveToRow(three, 'a', 1)).toBe(three);
    expect(moveToRow(rows, 'a', -1)).toBe(rows);
  });
  it('does not move a lone key into an empty new row', () => {
    expect(moveToRow(rows, 'd', 1)).toBe(rows);
  });
});

describe('editing', () => {
  it('updates fields and drops cleared ones', () => {
    const rows = updateKey([[key('a')]], 'a', { label: 'X', send: '' });
    expect(rows[0][0]).toEqual({ id: 'a', label: 'X', size: 1 });
  });
  it('removes keys and empty rows', () => {
    expect(ids(removeKey([[key('a')], [key('b')]], 'a'))).toEqual([['b']]);
  });
  it('adds where there is room, then in a new row, then refuses', () => {
    let rows = [[key('a', 7)]];
    let added = addKey(rows, { label: 'n', send: 'n' })!;
    expect(ids(added.rows)).toEqual([['a', added.id]]);
    rows = [[key('a', 8)], [key('b', 8)]];
    added = addKey(rows, { label: 'n', send: 'n' })!;
    expect(find(added.rows, added.id)).toEqual({ r: 2, i: 0 });
    expect(addKey(added.rows.map((r) => r.map((k) => ({ ...k, size: 8 }))), { label: 'n', send: 'n' })).toBeNull();
  });
  it('measures rows in columns', () => {
    expect(rowWidth([key('a', 2), key('b')])).toBe(3);
  });
});

describe('drag and drop (moveTo)', () => {
  const rows = (): Rows => [[key('a'), key('b'), key('c')], [key('d')]];
  const flat = (r: Rows) => r.map((row) => row.map((x) => x.id).join('')).join('|');

  it('moves a key before another in its row, either way', () => {
    expect(flat(moveTo(rows(), 'a', 0, 2))).toBe('bac|d');
    expect(flat(moveTo(rows(), 'c', 0, 0))).toBe('cab|d');
    expect(flat(moveTo(rows(), 'a', 0, 3))).toBe('bca|d');
  });

  it('moves a key to another row, or to a new last row, and drops emptied rows', () => {
    expect(flat(moveTo(rows(), 'b', 1, 0))).toBe('ac|bd');
    expect(flat(moveTo(rows(), 'd', 0, 1))).toBe('adbc');
    expect(flat(moveTo(rows(), 'a', 2, 0))).toBe('bc|d|a');
  });

  it('refuses a row without room and targets past the third row', () => {
    const full: Rows = [[key('w', 8)], [key('x')]];
    expect(moveTo(full, 'x', 0, 0)).toBe(full);
    expect(moveTo(rows(), 'a', 3, 0)).toEqual(rows());
    expect(moveTo(rows(), 'zz', 0, 0)).toEqual(rows());
  });
});
