import { describe, expect, it } from 'vitest';
import { blameTitle, groupBlame, relativeDate, type BlameLine } from './blame';

const line = (n: number, commit: string | null, author = 'Ann'): BlameLine => ({
  line: n, content: `l${n}`, commit, author, date: '2025-01-01T00:00:00.000Z', summary: `s-${commit}`,
});

describe('groupBlame', () => {
  it('joins consecutive lines of one commit', () => {
    const g = groupBlame([line(1, 'a'), line(2, 'a'), line(3, 'b', 'Bob'), line(4, 'a'), line(5, null, 'Not Committed Yet')]);
    expect(g.map((x) => [x.commit, x.start, x.count, x.author])).toEqual([
      ['a', 1, 2, 'Ann'], ['b', 3, 1, 'Bob'], ['a', 4, 1, 'Ann'], [null, 5, 1, 'Not Committed Yet'],
    ]);
  });
  it('splits on a gap in line numbers', () => {
    expect(groupBlame([line(1, 'a'), line(3, 'a')]).map((x) => x.start)).toEqual([1, 3]);
  });
  it('is empty for no lines', () => {
    expect(groupBlame([])).toEqual([]);
  });
});

describe('relativeDate', () => {
  const now = Date.parse('2025-03-10T12:00:00Z');
  it('picks the largest whole unit', () => {
    expect(relativeDate('2025-03-10T11:59:30Z', now)).toBe('just now');
    expect(relativeDate('2025-03-10T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeDate('2025-03-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeDate('2025-03-09T12:00:00Z', now)).toBe('yesterday');
    expect(relativeDate('2025-02-20T12:00:00Z', now)).toBe('2 weeks ago');
    expect(relativeDate('2023-03-01T12:00:00Z', now)).toBe('2 years ago');
  });
  it('is empty for missing or bad dates', () => {
    expect(relativeDate(null, now)).toBe('');
    expect(relativeDate('nope', now)).toBe('');
  });
});

describe('blameTitle', () => {
  it('names the commit and its subject', () => {
    const [g] = groupBlame([line(1, 'abc1234')]);
    expect(blameTitle(g)).toMatch(/^abc1234 · Ann · .*\ns-abc1234$/);
    const [u] = groupBlame([{ ...line(1, null, 'Not Committed Yet'), summary: 'Uncommitted changes' }]);
    expect(blameTitle(u)).toBe('Not Committed Yet\nUncommitted changes');
  });
});
