import { describe, expect, it } from 'vitest';
import { markRead, trackActivity } from './activity';

describe('trackActivity', () => {
  const allHidden = () => true;

  it('never marks a session seen for the first time', () => {
    const r = trackActivity([{ id: 'a', lastActivity: 5 }], {}, new Set(), allHidden);
    expect(r.activity).toEqual({ a: 5 });
    expect([...r.unread]).toEqual([]);
  });

  it('marks a hidden session whose activity moved, not a shown one', () => {
    const list = [
      { id: 'a', lastActivity: 6 },
      { id: 'b', lastActivity: 9 },
      { id: 'c', lastActivity: 1 },
    ];
    const r = trackActivity(list, { a: 5, b: 8, c: 1 }, new Set(), (id) => id !== 'b');
    expect([...r.unread]).toEqual(['a']);
  });

  it('keeps earlier marks and does not mutate the input set', () => {
    const before = new Set(['x']);
    const r = trackActivity([{ id: 'a', lastActivity: '2' }], { a: '1' }, before, allHidden);
    expect([...r.unread].sort()).toEqual(['a', 'x']);
    expect([...before]).toEqual(['x']);
  });
});

describe('markRead', () => {
  it('returns the same set when there is nothing to clear', () => {
    const s = new Set(['a']);
    expect(markRead(s, 'b')).toBe(s);
  });

  it('returns a copy without the id', () => {
    const s = new Set(['a', 'b']);
    expect([...markRead(s, 'a')]).toEqual(['b']);
    expect(s.has('a')).toBe(true);
  });
});
