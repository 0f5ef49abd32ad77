import { describe, expect, it } from 'vitest';
import {
  castMarks,
  completeLines,
  playerColours,
  formatDuration,
  formatStart,
  nextMark,
  markBefore,
  previousMark,
  recordedSessions,
  recordingTitle,
} from './format';

const HEADER = '{"version": 2, "width": 80, "height": 24, "timestamp": 1}';
const cast = (...events: unknown[][]) => [HEADER, ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';

describe('formatDuration', () => {
  it('reads minutes and seconds, and hours when there are any', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7.9)).toBe('0:07');
    expect(formatDuration(723)).toBe('12:03');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
  it('shows a dash for an unknown length', () => {
    expect(formatDuration(Number.NaN)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
  });
});

describe('formatStart', () => {
  const now = new Date(2026, 11, 7, 18, 0);
  it('gives the time alone today, the date too on other days', () => {
    expect(formatStart(new Date(2026, 11, 7, 9, 5).toISOString(), now)).toBe('09:05');
    expect(formatStart(new Date(2026, 11, 6, 23, 59).toISOString(), now)).toBe('6 Dec 23:59');
    expect(formatStart(new Date(2025, 0, 2, 8, 0).toISOString(), now)).toBe('2 Jan 2025 08:00');
  });
  it('is empty for an unreadable date', () => {
    expect(formatStart('not a date', now)).toBe('');
  });
});

describe('castMarks', () => {
  it('lists the m events in order with their kinds', () => {
    const text = cast(
      [0.1, 'o', '$ '],
      [0.5, 'm', '$ ls -la'],
      [0.6, 'o', 'total 0\r\n'],
      [0.7, 'm', 'exit 0'],
      [1.2, 'm', '$'],
      [1.4, 'm', 'exit 2'],
      [1.5, 'm', 'recording full: continued in part 2'],
    );
    expect(castMarks(text)).toEqual([
      { index: 0, time: 0.5, label: '$ ls -la', kind: 'command', failed: false },
      { index: 1, time: 0.7, label: 'exit 0', kind: 'exit', failed: false },
      { index: 2, time: 1.2, label: '$', kind: 'command', failed: false },
      { index: 3, time: 1.4, label: 'exit 2', kind: 'exit', failed: true },
      { index: 4, time: 1.5, label: 'recording full: continued in part 2', kind: 'note', failed: false },
    ]);
  });

  it('shortens idle gaps between any two events to the limit, as the player does', () => {
    const text = cast([1, 'o', 'a'], [11, 'r', '100x30'], [12, 'm', '$ make'], [40, 'i', 'q'], [41, 'm', 'exit 1']);
    // 1 s, then 10 s cut to 3, then 1 s, then 28 s cut to 3, then 1 s.
    expect(castMarks(text, 3).map((m) => m.time)).toEqual([5, 9]);
    expect(castMarks(text).map((m) => m.time)).toEqual([12, 41]);
  });

  it('skips unreadable lines and a torn last line', () => {
    const text = `${HEADER}\n[0.5, "m", "$ a"]\nnot json\n{"x": 1}\n\n[1.0, "m", "exit 0"]\n[1.2, "m", "$ b`;
    expect(castMarks(text).map((m) => m.label)).toEqual(['$ a', 'exit 0']);
  });

  it('reads any JSON number as a time, and a mark without text as an empty label', () => {
    const text = `${HEADER}\n[1e-1, "o", "a"]\n[ 2.5 , "m" , null]\n[3E0, "m", "exit 0"]\n`;
    expect(castMarks(text).map((m) => [m.time, m.label, m.kind])).toEqual([
      [2.5, '', 'note'],
      [3, 'exit 0', 'exit'],
    ]);
  });

  it('is empty for a recording without marks', () => {
    expect(castMarks(cast([0.1, 'o', 'hi']))).toEqual([]);
    expect(castMarks('')).toEqual([]);
  });
});

describe('previousMark and nextMark', () => {
  const marks = castMarks(cast([2, 'm', '$ a'], [5, 'm', 'exit 0'], [9, 'm', '$ b']));
  it('step to the neighbouring marks', () => {
    expect(nextMark(marks, 0)?.label).toBe('$ a');
    expect(nextMark(marks, 2)?.label).toBe('exit 0');
    expect(nextMark(marks, 9)).toBeNull();
    expect(previousMark(marks, 9.5)?.label).toBe('exit 0'); // $ b is "here": skip it
    expect(previousMark(marks, 7)?.label).toBe('exit 0');
    expect(previousMark(marks, 2.5)).toBeNull();
  });
  it('step back from a mark to the one before it, however close', () => {
    const quick = castMarks(cast([2, 'm', '$ a'], [2.4, 'm', 'exit 0'], [2.6, 'm', '$ b']));
    expect(markBefore(quick, 2.6, quick[2])?.label).toBe('exit 0');
    expect(markBefore(quick, 2.4, quick[1])?.label).toBe('$ a');
    expect(markBefore(quick, 2, quick[0])).toBeNull();
    // Not at a mark: the last one more than a second back.
    expect(markBefore(marks, 9.5, marks[2])?.label).toBe('exit 0');
  });
});

describe('list helpers', () => {
  it('names a rotated part', () => {
    expect(recordingTitle({ sessionName: 'api', part: 1 })).toBe('api');
    expect(recordingTitle({ sessionName: 'api', part: 3 })).toBe('api · part 3');
  });
  it('lists each recorded session once', () => {
    const list = [
      { sessionId: 'b', sessionName: 'web' },
      { sessionId: 'a', sessionName: 'api' },
      { sessionId: 'b', sessionName: 'web' },
    ];
    expect(recordedSessions(list)).toEqual([
      { id: 'b', name: 'web' },
      { id: 'a', name: 'api' },
    ]);
  });
});

describe('completeLines', () => {
  it('drops a torn last line and keeps whole ones', () => {
    expect(completeLines('a\nb\nc')).toBe('a\nb\n');
    expect(completeLines('a\nb\n')).toBe('a\nb\n');
    expect(completeLines('abc')).toBe('abc');
  });
});

describe('playerColours', () => {
  it('maps the theme to the player variables, in ANSI order', () => {
    const vars = playerColours({ foreground: '#eee', background: '#111', black: '#000', red: '#f00', brightWhite: '#fff' });
    expect(vars).toEqual({ '--rp-fg': '#eee', '--rp-bg': '#111', '--rp-0': '#000', '--rp-1': '#f00', '--rp-15': '#fff' });
  });
});
