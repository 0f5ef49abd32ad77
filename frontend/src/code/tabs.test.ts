import { describe, expect, it } from 'vitest';
import { activeTab, closeTab, cycle, noTabs, openTab, tabKey, tabLabel, type Tab } from './tabs';

const f = (path: string): Tab => ({ kind: 'file', path });

describe('tabs', () => {
  it('opens after the active tab and never twice', () => {
    let s = openTab(noTabs, f('a'));
    s = openTab(s, f('b'));
    s = openTab(s, { kind: 'file', path: 'a' });
    expect(s.active).toBe('file:a');
    s = openTab(s, f('c'));
    expect(s.list.map((t) => t.path)).toEqual(['a', 'c', 'b']);
    expect(s.list).toHaveLength(3);
  });

  it('keeps a file and its diffs apart', () => {
    let s = openTab(noTabs, f('x.py'));
    s = openTab(s, { kind: 'diff', path: 'x.py', diff: 'staged' });
    s = openTab(s, { kind: 'diff', path: 'x.py', diff: 'unstaged' });
    expect(s.list.map(tabKey)).toEqual(['file:x.py', 'diff:staged:x.py', 'diff:unstaged:x.py']);
    expect(tabLabel(s.list[1])).toBe('x.py (staged)');
    expect(activeTab(s)).toEqual({ kind: 'diff', path: 'x.py', diff: 'unstaged' });
  });

  it('activates a neighbour when the active tab closes', () => {
    let s = [f('a'), f('b'), f('c')].reduce(openTab, noTabs);
    s = { ...s, active: 'file:b' };
    expect(closeTab(s, 'file:b').active).toBe('file:c');
    expect(closeTab({ ...s, active: 'file:c' }, 'file:c').active).toBe('file:b');
    expect(closeTab(s, 'file:a').active).toBe('file:b');
    expect(closeTab(openTab(noTabs, f('z')), 'file:z')).toEqual(noTabs);
    expect(closeTab(s, 'file:nope')).toBe(s);
  });

  it('cycles with wrap-around', () => {
    const s = { ...[f('a'), f('b'), f('c')].reduce(openTab, noTabs), active: 'file:a' };
    expect(cycle(s, 1)).toBe('file:b');
    expect(cycle(s, -1)).toBe('file:c');
    expect(cycle(noTabs, 1)).toBeNull();
  });
});
