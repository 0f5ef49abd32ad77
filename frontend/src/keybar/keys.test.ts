import { describe, expect, it } from 'vitest';
import type { TouchKey } from '../state/prefs';
import { bufferText } from './buffertext';
import {
  DEFAULT_KEYS, effectiveKeys, escapePayload, keyLabel, keyName, keySpan, keyStyle, layoutKeys,
  newKeyId, sequenceName, SEQUENCES, unescapePayload, validateKeys,
} from './keys';

describe('DEFAULT_KEYS', () => {
  it('is the original layout: two full rows of eight columns', () => {
    const placed = layoutKeys(DEFAULT_KEYS);
    expect(placed).toHaveLength(DEFAULT_KEYS.length);
    const row = (r: number) => placed.filter((p) => p.row === r).map((p) => keyLabel(p.key));
    expect(row(1)).toEqual(['Esc', 'Copy', 'Paste', 'Home', 'End', '↑', '↵']);
    expect(row(2)).toEqual(['Ctrl', 'Shift', 'Tab', '^C', '←', '↓', '→', 'Mic']);
    for (const r of [1, 2]) {
      expect(placed.filter((p) => p.row === r).reduce((n, p) => n + p.span, 0)).toBe(8);
    }
  });
  it('passes the server limits', () => {
    expect(validateKeys(DEFAULT_KEYS)).toEqual([]);
  });
  it('sends the documented bytes', () => {
    const send = Object.fromEntries(DEFAULT_KEYS.map((k) => [k.id, k.send]));
    expect(send.home).toBe('\x1b[H');
    expect(send.end).toBe('\x1b[F');
    expect(send['ctrl-c']).toBe('\x03');
    expect(send.enter).toBe('\r');
  });
  it('names every key for screen readers', () => {
    const names = DEFAULT_KEYS.map(keyName);
    expect(names).toEqual([
      'Escape', 'Copy terminal text', 'Paste', 'Home', 'End', 'Arrow up', 'Enter',
      'Control', 'Shift', 'Tab', 'Control C', 'Arrow left', 'Arrow down', 'Arrow right', 'Voice input',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('effectiveKeys', () => {
  it('falls back to the defaults for null or empty', () => {
    expect(effectiveKeys(null)).toBe(DEFAULT_KEYS);
    expect(effectiveKeys([])).toBe(DEFAULT_KEYS);
    const mine: TouchKey[] = [{ id: 'a', label: 'A', send: 'a' }];
    expect(effectiveKeys(mine)).toBe(mine);
  });
});

describe('layoutKeys', () => {
  it('pushes overlapping keys right and drops what does not fit', () => {
    const keys: TouchKey[] = [
      { id: 'a', label: 'a', send: 'a', row: 1, col: 1, size: 4 },
      { id: 'b', label: 'b', send: 'b', row: 1, col: 2, size: 3 },
      { id: 'c', label: 'c', send: 'c', row: 1, col: 7, size: 2 },
    ];
    const placed = layoutKeys(keys);
    expect(placed.map((p) => [p.key.id, p.col, p.span])).toEqual([
      ['a', 1, 4],
      ['b', 5, 3],
    ]);
  });
  it('collapses empty rows and flows keys without a position', () => {
    const keys: TouchKey[] = [
      { id: 'x', label: 'x', send: 'x', row: 3 },
      { id: 'y', label: 'y', send: 'y', row: 3 },
      { id: 'z', label: 'z', send: 'z' },
    ];
    const placed = layoutKeys(keys);
    expect(placed.map((p) => [p.key.id, p.row, p.col])).toEqual([
      ['z', 1, 1],
      ['x', 2, 1],
      ['y', 2, 2],
    ]);
  });
  it('rounds fractional sizes', () => {
    expect(keySpan({ id: 'a', size: 1.5 })).toBe(2);
    expect(keySpan({ id: 'a', size: 20 })).toBe(8);
    expect(keySpan({ id: 'a' })).toBe(1);
  });
});

describe('validateKeys', () => {
  const k = (over: Partial<TouchKey>): TouchKey => ({ id: 'k', label: 'K', send: 'k', row: 1, col: 1, ...over });
  it('enforces the server limits', () => {
    expect(validateKeys([k({ label: 'x'.repeat(17) })])[0]).toMatch(/label/);
    expect(validateKeys([k({ send: 'x'.repeat(65) })])[0]).toMatch(/payload/);
    expect(validateKeys([k({ row: 4 })])[0]).toMatch(/row/);
    expect(validateKeys([k({ col: 0 })])[0]).toMatch(/column/);
    expect(validateKeys([k({ col: 8, size: 2 })])[0]).toMatch(/fit/);
    expect(validateKeys([k({ size: 9 })])[0]).toMatch(/width/);
    expect(validateKeys([k({ bg: 'red' })])[0]).toMatch(/colour/);
    expect(validateKeys([k({ id: '' })])[0]).toMatch(/id/);
    expect(validateKeys([k({ label: '', send: 'x' })])[0]).toMatch(/label/);
    expect(validateKeys([k({ send: '' })])[0]).toMatch(/sends nothing/);
  });
  it('counts characters, not UTF-16 units', () => {
    expect(validateKeys([k({ label: '😀'.repeat(16) })])).toEqual([]);
  });
  it('finds duplicates, overlaps and too many keys', () => {
    expect(validateKeys([k({}), k({ col: 2 })]).join()).toMatch(/duplicate/);
    expect(validateKeys([k({ size: 2 }), k({ id: 'j', col: 2 })]).join()).toMatch(/overlaps/);
    const many = Array.from({ length: 33 }, (_, i) => k({ id: `k${i}`, row: 1 + (i % 3), col: 1 }));
    expect(validateKeys(many)[0]).toMatch(/At most 32/);
  });
  it('accepts action and modifier keys without a payload', () => {
    expect(validateKeys([{ id: 'm', action: 'mic' }, { id: 'c', modifier: 'ctrl', col: 2 }])).toEqual([]);
  });
});

describe('names and styles', () => {
  it('names catalogue sequences and Alt combinations', () => {
    expect(sequenceName('\x1b[5~')).toBe('Page up');
    expect(sequenceName('\x1b[24~')).toBe('F12');
    expect(sequenceName('\x1a')).toBe('Control Z');
    expect(sequenceName('\x1bf')).toBe('Alt f');
    expect(sequenceName('ls')).toBeNull();
  });
  it('has F1–F12 and Ctrl+A–Z in the picker', () => {
    expect(SEQUENCES.filter((s) => s.group === 'Function keys')).toHaveLength(12);
    expect(SEQUENCES.filter((s) => s.group === 'Ctrl')).toHaveLength(26);
  });
  it('uses a custom label when there is no sequence name', () => {
    expect(keyName({ id: 'a', label: 'gs', send: 'git status\r' })).toBe('gs');
    expect(keyLabel({ id: 'a', send: '\x1b[6~' })).toBe('PgDn');
  });
  it('maps legacy styles', () => {
    expect(keyStyle({ id: 'a', style: 'enter' })).toBe('accent');
    expect(keyStyle({ id: 'a', style: 'modifier' })).toBe('plain');
    expect(keyStyle({ id: 'a', style: 'danger' })).toBe('danger');
  });
  it('makes unused ids', () => {
    expect(newKeyId([{ id: 'key-2' }])).toBe('key-3');
    expect(newKeyId([{ id: 'key-1' }, { id: 'key-2' }])).toBe('key-3');
  });
});

describe('escapePayload / unescapePayload', () => {
  it('round-trips control characters', () => {
    const raw = '\x1b[A\r\n\t\\x\x01\x7f';
    expect(escapePayload(raw)).toBe('\\e[A\\r\\n\\t\\\\x\\x01\\x7f');
    expect(unescapePayload(escapePayload(raw))).toBe(raw);
  });
  it('keeps unknown escapes literally', () => {
    expect(unescapePayload('a\\qb')).toBe('a\\qb');
    expect(unescapePayload('\\e[1;5A')).toBe('\x1b[1;5A');
  });
});

describe('bufferText', () => {
  const line = (text: string, isWrapped = false) => ({ isWrapped, translateToString: () => text });
  it('joins wrapped rows and drops trailing blank rows', () => {
    const rows = [line('$ echo aaaa'), line('bbbb', true), line('out'), line(''), line('$'), line(''), line('')];
    expect(bufferText({ length: rows.length, getLine: (y) => rows[y] })).toBe('$ echo aaaabbbb\nout\n\n$');
  });
  it('is empty for an empty buffer', () => {
    expect(bufferText({ length: 0, getLine: () => undefined })).toBe('');
  });
});
